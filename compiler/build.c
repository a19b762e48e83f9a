/*
 * build.c: `sysc build`, which compiles a spec's mappings for a target and writes
 * LLVM IR, assembly or an object file that the runtime (sysrt.h) loads, and
 * `sysc emit --emit=loops`'s view of the loop IR.
 */
#include "sysc.h"
#include "cpu/cpu.h"
#include "gpu/gpu.h"

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char build_usage[] =
	"usage: sysc build FILE.sys [--target=host|ptx|spirv] [--gpu=NAME] [--mapping NAME]\n"
	"                  [--kernel NAME] [--specialize R=3,..] [--[no-]stage-panels]\n"
	"                  [--index-bits=32|64] [--max-registers=N] [--restrict]\n"
	"                  [--emit=llvm|asm|obj] [--threads N] -o OUT\n"
	"\n"
	"Compiles the mappings of FILE.sys (every one, or those named) into one module of\n"
	"kernels with the C ABI of docs/runtime.md: for each mapping M of kernel K,\n"
	"sysk_K_M_count, sysk_K_M_run and sysk_K_M_desc.\n"
	"  --target=host     this machine's CPU, with its vector extensions (the default)\n"
	"  --target=ptx      NVIDIA GPUs: PTX text with the kernels' descriptions as comments;\n"
	"                    --gpu=sm_90 (the default), sm_80, ... (sm_70 and newer)\n"
	"  --target=spirv    OpenCL devices: a SPIR-V module; --gpu=intel (the default; also\n"
	"                    pvc, acm-g10, tgllp) exchanges lanes by sub-group shuffles,\n"
	"                    --gpu=generic through local memory (devices without sub-groups)\n"
	"                    (see docs/backends.md for the GPU kernels' ABI)\n"
	"  --emit=obj        an object file (the default); llvm: LLVM IR text; asm: assembly\n"
	"  --threads N       (host, obj and asm) compile the mappings on N threads, each in\n"
	"                    an LLVM context of its own (default: one per mapping, up to\n"
	"                    4 per core); the output is the same for any N\n"
	"  --specialize R=3,S=3  compile for these values of these sizes only: they become\n"
	"                    constants (loops over them unroll); the description records\n"
	"                    them and the runtime refuses a launch with other values\n"
	"  --stage-panels    (ptx, spirv) copy the reads that differ between register rows\n"
	"                    into shared memory a block of steps at a time (cp.async,\n"
	"                    double-buffered, on sm_80 and newer); see docs/backends.md.\n"
	"                    The default for ptx on sm_80 and newer; --no-stage-panels\n"
	"                    reads them in place\n"
	"  --index-bits=32   (ptx, spirv) offsets, indexes and time steps in 32 bits (the\n"
	"                    default): the runtime refuses a launch where a tensor has\n"
	"                    2^31 elements or more; --index-bits=64 for those\n"
	"  --max-registers=N (ptx) registers per thread ptxas may use, 24 to 255 (.maxnreg;\n"
	"                    default: 128 where the array's state is 16 to 64 registers,\n"
	"                    else ptxas's choice): fewer registers, more warps per SM\n"
	"  --restrict        (ptx, spirv) tensors as C's restrict pointers, inputs const:\n"
	"                    on NVIDIA GPUs the inputs are then read through the\n"
	"                    read-only data cache (ld.global.nc); faster for some kernels,\n"
	"                    slower for others (docs/backends.md)\n";

