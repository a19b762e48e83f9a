/*
 * target.c: SPIR-V for OpenCL devices through LLVM's SPIR-V backend (gpu.h's
 * GpuTarget for SPIR-V): kernel entry points, tensors in CrossWorkgroup memory,
 * OpenCL builtins for ids, shuffles and barriers.
 *
 * A work-group is one array: as many work items as lanes. How they exchange values
 * is chosen at compile time from the device profile (--gpu):
 *   - sub-group shuffles (OpGroupNonUniformShuffleUp/Down, the OpenCL builtins of
 *     cl_khr_subgroup_shuffle_relative), with the sub-group size fixed to cover the
 *     group (intel_reqd_sub_group_size -> OpExecutionMode SubgroupSize), so the array
 *     is one sub-group: Intel GPUs ("intel", or the ocloc names pvc, acm-g10, tgllp);
 *   - local memory: store, barrier, load the neighbour's slot, barrier, on devices
 *     without sub-group shuffles ("generic": PoCL's CPU device, for one).
 * The kernel has the execution mode ContractionOff (LLVM adds it: no fp contraction)
 * and llvm.fma becomes the OpenCL fma; results match the interpreter bit for bit.
 */
#include "gpu/gpu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
	const char *name;
	GpuShuffle shuffle;
} profiles[] = {
	{"intel", GPU_SHUFFLE_SUBGROUP}, {"pvc", GPU_SHUFFLE_SUBGROUP},    {"acm-g10", GPU_SHUFFLE_SUBGROUP},
	{"tgllp", GPU_SHUFFLE_SUBGROUP}, {"subgroups", GPU_SHUFFLE_SUBGROUP}, {"generic", GPU_SHUFFLE_LOCAL},
};

static bool options(const char *gpu, GpuOptions *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	o->gpu = gpu ? gpu : "intel";
	for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
		if (strcmp(profiles[i].name, o->gpu) == 0) {
			o->shuffle = profiles[i].shuffle;
			o->max_lanes = o->shuffle == GPU_SHUFFLE_SUBGROUP ? 32 : 64;
			return true;
		}
	snprintf(err, errlen,
	         "unknown GPU '%s' for --target=spirv: intel, pvc, acm-g10, tgllp (sub-group shuffles) or generic "
	         "(lanes exchange through local memory)",
	         o->gpu);
	return false;
}

static LLVMTypeRef i32_of(GpuCg *g)
{
	return LLVMInt32TypeInContext(LLVMGetModuleContext(gpu_module(g)));
}

static LLVMValueRef builtin_id(GpuCg *g, const char *name)
{
	LLVMTypeRef i32 = i32_of(g), i64 = LLVMInt64TypeInContext(LLVMGetModuleContext(gpu_module(g)));
	LLVMValueRef zero = LLVMConstInt(i32, 0, false);
	return LLVMBuildTrunc(gpu_builder(g), gpu_call(g, name, i64, &i32, 1, &zero, false), i32, "");
}

static LLVMValueRef thread_id(GpuCg *g)
{
	return builtin_id(g, "_Z12get_local_idj");
}

static LLVMValueRef group_id(GpuCg *g)
{
	return builtin_id(g, "_Z12get_group_idj");
}

static void barrier(GpuCg *g)
{
	LLVMTypeRef i32 = i32_of(g);
	LLVMValueRef local_fence = LLVMConstInt(i32, 1, false); /* CLK_LOCAL_MEM_FENCE */
	gpu_call(g, "_Z7barrierj", LLVMVoidTypeInContext(LLVMGetModuleContext(gpu_module(g))), &i32, 1, &local_fence, true);
}

/* The array is the work-group here (one array per group). */
static void array_sync(GpuCg *g, int width)
{
	(void)width;
	barrier(g);
}

