/*
 * llvmgen.c: the LLVM IR the backends build alike around the passes of an array
 * (see llvmgen.h).
 */
#include "llvmgen.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/DebugInfo.h>
#include <llvm-c/IRReader.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include <string.h>

LLVMValueRef lg_i64(const LgFunc *f, int64_t v)
{
	return LLVMConstInt(f->i64, (unsigned long long)v, true);
}

LLVMValueRef lg_affine(const LgFunc *f, Affine x)
{
	LLVMValueRef v = lg_i64(f, x.c0);
	for (int i = 0; i < AFF_MAXP; i++)
		if (x.coef[i])
			v = LLVMBuildAdd(f->b, v, LLVMBuildMul(f->b, lg_i64(f, x.coef[i]), f->size[i], ""), "");
	return v;
}

LLVMValueRef lg_extent(const LgFunc *f, int l)
{
	const MapLoop *ml = &f->mp->loops[l];
	LLVMValueRef span = ml->span ? lg_i64(f, ml->span) : f->bound[ml->orig];
	return LLVMBuildSDiv(f->b, LLVMBuildAdd(f->b, span, lg_i64(f, ml->stride - 1), ""), lg_i64(f, ml->stride), "");
}

void lg_extents(const LgFunc *f)
{
	for (int j = 0; j < f->mp->u->nloops; j++)
		f->bound[j] = lg_affine(f, f->mp->u->bound[j]);
	for (int l = 0; l < f->mp->nloops; l++)
		f->ext[l] = lg_extent(f, l);
}

/* for (iv = from; iv `pred` end; iv++) */
static LgLoop loop_begin(const LgFunc *f, LLVMValueRef from, LLVMIntPredicate pred, LLVMValueRef end, const char *name)
{
	LgLoop l;
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(f->b);
	l.head = LLVMAppendBasicBlockInContext(f->ctx, f->fn, name);
	LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(f->ctx, f->fn, "body");
	l.exit = LLVMAppendBasicBlockInContext(f->ctx, f->fn, "exit");
	LLVMBuildBr(f->b, l.head);
	LLVMPositionBuilderAtEnd(f->b, l.head);
	l.iv = LLVMBuildPhi(f->b, f->i64, name);
	LLVMAddIncoming(l.iv, &from, &pre, 1);
	LLVMBuildCondBr(f->b, LLVMBuildICmp(f->b, pred, l.iv, end, ""), body, l.exit);
	LLVMPositionBuilderAtEnd(f->b, body);
	return l;
}

LgLoop lg_loop_begin(const LgFunc *f, LLVMValueRef from, LLVMValueRef to_incl, const char *name)
{
	return loop_begin(f, from, LLVMIntSLE, to_incl, name);
}

LLVMValueRef lg_loop_end(const LgFunc *f, LgLoop *l)
{
	LLVMValueRef next = LLVMBuildNSWAdd(f->b, l->iv, lg_i64(f, 1), "");
	LLVMBasicBlockRef latch = LLVMGetInsertBlock(f->b);
	LLVMAddIncoming(l->iv, &next, &latch, 1);
	LLVMValueRef br = LLVMBuildBr(f->b, l->head);
	lg_loop_hint(f, br, NULL, 0);
	LLVMPositionBuilderAtEnd(f->b, l->exit);
	return br;
}

/* !{!"key", v}, or !{!"key"} without v */
static LLVMMetadataRef md_pair(const LgFunc *f, const char *key, LLVMMetadataRef v)
{
	LLVMMetadataRef md[2] = {LLVMMDStringInContext2(f->ctx, key, strlen(key)), v};
	return LLVMMDNodeInContext2(f->ctx, md, v ? 2 : 1);
}

/* Every loop is kept from LLVM's loop vectorizer: the code is vectorized already
 * (a PE per lane), and what it found to vectorize, the scalar panel copies, became
 * gathers that cost a quarter of the compile time of gemm.sys and gained nothing
 * (docs/PERFORMANCE.md). */