int cmd_build(int argc, char **argv)
{
	const char *target = "host", *gpu = NULL;
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--target=", 9) == 0 || strncmp(argv[i], "--gpu=", 6) == 0) {
			if (argv[i][2] == 'g')
				gpu = argv[i] + 6;
			else
				target = argv[i] + 9;
			memmove(&argv[i], &argv[i + 1], sizeof(char *) * (size_t)(argc - i));
			argc--;
			i--;
		}
	int threads = 0;
	if (drv_take_count("build", &argc, argv, "--threads", &threads) < 0)
		return 2;
	Options o;
	int rc = drv_options("build", build_usage, argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	const char *emit = o.emit ? o.emit : "obj";
	const GpuTarget *tg = gpu_target_named(target);
	if (strcmp(target, "host") != 0 && !tg) {
		fprintf(stderr, "sysc build: error: unknown target '%s' (targets: host, ptx, spirv)\n", target);
		return 2;
	}
	if (o.stage >= 0 && !tg) {
		fprintf(stderr, "sysc build: error: --%sstage-panels is for the GPU targets (--target=ptx|spirv)\n",
		        o.stage ? "" : "no-");
		return 2;
	}
	if (o.index_bits && !tg) {
		fprintf(stderr, "sysc build: error: --index-bits is for the GPU targets (--target=ptx|spirv)\n");
		return 2;
	}
	if (o.max_registers && (!tg || strcmp(tg->name, "ptx") != 0)) {
		fprintf(stderr, "sysc build: error: --max-registers is for --target=ptx\n");
		return 2;
	}
	if (o.noalias && !tg) {
		fprintf(stderr, "sysc build: error: --restrict is for the GPU targets (--target=ptx|spirv)\n");
		return 2;
	}
	if (gpu && !tg) {
		fprintf(stderr, "sysc build: error: --gpu is for --target=ptx or spirv\n");
		return 2;
	}
	if (strcmp(emit, "obj") != 0 && strcmp(emit, "asm") != 0 && strcmp(emit, "llvm") != 0) {
		fprintf(stderr, "sysc build: error: unknown output '%s' (llvm, asm, obj)\n", emit);
		return 2;
	}
	if (!o.output) {
		fprintf(stderr, "sysc build: error: no output file: pass -o OUT\n");
		return 2;
	}
	Arena *a = arena_new();
	Diag d;
	Program *p = drv_load(a, &d, &o);
	if (!p)
		return drv_failed(a, &d);
	if (tg) {
		rc = gpu_build(a, &d, p, &o, tg, gpu, emit);
		arena_free(a);
		return rc;
	}
	if (strcmp(emit, "llvm") != 0) {
		/* the mappings on threads, each in its own module (cpu/object.c) */
		CpuJob *jobs;
		int failed, n = cpu_jobs(a, &d, p, o.kernel, o.mapping, o.specialize, &jobs, &failed);
		char msg[512], *data = NULL;
		size_t len = 0;
		rc = n && !failed ? 0 : 1;
		if (n && !cpu_object(jobs, n, threads, strcmp(emit, "asm") == 0, &data, &len, msg, sizeof msg)) {
			fprintf(stderr, "sysc build: error: %s\n", msg);
			rc = 2;
		} else if (n && !write_file(o.output, data, len)) {
			fprintf(stderr, "sysc build: error: cannot write '%s': %s\n", o.output, strerror(errno));
			rc = 2;
		}
		free(data);
		arena_free(a);
		return rc;
	}
	char *err = NULL;
	LLVMTargetMachineRef tm = cpu_target(&err);
	if (!tm) {
		fprintf(stderr, "sysc build: error: no LLVM target for this machine: %s\n", err ? err : "");
		arena_free(a);
		return 1;
	}
	LLVMContextRef ctx = LLVMContextCreate();
	int nk = 0, failed = 0;
	LLVMModuleRef mod = cpu_compile(a, &d, p, o.kernel, o.mapping, o.specialize, ctx, tm, &nk, &failed);
	rc = mod && !failed ? 0 : 1;
	if (mod) {
		if (LLVMPrintModuleToFile(mod, o.output, &err)) {
			fprintf(stderr, "sysc build: error: cannot write '%s': %s\n", o.output, err ? err : "");
			rc = 2;
		}
		LLVMDisposeModule(mod);
	}
	LLVMDisposeMessage(err);
	LLVMDisposeTargetMachine(tm);
	LLVMContextDispose(ctx);
	arena_free(a);
	return rc;
}
