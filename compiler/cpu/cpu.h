/*
 * cpu.h: the host CPU backend, private to compiler/cpu and its callers.
 *
 * cpu_emit() lowers the loop IR to an LLVM module holding one kernel with the
 * runtime's C ABI (docs/runtime.md):
 *   int64_t <sym>_count(const int64_t *sizes);
 *   int     <sym>_run(void *const *tensors, const int64_t *sizes, int64_t begin, int64_t end);
 *   const char <sym>_desc[];
 * cpu_target() makes the host's target machine (its CPU name and features);
 * lg_optimize() (llvmgen.h) runs LLVM's O3 pipeline for it.
 */
#ifndef SYSC_CPU_H
#define SYSC_CPU_H

#include "sysc.h"

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

/* The kernel's symbol prefix: sysk_<kernel>_<mapping>. */
char *cpu_symbol(Arena *a, const Map *mp);
/* The description text of the ABI (tensors, types, extents as affine forms, the
 * sizes it was compiled for). */
char *cpu_desc(Arena *a, const LoopProg *lp, const char *target);

LLVMModuleRef cpu_emit(Arena *a, const LoopProg *lp, LLVMContextRef ctx, const char *sym);
LLVMTargetMachineRef cpu_target(char **err);

/* A mapping ready for code generation: its loop IR and symbol prefix. */
typedef struct {
	const LoopProg *lp;
	const char *sym;
} CpuJob;

/* The mappings of kernel `kernel` (or of all kernels; or the one named) that the host
 * can compile, in the spec's order, with the sizes `specialize` names as constants;
 * the others are reported on stderr and counted in *failed. */
int cpu_jobs(Arena *a, Diag *d, Program *p, const char *kernel, const char *mapping, const char *specialize,
             CpuJob **jobs, int *failed);

/* The object file (or its assembly text) of the n jobs, each compiled in its own LLVM
 * context on one of `threads` threads (0: one per job, up to 4 per core), in *data
 * (malloc'd, *len bytes); the same bytes for any number of threads. False with a
 * message in err. */
bool cpu_object(const CpuJob *jobs, int n, int threads, bool assembly, char **data, size_t *len, char *err,
                size_t errlen);

/* Compiles the mappings of kernel `kernel` (or of all kernels; or the one named)
 * for the host into one module in ctx, with the sizes `specialize` names ("R=3,S=3",
 * or NULL) as constants. Mappings that cannot be compiled are reported on stderr
 * and counted in *failed; NULL when none could be. */
LLVMModuleRef cpu_compile(Arena *a, Diag *d, Program *p, const char *kernel, const char *mapping,
                          const char *specialize, LLVMContextRef ctx, LLVMTargetMachineRef tm, int *nkernels,
                          int *failed);

#endif