void lg_loop_hint(const LgFunc *f, LLVMValueRef br, const char *hint, int count)
{
	/* a distinct node that names itself, then the hints */
	LLVMMetadataRef tmp = LLVMTemporaryMDNode(f->ctx, NULL, 0);
	LLVMValueRef no = LLVMConstInt(LLVMInt1TypeInContext(f->ctx), 0, false);
	LLVMMetadataRef ops[4] = {tmp, md_pair(f, "llvm.loop.vectorize.enable", LLVMValueAsMetadata(no))};
	int n = 2;
	if (f->parallel)
		ops[n++] = md_pair(f, "llvm.loop.parallel_accesses", f->parallel);
	if (hint) {
		LLVMValueRef c = LLVMConstInt(LLVMInt32TypeInContext(f->ctx), (unsigned)count, false);
		ops[n++] = md_pair(f, hint, count ? LLVMValueAsMetadata(c) : NULL);
	}
	LLVMMetadataRef id = LLVMMDNodeInContext2(f->ctx, ops, (size_t)n);
	LLVMMetadataReplaceAllUsesWith(tmp, id);
	LLVMSetMetadata(br, LLVMGetMDKindIDInContext(f->ctx, "llvm.loop", 9), LLVMMetadataAsValue(f->ctx, id));
}

LLVMMetadataRef lg_access_group(LLVMContextRef ctx)
{
	/* An access group is a distinct node without operands, which the C API cannot
	 * build; the IR parser can, and metadata lives in the context, not the module. */
	static const char text[] = "!group = !{!0}\n!0 = distinct !{}\n";
	LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRange(text, sizeof text - 1, "group", false);
	LLVMModuleRef m;
	char *msg = NULL;
	LLVMMetadataRef group = NULL;
	if (!LLVMParseIRInContext2(ctx, buf, &m, &msg)) {
		LLVMValueRef op;
		LLVMGetNamedMetadataOperands(m, "group", &op);
		group = LLVMValueAsMetadata(op);
		LLVMDisposeModule(m);
	}
	LLVMDisposeMessage(msg);
	LLVMDisposeMemoryBuffer(buf);
	return group;
}

void lg_items(const LgFunc *f, LLVMValueRef item)
{
	const Map *mp = f->mp;
	for (int i = mp->npar - 1; i >= 0; i--) {
		int l = mp->par[i];
		f->outer[l] = LLVMBuildSRem(f->b, item, f->ext[l], mp->loops[l].name);
		item = LLVMBuildSDiv(f->b, item, f->ext[l], "");
	}
}

void lg_sequential(const LgFunc *f, int from, void (*body)(void *arg), void *arg)
{
	const Map *mp = f->mp;
	int last = f->lp->ninner ? f->lp->inner[0] : mp->nloops;
	for (int l = from; l < last; l++) {
		if (mp->loops[l].st >= 0 || mp->loops[l].parallel)
			continue;
		LgLoop lo = lg_loop_begin(f, lg_i64(f, 0), LLVMBuildSub(f->b, f->ext[l], lg_i64(f, 1), ""), mp->loops[l].name);
		f->outer[l] = lo.iv;
		lg_sequential(f, l + 1, body, arg);
		lg_loop_end(f, &lo);
		return;
	}
	body(arg);
}

/* Closes an inner loop of extent last + 1, asking LLVM to unroll it whole where the
 * backend wants that and the extent is a constant. */
static void inner_end(const LgFunc *f, LgLoop *lo, LLVMValueRef last)
{
	LLVMValueRef br = lg_loop_end(f, lo);
	if (f->unroll_inner && LLVMIsAConstantInt(last))
		lg_loop_hint(f, br, "llvm.loop.unroll.full", 0);
}

