/*
 * compile.c: the GPU pipeline for a checked program, in order:
 *   map_build (legality) -> lower_map (loop IR) -> gpu_layout (does it fit the
 *   target: lanes per warp or sub-group) -> gpu_emit (one entry point per mapping,
 *   all in one module) -> lg_optimize (verify, O3 for the target machine)
 *   -> the target's emit (PTX text, SPIR-V words) with the descriptions inside.
 * A mapping that cannot be compiled is reported and left out; *failed counts them.
 */
#include "gpu/gpu.h"
#include "cpu/cpu.h"
#include "llvmgen.h"

#include <llvm-c/Target.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const GpuTarget *gpu_target_named(const char *name)
{
	static const GpuTarget *const targets[] = {&ptx_target, &spv_target};
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
		if (strcmp(targets[i]->name, name) == 0)
			return targets[i];
	return NULL;
}

LLVMTargetMachineRef gpu_machine(const GpuTarget *tg, const GpuOptions *o, char **err)
{
	static bool ready;
	if (!ready) {
		LLVMInitializeNVPTXTargetInfo();
		LLVMInitializeNVPTXTarget();
		LLVMInitializeNVPTXTargetMC();
		LLVMInitializeNVPTXAsmPrinter();
		LLVMInitializeSPIRVTargetInfo();
		LLVMInitializeSPIRVTarget();
		LLVMInitializeSPIRVTargetMC();
		LLVMInitializeSPIRVAsmPrinter();
		ready = true;
	}
	LLVMTargetRef target;
	if (LLVMGetTargetFromTriple(tg->triple, &target, err))
		return NULL;
	const char *cpu = tg == &ptx_target ? o->gpu : "";
	return LLVMCreateTargetMachine(target, tg->triple, cpu, o->features ? o->features : "", LLVMCodeGenLevelAggressive,
	                               LLVMRelocDefault, LLVMCodeModelDefault);
}

LLVMModuleRef gpu_compile(Arena *a, Diag *d, Program *p, const char *kernel, const char *mapping,
                          const char *specialize, const GpuTarget *tg,
                          const GpuOptions *o, LLVMContextRef ctx, char ***descs, int *nkernels, int *failed)
{
	LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("sysc", ctx);
	int n = 0;
	for (Mapping *m = p->mappings; m; m = m->next)
		n++;
	*descs = ARENA_ARRAY(a, char *, n + 1);
	*nkernels = 0;
	*failed = 0;
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
		GpuLayout lay;
		char err[160];
		if (lp && !lower_specialize(lp, specialize, err, sizeof err)) {
			fprintf(stderr, "sysc: error: --specialize: %s\n", err);
			(*failed)++;
			continue;
		}
		if (lp)
			why = gpu_layout(lp, tg, o, &lay);
		if (lp && !why)
			why = lg_types_refused(a, lp);
		if (why) {
			fprintf(stderr, "sysc: error: mapping '%s' of '%s': the %s backend cannot compile it yet: %s\n", m->name,
			        m->kernel->name, tg->name, why);
			(*failed)++;
			continue;
		}
		(*descs)[(*nkernels)++] = gpu_emit(a, lp, tg, o, mod, cpu_symbol(a, mp));
	}
	if (!*nkernels) {
		if (!*failed)
			fprintf(stderr, "sysc: error: no mapping to compile%s%s\n", mapping ? " named " : "", mapping ? mapping : "");
		LLVMDisposeModule(mod);
		return NULL;
	}
	return mod;
}

void gpu_choose(GpuOptions *o, const Options *opt)
{
	o->stage = opt->stage < 0 ? o->async_copy : opt->stage;
	o->index64 = opt->index_bits == 64;
	o->max_registers = opt->max_registers;
	o->noalias = opt->noalias;
}

int gpu_build(Arena *a, Diag *d, Program *p, const Options *opt, const GpuTarget *tg, const char *gpu,
              const char *emit)
{
	GpuOptions o;
	char why[256];
	if (!tg->options(gpu, &o, why, sizeof why)) {
		fprintf(stderr, "sysc build: error: %s\n", why);
		return 2;
	}
	gpu_choose(&o, opt);
	char *err = NULL;
	LLVMTargetMachineRef tm = gpu_machine(tg, &o, &err);
	if (!tm) {
		fprintf(stderr, "sysc build: error: no LLVM target for %s: %s\n", tg->name, err ? err : "");
		LLVMDisposeMessage(err);
		return 1;
	}
	LLVMContextRef ctx = LLVMContextCreate();
	char **descs;
	int nk = 0, failed = 0, rc = 1;
	LLVMModuleRef mod = gpu_compile(a, d, p, opt->kernel, opt->mapping, opt->specialize, tg, &o, ctx, &descs, &nk,
	                                &failed);
	Buf out = {0};
	if (mod && !lg_optimize(mod, tm, &err)) {
		fprintf(stderr, "sysc: internal error: the generated module is invalid: %s\n", err ? err : "");
		LLVMDisposeMessage(err);
		err = NULL;
	} else if (mod) {
		bool ok;
		if (strcmp(emit, "llvm") == 0) {
			char *s = LLVMPrintModuleToString(mod);
			buf_printf(&out, "%s", s);
			LLVMDisposeMessage(s);
			ok = true;
		} else if (strcmp(emit, "asm") == 0) {
			ok = tg->emit_asm(mod, tm, &out, &err);
		} else {
			ok = tg->emit(mod, tm, (const char *const *)descs, nk, &out, &err);
		}
		if (!ok) {
			fprintf(stderr, "sysc: internal error: %s could not emit the module: %s\n", tg->name, err ? err : "");
			free(err);
		} else if (!write_file(opt->output, out.data, out.len)) {
			fprintf(stderr, "sysc build: error: cannot write '%s': %s\n", opt->output, strerror(errno));
			rc = 2;
		} else {
			rc = failed ? 1 : 0;
		}
	}
	buf_free(&out);
	if (mod)
		LLVMDisposeModule(mod);
	LLVMContextDispose(ctx);
	LLVMDisposeTargetMachine(tm);
	return rc;
}

void gpu_buf_add(Buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d)
			sysc_bug("out of memory");
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = 0;
}
