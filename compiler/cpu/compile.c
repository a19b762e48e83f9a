/*
 * compile.c: the host pipeline for a checked program, in order:
 *   map_build (legality) -> lower_map (loop IR) -> cpu_emit (LLVM IR)
 *   -> link the kernels into one module -> lg_optimize (O3 for the host CPU).
 * (object.c runs the last steps on threads, one module per mapping.)
 * A mapping that cannot be compiled is reported and left out; *failed counts them.
 */
#include "cpu.h"
#include "llvmgen.h"

#include <llvm-c/Linker.h>

#include <stdio.h>
#include <string.h>

/* The loop IR of mapping m, or NULL (reported) where the host cannot compile it. */
static const LoopProg *prepare(Arena *a, Diag *d, Mapping *m, const char *specialize)
{
	Map *mp = map_build(a, d, ure_lower(a, m->kernel), m);
	if (!mp)
		return NULL;
	const char *why = NULL;
	LoopProg *lp = lower_map(a, mp, NULL, NULL, &why);
	if (!lp) {
		fprintf(stderr, "sysc: error: mapping '%s' of '%s': the host backend cannot compile it yet: %s\n", m->name,
		        m->kernel->name, why);
		return NULL;
	}
	char err[160];
	if (!lower_specialize(lp, specialize, err, sizeof err)) {
		fprintf(stderr, "sysc: error: --specialize: %s\n", err);
		return NULL;
	}
	const char *bad = lg_types_refused(a, lp);
	if (bad) {
		fprintf(stderr, "sysc: error: mapping '%s' of '%s': the host backend cannot compile it yet: %s\n", m->name,
		        m->kernel->name, bad);
		return NULL;
	}
	return lp;
}

int cpu_jobs(Arena *a, Diag *d, Program *p, const char *kernel, const char *mapping, const char *specialize,
             CpuJob **jobs, int *failed)
{
	int n = 0, max = 0;
	*failed = 0;
	for (Mapping *m = p->mappings; m; m = m->next)
		max++;
	*jobs = ARENA_ARRAY(a, CpuJob, max ? max : 1);
	for (Mapping *m = p->mappings; m; m = m->next) {
		if ((mapping && strcmp(mapping, m->name) != 0) || (kernel && strcmp(kernel, m->kernel->name) != 0))
			continue;
		const LoopProg *lp = prepare(a, d, m, specialize);
		if (!lp) {
			(*failed)++;
			continue;
		}
		(*jobs)[n++] = (CpuJob){lp, cpu_symbol(a, lp->mp)};
	}
	if (!n && !*failed)
		fprintf(stderr, "sysc: error: no mapping to compile%s%s\n", mapping ? " named " : "", mapping ? mapping : "");
	return n;
}

LLVMModuleRef cpu_compile(Arena *a, Diag *d, Program *p, const char *kernel, const char *mapping,
                          const char *specialize, LLVMContextRef ctx, LLVMTargetMachineRef tm, int *nkernels,
                          int *failed)
{
	CpuJob *jobs;
	int n = cpu_jobs(a, d, p, kernel, mapping, specialize, &jobs, failed);
	*nkernels = n;
	if (!n)
		return NULL;
	LLVMModuleRef mod = cpu_emit(a, jobs[0].lp, ctx, jobs[0].sym);
	for (int i = 1; i < n; i++)
		if (LLVMLinkModules2(mod, cpu_emit(a, jobs[i].lp, ctx, jobs[i].sym)))
			sysc_bug("linking kernel '%s' failed", jobs[i].sym);
	char *err = NULL;
	if (!lg_optimize(mod, tm, &err)) {
		fprintf(stderr, "sysc: internal error: the generated module is invalid: %s\n", err ? err : "");
		LLVMDisposeMessage(err);
		LLVMDisposeModule(mod);
		return NULL;
	}
	return mod;
}
