/*
 * device.c: compiling for a GPU device of the runtime (`sysc run --device=cuda|opencl|
 * level-zero`): the device's target names the backend (ptx, spirv); the module is
 * emitted in memory as the file `sysc build` would write, and loaded.
 *
 * The lane exchange is chosen from the device's capabilities: SPIR-V is built with
 * sub-group shuffles first, and a device that refuses them (SYSRT_ERR_UNSUPPORTED:
 * no cl_khr_subgroup_shuffle_relative, as PoCL's CPU device) gets the local-memory
 * form. PTX is built for $SYSC_GPU, else sm_70, which the driver's JIT runs on every
 * GPU since Volta.
 */
#include "gpu/gpu.h"
#include "llvmgen.h"
#include "sysrt.h"

#include <stdlib.h>
#include <string.h>

/* The module for tg with the given --gpu profile, in memory; NULL after a message. */
static bool emit(Arena *a, Diag *d, Program *p, const char *kernel, const Options *opt, const GpuTarget *tg,
                 const char *gpu, Buf *out, int *nkernels, int *failed)
{
	GpuOptions o;
	char why[256];
	if (!tg->options(gpu, &o, why, sizeof why)) {
		printf("  %s\n", why);
		return false;
	}
	gpu_choose(&o, opt);
	char *err = NULL;
	LLVMTargetMachineRef tm = gpu_machine(tg, &o, &err);
	if (!tm) {
		printf("  no LLVM target for %s: %s\n", tg->name, err ? err : "");
		LLVMDisposeMessage(err);
		return false;
	}
	LLVMContextRef ctx = LLVMContextCreate();
	char **descs;
	LLVMModuleRef mod = gpu_compile(a, d, p, kernel, opt->mapping, opt->specialize, tg, &o, ctx, &descs, nkernels, failed);
	bool ok = mod != NULL;
	if (ok && !lg_optimize(mod, tm, &err)) {
		printf("  internal error: the generated module is invalid: %s\n", err ? err : "");
		LLVMDisposeMessage(err);
		ok = false;
	} else if (ok && !tg->emit(mod, tm, (const char *const *)descs, *nkernels, out, &err)) {
		printf("  internal error: %s could not emit the module: %s\n", tg->name, err ? err : "");
		free(err);
		ok = false;
	}
	if (mod)
		LLVMDisposeModule(mod);
	LLVMContextDispose(ctx);
	LLVMDisposeTargetMachine(tm);
	return ok;
}

SysrtModule *gpu_load(Arena *a, Diag *d, Program *p, const char *kernel, const Options *opt, SysrtContext *rt,
                      SysrtDevice *dev, int *nkernels, int *failed)
{
	SysrtDeviceInfo info;
	if (sysrt_device_info(dev, &info) != SYSRT_OK)
		return NULL;
	const GpuTarget *tg = gpu_target_named(info.target);
	if (!tg) {
		printf("  %s: no backend for target '%s'\n", info.name, info.target);
		return NULL;
	}
	const char *profiles[2] = {getenv("SYSC_GPU"), NULL};
	if (tg == &spv_target && !profiles[0]) {
		profiles[0] = "intel";
		profiles[1] = "generic";
	} else if (!profiles[0]) {
		profiles[0] = "sm_70";
	}
	SysrtModule *module = NULL;
	for (int i = 0; i < 2 && profiles[i] && !module; i++) {
		Buf out = {0};
		if (!emit(a, d, p, kernel, opt, tg, profiles[i], &out, nkernels, failed)) {
			buf_free(&out);
			return NULL;
		}
		const char *name = arena_printf(a, "%s.%s", kernel ? kernel : "sysc", tg == &ptx_target ? "ptx" : "spv");
		SysrtStatus st = sysrt_module_load_memory(dev, out.data, out.len, name, &module);
		buf_free(&out);
		if (st == SYSRT_ERR_UNSUPPORTED && i == 0 && profiles[1]) {
			printf("  %s: no sub-group shuffles: lanes exchange through local memory (--gpu=%s)\n", info.name,
			       profiles[1]);
			continue;
		}
		if (st != SYSRT_OK) {
			printf("  %s: the runtime refused the module: %s\n", info.name, sysrt_last_error(rt));
			return NULL;
		}
	}
	return module;
}

/* sysc devices: the runtime's table of device kinds, their devices, and why a kind has
 * none (sysrt_devices). */
int cmd_devices(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: sysc devices\n\nLists the devices sysc run --device=KIND[:N] can use: host, cuda,\n"
		       "level-zero, opencl, each with its devices, or the reason it has none.\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "sysc devices: error: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	SysrtContext *rt;
	if (sysrt_context_create(NULL, &rt) != SYSRT_OK) {
		fprintf(stderr, "sysc devices: error: the runtime could not start\n");
		return 1;
	}
	size_t len = 0;
	sysrt_devices(rt, NULL, 0, &len);
	char *text = malloc(len + 1);
	if (text && sysrt_devices(rt, text, len + 1, &len) == SYSRT_OK)
		fputs(text, stdout);
	free(text);
	sysrt_context_destroy(rt);
	return 0;
}
