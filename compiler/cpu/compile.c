/*
 * compile.c: the host pipeline for a checked program, in order:
 *   map_build (legality) -> lower_map (loop IR) -> cpu_emit (LLVM IR)
 *   -> link the kernels into one module -> cpu_optimize (O3 for the host CPU).
 * A mapping that cannot be compiled is reported and left out; *failed counts them.
 */
#include "cpu.h"

#include <llvm-c/Linker.h>

#include <stdio.h>
#include <string.h>

LLVMModuleRef cpu_compile(Arena *a, Diag *d, Program *p, const char *kernel, const char *mapping,
                          LLVMContextRef ctx, LLVMTargetMachineRef tm, int *nkernels, int *failed)
{
	LLVMModuleRef mod = NULL;
	*nkernels = 0;
	*failed = 0;
	bool ok = true;
	for (Mapping *m = p->mappings; m; m = m->next) {
		if ((mapping && strcmp(mapping, m->name) != 0) || (kernel && strcmp(kernel, m->kernel->name) != 0))
			continue;
		Map *mp = map_build(a, d, ure_lower(a, m->kernel), m);
		if (!mp) {
			(*failed)++;
			continue;
		}
		const char *why = NULL;
		LoopProg *lp = lower_map(a, mp, NULL, NULL, &why);
		if (!lp) {
			fprintf(stderr, "sysc: error: mapping '%s' of '%s': the host backend cannot compile it yet: %s\n", m->name,
			        m->kernel->name, why);
			(*failed)++;
			continue;
		}
		bool f32 = true;
		for (Tensor *t = m->kernel->tensors; t; t = t->next)
			if (t->type != TY_F32 && f32) {
				fprintf(stderr, "sysc: error: kernel '%s': the host backend takes f32 tensors only for now ('%s' is %s)\n",
				        m->kernel->name, t->name, type_name(t->type));
				f32 = false;
			}
		if (!f32) {
			(*failed)++;
			continue;
		}
		LLVMModuleRef one = cpu_emit(a, lp, ctx, cpu_symbol(a, mp), 0);
		if (!mod) {
			mod = one;
		} else if (LLVMLinkModules2(mod, one)) {
			fprintf(stderr, "sysc: internal error: linking kernel '%s' failed\n", m->name);
			ok = false;
		}
		(*nkernels)++;
	}
	if (!ok || !mod) {
		if (mod)
			LLVMDisposeModule(mod);
		if (ok && !*failed)
			fprintf(stderr, "sysc: error: no mapping to compile%s%s\n", mapping ? " named " : "", mapping ? mapping : "");
		return NULL;
	}
	char *err = NULL;
	if (!cpu_optimize(mod, tm, &err)) {
		fprintf(stderr, "sysc: internal error: the generated module is invalid: %s\n", err ? err : "");
		LLVMDisposeMessage(err);
		LLVMDisposeModule(mod);
		return NULL;
	}
	return mod;
}
