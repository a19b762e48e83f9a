/*
 * gpu.h: the GPU backends' private header, shared by compiler/gpu (the lowering of the
 * loop IR that every GPU target uses), compiler/ptx and compiler/spv (the targets).
 *
 * One work item of the loop IR (one array: a parallel tile) is a group of threads, one
 * per lane; register rows stay unrolled as scalars in each thread, links are phis
 * carried across time steps, and a lane shift is an exchange between the threads of
 * the array: a warp shuffle (PTX), a sub-group shuffle or a trip through local memory
 * with barriers (SPIR-V). What differs between targets is data: a GpuTarget of hooks,
 * filled by ptx/target.c and spv/target.c (QBE's struct Target).
 *
 * The kernel ABI (docs/backends.md): for each mapping M of kernel K one entry point
 * sysk_K_M(tensor pointers..., sizes as i64..., [scratch pointer,] i64 first item),
 * launched with groups of `group` threads, each group running `per_group` work items;
 * its description text is embedded in the module (PTX comments, SPIR-V OpString).
 */
#ifndef SYSC_GPU_H
#define SYSC_GPU_H

#include "sysc.h"

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

/* How the threads of one array exchange values for a lane shift. */
typedef enum {
	GPU_SHUFFLE_WARP,     /* PTX shfl.sync.up/down within a segment of the warp */
	GPU_SHUFFLE_SUBGROUP, /* OpGroupNonUniformShuffleUp/Down: the array is one sub-group */
	GPU_SHUFFLE_LOCAL,    /* local memory and work-group barriers: the array is the group */
} GpuShuffle;

typedef struct GpuTarget GpuTarget;

/* How one array runs as threads (gpu_layout, codegen.c). */
typedef struct {
	int lanes;     /* of the array (the loop IR's lane dimension) */
	int width;     /* threads per array: lanes, rounded up to a power of two for warps */
	int threads;   /* per group */
	int per_group; /* arrays per group */
	int maxnreg;   /* PTX: registers per thread asked of ptxas (0: its own choice) */
	int unroll;    /* time steps per iteration of the time loop where the pass peels its
	                  first and last (0 or no peel: LLVM's choice; staged panels: a
	                  block of `width` steps, or 2 with inner loops, whatever this
	                  says) */
} GpuLayout;

/* What one compile asks for: the device and the choices made from its capabilities. */
typedef struct {
	const char *gpu;    /* "sm_90"; SPIR-V: a device profile ("intel", "generic") */
	const char *features;
	GpuShuffle shuffle;
	int max_lanes;      /* the most lanes an array may have (a warp, a sub-group) */
	int group_threads;  /* threads per group (PTX blocks); 0: one array per group */
	bool async_copy;    /* copy_async and copy_wait work (PTX cp.async: sm_80 and newer) */
	bool stage;         /* stage the loop IR's panels in local memory (--stage-panels) */
	bool index64;       /* indexes in 64 bits (--index-bits=64); else 32, which the
	                       description's gpu-index32 line asks the runtime to check */
	int max_registers;  /* PTX: registers per thread (--max-registers); 0: layout's rule */
	bool noalias;       /* tensors noalias, inputs readonly (--restrict) */
} GpuOptions;

/* The state of the lowering of one kernel (codegen.c); targets see it through the
 * builder and the ids the hooks return. */
typedef struct GpuCg GpuCg;

struct GpuTarget {
	const char *name;      /* "ptx", "spirv": the `target` of the description */
	const char *triple;
	unsigned global_as;    /* address space of tensors */
	unsigned local_as;     /* of work-group memory */
	LLVMCallConv kernel_cc;
	/* Fills *o for the --gpu name (NULL: the default); false with a message in err. */
	bool (*options)(const char *gpu, GpuOptions *o, char *err, size_t errlen);
	/* The thread's index in its group and the group's index (i32). */
	LLVMValueRef (*thread_id)(GpuCg *g);
	LLVMValueRef (*group_id)(GpuCg *g);
	/* v (f32) of the thread `d` lanes down (d > 0: lane - d) within the array of
	 * `width` lanes (a power of two for PTX); lanes without a source get any value. */
	LLVMValueRef (*shuffle)(GpuCg *g, LLVMValueRef v, int64_t d, int width, LLVMValueRef lane);
	/* A work-group barrier over local memory (GPU_SHUFFLE_LOCAL only). */
	void (*barrier)(GpuCg *g);
	/* Orders the local-memory accesses of the threads of one array of `width` lanes
	 * before it against those after it (the staged panels): bar.warp.sync on the
	 * array's segment of the warp (PTX), a work-group barrier (SPIR-V, where the array
	 * is the group). */
	void (*array_sync)(GpuCg *g, int width);
	/* Starts copying one f32 from src (global) to dst (local), or 0 where ok is false;
	 * copy_wait returns when this thread's copies have landed (GpuOptions.async_copy). */
	void (*copy_async)(GpuCg *g, LLVMValueRef dst, LLVMValueRef src, LLVMValueRef ok);
	void (*copy_wait)(GpuCg *g);
	/* Whether c (uniform in each array) holds in every array of the thread's warp, for
	 * branches that arrays sharing a warp must take together (PTX, where arrays narrower
	 * than a warp share one); NULL where an array is a whole sub-group. */
	LLVMValueRef (*warp_all)(GpuCg *g, LLVMValueRef c);
	/* Marks fn as a kernel launched as lay says (threads per group, registers). */
	void (*kernel_attrs)(GpuCg *g, LLVMValueRef fn, const GpuLayout *lay, int subgroup);
	/* Writes the optimised module (descs: the kernels' description texts, n of them) as
	 * the file a runtime loads; false with a message (*err, to free()). */
	bool (*emit)(LLVMModuleRef mod, LLVMTargetMachineRef tm, const char *const *descs, int n, Buf *out, char **err);
	/* The module as assembly text: PTX, or LLVM's SPIR-V assembly. */
	bool (*emit_asm)(LLVMModuleRef mod, LLVMTargetMachineRef tm, Buf *out, char **err);
};