static void inner_from(const LgFunc *f, int i, bool peel, void (*body)(void *arg), void *arg)
{
	if (i == f->lp->ninner) {
		body(arg);
		return;
	}
	int l = f->lp->inner[i];
	LLVMValueRef last = LLVMBuildSub(f->b, f->ext[l], lg_i64(f, 1), "");
	if (!peel || i + 1 < f->lp->ninner) {
		LgLoop lo = lg_loop_begin(f, lg_i64(f, 0), last, f->mp->loops[l].name);
		f->outer[l] = lo.iv;
		inner_from(f, i + 1, peel, body, arg);
		inner_end(f, &lo, last);
		return;
	}
	/* the first and the last iteration apart (extents are at least 1) */
	f->outer[l] = lg_i64(f, 0);
	body(arg);
	/* iv < last, so that a guard iv == last (the same value) folds away inside */
	LgLoop lo = loop_begin(f, lg_i64(f, 1), LLVMIntSLT, last, f->mp->loops[l].name);
	f->outer[l] = lo.iv;
	body(arg);
	inner_end(f, &lo, last);
	LLVMBasicBlockRef once = LLVMAppendBasicBlockInContext(f->ctx, f->fn, "last_inner");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(f->ctx, f->fn, "inner_done");
	LLVMBuildCondBr(f->b, LLVMBuildICmp(f->b, LLVMIntSGT, last, lg_i64(f, 0), ""), once, done);
	LLVMPositionBuilderAtEnd(f->b, once);
	f->outer[l] = last;
	body(arg);
	LLVMBuildBr(f->b, done);
	LLVMPositionBuilderAtEnd(f->b, done);
}

void lg_inner(const LgFunc *f, bool peel, void (*body)(void *arg), void *arg)
{
	inner_from(f, 0, peel, body, arg);
}

LLVMValueRef lg_inner_count(const LgFunc *f)
{
	LLVMValueRef n = lg_i64(f, 1);
	for (int i = 0; i < f->lp->ninner; i++)
		n = LLVMBuildMul(f->b, n, f->ext[f->lp->inner[i]], "");
	return n;
}

LLVMValueRef lg_inner_index(const LgFunc *f)
{
	LLVMValueRef n = lg_i64(f, 0);
	for (int i = 0; i < f->lp->ninner; i++) {
		int l = f->lp->inner[i];
		n = LLVMBuildAdd(f->b, LLVMBuildMul(f->b, n, f->ext[l], ""), f->outer[l], "");
	}
	return n;
}

LLVMValueRef lg_full_tile(const LgFunc *f, bool *tiled_any)
{
	const Map *mp = f->mp;
	LLVMValueRef full = LLVMConstInt(LLVMInt1TypeInContext(f->ctx), 1, false);
	*tiled_any = false;
	for (int j = 0; j < mp->u->nloops; j++) {
		/* the tile covers [base, base + cover) of loop j: the loops around the array
		 * place it, those of the array span it (a tile loop in space-time, span 0,
		 * runs its whole extent) */
		LLVMValueRef base = lg_i64(f, 0), cover = lg_i64(f, 1);
		bool tiled = false;
		for (int l = 0; l < mp->nloops; l++)
			tiled |= mp->loops[l].orig == j && mp->loops[l].span != 0;
		if (!tiled)
			continue; /* (an inner loop is never tiled, and has no value here) */
		for (int l = 0; l < mp->nloops; l++) {
			const MapLoop *ml = &mp->loops[l];
			if (ml->orig != j)
				continue;
			if (ml->st < 0)
				base = LLVMBuildAdd(f->b, base, LLVMBuildMul(f->b, lg_i64(f, ml->stride), f->outer[l], ""), "");
			else if (ml->span)
				cover = LLVMBuildAdd(f->b, cover, lg_i64(f, (ml->span / ml->stride - 1) * ml->stride), "");
			else
				cover = LLVMBuildAdd(f->b, cover,
				                     LLVMBuildMul(f->b, LLVMBuildSub(f->b, f->ext[l], lg_i64(f, 1), ""),
				                                  lg_i64(f, ml->stride), ""),
				                     "");
		}
		*tiled_any = true;
		LLVMValueRef end = LLVMBuildAdd(f->b, base, cover, "");
		full = LLVMBuildAnd(f->b, full, LLVMBuildICmp(f->b, LLVMIntSLE, end, f->bound[j], ""), "");
	}
	return full;
}

