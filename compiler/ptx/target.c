/*
 * target.c: NVIDIA GPUs through LLVM's NVPTX backend (gpu.h's GpuTarget for PTX).
 *
 * An array of L lanes is a segment of a warp: L threads rounded up to a power of
 * two (at most 32), so that a 16-lane array shares a warp with another and a block
 * of 128 threads runs 8 of them. A lane shift is shfl.sync.up/down on the segment:
 * its member mask names only the segment's threads, and the `c` operand keeps the
 * source lane inside it (CUDA's __shfl_up_sync with a width). Segments of one warp
 * may branch apart (a full tile next to an edge tile): shfl.sync with per-segment
 * masks allows that from sm_70 on (independent thread scheduling), hence sm_70 as the
 * oldest GPU taken.
 *
 * Floating point is IEEE: no fast-math flags, so fadd/fmul become add.rn/mul.rn and
 * llvm.fma fma.rn.f32, with denormals kept (no .ftz): bit for bit the interpreter.
 *
 * The module's file is the PTX text with each kernel's description before it, as
 * comment lines `//! <line>` (docs/backends.md): the CUDA driver skips them, the
 * runtime reads them.
 */
#include "gpu/gpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool options(const char *gpu, GpuOptions *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	o->gpu = gpu ? gpu : "sm_90";
	int sm = 0, n = 0;
	if (sscanf(o->gpu, "sm_%d%n", &sm, &n) != 1 || (o->gpu[n] && strcmp(o->gpu + n, "a") != 0) || sm < 70) {
		snprintf(err, errlen, "unknown GPU '%s' for --target=ptx: name an NVIDIA architecture sm_70 or newer "
		                      "(sm_80, sm_90, ...)", o->gpu);
		return false;
	}
	o->shuffle = GPU_SHUFFLE_WARP;
	o->max_lanes = 32;
	o->group_threads = 128;
	o->async_copy = sm >= 80;
	return true;
}

static LLVMValueRef thread_id(GpuCg *g)
{
	return gpu_intrinsic(g, "llvm.nvvm.read.ptx.sreg.tid.x", NULL, 0, NULL, 0);
}

static LLVMValueRef group_id(GpuCg *g)
{
	return gpu_intrinsic(g, "llvm.nvvm.read.ptx.sreg.ctaid.x", NULL, 0, NULL, 0);
}

/* The member mask of the array's segment: width bits at its first lane in the warp. */
static LLVMValueRef segment_mask(GpuCg *g, int width)
{
	LLVMBuilderRef b = gpu_builder(g);
	LLVMTypeRef i32 = LLVMInt32TypeInContext(LLVMGetModuleContext(gpu_module(g)));
	if (width == 32)
		return LLVMConstInt(i32, 0xffffffffu, false);
	LLVMValueRef tid = thread_id(g);
	LLVMValueRef first = LLVMBuildAnd(b, tid, LLVMConstInt(i32, 31u & ~(unsigned)(width - 1), false), "");
	return LLVMBuildShl(b, LLVMConstInt(i32, (1u << width) - 1, false), first, "segment");
}

static void array_sync(GpuCg *g, int width)
{
	LLVMValueRef mask = segment_mask(g, width);
	gpu_intrinsic(g, "llvm.nvvm.bar.warp.sync", NULL, 0, &mask, 1);
}

/* cp.async with a source size: 4 bytes copied, or 0 and the rest filled with zeros */
static void copy_async(GpuCg *g, LLVMValueRef dst, LLVMValueRef src, LLVMValueRef ok)
{
	LLVMTypeRef i32 = LLVMInt32TypeInContext(LLVMGetModuleContext(gpu_module(g)));
	LLVMValueRef n = LLVMBuildSelect(gpu_builder(g), ok, LLVMConstInt(i32, 4, false), LLVMConstInt(i32, 0, false), "");
	LLVMValueRef args[3] = {dst, src, n};
	gpu_intrinsic(g, "llvm.nvvm.cp.async.ca.shared.global.4.s", NULL, 0, args, 3);
}

static void copy_wait(GpuCg *g)
{
	gpu_intrinsic(g, "llvm.nvvm.cp.async.wait.all", NULL, 0, NULL, 0);
}

/* vote.all over the threads still running (arrays past the last work item have left) */
static LLVMValueRef warp_all(GpuCg *g, LLVMValueRef c)
{
	LLVMValueRef args[2] = {gpu_intrinsic(g, "llvm.nvvm.activemask", NULL, 0, NULL, 0), c};
	return gpu_intrinsic(g, "llvm.nvvm.vote.all.sync", NULL, 0, args, 2);
}