static LLVMValueRef shuffle(GpuCg *g, LLVMValueRef v, int64_t d, int width, LLVMValueRef lane)
{
	LLVMBuilderRef b = gpu_builder(g);
	LLVMTypeRef i32 = i32_of(g), f32 = LLVMTypeOf(v), ix = LLVMTypeOf(lane);
	if (gpu_options(g)->shuffle == GPU_SHUFFLE_SUBGROUP) {
		LLVMTypeRef params[2] = {f32, i32};
		LLVMValueRef args[2] = {v, LLVMConstInt(i32, (unsigned long long)(d > 0 ? d : -d), false)};
		return gpu_call(g, d > 0 ? "_Z20sub_group_shuffle_upfj" : "_Z22sub_group_shuffle_downfj", f32, params, 2, args,
		                true);
	}
	/* through local memory: every lane writes its slot, then reads its neighbour's;
	 * the second barrier keeps the next exchange from overwriting a slot still read */
	LLVMValueRef lds = gpu_local_lanes(g);
	LLVMValueRef mine = LLVMBuildGEP2(b, f32, lds, &lane, 1, "");
	LLVMSetAlignment(LLVMBuildStore(b, v, mine), 4);
	barrier(g);
	LLVMValueRef from = LLVMBuildSub(b, lane, LLVMConstInt(ix, (unsigned long long)d, true), "");
	LLVMValueRef in = LLVMBuildICmp(b, LLVMIntULT, from, LLVMConstInt(ix, (unsigned long long)width, false), "");
	from = LLVMBuildSelect(b, in, from, lane, "");
	LLVMValueRef r = LLVMBuildLoad2(b, f32, LLVMBuildGEP2(b, f32, lds, &from, 1, ""), "neighbour");
	LLVMSetAlignment(r, 4);
	barrier(g);
	return r;
}

static void kernel_attrs(GpuCg *g, LLVMValueRef fn, const GpuLayout *lay, int subgroup)
{
	int threads = lay->threads;
	LLVMContextRef ctx = LLVMGetModuleContext(gpu_module(g));
	LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx);
	LLVMMetadataRef wg[3] = {LLVMValueAsMetadata(LLVMConstInt(i32, (unsigned)threads, false)),
	                         LLVMValueAsMetadata(LLVMConstInt(i32, 1, false)),
	                         LLVMValueAsMetadata(LLVMConstInt(i32, 1, false))};
	LLVMGlobalSetMetadata(fn, LLVMGetMDKindIDInContext(ctx, "reqd_work_group_size", 20), LLVMMDNodeInContext2(ctx, wg, 3));
	if (subgroup) {
		LLVMMetadataRef sg = LLVMValueAsMetadata(LLVMConstInt(i32, (unsigned)subgroup, false));
		LLVMGlobalSetMetadata(fn, LLVMGetMDKindIDInContext(ctx, "intel_reqd_sub_group_size", 25),
		                      LLVMMDNodeInContext2(ctx, &sg, 1));
	}
}

static bool words(LLVMModuleRef mod, LLVMTargetMachineRef tm, LLVMCodeGenFileType kind, LLVMMemoryBufferRef *mb,
                  char **err)
{
	char *msg = NULL;
	if (LLVMTargetMachineEmitToMemoryBuffer(tm, mod, kind, &msg, mb)) {
		*err = strdup(msg ? msg : "");
		LLVMDisposeMessage(msg);
		return false;
	}
	return true;
}