/* ptx/target.c, spv/target.c */
extern const GpuTarget ptx_target;
extern const GpuTarget spv_target;
/* The target of a --target name ("ptx", "spirv"), or NULL. */
const GpuTarget *gpu_target_named(const char *name);

/* ---- codegen.c: the loop IR to per-thread LLVM IR ---- */

/* The builder, context and module of a lowering, for the target hooks. */
LLVMBuilderRef gpu_builder(GpuCg *g);
LLVMModuleRef gpu_module(GpuCg *g);
const GpuOptions *gpu_options(GpuCg *g);
/* A call of intrinsic `name` (overloaded on over[0..nover-1]). */
LLVMValueRef gpu_intrinsic(GpuCg *g, const char *name, LLVMTypeRef *over, int nover, LLVMValueRef *args, int nargs);
/* A call of an external function (an OpenCL builtin) of the given type. */
LLVMValueRef gpu_call(GpuCg *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *params, int nparams, LLVMValueRef *args,
                      bool convergent);
/* The work-group array the local-memory shuffle exchanges through (max_lanes floats). */
LLVMValueRef gpu_local_lanes(GpuCg *g);

/* The layout of the launch, worked out before code is emitted: why not, or NULL. */
const char *gpu_layout(const LoopProg *lp, const GpuTarget *tg, const GpuOptions *o, GpuLayout *lay);

/* Lowers one mapping into mod as the entry point `sym`; returns its description text
 * (allocated in a). */
char *gpu_emit(Arena *a, const LoopProg *lp, const GpuTarget *tg, const GpuOptions *o, LLVMModuleRef mod,
               const char *sym);

/* ---- compile.c: the pipeline for a program ---- */

/* Compiles the mappings of `kernel` (or all; or the one named) into one module for tg,
 * optimised, in ctx. Mappings that cannot be compiled are reported on stderr and
 * counted in *failed. Sets *descs (n texts, in a). NULL when none could be. */
LLVMModuleRef gpu_compile(Arena *a, Diag *d, Program *p, const char *kernel, const char *mapping,
                          const char *specialize, const GpuTarget *tg, const GpuOptions *o, LLVMContextRef ctx,
                          char ***descs, int *nkernels, int *failed);
/* The target machine for tg and o. */
LLVMTargetMachineRef gpu_machine(const GpuTarget *tg, const GpuOptions *o, char **err);

/* The whole of `sysc build --target=ptx|spirv` for one program: writes the loadable
 * file (emit "obj"), assembly ("asm") or LLVM IR ("llvm") to opt->output ("-":
 * stdout), for opt's kernel, mapping, sizes fixed and choices (gpu_choose). gpu names
 * the device (--gpu, NULL: the target's default). Returns an exit status. */
int gpu_build(Arena *a, Diag *d, Program *p, const Options *opt, const GpuTarget *tg, const char *gpu,
              const char *emit);
/* Sets o's choices from the command line's: panels staged (--[no-]stage-panels; by
 * default where copies are asynchronous, measured there: docs/backends.md) and the
 * index width (--index-bits, 32 by default). */
void gpu_choose(GpuOptions *o, const Options *opt);
/* Appends n bytes (binary) to b. */
void gpu_buf_add(Buf *b, const void *data, size_t n);

/* ---- device.c: for `sysc run` on a GPU of the runtime (sysrt.h) ---- */

struct SysrtContext;
struct SysrtDevice;
struct SysrtModule;
/* Compiles the mappings of `kernel` (or opt's mapping) for dev's target, choosing the
 * lane exchange the device supports, and loads them: the module, or NULL after a
 * message on stdout. opt as for gpu_build. */
struct SysrtModule *gpu_load(Arena *a, Diag *d, Program *p, const char *kernel, const Options *opt,
                             struct SysrtContext *rt, struct SysrtDevice *dev, int *nkernels, int *failed);

/* ---- spv/binary.c: SPIR-V words after LLVM ---- */

/* Rewrites OpConstantNull of scalar types as OpConstant 0 (older SPIR-V readers,
 * llvm-spirv 15 among them, reject the null form for scalars) and adds each
 * description as an OpString. False with a message when the words are not SPIR-V. */
bool spv_finish(const uint32_t *words, size_t n, const char *const *descs, int ndescs, Buf *out, char **err);
/* 0 when no result id of the module's types, constants, variables, functions, their
 * parameters, labels, loads, phis, calls and strings is defined twice; else that id.
 * LLVM 22's SPIR-V backend now and then numbers a label like a type (the module then
 * fails spirv-val, and llvm-spirv 15 aborts on it); emit() compiles such a module again. */
uint32_t spv_duplicate_id(const uint32_t *words, size_t n);

#endif