static LLVMValueRef shuffle(GpuCg *g, LLVMValueRef v, int64_t d, int width, LLVMValueRef lane)
{
	(void)lane;
	LLVMTypeRef i32 = LLVMInt32TypeInContext(LLVMGetModuleContext(gpu_module(g)));
	LLVMValueRef mask = segment_mask(g, width);
	/* c: the segment mask in bits 8..12; the clamp lane in bits 0..4 (the last for down) */
	unsigned c = (unsigned)(32 - width) << 8 | (d > 0 ? 0u : 31u);
	LLVMValueRef args[4] = {mask, v, LLVMConstInt(i32, (unsigned long long)(d > 0 ? d : -d), false),
	                        LLVMConstInt(i32, c, false)};
	return gpu_intrinsic(g, d > 0 ? "llvm.nvvm.shfl.sync.up.f32" : "llvm.nvvm.shfl.sync.down.f32", NULL, 0, args, 4);
}

static void string_attr(LLVMContextRef ctx, LLVMValueRef fn, const char *key, int value)
{
	char n[16];
	snprintf(n, sizeof n, "%d", value);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
	                        LLVMCreateStringAttribute(ctx, key, (unsigned)strlen(key), n, (unsigned)strlen(n)));
}

static void kernel_attrs(GpuCg *g, LLVMValueRef fn, const GpuLayout *lay, int subgroup)
{
	(void)subgroup;
	LLVMContextRef ctx = LLVMGetModuleContext(gpu_module(g));
	/* the block size is fixed: ptxas may then use up to 65536 / threads registers */
	string_attr(ctx, fn, "nvvm.maxntid", lay->threads);
	if (lay->maxnreg)
		string_attr(ctx, fn, "nvvm.maxnreg", lay->maxnreg);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
	                        LLVMCreateStringAttribute(ctx, "denormal-fp-math-f32", 20, "ieee,ieee", 9));
}

static bool ptx_text(LLVMModuleRef mod, LLVMTargetMachineRef tm, LLVMMemoryBufferRef *mb, char **err)
{
	char *msg = NULL;
	if (LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMAssemblyFile, &msg, mb)) {
		*err = strdup(msg ? msg : "");
		LLVMDisposeMessage(msg);
		return false;
	}
	return true;
}

static bool emit_asm(LLVMModuleRef mod, LLVMTargetMachineRef tm, Buf *out, char **err)
{
	LLVMMemoryBufferRef mb;
	if (!ptx_text(mod, tm, &mb, err))
		return false;
	gpu_buf_add(out, LLVMGetBufferStart(mb), LLVMGetBufferSize(mb));
	LLVMDisposeMemoryBuffer(mb);
	return true;
}

static bool emit(LLVMModuleRef mod, LLVMTargetMachineRef tm, const char *const *descs, int n, Buf *out, char **err)
{
	LLVMMemoryBufferRef mb;
	if (!ptx_text(mod, tm, &mb, err))
		return false;
	buf_printf(out, "// sysc %s kernels: each description is the //! lines before the PTX\n", SYSC_VERSION);
	for (int i = 0; i < n; i++) {
		for (const char *s = descs[i]; *s;) {
			const char *e = strchr(s, '\n');
			size_t len = e ? (size_t)(e - s) : strlen(s);
			buf_printf(out, "//! %.*s\n", (int)len, s);
			s += len + (e != NULL);
		}
		buf_printf(out, "//!\n");
	}
	gpu_buf_add(out, LLVMGetBufferStart(mb), LLVMGetBufferSize(mb));
	LLVMDisposeMemoryBuffer(mb);
	return true;
}

const GpuTarget ptx_target = {
	.name = "ptx",
	.triple = "nvptx64-nvidia-cuda",
	.global_as = 1,
	.local_as = 3,
	.kernel_cc = LLVMPTXKernelCallConv,
	.options = options,
	.thread_id = thread_id,
	.group_id = group_id,
	.shuffle = shuffle,
	.barrier = NULL, /* warps exchange by shuffles only */
	.array_sync = array_sync,
	.copy_async = copy_async,
	.copy_wait = copy_wait,
	.warp_all = warp_all,
	.kernel_attrs = kernel_attrs,
	.emit = emit,
	.emit_asm = emit_asm,
};
