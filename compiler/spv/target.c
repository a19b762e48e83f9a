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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The module's words, from a copy of it each time: LLVM 22's SPIR-V backend now and then
 * defines an id twice (spv_duplicate_id), which depends on where its data lands in
 * memory, so a second code generation from a fresh copy comes out right. */
static bool emit(LLVMModuleRef mod, LLVMTargetMachineRef tm, const char *const *descs, int n, Buf *out, char **err)
{
	uint32_t dup = 0;
	for (int attempt = 0; attempt < 4; attempt++) {
		LLVMModuleRef copy = LLVMCloneModule(mod);
		LLVMMemoryBufferRef mb;
		bool ok = words(copy, tm, LLVMObjectFile, &mb, err);
		LLVMDisposeModule(copy);
		if (!ok)
			return false;
		size_t bytes = LLVMGetBufferSize(mb);
		uint32_t *w = malloc(bytes + 4);
		if (!w)
			sysc_bug("out of memory");
		memcpy(w, LLVMGetBufferStart(mb), bytes);
		LLVMDisposeMemoryBuffer(mb);
		dup = spv_duplicate_id(w, bytes / 4);
		ok = !dup && spv_finish(w, bytes / 4, descs, n, out, err);
		free(w);
		if (!dup)
			return ok;
	}
	char msg[96];
	snprintf(msg, sizeof msg, "LLVM's SPIR-V backend defined id %u twice, 4 times in a row", dup);
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