bool lg_optimize(LLVMModuleRef mod, LLVMTargetMachineRef tm, char **err)
{
	char *triple = LLVMGetTargetMachineTriple(tm);
	LLVMSetTarget(mod, triple);
	LLVMDisposeMessage(triple);
	LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(tm);
	char *layout = LLVMCopyStringRepOfTargetData(dl);
	LLVMSetDataLayout(mod, layout);
	LLVMDisposeMessage(layout);
	LLVMDisposeTargetData(dl);
	char *msg = NULL;
	if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
		*err = msg;
		return false;
	}
	LLVMDisposeMessage(msg); /* an empty message, still allocated */
	LLVMPassBuilderOptionsRef opt = LLVMCreatePassBuilderOptions();
	LLVMErrorRef e = LLVMRunPasses(mod, "default<O3>", tm, opt);
	LLVMDisposePassBuilderOptions(opt);
	if (e) {
		*err = LLVMGetErrorMessage(e);
		return false;
	}
	return true;
}

/* Element types every backend's codegen takes: f32 in registers, codes in memory. */
static bool type_taken(Type t, bool input)
{
	return t == TY_F32 || type_is_narrow(t) || (input && (t == TY_I16 || type_is_mx(t)));
}

const char *lg_types_refused(Arena *a, const LoopProg *lp)
{
	const char *why = NULL;
	for (const Tensor *t = lp->u->k->tensors; t && !why; t = t->next)
		if (!type_taken(t->type, t->dir == TENSOR_IN))
			why = arena_printf(a, "%s tensor '%s' is %s", t->dir == TENSOR_IN ? "input" : "output", t->name,
			                   type_name(t->type));
	/* recurrences of i16 and MX only copy them (sema), so they hold f32 values */
	for (int v = 0; v < lp->u->nvars && !why; v++) {
		Type t = lp->u->vars[v].type;
		if (!lp->dead[v] && !type_taken(t, t == TY_I16 || type_is_mx(t)))
			why = arena_printf(a, "recurrence '%s' computes in %s", lp->u->vars[v].name, type_name(t));
	}
	return why ? arena_printf(a, "%s (the backends take f32, f16, bf16, FP8, i16 and MX inputs, and compute and write "
	                             "f32, f16, bf16 and FP8)",
	                          why)
	           : NULL;
}

LLVMValueRef lg_tensor_layout(const LgFunc *f, const Tensor *t, LLVMValueRef *dim, LLVMValueRef *stride,
                              LLVMValueRef *mxstride)
{
	const Expr *dims[8];
	int d = 0;
	for (const Expr *x = t->dims; x; x = x->next)
		dims[d++] = x;
	int ax = type_is_mx(t->type) ? t->block_axis : -1;
	LLVMValueRef s = lg_i64(f, 1), ss = lg_i64(f, 1);
	for (int k = t->rank - 1; k >= 0; k--) {
		dim[k] = lg_affine(f, aff_of_expr(dims[k], f->mp->u->k));
		stride[k] = s;
		mxstride[k] = ss;
		LLVMValueRef e = dim[k];
		if (k == ax) { /* MX: blocks of 32 codes (4 bytes per 8 bits of a code), a scale each */
			e = LLVMBuildLShr(f->b, LLVMBuildAdd(f->b, dim[k], lg_i64(f, 31), ""), lg_i64(f, 5), "");
			s = LLVMBuildMul(f->b, s, LLVMBuildMul(f->b, e, lg_i64(f, 4 * type_bits(t->type)), ""), "");
		} else {
			s = LLVMBuildMul(f->b, s, e, "");
		}
		ss = LLVMBuildMul(f->b, ss, e, "");
	}
	return s;
}

void lg_attr(LLVMValueRef fn, unsigned index, const char *name)
{
	LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(fn));
	unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
	LLVMAddAttributeAtIndex(fn, index, LLVMCreateEnumAttribute(ctx, kind, 0));
}
