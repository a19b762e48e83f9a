/*
 * llvmgen.h: the pieces of LLVM IR that every backend builds the same way from the
 * loop IR (llvmgen.c): sizes as affine values, loop extents, counted loops, the
 * sequential loops around the array, and the test that a pass covers a full tile;
 * and the O3 pipeline that every backend runs on its module.
 * The backends differ in how a PE's values live (vectors of lanes on the host, one
 * thread per lane on GPUs); the control structure around the passes is this.
 */
#ifndef SYSC_LLVMGEN_H
#define SYSC_LLVMGEN_H

#include "sysc.h"

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

/* What the helpers build with: a backend fills it once per function. */
typedef struct {
	LLVMContextRef ctx;
	LLVMBuilderRef b;
	LLVMValueRef fn;
	LLVMTypeRef i64;
	const Map *mp;
	LLVMValueRef *size;  /* the size parameters, loaded */
	LLVMValueRef *bound; /* the domain's extents, per kernel loop */
	LLVMValueRef *ext;   /* the mapped loops' extents */
	LLVMValueRef *outer; /* the values of the loops around the array */
	const LoopProg *lp;  /* its inner loops run inside the time step, not around the pass */
	bool unroll_inner;   /* ask LLVM to unroll the inner loops fully (where counts are known) */
	LLVMMetadataRef parallel; /* if set, the loops closed now are parallel: their memory
	                           * accesses, all in this access group, never depend on
	                           * another iteration's (llvm.loop.parallel_accesses) */
} LgFunc;

typedef struct {
	LLVMBasicBlockRef head, exit;
	LLVMValueRef iv;
} LgLoop;

LLVMValueRef lg_i64(const LgFunc *f, int64_t v);
/* c0 + sum coef_i * size_i */
LLVMValueRef lg_affine(const LgFunc *f, Affine x);
/* The extent of mapped loop l: ceil(span / stride). */
LLVMValueRef lg_extent(const LgFunc *f, int l);
/* Fills f->bound and f->ext from f->size. */
void lg_extents(const LgFunc *f);
/* for (iv = from; iv <= to_incl; iv++): the builder is left in the body. */
LgLoop lg_loop_begin(const LgFunc *f, LLVMValueRef from, LLVMValueRef to_incl, const char *name);
/* Closes the loop (lg_loop_hint with no hint); returns its latch branch. */
LLVMValueRef lg_loop_end(const LgFunc *f, LgLoop *l);
/* The llvm.loop metadata of the loop whose latch branch is br: not to be vectorized
 * (every loop sysc builds), parallel if f->parallel is set, and the hint if not NULL
 * (llvm.loop.unroll.count, .full, .disable) with its count if not 0. */
void lg_loop_hint(const LgFunc *f, LLVMValueRef br, const char *hint, int count);
/* A new access group (llvm.access.group) for f->parallel: NULL if LLVM refuses it. */
LLVMMetadataRef lg_access_group(LLVMContextRef ctx);
/* Sets f->outer of the parallel loops from a work item's index (the last loop of
 * the mapping's parallel clause varies fastest). */
void lg_items(const LgFunc *f, LLVMValueRef item);
/* The sequential loops around the array from mapped loop `from` on, outermost first,
 * setting f->outer, and inside them body(arg): one pass. The loop IR's inner loops
 * are left to lg_inner. */
void lg_sequential(const LgFunc *f, int from, void (*body)(void *arg), void *arg);
/* The loop IR's inner loops (interchange.c) around body(arg), setting f->outer. With
 * peel, the first and last iterations of the innermost one are apart, so that the
 * guards that hold only there (a partial sum's start and end) fold away in the loop. */
void lg_inner(const LgFunc *f, bool peel, void (*body)(void *arg), void *arg);
/* The number of inner iterations of a time step, and the current one (0 ..). */
LLVMValueRef lg_inner_count(const LgFunc *f);
LLVMValueRef lg_inner_index(const LgFunc *f);
/* i1: no tiled loop of this pass reaches past the end of the domain. *tiled says
 * whether any loop is tiled at all (if not, every pass is full). */
LLVMValueRef lg_full_tile(const LgFunc *f, bool *tiled);

/* Element codes (llvmelem.c), scalars or vectors: f16, bf16, FP8 and MX element codes
 * (i16, i8; FP6 and FP4 in the low bits) to their exact f32 values (an MX element's
 * before its block's scale), and f32 to f16, bf16, FP8, FP6 and FP4 codes, rounded to
 * nearest even, FP8 saturating (numerics.md §2, §7; MXINT8 decodes only). Other types
 * pass through. */
LLVMValueRef lg_decode(LLVMBuilderRef b, Type t, LLVMValueRef code);
LLVMValueRef lg_encode(LLVMBuilderRef b, Type t, LLVMValueRef v);
/* i16 (dynamic fixed point) codes q with the exponent es (i32, of q's shape; |es| <=
 * 1000): q * 2^es rounded once to f32, as sysfmt_dfp16_dequantize (numerics.md §8). */
LLVMValueRef lg_decode_dfp16(LLVMBuilderRef b, LLVMValueRef code, LLVMValueRef es);
/* MX scales (E8M0 bytes) to f32: 2^(code - 127), NaN for 0xFF (numerics.md §3). */
LLVMValueRef lg_decode_e8m0(LLVMBuilderRef b, LLVMValueRef code);

/* Tensor t's extents (dim) and row-major strides (stride) in elements, and the number of
 * them (its length); an MX tensor's in code bytes, its block axis padded to 32 codes and
 * packed, so that its length is where its scales start, whose strides are mxstride
 * (runtime.md). Arrays of t->rank. */
LLVMValueRef lg_tensor_layout(const LgFunc *f, const Tensor *t, LLVMValueRef *dim, LLVMValueRef *stride,
                              LLVMValueRef *mxstride);
/* Why no backend can compile lp's element types yet (a tensor or recurrence, and what
 * they take), or NULL. */
const char *lg_types_refused(Arena *a, const LoopProg *lp);

/* Adds LLVM's attribute `name` (one without a value: "noinline", "noalias") to fn at
 * index (LLVMAttributeFunctionIndex, or a parameter's, from 1). */
void lg_attr(LLVMValueRef fn, unsigned index, const char *name);

/* Verifies the module, then optimizes it at O3 for tm (any backend's). False with
 * *err on failure. */
bool lg_optimize(LLVMModuleRef mod, LLVMTargetMachineRef tm, char **err);

#endif