static bool write_all(int fd, const void *p, size_t n)
{
	for (const char *c = p; n;) {
		ssize_t k = write(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		c += k, n -= (size_t)k;
	}
	return true;
}

static bool read_all(int fd, void *p, size_t n)
{
	for (char *c = p; n;) {
		ssize_t k = read(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		c += k, n -= (size_t)k;
	}
	return true;
}

/* The words of mod (*w, *bytes; malloc'd), generated in a child process. In the sysc
 * process, once an OpenCL driver had started its threads (PoCL), LLVM 22's SPIR-V
 * backend crashed now and then in LLVMTargetMachineEmitToMemoryBuffer (4 runs in 300 of
 * tests/gpu/Inputs/mx_batched.sys on PoCL, two at a time on 2 cores); in a child, which
 * has the one thread, none in 450. Should a child still die, *crashed says so and the
 * caller tries again. The child writes a status byte, a length and the words (or LLVM's
 * message) into a pipe and leaves by _exit: no atexit handler (the driver's) runs. */
static bool words_child(LLVMModuleRef mod, LLVMTargetMachineRef tm, uint32_t **w, size_t *bytes, bool *crashed,
                        char **err)
{
	int fd[2];
	pid_t pid;
	*crashed = false;
	if (pipe(fd) != 0 || (pid = fork()) < 0) {
		*err = strdup(strerror(errno));
		return false;
	}
	if (pid == 0) {
		close(fd[0]);
		LLVMMemoryBufferRef mb;
		char *msg = NULL;
		unsigned char ok = words(mod, tm, LLVMObjectFile, &mb, &msg);
		const char *data = ok ? LLVMGetBufferStart(mb) : msg;
		size_t len = ok ? LLVMGetBufferSize(mb) : strlen(msg);
		bool sent = write_all(fd[1], &ok, 1) && write_all(fd[1], &len, sizeof len) && write_all(fd[1], data, len);
		_exit(sent ? 0 : 1);
	}
	close(fd[1]);
	unsigned char ok = 0;
	size_t len = 0;
	char *data = NULL;
	bool got = read_all(fd[0], &ok, 1) && read_all(fd[0], &len, sizeof len) && (data = malloc(len + 4)) &&
	           read_all(fd[0], data, len);
	close(fd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status) || !got) {
		free(data);
		*crashed = WIFSIGNALED(status);
		*err = strdup(*crashed ? "LLVM's SPIR-V backend crashed" : "no words from the code generator's process");
		return false;
	}
	if (!ok) {
		data[len] = 0;
		*err = data;
		return false;
	}
	*w = (uint32_t *)data;
	*bytes = len;
	return true;
}

/* The module's words, from a copy of it each time, up to 4 times: where LLVM's SPIR-V
 * backend crashed or defined an id twice (spv_duplicate_id), both of which depend on
 * where its data lands in memory, a code generation from a fresh copy comes out right. */
static bool emit(LLVMModuleRef mod, LLVMTargetMachineRef tm, const char *const *descs, int n, Buf *out, char **err)
{
	uint32_t dup = 0;
	for (int attempt = 0; attempt < 4; attempt++) {
		LLVMModuleRef copy = LLVMCloneModule(mod);
		uint32_t *w;
		size_t bytes;
		bool crashed, ok = words_child(copy, tm, &w, &bytes, &crashed, err);
		LLVMDisposeModule(copy);
		if (!ok && !crashed)
			return false;
		if (crashed) {
			free(*err);
			*err = NULL;
			continue;
		}
		dup = spv_duplicate_id(w, bytes / 4);
		ok = !dup && spv_finish(w, bytes / 4, descs, n, out, err);
		free(w);
		if (!dup)
			return ok;
	}
	char msg[96];
	if (dup)
		snprintf(msg, sizeof msg, "LLVM's SPIR-V backend defined id %u twice or crashed, 4 times in a row", dup);
	else
		snprintf(msg, sizeof msg, "LLVM's SPIR-V backend crashed 4 times in a row");
	*err = strdup(msg);
	return false;
}

static bool emit_asm(LLVMModuleRef mod, LLVMTargetMachineRef tm, Buf *out, char **err)
{
	LLVMMemoryBufferRef mb;
	if (!words(mod, tm, LLVMAssemblyFile, &mb, err))
		return false;
	gpu_buf_add(out, LLVMGetBufferStart(mb), LLVMGetBufferSize(mb));
	LLVMDisposeMemoryBuffer(mb);
	return true;
}

const GpuTarget spv_target = {
	.name = "spirv",
	.triple = "spirv64-unknown-unknown",
	.global_as = 1,
	.local_as = 3,
	.kernel_cc = LLVMSPIRKERNELCallConv,
	.options = options,
	.thread_id = thread_id,
	.group_id = group_id,
	.shuffle = shuffle,
	.barrier = barrier,
	.array_sync = array_sync,
	.kernel_attrs = kernel_attrs,
	.emit = emit,
	.emit_asm = emit_asm,
};
