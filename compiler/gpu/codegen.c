/*
 * codegen.c: the loop IR to LLVM IR for GPUs, one thread per lane (gpu.h).
 *
 * The host backend (cpu/codegen.c) runs an array as one thread holding every lane in
 * an LLVM vector; here every lane is a thread and holds scalars. A group of `width`
 * threads is one array (one work item of the loop IR); a group of the launch holds
 * `per_group` arrays. Each thread works out its lane and its work item from its ids,
 * runs the sequential loops around the array, and in each pass the time loop with
 * every register row unrolled, as the host does: a PE's point is affine in (row,
 * lane, t), links are phis carried across time steps, a value from an earlier pass
 * comes from a spill buffer (global scratch, one slice per work item), and a
 * propagated input is read from its tensor where it is used.
 *
 * Lane shifts are the only exchange between threads: the target's shuffle hook (a
 * warp or sub-group shuffle, or local memory and barriers). They must be executed by
 * every thread of the array together, so control flow around them depends only on
 * what is the same for the whole array: the sizes, the work item, the time step.
 * What varies between lanes (a PE outside its tile or the domain) is a mask: loads
 * read a safe address and are zeroed, stores and spills are skipped by a branch
 * that holds no shuffle.
 *
 * Arithmetic is the interpreter's, as on the host: f32 operations without
 * fast-math flags, an addition of a product as llvm.fma (fma.rn.f32 in PTX, the
 * OpenCL fma in SPIR-V), the same max/min rules; results match it bit for bit.
 */
#include "gpu/gpu.h"
#include "cpu/cpu.h"
#include "llvmgen.h"

#include <stdlib.h>
#include <string.h>

enum { MAXV = 64, MAXTAU = 8, MAXROWS = 64, MAXT = 64, MAXSHIFT = 256 };

typedef struct {
	LLVMValueRef x[URE_MAXL];  /* the point, per kernel loop (index type) */
	LLVMValueRef ok[URE_MAXL]; /* i1: x[j] lies in its tile and the domain */
	LLVMValueRef valid;        /* i1: all of them, on a lane of the array */
} Point;

typedef struct {
	LLVMValueRef src;
	int64_t d;
	LLVMValueRef v;
} Shifted;

struct GpuCg {
	Arena *a;
	const LoopProg *lp;
	const Map *mp;
	const Ure *u;
	const GpuTarget *tg;
	const GpuOptions *o;
	GpuLayout lay;
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMValueRef fn;
	LLVMTypeRef i1, i32, i64, f32, gptr, voidt;
	LLVMTypeRef ix;       /* of indexes, offsets and time: i32, or i64 (--index-bits=64) */
	LLVMValueRef lane;    /* this thread's lane in its array */
	LLVMValueRef lane_ok; /* lane < lanes: false on the padding threads of a warp segment */
	LLVMValueRef lds;     /* work-group memory of the local-memory shuffle */
	LLVMValueRef size[AFF_MAXP];
	LLVMValueRef tensor[MAXT];
	Type ttype[MAXT]; /* each tensor's element type (f32 in registers) */
	LLVMValueRef texp[MAXT]; /* i16 tensors: their exponent (i32, a kernel argument) */
	/* MX tensors (as on the host): where their scales start, the scales' strides, the
	 * block axis (tstride has it padded to 32) */
	LLVMValueRef mxscales[MAXT], mxstride[MAXT][8];
	int mxaxis[MAXT], trank[MAXT];
	LLVMValueRef tstride[MAXT][8];
	LLVMValueRef tdim[MAXT][8];
	LLVMValueRef bound[URE_MAXL];
	LLVMValueRef ext[MAP_MAXL];
	LLVMValueRef outer[MAP_MAXL];
	LgFunc lf; /* the shared helpers' view of the kernel (llvmgen.h) */
	LLVMValueRef t, tmin, tmax;
	bool full;
	int row;
	int64_t rowc[URE_MAXL];
	LLVMValueRef cur[MAXV][MAXROWS];
	LLVMValueRef hist[MAXV][MAXTAU][MAXROWS];
	LLVMValueRef (*next)[MAXTAU][MAXROWS]; /* the registers after a loop iteration's steps */
	LLVMValueRef carry[MAXV][MAXROWS]; /* registers across inner iterations (allocas) */
	LLVMValueRef spill[MAXV];
	LLVMValueRef spill_stride[MAXV][URE_MAXL];
	LLVMValueRef tlen[MAXT];
	LLVMValueRef tlast[MAXT]; /* tlen - 1 (the runtime refuses empty tensors): where window loads clamp */
	/* staged panels (pack.c's panels in local memory, refilled every `width` steps):
	 * this array's slice of each, the floats per step and per inner iteration (the
	 * slots, rounded up to 4), the inner iterations (constant extents), and which
	 * register dimensions a panel's read moves along (rows that differ only along
	 * others share a slot) */
	int nstage;
	LLVMValueRef stage[LOOP_MAXPANELS];
	int64_t stage_stride[LOOP_MAXPANELS], stage_islots[LOOP_MAXPANELS], stage_inner;
	bool stage_moves[LOOP_MAXPANELS][URE_MAXL];
	/* inside a whole block of steps: its first slot in each panel's buffers, and the
	 * step's place in it (else NULL, -1: both computed from g->t) */
	LLVMValueRef stage_at[LOOP_MAXPANELS];
	int stage_j;
	const int64_t *shift; /* the shift of the propagated input being read, or NULL */
	/* the shuffles of the current step: one per (value, distance) */
	Shifted shifted[MAXSHIFT];
	int nshifted;
};

/* ---- helpers the targets share ---- */

LLVMBuilderRef gpu_builder(GpuCg *g)
{
	return g->b;
}

LLVMModuleRef gpu_module(GpuCg *g)
{
	return g->mod;
}

const GpuOptions *gpu_options(GpuCg *g)
{
	return g->o;
}

LLVMValueRef gpu_intrinsic(GpuCg *g, const char *name, LLVMTypeRef *over, int nover, LLVMValueRef *args, int nargs)
{
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	if (!id)
		sysc_bug("no LLVM intrinsic %s", name);
	LLVMValueRef f = LLVMGetIntrinsicDeclaration(g->mod, id, over, (size_t)nover);
	LLVMTypeRef ft = LLVMIntrinsicGetType(g->ctx, id, over, (size_t)nover);
	return LLVMBuildCall2(g->b, ft, f, args, (unsigned)nargs, "");
}

LLVMValueRef gpu_call(GpuCg *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *params, int nparams, LLVMValueRef *args,
                      bool convergent)
{
	LLVMTypeRef ft = LLVMFunctionType(ret, params, (unsigned)nparams, false);
	LLVMValueRef f = LLVMGetNamedFunction(g->mod, name);
	if (!f) {
		f = LLVMAddFunction(g->mod, name, ft);
		if (g->tg->kernel_cc == LLVMSPIRKERNELCallConv)
			LLVMSetFunctionCallConv(f, LLVMSPIRFUNCCallConv);
		lg_attr(f, LLVMAttributeFunctionIndex, convergent ? "convergent" : "nounwind");
	}
	LLVMValueRef c = LLVMBuildCall2(g->b, ft, f, args, (unsigned)nparams, "");
	LLVMSetInstructionCallConv(c, LLVMGetFunctionCallConv(f));
	return c;
}

LLVMValueRef gpu_local_lanes(GpuCg *g)
{
	if (!g->lds) {
		LLVMTypeRef at = LLVMArrayType2(g->f32, 64);
		g->lds = LLVMGetNamedGlobal(g->mod, "sysc_lanes");
		if (!g->lds) {
			g->lds = LLVMAddGlobalInAddressSpace(g->mod, at, "sysc_lanes", g->tg->local_as);
			LLVMSetLinkage(g->lds, LLVMInternalLinkage);
			LLVMSetInitializer(g->lds, LLVMGetPoison(at));
			LLVMSetAlignment(g->lds, 4);
		}
	}
	return g->lds;
}

/* ---- small helpers ---- */

static LLVMValueRef cix(GpuCg *g, int64_t v)
{
	return LLVMConstInt(g->ix, (unsigned long long)v, true);
}

static LLVMValueRef ci1(GpuCg *g, bool v)
{
	return LLVMConstInt(g->i1, v, false);
}

static LLVMValueRef fzero(GpuCg *g)
{
	return LLVMConstReal(g->f32, 0.0);
}

static bool is_true(LLVMValueRef m)
{
	return LLVMIsAConstantInt(m) && LLVMConstIntGetZExtValue(m) == 1;
}

static LLVMValueRef and_(GpuCg *g, LLVMValueRef x, LLVMValueRef y)
{
	if (is_true(x))
		return y;
	if (is_true(y))
		return x;
	return LLVMBuildAnd(g->b, x, y, "");
}

static LLVMValueRef add(GpuCg *g, LLVMValueRef x, LLVMValueRef y)
{
	return LLVMBuildAdd(g->b, x, y, "");
}

static LLVMValueRef mul(GpuCg *g, LLVMValueRef x, LLVMValueRef y)
{
	return LLVMBuildMul(g->b, x, y, "");
}

static int tensor_index(GpuCg *g, const Tensor *t)
{
	int ti = 0;
	for (const Tensor *x = g->u->k->tensors; x != t; x = x->next)
		ti++;
	return ti;
}

/* How elements of type t lie in memory: f32, or the codes of a narrower type (i16,
 * i8), which llvmelem.c converts; every value in registers is f32. */
static LLVMTypeRef storage(GpuCg *g, Type t)
{
	int bits = t == TY_F32 ? 0 : type_is_mx(t) ? 8 : type_bits(t);
	return bits ? LLVMIntTypeInContext(g->ctx, (unsigned)bits) : g->f32;
}

/* A load of base[off] (elements of type t, as f32; es: an i16 tensor's exponent), at
 * offset 0 (always inside a tensor) where the mask is off, which then reads 0. */
static LLVMValueRef load_masked(GpuCg *g, Type t, LLVMValueRef es, LLVMValueRef base, LLVMValueRef off,
                                LLVMValueRef mask, const char *name)
{
	if (!is_true(mask))
		off = LLVMBuildSelect(g->b, mask, off, cix(g, 0), "");
	LLVMTypeRef st = storage(g, t);
	LLVMValueRef p = LLVMBuildGEP2(g->b, st, base, &off, 1, "");
	LLVMValueRef v = LLVMBuildLoad2(g->b, st, p, name);
	LLVMSetAlignment(v, st == g->f32 ? 4 : LLVMGetIntTypeWidth(st) / 8);
	v = t == TY_I16 ? lg_decode_dfp16(g->b, v, es) : lg_decode(g->b, t, v);
	if (!is_true(mask))
		v = LLVMBuildSelect(g->b, mask, v, fzero(g), "");
	return v;
}

/* Stores base[off] = v (f32, as an element of type t) where mask holds: a branch
 * around the store, which holds no shuffle, so that lanes may take it apart. */
static void store_masked(GpuCg *g, Type t, LLVMValueRef base, LLVMValueRef off, LLVMValueRef v, LLVMValueRef mask,
                         const char *name)
{
	LLVMBasicBlockRef after = NULL;
	if (!is_true(mask)) {
		LLVMBasicBlockRef st = LLVMAppendBasicBlockInContext(g->ctx, g->fn, name);
		after = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "stored");
		LLVMBuildCondBr(g->b, mask, st, after);
		LLVMPositionBuilderAtEnd(g->b, st);
	}
	LLVMValueRef p = LLVMBuildGEP2(g->b, storage(g, t), base, &off, 1, "");
	LLVMSetAlignment(LLVMBuildStore(g->b, lg_encode(g->b, t, v), p), (unsigned)type_bits(t) / 8);
	if (after) {
		LLVMBuildBr(g->b, after);
		LLVMPositionBuilderAtEnd(g->b, after);
	}
}

/* ---- expressions ---- */

static LLVMValueRef cg_expr(GpuCg *g, const Expr *e, const Point *pt, LLVMValueRef mask);

static LLVMValueRef to_float(GpuCg *g, LLVMValueRef x)
{
	if (LLVMGetTypeKind(LLVMTypeOf(x)) == LLVMFloatTypeKind)
		return x;
	return LLVMBuildSIToFP(g->b, x, g->f32, "");
}

/* As on the host (cpu/codegen.c): a load is masked by the read's guards and the
 * loops its index uses, so register rows outside the domain along other loops share
 * it. Where the steps have inner loops, a read with no guard of its own is masked by
 * where its point lies only: off the domain (or on a padding lane) each coordinate
 * it uses moves to 0, inside the domain (a box from 0), so the loads of the inner
 * iterations need no select of their address and keep the constant offsets of the
 * full tile (an edge tile's masked loads took 957 instructions per step in
 * conv2d_batch's rows_blocked, the full tile's 359); the value is 0 as before.
 * Without inner loops a point's coordinates feed about one load each, and the moved
 * coordinates only held registers (GEMMs 7 % slower, conv1d 20 %).
 *
 * A window read (an index that adds loops, a convolution's p + r) is the exception:
 * there points that differ read one element, and a mask or moved coordinates per
 * point keep a load per point. Such a load clamps its offset into the tensor instead,
 * umin(offset, last element), and reads unmasked: inside the domain the offset is in
 * the tensor (sema proves it), and where the point is invalid the value is never used
 * (a recurrence guards its reads past the domain's edge, a conditional selects, stores
 * and spills are masked). Masked, the pixel loads of a 4 x 8 conv3x3_crsk edge tile
 * were one per tap and output, 297 against the full tile's 69 per 288 FMAs, with 1400
 * bytes of spills and 4x the compile time (LLVM's straight-line strength reduction is
 * quadratic in them). */
static LLVMValueRef staged_load(GpuCg *g, const Expr *e);

/* base[off] as a byte, at offset 0 where the mask is off */
static LLVMValueRef load_byte(GpuCg *g, LLVMValueRef base, LLVMValueRef off, LLVMValueRef mask)
{
	if (!is_true(mask))
		off = LLVMBuildSelect(g->b, mask, off, cix(g, 0), "");
	LLVMTypeRef i8 = LLVMInt8TypeInContext(g->ctx);
	return LLVMBuildLoad2(g->b, i8, LLVMBuildGEP2(g->b, i8, base, &off, 1, ""), "");
}

/* An MX element's value v times its block's scale, from the element's indexes. */
static LLVMValueRef scaled(GpuCg *g, int ti, LLVMValueRef v, const LLVMValueRef *idx, LLVMValueRef mask)
{
	if (!type_is_mx(g->ttype[ti]))
		return v;
	LLVMValueRef off = cix(g, 0);
	for (int d = 0; d < g->trank[ti]; d++) {
		LLVMValueRef x = d == g->mxaxis[ti] ? LLVMBuildAShr(g->b, idx[d], cix(g, 5), "") : idx[d];
		off = add(g, off, mul(g, x, g->mxstride[ti][d]));
	}
	return LLVMBuildFMul(g->b, v, lg_decode_e8m0(g->b, load_byte(g, g->mxscales[ti], off, mask)), "");
}

/* The value (before its scale) of an MX element of 6 or 4 bits, packed along the block
 * axis as on the host (cpu/codegen.c's packed_code): FP4 two to a byte, the low nibble
 * first; FP6 four in a little-endian word of 3 bytes, tstride[axis] apart. */
static LLVMValueRef packed(GpuCg *g, int ti, const LLVMValueRef *idx, LLVMValueRef mask)
{
	int ax = g->mxaxis[ti], fp4 = type_bits(g->ttype[ti]) == 4;
	LLVMValueRef k = idx[ax], off = cix(g, 0), w = LLVMConstInt(g->i32, 0, false);
	for (int d = 0; d < g->trank[ti]; d++) {
		LLVMValueRef x = d != ax ? idx[d]
		                 : fp4   ? LLVMBuildAShr(g->b, k, cix(g, 1), "")
		                         : mul(g, LLVMBuildAShr(g->b, k, cix(g, 2), ""), cix(g, 3));
		off = add(g, off, mul(g, x, g->tstride[ti][d]));
	}
	for (int b = 0; b < (fp4 ? 1 : 3); b++) {
		LLVMValueRef byte = load_byte(g, g->tensor[ti], add(g, off, mul(g, cix(g, b), g->tstride[ti][ax])), mask);
		LLVMValueRef z = LLVMBuildZExt(g->b, byte, g->i32, "");
		w = LLVMBuildOr(g->b, w, LLVMBuildShl(g->b, z, LLVMConstInt(g->i32, 8 * (unsigned)b, false), ""), "");
	}
	LLVMValueRef lane = LLVMBuildTrunc(g->b, LLVMBuildAnd(g->b, k, cix(g, fp4 ? 1 : 3), ""), g->i32, "");
	LLVMValueRef sh = LLVMBuildMul(g->b, lane, LLVMConstInt(g->i32, fp4 ? 4 : 6, false), "");
	LLVMValueRef c = LLVMBuildAnd(g->b, LLVMBuildLShr(g->b, w, sh, ""), LLVMConstInt(g->i32, fp4 ? 0xF : 0x3F, false), "");
	return lg_decode(g->b, g->ttype[ti], LLVMBuildTrunc(g->b, c, LLVMInt8TypeInContext(g->ctx), ""));
}

static LLVMValueRef cg_load(GpuCg *g, const Expr *e, const Point *pt, LLVMValueRef mask)
{
	LLVMValueRef staged = staged_load(g, e);
	if (staged)
		return staged;
	int ti = tensor_index(g, e->sym->tensor);
	bool used[URE_MAXL];
	/* (an MX read keeps its mask: its scale's offset is not the element's) */
	bool window = lower_index_loops(e->args, g->u->nloops, used) && !type_is_mx(g->ttype[ti]);
	bool guarded = !is_true(mask), clamp = !guarded && g->lp->ninner && !window;
	Point at = *pt;
	mask = and_(g, mask, g->lane_ok);
	for (int j = 0; j < g->u->nloops; j++) {
		if (!used[j])
			continue;
		mask = and_(g, mask, pt->ok[j]);
		LLVMValueRef in = clamp ? and_(g, pt->ok[j], g->lane_ok) : NULL;
		if (in && !is_true(in))
			at.x[j] = LLVMBuildSelect(g->b, in, pt->x[j], cix(g, 0), "");
	}
	LLVMValueRef off = cix(g, 0), idx[8];
	int d = 0;
	for (const Expr *a = e->args; a; a = a->next, d++) {
		idx[d] = cg_expr(g, a, &at, mask);
		off = add(g, off, mul(g, idx[d], g->tstride[ti][d]));
	}
	if (window && !is_true(mask)) {
		LLVMValueRef args[2] = {off, g->tlast[ti]};
		off = gpu_intrinsic(g, "llvm.umin", &g->ix, 1, args, 2);
		mask = ci1(g, true);
	}
	if (type_is_mx(g->ttype[ti]) && type_bits(g->ttype[ti]) < 8) {
		LLVMValueRef in = clamp ? ci1(g, true) : mask, v = scaled(g, ti, packed(g, ti, idx, in), idx, in);
		return is_true(mask) ? v : LLVMBuildSelect(g->b, mask, v, fzero(g), "");
	}
	if (!clamp)
		return scaled(g, ti, load_masked(g, g->ttype[ti], g->texp[ti], g->tensor[ti], off, mask, e->name), idx, mask);
	LLVMValueRef v = load_masked(g, g->ttype[ti], g->texp[ti], g->tensor[ti], off, ci1(g, true), e->name);
	v = scaled(g, ti, v, idx, ci1(g, true));
	return is_true(mask) ? v : LLVMBuildSelect(g->b, mask, v, fzero(g), "");
}

static const LoopDep *find_dep(GpuCg *g, const Expr *ref)
{
	for (int i = 0; i < g->lp->ndeps; i++)
		if (g->lp->deps[i].dep->ref == ref)
			return &g->lp->deps[i];
	return NULL; /* an output's reference: the point being computed */
}

/* The offset in var v's spill slice of point x (every loop but the fold, local to
 * the work item). */
static LLVMValueRef spill_off(GpuCg *g, int v, const Point *x)
{
	LLVMValueRef off = cix(g, 0);
	for (int j = 0; j < g->u->nloops; j++) {
		if (j == g->lp->spill_fold[v])
			continue;
		LLVMValueRef local = x->x[j];
		for (int l = 0; l < g->mp->nloops; l++) {
			const MapLoop *ml = &g->mp->loops[l];
			if (ml->orig == j && ml->st < 0 && ml->parallel)
				local = LLVMBuildSub(g->b, local, mul(g, cix(g, ml->stride), g->outer[l]), "");
		}
		off = add(g, off, mul(g, local, g->spill_stride[v][j]));
	}
	return off;
}

/* Whether x's value of loop j is the first (last) of its tile part inside the array:
 * the dependence along j then comes from (goes to) another pass. */
static LLVMValueRef tile_edge(GpuCg *g, int j, const Point *pt, bool last)
{
	for (int l = 0; l < g->mp->nloops; l++) {
		const MapLoop *ml = &g->mp->loops[l];
		if (ml->orig == j && ml->st >= 0) {
			LLVMValueRef r = pt->x[j];
			if (ml->span)
				r = LLVMBuildSRem(g->b, r, cix(g, ml->span), "");
			if (last)
				return LLVMBuildICmp(g->b, LLVMIntSGE, r, cix(g, (ml->span ? ml->span : 1) - ml->stride), "");
			return LLVMBuildICmp(g->b, LLVMIntSLT, r, cix(g, ml->stride), "");
		}
	}
	return ci1(g, true); /* the loop runs around the array: every pass meets the next */
}

/* v of the PE d lanes back, 0 where that lane is outside the array (legality: never
 * read). One shuffle per value and distance in a step. */
static LLVMValueRef shift(GpuCg *g, LLVMValueRef v, int64_t d)
{
	for (int i = 0; i < g->nshifted; i++)
		if (g->shifted[i].src == v && g->shifted[i].d == d)
			return g->shifted[i].v;
	LLVMValueRef s = g->tg->shuffle(g, v, d, g->lay.width, g->lane);
	LLVMValueRef from = LLVMBuildSub(g->b, g->lane, cix(g, d), "");
	LLVMValueRef in = LLVMBuildICmp(g->b, LLVMIntULT, from, cix(g, g->lay.lanes), "");
	s = LLVMBuildSelect(g->b, in, s, fzero(g), "shift");
	if (g->nshifted < MAXSHIFT)
		g->shifted[g->nshifted++] = (Shifted){v, d, s};
	return s;
}

/* The value a link delivers: tau steps back, drow rows back, shifted dlane lanes. */
static LLVMValueRef link_value(GpuCg *g, const LoopDep *ld)
{
	const LoopProg *lp = g->lp;
	int64_t src = 0;
	for (int i = 0; i < lp->nregdims; i++) {
		int r = lp->regdim[i];
		int64_t c = g->rowc[r] - lp->pmin[r] - ld->drow[r];
		if (c < 0 || c >= lp->pext[r])
			return fzero(g); /* from outside the array: never read (legality) */
		src = src * lp->pext[r] + c;
	}
	/* inside a time step, the register still holds the value of the step before */
	LLVMValueRef v = lp->ninner && ld->tau == 1 ? LLVMBuildLoad2(g->b, g->f32, g->carry[ld->var][src], "carried")
	                                            : g->hist[ld->var][ld->tau - 1][src];
	return ld->dlane ? shift(g, v, ld->dlane) : v;
}

static LLVMValueRef cg_ref(GpuCg *g, const Expr *e, const Point *pt, LLVMValueRef mask)
{
	const LoopDep *ld = find_dep(g, e);
	if (!ld)
		return g->cur[ure_var_index(g->u, e->name)][g->row];
	const UreVar *var = &g->u->vars[ld->var];
	if (var->kind == VAR_PROPAGATE) {
		Point y = *pt;
		for (int j = 0; j < g->u->nloops; j++)
			if (ld->dep->d[j])
				y.x[j] = LLVMBuildSub(g->b, pt->x[j], cix(g, ld->dep->d[j]), "");
		g->shift = ld->dep->d;
		LLVMValueRef r = cg_expr(g, var->input, &y, mask);
		g->shift = NULL;
		return r;
	}
	if (ld->carry)
		return LLVMBuildLoad2(g->b, g->f32, g->carry[ld->var][g->row], "carried");
	if (!ld->link && !ld->spill)
		return g->cur[ld->var][g->row];
	LLVMValueRef linked = ld->link ? link_value(g, ld) : fzero(g);
	if (!ld->spill)
		return linked;
	Point y = *pt;
	int j = ld->fold;
	y.x[j] = LLVMBuildSub(g->b, pt->x[j], cix(g, 1), "");
	LLVMValueRef cross = ld->link ? tile_edge(g, j, pt, false) : ci1(g, true);
	LLVMValueRef fromspill = load_masked(g, TY_F32, NULL, g->spill[ld->var], spill_off(g, ld->var, &y), and_(g, and_(g, mask, pt->valid), cross), "spilled");
	if (!ld->link)
		return fromspill;
	return LLVMBuildSelect(g->b, cross, fromspill, linked, "");
}

static bool is_product(const Expr *e)
{
	return e->kind == EX_BINARY && e->op == OP_MUL && e->type == TY_F32;
}

static LLVMValueRef cg_expr(GpuCg *g, const Expr *e, const Point *pt, LLVMValueRef mask)
{
	switch (e->kind) {
	case EX_INT:
		return cix(g, e->ival);
	case EX_FLOAT:
		return LLVMConstReal(g->f32, (float)e->fval);
	case EX_NAME:
		if (e->sym->kind == SYM_LOOP)
			return pt->x[e->sym->index];
		return g->size[e->sym->index];
	case EX_UNARY: {
		LLVMValueRef x = cg_expr(g, e->a, pt, mask);
		if (e->op == OP_NOT)
			return LLVMBuildNot(g->b, x, "");
		if (e->type == TY_INDEX)
			return LLVMBuildNeg(g->b, x, "");
		return LLVMBuildFNeg(g->b, to_float(g, x), "");
	}
	case EX_COND: {
		LLVMValueRef c = cg_expr(g, e->a, pt, mask);
		LLVMValueRef x = cg_expr(g, e->b, pt, and_(g, mask, c));
		LLVMValueRef y = cg_expr(g, e->c, pt, and_(g, mask, LLVMBuildNot(g->b, c, "")));
		if (e->type != TY_INDEX && e->type != TY_BOOL) {
			x = to_float(g, x);
			y = to_float(g, y);
		}
		return LLVMBuildSelect(g->b, c, x, y, "");
	}
	case EX_INDEX:
		return cg_load(g, e, pt, mask);
	case EX_CALL: {
		if (e->sym && e->sym->kind == SYM_REC)
			return cg_ref(g, e, pt, mask);
		LLVMValueRef a = to_float(g, cg_expr(g, e->args, pt, mask));
		if (strcmp(e->name, "abs") == 0)
			return gpu_intrinsic(g, "llvm.fabs", &g->f32, 1, &a, 1);
		LLVMValueRef b = to_float(g, cg_expr(g, e->args->next, pt, mask));
		/* max: a >= b || isnan(b) ? a : b, and min likewise (interp.c) */
		LLVMValueRef cmp = LLVMBuildFCmp(g->b, strcmp(e->name, "max") == 0 ? LLVMRealOGE : LLVMRealOLE, a, b, "");
		LLVMValueRef nan = LLVMBuildFCmp(g->b, LLVMRealUNO, b, b, "");
		return LLVMBuildSelect(g->b, LLVMBuildOr(g->b, cmp, nan, ""), a, b, "");
	}
	case EX_BINARY:
		break;
	}
	if (e->op == OP_AND || e->op == OP_OR) {
		LLVMValueRef x = cg_expr(g, e->a, pt, mask), y = cg_expr(g, e->b, pt, mask);
		return e->op == OP_AND ? LLVMBuildAnd(g->b, x, y, "") : LLVMBuildOr(g->b, x, y, "");
	}
	if (e->type == TY_F32 && e->op == OP_ADD && (is_product(e->a) || is_product(e->b))) {
		const Expr *p = is_product(e->a) ? e->a : e->b, *c = p == e->a ? e->b : e->a;
		LLVMValueRef args[3] = {to_float(g, cg_expr(g, p->a, pt, mask)), to_float(g, cg_expr(g, p->b, pt, mask)),
		                        to_float(g, cg_expr(g, c, pt, mask))};
		return gpu_intrinsic(g, "llvm.fma", &g->f32, 1, args, 3);
	}
	LLVMValueRef x = cg_expr(g, e->a, pt, mask), y = cg_expr(g, e->b, pt, mask);
	bool ints = e->a->type == TY_INDEX && e->b->type == TY_INDEX;
	switch (e->op) {
	case OP_EQ:
	case OP_NE:
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE: {
		static const LLVMIntPredicate ip[] = {LLVMIntEQ, LLVMIntNE, LLVMIntSLT, LLVMIntSLE, LLVMIntSGT, LLVMIntSGE};
		static const LLVMRealPredicate fp[] = {LLVMRealOEQ, LLVMRealUNE, LLVMRealOLT, LLVMRealOLE, LLVMRealOGT, LLVMRealOGE};
		int k = (int)e->op - OP_EQ;
		if (ints)
			return LLVMBuildICmp(g->b, ip[k], x, y, "");
		return LLVMBuildFCmp(g->b, fp[k], to_float(g, x), to_float(g, y), "");
	}
	default:
		break;
	}
	if (e->type == TY_INDEX) {
		switch (e->op) {
		case OP_ADD:
			return LLVMBuildAdd(g->b, x, y, "");
		case OP_SUB:
			return LLVMBuildSub(g->b, x, y, "");
		case OP_MUL:
			return LLVMBuildMul(g->b, x, y, "");
		case OP_DIV:
			return LLVMBuildSDiv(g->b, x, y, "");
		default:
			return LLVMBuildSRem(g->b, x, y, "");
		}
	}
	x = to_float(g, x);
	y = to_float(g, y);
	switch (e->op) {
	case OP_ADD:
		return LLVMBuildFAdd(g->b, x, y, "");
	case OP_SUB:
		return LLVMBuildFSub(g->b, x, y, "");
	case OP_MUL:
		return LLVMBuildFMul(g->b, x, y, "");
	case OP_DIV:
		return LLVMBuildFDiv(g->b, x, y, "");
	default:
		return LLVMBuildFRem(g->b, x, y, "");
	}
}

/* ---- the point of a register row ---- */

static void make_point(GpuCg *g, Point *pt)
{
	const Map *mp = g->mp;
	LLVMValueRef w[MAP_MAXL];
	int64_t L = g->lay.lanes;
	LLVMValueRef ok[URE_MAXL];
	for (int j = 0; j < URE_MAXL; j++)
		ok[j] = ci1(g, true);
	pt->valid = g->lane_ok;
	for (int c = 0; c < mp->n; c++) {
		int l = mp->st[c];
		LoopCoord k = lower_coord(g->lp, g->rowc, c, L);
		w[l] = add(g, cix(g, k.alpha), mul(g, cix(g, k.gamma), g->t));
		if (k.beta)
			w[l] = add(g, w[l], mul(g, g->lane, cix(g, k.beta)));
		if (!k.proven) {
			LLVMValueRef in = LLVMBuildAnd(g->b, LLVMBuildICmp(g->b, LLVMIntSGE, w[l], cix(g, 0), ""),
			                               LLVMBuildICmp(g->b, LLVMIntSLT, w[l], g->ext[l], ""), "");
			ok[mp->loops[l].orig] = and_(g, ok[mp->loops[l].orig], in);
		}
	}
	for (int l = 0; l < mp->nloops; l++)
		if (mp->loops[l].st < 0)
			w[l] = g->outer[l];
	for (int j = 0; j < g->u->nloops; j++) {
		LLVMValueRef x = cix(g, 0);
		bool tiled = false;
		for (int l = 0; l < mp->nloops; l++) {
			if (mp->loops[l].orig != j)
				continue;
			tiled |= mp->loops[l].span != 0;
			x = add(g, x, mul(g, w[l], cix(g, mp->loops[l].stride)));
		}
		pt->x[j] = x;
		if (tiled && !g->full)
			ok[j] = and_(g, ok[j], LLVMBuildICmp(g->b, LLVMIntSLT, x, g->bound[j], ""));
		pt->ok[j] = ok[j];
		pt->valid = and_(g, pt->valid, ok[j]);
	}
}

/* ---- one time step ---- */

static void set_row(GpuCg *g, int64_t row)
{
	g->row = (int)row;
	lower_row_coords(g->lp, row, g->rowc);
}

static void store_outputs(GpuCg *g, int v, const Point *pt)
{
	const Ure *u = g->u;
	for (int o = 0; o < u->nouts; o++) {
		const Eqn *e = u->outs[o];
		/* the output is written where the point it reads is computed */
		const Expr *ref = expr_rec_ref(e->rhs);
		if (!ref || ure_var_index(u, ref->name) != v)
			continue;
		LLVMValueRef m = pt->valid;
		int i = 0;
		for (const Expr *a = ref->args; a; a = a->next, i++) {
			if (a->kind == EX_NAME && a->sym && a->sym->kind == SYM_LOOP)
				continue;
			m = and_(g, m, LLVMBuildICmp(g->b, LLVMIntEQ, pt->x[i], cg_expr(g, a, pt, m), ""));
		}
		LLVMValueRef val = to_float(g, cg_expr(g, e->rhs, pt, m));
		int ti = tensor_index(g, e->tensor);
		LLVMValueRef off = cix(g, 0);
		int d = 0;
		for (const Expr *l = e->lhs; l; l = l->next, d++)
			off = add(g, off, mul(g, pt->x[l->sym->index], g->tstride[ti][d]));
		store_masked(g, g->ttype[ti], g->tensor[ti], off, val, m, "store");
	}
}

static void step(GpuCg *g)
{
	const Ure *u = g->u;
	const LoopProg *lp = g->lp;
	Point pts[MAXROWS];
	g->nshifted = 0;
	for (int64_t r = 0; r < lp->nrows; r++) {
		set_row(g, r);
		make_point(g, &pts[r]);
	}
	for (int i = 0; i < u->nvars; i++) {
		int v = u->order[i];
		if (lp->dead[v])
			continue; /* a propagated input every reader loads itself */
		for (int64_t r = 0; r < lp->nrows; r++) {
			set_row(g, r);
			/* the mask holds the guards; each load adds where its address is valid */
			g->cur[v][r] = to_float(g, cg_expr(g, u->vars[v].eqn->rhs, &pts[r], ci1(g, true)));
			Type vt = u->vars[v].type;
			if (type_is_narrow(vt)) /* an f16, bf16 or FP8 accumulator rounds */
				g->cur[v][r] = lg_decode(g->b, vt, lg_encode(g->b, vt, g->cur[v][r]));
			if (lp->spilled[v]) {
				/* only the values a later pass reads */
				LLVMValueRef m = and_(g, pts[r].valid, tile_edge(g, lp->spill_fold[v], &pts[r], true));
				store_masked(g, TY_F32, g->spill[v], spill_off(g, v, &pts[r]), g->cur[v][r], m, "spill");
			}
		}
	}
	for (int i = 0; i < u->nvars; i++)
		for (int64_t r = 0; r < lp->nrows; r++) {
			set_row(g, r);
			store_outputs(g, u->order[i], &pts[r]);
		}
	/* the registers across inner iterations take this point's values where their
	 * pins hold (after every read of this iteration) */
	for (int v = 0; v < u->nvars && lp->ninner; v++) {
		if (!lp->carried[v] || lp->dead[v])
			continue;
		for (int64_t r = 0; r < lp->nrows; r++) {
			set_row(g, r);
			LLVMValueRef pin = ci1(g, true), val = g->cur[v][r];
			for (int i = 0; i < lp->npins[v]; i++)
				pin = and_(g, pin, cg_expr(g, lp->pins[v][i], &pts[r], pts[r].valid));
			if (!is_true(pin))
				val = LLVMBuildSelect(g->b, pin, val, LLVMBuildLoad2(g->b, g->f32, g->carry[v][r], ""), "");
			LLVMBuildStore(g->b, val, g->carry[v][r]);
		}
	}
	g->nshifted = 0;
}

/* A step with inner loops: one point per inner iteration; what a link carries to
 * later steps is then each register's last value. */
static void step_body(void *arg)
{
	step(arg);
}

static void step_inner(GpuCg *g)
{
	if (!g->lp->ninner) {
		step(g);
		return;
	}
	lg_inner(&g->lf, true, step_body, g);
	for (int v = 0; v < g->u->nvars; v++)
		if (g->lp->carried[v] && g->lp->maxtau[v])
			for (int64_t r = 0; r < g->lp->nrows; r++)
				g->cur[v][r] = LLVMBuildLoad2(g->b, g->f32, g->carry[v][r], "");
}

/* ---- staged panels ----
 *
 * A read that is the same for every lane but differs between register rows (a[i][k]
 * in the output-stationary GEMM: pack.c's panels) is, read in place, one load per row
 * and step in every thread. Staged, the array's threads copy `width` steps of it into
 * local memory together, one step each (consecutive k: one coalesced load per row), and
 * the steps read it from there: the global -> local -> register level. Rows that differ
 * only along register dimensions the read does not move along share a slot.
 *
 * Where the target copies asynchronously (cp.async), two buffers alternate: at the
 * first step of block b the copy of block b has landed, and the copy of block b + 1
 * starts, overlapping the block's steps. Elsewhere the copy of block b is made at its
 * first step, loads then stores.
 *
 * Steps with inner loops of constant extents (conv3x3.sys's filter taps) hold a slot
 * group per inner iteration: a step reads wt[k][c][r][s] of its 4 filters at (r, s)
 * as one vector of 4 where it read 4 broadcasts. */

/* panel p's slot for the current row */
static int64_t stage_slot(GpuCg *g, int p)
{
	const LoopProg *lp = g->lp;
	int64_t s = 0;
	for (int i = 0; i < lp->nregdims; i++) {
		int r = lp->regdim[i];
		if (g->stage_moves[p][i])
			s = s * lp->pext[r] + (g->rowc[r] - lp->pmin[r]);
	}
	return s;
}

/* the step's block in the pass, (t - tmin) / width, and its place in it, mod width */
static LLVMValueRef stage_block(GpuCg *g)
{
	return LLVMBuildUDiv(g->b, LLVMBuildSub(g->b, g->t, g->tmin, ""), cix(g, g->lay.width), "");
}

static LLVMValueRef stage_step(GpuCg *g)
{
	return LLVMBuildURem(g->b, LLVMBuildSub(g->b, g->t, g->tmin, ""), cix(g, g->lay.width), "");
}

/* the first slot of a block's buffer (two alternate where copies are asynchronous) */
static LLVMValueRef stage_buffer(GpuCg *g, int p, LLVMValueRef block)
{
	if (!g->o->async_copy)
		return cix(g, 0);
	LLVMValueRef odd = LLVMBuildURem(g->b, block, cix(g, 2), "");
	return mul(g, odd, cix(g, g->lay.width * g->stage_stride[p]));
}

static LLVMValueRef staged_load(GpuCg *g, const Expr *e)
{
	int p = g->nstage ? lower_panel(g->lp, e, g->shift) : -1;
	if (p < 0)
		return NULL;
	LLVMValueRef off;
	if (g->stage_j >= 0)
		off = add(g, g->stage_at[p], cix(g, g->stage_j * g->stage_stride[p] + stage_slot(g, p)));
	else
		off = add(g, add(g, stage_buffer(g, p, stage_block(g)), mul(g, stage_step(g), cix(g, g->stage_stride[p]))),
		          cix(g, stage_slot(g, p)));
	if (g->lp->ninner)
		off = add(g, off, mul(g, lg_inner_index(&g->lf), cix(g, g->stage_islots[p])));
	return LLVMBuildLoad2(g->b, g->f32, LLVMBuildGEP2(g->b, g->f32, g->stage[p], &off, 1, ""), "staged");
}

/* The offset in its tensor of panel p's element for the current row at step g->t,
 * and its index along each dimension in idx. */
static LLVMValueRef panel_offset(GpuCg *g, int p, LLVMValueRef *idx)
{
	const Expr *e = g->lp->panels[p].e;
	int ti = tensor_index(g, e->sym->tensor);
	Point pt;
	make_point(g, &pt);
	for (int j = 0; j < g->u->nloops; j++)
		if (g->lp->panels[p].d[j])
			pt.x[j] = LLVMBuildSub(g->b, pt.x[j], cix(g, g->lp->panels[p].d[j]), "");
	LLVMValueRef off = cix(g, 0);
	int d = 0;
	for (const Expr *a = e->args; a; a = a->next, d++) {
		idx[d] = cg_expr(g, a, &pt, ci1(g, true));
		off = add(g, off, mul(g, idx[d], g->tstride[ti][d]));
	}
	return off;
}

/* lo += min(0, span), hi += max(0, span) */
static void widen(GpuCg *g, LLVMValueRef span, LLVMValueRef *lo, LLVMValueRef *hi)
{
	LLVMValueRef neg = LLVMBuildICmp(g->b, LLVMIntSLT, span, cix(g, 0), "");
	*lo = add(g, *lo, LLVMBuildSelect(g->b, neg, span, cix(g, 0), ""));
	*hi = add(g, *hi, LLVMBuildSelect(g->b, neg, cix(g, 0), span, ""));
}

/* The copy loop of panel p over its slots and inner iterations (offset off0 + the
 * slot's coordinates times delta + the inner loops' times idelta), into buf: each
 * element where its offset is below lim (unsigned: 0 past the pass or outside the
 * tensor), or every element where lim is NULL. */
static void copy_slots(GpuCg *g, int p, LLVMValueRef off0, LLVMValueRef *delta, LLVMValueRef *idelta,
                       int64_t slots, LLVMValueRef buf, LLVMValueRef lim)
{
	const LoopProg *lp = g->lp;
	const Expr *e = lp->panels[p].e;
	int ti = tensor_index(g, e->sym->tensor);
	LgLoop l = lg_loop_begin(&g->lf, cix(g, 0), cix(g, slots * g->stage_inner - 1), "slot");
	/* iv = inner iteration * slots + slot */
	LLVMValueRef slot = l.iv, it = NULL, at;
	if (lp->ninner) {
		slot = LLVMBuildURem(g->b, l.iv, cix(g, slots), "");
		it = LLVMBuildUDiv(g->b, l.iv, cix(g, slots), "");
		at = add(g, add(g, buf, mul(g, it, cix(g, g->stage_islots[p]))), slot);
	} else {
		at = add(g, buf, l.iv);
	}
	LLVMValueRef off = off0, rem = slot;
	for (int i = lp->nregdims - 1; i >= 0; i--) {
		if (!g->stage_moves[p][i])
			continue;
		LLVMValueRef ext = cix(g, lp->pext[lp->regdim[i]]);
		off = add(g, off, mul(g, LLVMBuildURem(g->b, rem, ext, ""), delta[i]));
		rem = LLVMBuildUDiv(g->b, rem, ext, "");
	}
	for (int i = lp->ninner - 1; i >= 0; i--) {
		LLVMValueRef ext = g->ext[lp->inner[i]];
		off = add(g, off, mul(g, LLVMBuildURem(g->b, it, ext, ""), idelta[i]));
		it = LLVMBuildUDiv(g->b, it, ext, "");
	}
	LLVMValueRef in = lim ? LLVMBuildICmp(g->b, LLVMIntULT, off, lim, "") : ci1(g, true);
	LLVMValueRef dst = LLVMBuildGEP2(g->b, g->f32, g->stage[p], &at, 1, "");
	/* cp.async moves f32 elements as they are; narrower codes are decoded on the way
	 * (stores that land before the barrier that precedes their readers, as the copy) */
	if (g->o->async_copy && g->ttype[ti] == TY_F32) {
		LLVMValueRef o = lim ? LLVMBuildSelect(g->b, in, off, cix(g, 0), "") : off;
		g->tg->copy_async(g, dst, LLVMBuildGEP2(g->b, g->f32, g->tensor[ti], &o, 1, ""), in);
	} else {
		LLVMBuildStore(g->b, load_masked(g, g->ttype[ti], g->texp[ti], g->tensor[ti], off, in, e->name), dst);
	}
	LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
	lg_loop_end(&g->lf, &l);
	lg_loop_hint(&g->lf, LLVMGetBasicBlockTerminator(latch), "llvm.loop.unroll.count", 4);
}

/* Copies the block of steps from t0 (index `block` in the pass) into its buffer: every
 * thread step t0 + lane of each slot (and inner iteration), 0 past the pass or outside
 * the tensor (no PE reads it there). The slots are a loop, 4 at a time, not unrolled:
 * the element's offset is affine in the slot's row coordinates (and the inner loops),
 * so the loop keeps the first slot's offset and one step per coordinate live across
 * the time loop, where unrolled copies would keep one offset per slot (registers the
 * steps need). A thread whose elements all lie inside the tensor and whose step is
 * live copies them without a check each: their indexes' least and greatest along each
 * dimension, from the signs of the steps, lie inside its extent. (Indexes, not
 * offsets: the offset of a point off the tensor may wrap around 32 bits, an index
 * cannot; outside that test a wrapped offset only fills a slot no PE reads.) */
static void stage_copy(GpuCg *g, LLVMValueRef t0, LLVMValueRef block)
{
	const LoopProg *lp = g->lp;
	LLVMValueRef t = g->t, saved[MAP_MAXL];
	memcpy(saved, g->outer, sizeof saved);
	g->t = add(g, t0, g->lane);
	for (int i = 0; i < lp->ninner; i++)
		g->outer[lp->inner[i]] = cix(g, 0);
	LLVMValueRef live = LLVMBuildICmp(g->b, LLVMIntSLE, g->t, g->tmax, "");
	for (int p = 0; p < g->nstage; p++) {
		int ti = tensor_index(g, lp->panels[p].e->sym->tensor);
		/* the first slot (row 0, inner loops at 0) and the step along each register
		 * dimension it moves on, and along each inner loop */
		int rank = lp->panels[p].e->sym->tensor->rank;
		set_row(g, 0);
		LLVMValueRef idx0[8], idx[8], lo[8], hi[8];
		LLVMValueRef off0 = panel_offset(g, p, idx0), delta[URE_MAXL], idelta[MAP_MAXL];
		for (int d = 0; d < rank; d++)
			lo[d] = hi[d] = idx0[d];
		for (int i = 0; i < lp->ninner; i++) {
			int l = lp->inner[i];
			g->outer[l] = cix(g, 1);
			idelta[i] = LLVMBuildSub(g->b, panel_offset(g, p, idx), off0, "");
			g->outer[l] = cix(g, 0);
			LLVMValueRef last = LLVMBuildSub(g->b, g->ext[l], cix(g, 1), "");
			for (int d = 0; d < rank; d++)
				widen(g, mul(g, LLVMBuildSub(g->b, idx[d], idx0[d], ""), last), &lo[d], &hi[d]);
		}
		int64_t rowstep = 1, slots = 1;
		for (int i = lp->nregdims - 1; i >= 0; i--) {
			int64_t ext = lp->pext[lp->regdim[i]];
			if (g->stage_moves[p][i]) {
				set_row(g, rowstep);
				delta[i] = LLVMBuildSub(g->b, panel_offset(g, p, idx), off0, "");
				slots *= ext;
				for (int d = 0; d < rank; d++)
					widen(g, mul(g, LLVMBuildSub(g->b, idx[d], idx0[d], ""), cix(g, ext - 1)), &lo[d], &hi[d]);
			}
			rowstep *= ext;
		}
		LLVMValueRef buf = add(g, stage_buffer(g, p, block), mul(g, g->lane, cix(g, g->stage_stride[p])));
		LLVMValueRef inside = live;
		for (int d = 0; d < rank; d++)
			inside = and_(g, inside, and_(g, LLVMBuildICmp(g->b, LLVMIntSGE, lo[d], cix(g, 0), ""),
			                              LLVMBuildICmp(g->b, LLVMIntSLT, hi[d], g->tdim[ti][d], "")));
		LLVMBasicBlockRef fast = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "copy_inside");
		LLVMBasicBlockRef checked = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "copy_checked");
		LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "copy_done");
		LLVMBuildCondBr(g->b, inside, fast, checked);
		LLVMPositionBuilderAtEnd(g->b, fast);
		copy_slots(g, p, off0, delta, idelta, slots, buf, NULL);
		LLVMBuildBr(g->b, done);
		LLVMPositionBuilderAtEnd(g->b, checked);
		copy_slots(g, p, off0, delta, idelta, slots, buf, LLVMBuildSelect(g->b, live, g->tlen[ti], cix(g, 0), ""));
		LLVMBuildBr(g->b, done);
		LLVMPositionBuilderAtEnd(g->b, done);
	}
	memcpy(g->outer, saved, sizeof saved);
	g->t = t;
}

/* if (c) { body } with uniform c */
static LLVMBasicBlockRef if_begin(GpuCg *g, LLVMValueRef c, const char *name)
{
	LLVMBasicBlockRef then = LLVMAppendBasicBlockInContext(g->ctx, g->fn, name);
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "endif");
	LLVMBuildCondBr(g->b, c, then, done);
	LLVMPositionBuilderAtEnd(g->b, then);
	return done;
}

static void if_end(GpuCg *g, LLVMBasicBlockRef done)
{
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
}

/* At the first step of each block (every branch here depends on the step only: uniform). */
static void stage_fill(GpuCg *g)
{
	if (!g->nstage)
		return;
	int w = g->lay.width;
	LLVMBasicBlockRef done = if_begin(g, LLVMBuildICmp(g->b, LLVMIntEQ, stage_step(g), cix(g, 0), ""), "stage");
	LLVMValueRef block = stage_block(g);
	g->tg->array_sync(g, w); /* every thread has read the previous block */
	if (!g->o->async_copy) {
		stage_copy(g, g->t, block);
		g->tg->array_sync(g, w); /* the block is written */
	} else {
		LLVMBasicBlockRef first = if_begin(g, LLVMBuildICmp(g->b, LLVMIntEQ, g->t, g->tmin, ""), "stage_first");
		stage_copy(g, g->t, block);
		if_end(g, first);
		g->tg->copy_wait(g); /* this block has landed */
		g->tg->array_sync(g, w); /* for every thread; and the other buffer is free */
		LLVMValueRef t1 = add(g, g->t, cix(g, w));
		LLVMBasicBlockRef next = if_begin(g, LLVMBuildICmp(g->b, LLVMIntSLE, t1, g->tmax, ""), "stage_next");
		stage_copy(g, t1, add(g, block, cix(g, 1)));
		if_end(g, next);
	}
	if_end(g, done);
}

/* Local memory for the panels (two buffers where copies are asynchronous), when the
 * loop IR has some, the steps' inner loops (if any) have constant extents, and they
 * fit in 48 KiB per group (what a CUDA block may declare). */
static void stage_setup(GpuCg *g, const char *sym, LLVMValueRef tid)
{
	const LoopProg *lp = g->lp;
	if (!g->o->stage || !lp->npanels || !g->tg->array_sync)
		return;
	for (int p = 0; p < lp->npanels; p++)
		if (type_is_mx(lp->panels[p].e->sym->tensor->type))
			return; /* the copies step offsets affinely; a scale's is not */
	g->stage_inner = 1;
	for (int i = 0; i < lp->ninner; i++) {
		if (!LLVMIsAConstantInt(g->ext[lp->inner[i]]))
			return;
		g->stage_inner *= LLVMConstIntGetSExtValue(g->ext[lp->inner[i]]);
	}
	int64_t at[LOOP_MAXPANELS], per_array = 0;
	for (int p = 0; p < lp->npanels; p++) {
		int64_t slots = 1;
		for (int i = 0; i < lp->nregdims; i++) {
			g->stage_moves[p][i] = lower_access_along(lp, lp->regdim[i], lp->panels[p].e->args) != ACC_UNIFORM;
			if (g->stage_moves[p][i])
				slots *= lp->pext[lp->regdim[i]];
		}
		/* a step's slots (each inner iteration's) 16-byte aligned (vector loads), and
		 * 4 more so that the threads' stores of one copy spread over the banks */
		g->stage_islots[p] = (slots + 3) / 4 * 4;
		g->stage_stride[p] = g->stage_inner * g->stage_islots[p] + 4;
		at[p] = per_array;
		per_array += g->lay.width * g->stage_stride[p] * (g->o->async_copy ? 2 : 1);
	}
	int64_t total = per_array * g->lay.per_group;
	if (total > 12288)
		return;
	LLVMTypeRef type = LLVMArrayType2(g->f32, (uint64_t)total);
	LLVMValueRef mem = LLVMAddGlobalInAddressSpace(g->mod, type, arena_printf(g->a, "%s_panels", sym), g->tg->local_as);
	LLVMSetLinkage(mem, LLVMInternalLinkage);
	LLVMSetInitializer(mem, LLVMGetPoison(type));
	LLVMSetAlignment(mem, 16);
	LLVMValueRef base = cix(g, 0);
	if (g->lay.per_group > 1)
		base = mul(g, LLVMBuildUDiv(g->b, tid, cix(g, g->lay.width), ""), cix(g, per_array));
	for (int p = 0; p < lp->npanels; p++) {
		LLVMValueRef o = add(g, base, cix(g, at[p]));
		g->stage[p] = LLVMBuildGEP2(g->b, g->f32, mem, &o, 1, "panel");
	}
	g->nstage = lp->npanels;
}

/* The state after a step: what entered each delay line. */
static void shift_state(GpuCg *g, LLVMValueRef next[MAXV][MAXTAU][MAXROWS])
{
	for (int v = 0; v < g->u->nvars; v++)
		for (int k = 0; k < g->lp->maxtau[v]; k++)
			for (int64_t r = 0; r < g->lp->nrows; r++)
				next[v][k][r] = k == 0 ? g->cur[v][r] : g->hist[v][k - 1][r];
}

/* The steps of a time loop's iteration: from g->t and the registers g->hist, they
 * leave the registers after them in g->next. */
typedef void StepsFn(GpuCg *g);

/* for (t = from; t pred to; t += stride) body: the registers are phis carried across
 * iterations. At the exit g->t and g->hist are those of the first step not run; the
 * latch branch is returned for loop metadata. */
static LLVMValueRef state_loop(GpuCg *g, LLVMValueRef from, LLVMIntPredicate pred, LLVMValueRef to, int64_t stride,
                               StepsFn *body)
{
	const Ure *u = g->u;
	const LoopProg *lp = g->lp;
	LLVMValueRef(*hist)[MAXTAU][MAXROWS] = malloc(MAXV * sizeof *hist);
	if (!hist)
		sysc_bug("out of memory");
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef head = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "time");
	LLVMBasicBlockRef step = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "step");
	LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "time_done");
	LLVMBuildBr(g->b, head);
	LLVMPositionBuilderAtEnd(g->b, head);
	LLVMValueRef t = LLVMBuildPhi(g->b, g->ix, "t");
	LLVMAddIncoming(t, &from, &pre, 1);
	for (int v = 0; v < u->nvars; v++)
		for (int k = 0; k < lp->maxtau[v]; k++)
			for (int64_t r = 0; r < lp->nrows; r++) {
				hist[v][k][r] = LLVMBuildPhi(g->b, g->f32, "reg");
				LLVMAddIncoming(hist[v][k][r], &g->hist[v][k][r], &pre, 1);
			}
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, pred, t, to, ""), step, exit);
	LLVMPositionBuilderAtEnd(g->b, step);
	g->t = t;
	memcpy(g->hist, hist, sizeof g->hist);
	body(g);
	LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
	for (int v = 0; v < u->nvars; v++)
		for (int k = 0; k < lp->maxtau[v]; k++)
			for (int64_t r = 0; r < lp->nrows; r++)
				LLVMAddIncoming(hist[v][k][r], &g->next[v][k][r], &latch, 1);
	/* t never wraps; said only in staged passes, whose PTX is what was measured (the
	 * others' is byte for byte what it was before this loop had a helper) */
	LLVMValueRef tn = g->nstage ? LLVMBuildNSWAdd(g->b, t, cix(g, stride), "") : add(g, t, cix(g, stride));
	LLVMAddIncoming(t, &tn, &latch, 1);
	LLVMValueRef br = LLVMBuildBr(g->b, head);
	lg_loop_hint(&g->lf, br, NULL, 0);
	LLVMPositionBuilderAtEnd(g->b, exit);
	g->t = t;
	memcpy(g->hist, hist, sizeof g->hist);
	free(hist);
	return br;
}

static void one_step(GpuCg *g)
{
	step_inner(g);
	shift_state(g, g->next);
}

static void fill_and_step(GpuCg *g)
{
	stage_fill(g);
	one_step(g);
}

/* A whole block of staged steps: its copy, then its `width` steps one after the other
 * in one basic block, which ptxas schedules across (a step that is not the pass's last
 * says so to LLVM, so that the stores of the last fold away). */
static void block_of_steps(GpuCg *g)
{
	stage_fill(g);
	LLVMValueRef t0 = g->t, block = stage_block(g);
	for (int p = 0; p < g->nstage; p++)
		g->stage_at[p] = stage_buffer(g, p, block);
	for (int j = 0; j < g->lay.width; j++) {
		g->t = LLVMBuildNSWAdd(g->b, t0, cix(g, j), "");
		g->stage_j = j;
		LLVMValueRef before_last = LLVMBuildICmp(g->b, LLVMIntSLT, g->t, g->tmax, "");
		gpu_intrinsic(g, "llvm.assume", NULL, 0, &before_last, 1);
		one_step(g);
		memcpy(g->hist, g->next, sizeof g->hist);
	}
	g->stage_j = -1;
}

/* Two staged steps in one basic block, which ptxas schedules across (the time loop
 * of unstaged steps is unrolled by 2 for the same reason; LLVM does not unroll a loop
 * around the copy's barrier). The pair starts at an even step of the pass and blocks
 * are an even number of steps, so only its first step may start a block and copy;
 * neither is the pass's last (the stores of the last fold away). */
static void two_steps(GpuCg *g)
{
	LLVMValueRef t0 = g->t;
	for (int j = 0; j < 2; j++) {
		g->t = j ? LLVMBuildNSWAdd(g->b, t0, cix(g, 1), "") : t0;
		LLVMValueRef before_last = LLVMBuildICmp(g->b, LLVMIntSLT, g->t, g->tmax, "");
		gpu_intrinsic(g, "llvm.assume", NULL, 0, &before_last, 1);
		if (j == 0)
			stage_fill(g);
		one_step(g);
		memcpy(g->hist, g->next, sizeof g->hist);
	}
}

/* Whether a value goes from one pass to a later one through a spill (scratch) buffer. */
static bool spills_between_passes(const LoopProg *lp)
{
	for (int v = 0; v < lp->u->nvars; v++)
		if (lp->spilled[v])
			return true;
	return false;
}

/* Whether a pass peels its first and last time steps off the time loop, so that the
 * guards of a reduction's start and end fold away inside it (as on the host). Steps
 * with inner loops do where those have constant extents (unrolled, the step is one
 * block), the state is at most 64 registers and nothing is spilled between passes: on
 * the H100 conv3x3.sys rows_blocked 1.79 -> 1.61 ms (the chain's start, a select per
 * register and step, leaves the loop), conv2d_batch 3x3 rows_blocked 1.92 -> 1.87; the
 * weight-stationary conv2d, which spills, 0.89 -> 0.99 ms. With extents known only at
 * run time the innermost inner loop peels instead (peeling both doubled the code). */
static bool peel_time(const GpuCg *g)
{
	const LoopProg *lp = g->lp;
	if (!lp->ninner)
		return true;
	if (lp->vregs > 64 || spills_between_passes(lp))
		return false;
	for (int i = 0; i < lp->ninner; i++)
		if (!LLVMIsAConstantInt(g->lf.ext[lp->inner[i]]))
			return false;
	return true;
}

/* One pass of the array, its first and last time steps peeled off the loop where
 * peel_time says so, else the innermost inner loop's first and last iterations. With
 * staged panels the steps between run as: those left in the first block, whole blocks
 * (block_of_steps), the rest one at a time; where the steps have inner loops, two at a
 * time (two_steps; whole blocks of steps with their inner loops unrolled were slower). */
static void pass(GpuCg *g)
{
	const Ure *u = g->u;
	const LoopProg *lp = g->lp;
	for (int v = 0; v < u->nvars; v++)
		for (int k = 0; k < lp->maxtau[v]; k++)
			for (int64_t r = 0; r < lp->nrows; r++)
				g->hist[v][k][r] = fzero(g);
	for (int v = 0; v < u->nvars; v++)
		if (lp->carried[v])
			for (int64_t r = 0; r < lp->nrows; r++)
				LLVMBuildStore(g->b, fzero(g), g->carry[v][r]);
	bool peel = peel_time(g);
	/* Where the steps have inner loops, the first step runs only where the pass has
	 * more, and a pass of one step runs the last step's code alone, so that the first
	 * step stores nothing: its stores (taken at run time where the pass is one step
	 * long) kept conv3x3_crsk's 32 output addresses live across the time loop, 64
	 * registers (240 bytes of spills at 128). On the H100: its filter_pairs 1.063 ->
	 * 0.971 ms, conv3x3 output_stationary 3.18 -> 3.02, conv2d_batch 3x3 rows_blocked
	 * 1.50 -> 1.45; filters_on_lanes 1.19 -> 1.23. The GEMMs and conv1d, whose steps
	 * have none, ran from 7 % faster to 8 % slower so (gemm_lanes32's down_columns
	 * 3.60 -> 3.89 ms) and keep the first step's stores and a branch around the last. */
	bool alone = peel && lp->ninner;
	LLVMBasicBlockRef entry = LLVMGetInsertBlock(g->b), last = NULL;
	if (peel) {
		if (alone) {
			last = if_begin(g, LLVMBuildICmp(g->b, LLVMIntSGT, g->tmax, g->tmin, ""), "first");
			/* told to LLVM as well: the form measured (without it the same code comes
			 * in another block order) */
			LLVMValueRef before_last = LLVMBuildICmp(g->b, LLVMIntSLT, g->tmin, g->tmax, "");
			gpu_intrinsic(g, "llvm.assume", NULL, 0, &before_last, 1);
		}
		g->t = g->tmin;
		stage_fill(g);
		step_inner(g);
		shift_state(g, g->next);
		memcpy(g->hist, g->next, sizeof g->hist);
	}
	LLVMValueRef t1 = peel ? add(g, g->tmin, cix(g, 1)) : g->tmin;
	if (g->nstage && !lp->ninner) {
		LLVMValueRef w = cix(g, g->lay.width), first_end = add(g, g->tmin, w);
		first_end = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, first_end, g->tmax, ""), first_end, g->tmax, "");
		state_loop(g, t1, LLVMIntSLT, first_end, 1, one_step);
		state_loop(g, g->t, LLVMIntSLE, LLVMBuildNSWSub(g->b, g->tmax, w, ""), g->lay.width, block_of_steps);
		state_loop(g, g->t, LLVMIntSLT, g->tmax, 1, fill_and_step);
	} else if (g->nstage && peel && g->lay.width % 2 == 0) {
		/* step 1 alone, then pairs from step 2 while both are before the last */
		LLVMValueRef t2 = add(g, g->tmin, cix(g, 2));
		t2 = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, t2, g->tmax, ""), t2, g->tmax, "");
		state_loop(g, t1, LLVMIntSLT, t2, 1, fill_and_step);
		state_loop(g, g->t, LLVMIntSLT, LLVMBuildNSWSub(g->b, g->tmax, cix(g, 1), ""), 2, two_steps);
		state_loop(g, g->t, LLVMIntSLT, g->tmax, 1, fill_and_step);
	} else {
		LLVMValueRef br = state_loop(g, t1, peel ? LLVMIntSLT : LLVMIntSLE, g->tmax, 1, fill_and_step);
		if (g->lay.unroll && peel && !g->nstage)
			lg_loop_hint(&g->lf, br, "llvm.loop.unroll.count", g->lay.unroll);
	}
	if (!peel)
		return;
	LLVMBasicBlockRef done = NULL;
	if (alone) {
		/* the last step, after the others or alone: its registers come from the
		 * loop or are the pass's zeros */
		LLVMBasicBlockRef steps = LLVMGetInsertBlock(g->b);
		if_end(g, last);
		for (int v = 0; v < u->nvars; v++)
			for (int k = 0; k < lp->maxtau[v]; k++)
				for (int64_t r = 0; r < lp->nrows; r++) {
					LLVMValueRef phi = LLVMBuildPhi(g->b, g->f32, "reg"), zero = fzero(g);
					LLVMAddIncoming(phi, &g->hist[v][k][r], &steps, 1);
					LLVMAddIncoming(phi, &zero, &entry, 1);
					g->hist[v][k][r] = phi;
				}
	} else {
		/* the last step, when the pass has more than one */
		done = if_begin(g, LLVMBuildICmp(g->b, LLVMIntSGT, g->tmax, g->tmin, ""), "last");
	}
	g->t = g->tmax;
	stage_fill(g);
	step_inner(g);
	if (done)
		if_end(g, done);
}

/* The full-tile copy of the pass when no tiled loop reaches past its bound; the
 * condition is the same for every lane of the array. */
static void pass_both(void *arg)
{
	GpuCg *g = arg;
	bool any;
	LLVMValueRef full = lg_full_tile(&g->lf, &any);
	/* Where the steps have inner loops (whose edge copy loads at clamped coordinates,
	 * as cheap as the full one), arrays that share a warp take the same copy: a full
	 * and an edge array in one warp ran both copies one after the other (conv2d 3x3
	 * N=1: 0.108 -> 0.073 ms; the GEMMs ran slower with the vote: docs/backends.md). */
	if (any && g->lp->ninner && g->lay.per_group > 1 && g->lay.width < 32 && g->tg->warp_all)
		full = g->tg->warp_all(g, full);
	/* Known issue: on PoCL (the local-memory exchange's device), the full-tile copy of
	 * conv1d's inputs_stay gives wrong results where the edge copy, doing the same with
	 * more checks, is right; until that is understood, local-memory kernels run the
	 * edge copy only (docs/backends.md). */
	if (!any || g->o->shuffle == GPU_SHUFFLE_LOCAL) {
		g->full = !any;
		pass(g);
		return;
	}
	LLVMBasicBlockRef bf = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "full_tile");
	LLVMBasicBlockRef be = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "edge_tile");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "tile_done");
	LLVMBuildCondBr(g->b, full, bf, be);
	LLVMPositionBuilderAtEnd(g->b, bf);
	g->full = true;
	pass(g);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, be);
	g->full = false;
	pass(g);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
}

/* ---- the layout and the description ---- */

static int pow2_at_least(int n)
{
	int p = 1;
	while (p < n)
		p *= 2;
	return p;
}

const char *gpu_layout(const LoopProg *lp, const GpuTarget *tg, const GpuOptions *o, GpuLayout *lay)
{
	(void)tg;
	memset(lay, 0, sizeof *lay);
	lay->lanes = (int)lp->pext[lp->lane];
	for (int v = 0; v < lp->u->nvars; v++)
		if (lp->maxtau[v] > MAXTAU)
			return "a link with a delay of more than 8 steps";
	if (lp->nrows > MAXROWS)
		return "more than 64 register rows";
	bool shifts = false;
	for (int i = 0; i < lp->ndeps; i++)
		shifts |= lp->deps[i].link && lp->deps[i].dlane != 0;
	switch (o->shuffle) {
	case GPU_SHUFFLE_WARP:
		if (lay->lanes > o->max_lanes)
			return "more lanes than a warp has threads (32): map at most 32 PEs to lanes";
		lay->width = pow2_at_least(lay->lanes);
		lay->threads = o->group_threads > lay->width ? o->group_threads : lay->width;
		lay->per_group = lay->threads / lay->width;
		break;
	case GPU_SHUFFLE_SUBGROUP:
		if (shifts && lay->lanes > o->max_lanes)
			return "more lanes than a sub-group has work items (32): map at most 32 PEs to lanes";
		/* fall through */
	case GPU_SHUFFLE_LOCAL:
		lay->width = lay->threads = lay->lanes;
		lay->per_group = 1;
		break;
	}
	/* Registers: left to ptxas, a kernel of a 128-thread block may take 255 of them,
	 * most for addresses and loads it hoists, and then only 2 blocks fit an SM. A limit
	 * of 128 (4 blocks) measured faster on the H100 where the array's state is 16 to 64
	 * registers and nothing is spilled between passes (gemm_blocked 13.6 -> 7.7 ms,
	 * conv2d 0.19 -> 0.15 ms, gemm 25 -> 22 ms); slower with more state (conv_blocked's
	 * 96), with spills (weight-stationary conv2d), and with little state, where ptxas
	 * then takes 90 registers instead of 32 (conv1d: 25 %) (backends.md). */
	if (o->shuffle == GPU_SHUFFLE_WARP && !spills_between_passes(lp) && lp->vregs >= 16 && lp->vregs <= 64)
		lay->maxnreg = 128;
	if (o->max_registers) /* the user's (an autotuner's) choice */
		lay->maxnreg = o->max_registers;
	/* The time loop: a step's loads feed its own multiply-adds at once, and ptxas
	 * schedules within a block only, so a step waits for its loads. Four steps per
	 * iteration let the later steps' loads start before the earlier steps compute:
	 * on the H100 gemm_blocked 7.7 -> 5.4 ms, gemm 22 -> 12 ms (2 steps: 5.9 ms;
	 * 8: 6.1 ms, spilling). With inner loops the step is long already (conv2d: 4
	 * steps were slower); 2 where they unroll whole and the pass peels (peel_time,
	 * which pass() asks): conv3x3.sys rows_blocked 1.59 -> 1.48 ms (3 steps: 1.56,
	 * 4: 1.69), conv2d_batch 3x3 rows_blocked 1.86 -> 1.66.
	 * Staged panels run whole blocks of steps instead, or with inner loops pairs of
	 * steps (pass). */
	if (o->shuffle == GPU_SHUFFLE_WARP)
		lay->unroll = lp->ninner ? 2 : 4;
	return NULL;
}

/* "c0:c1,c2,..." as in the description's extents. */
static void print_affine(Buf *b, Affine x, int nparams)
{
	buf_printf(b, " %lld:", (long long)x.c0);
	for (int i = 0; i < nparams; i++)
		buf_printf(b, "%s%lld", i ? "," : "", (long long)x.coef[i]);
}

/* The extent of loop l before its stride: its span, or its kernel loop's bound. */
static Affine span_of(const Map *mp, int l)
{
	const MapLoop *ml = &mp->loops[l];
	return ml->span ? aff_const(ml->span) : mp->u->bound[ml->orig];
}

/* A bound on the magnitude of every coordinate, index and time step the kernel
 * computes in 32 bits: the points it touches lie within a tile and a pass's time span
 * of the domain, so four times the extents of the loops and the time range, and a
 * constant for the tiles and the skew, leave room to spare. */
static Affine index_bound(GpuCg *g)
{
	const Map *mp = g->mp;
	Affine b = aff_const(0);
	for (int j = 0; j < g->u->nloops; j++)
		b = aff_add(b, g->u->bound[j]);
	for (int c = 0; c < mp->n; c++) {
		int64_t s = g->lp->T[mp->n - 1][c];
		b = aff_add(b, aff_scale(span_of(mp, mp->st[c]), s < 0 ? -s : s));
	}
	return aff_add(aff_scale(b, 4), aff_const(1 << 20));
}

static char *describe(GpuCg *g, const char *sym)
{
	const Map *mp = g->mp;
	const LoopProg *lp = g->lp;
	int np = g->u->k->nparams;
	Buf b = {0};
	static const char *const exchange[] = {"warp", "subgroup", "local"};
	buf_printf(&b, "%sgpu-entry %s\ngpu-group %d %d\ngpu-lanes %d %d %s\n", cpu_desc(g->a, g->lp, g->tg->name), sym,
	           g->lay.threads, g->lay.per_group, g->lay.lanes, g->lay.width, exchange[g->o->shuffle]);
	for (int l = 0; l < mp->nloops; l++)
		if (mp->loops[l].st < 0 && mp->loops[l].parallel) {
			buf_printf(&b, "gpu-items %lld", (long long)mp->loops[l].stride);
			print_affine(&b, span_of(mp, l), np);
			buf_printf(&b, "\n");
		}
	if (!g->o->index64) {
		buf_printf(&b, "gpu-index32");
		print_affine(&b, index_bound(g), np);
		buf_printf(&b, "\n");
	}
	for (int v = 0; v < g->u->nvars; v++) {
		if (!lp->spilled[v])
			continue;
		buf_printf(&b, "gpu-scratch %s", g->u->vars[v].name);
		for (int j = 0; j < g->u->nloops; j++) {
			if (j == lp->spill_fold[v])
				continue;
			Affine e = g->u->bound[j];
			for (int l = 0; l < mp->nloops; l++)
				if (mp->loops[l].orig == j && mp->loops[l].st < 0 && mp->loops[l].parallel)
					e = aff_const(mp->loops[l].stride);
			print_affine(&b, e, np);
		}
		buf_printf(&b, "\n");
	}
	char *s = arena_strdup(g->a, b.data);
	buf_free(&b);
	return s;
}

/* ---- the kernel ---- */

static void emit_kernel(GpuCg *g, const char *sym)
{
	const Map *mp = g->mp;
	const Ure *u = g->u;
	const LoopProg *lp = g->lp;
	int nt = 0, np = u->k->nparams, nexp = 0;
	for (const Tensor *t = u->k->tensors; t; t = t->next) {
		nt++;
		nexp += t->type == TY_I16;
	}
	bool scratch = spills_between_passes(lp);
	LLVMTypeRef params[2 * MAXT + AFF_MAXP + 2];
	int n = 0;
	for (int i = 0; i < nt; i++)
		params[n++] = g->gptr;
	for (int i = 0; i < np + nexp; i++) /* the sizes, then the i16 tensors' exponents */
		params[n++] = g->i64;
	if (scratch)
		params[n++] = g->gptr;
	params[n++] = g->i64;
	g->fn = LLVMAddFunction(g->mod, sym, LLVMFunctionType(g->voidt, params, (unsigned)n, false));
	LLVMSetFunctionCallConv(g->fn, g->tg->kernel_cc);
	int sg = 0;
	if (g->o->shuffle == GPU_SHUFFLE_SUBGROUP)
		for (sg = 8; sg < g->lay.lanes; sg *= 2)
			;
	g->tg->kernel_attrs(g, g->fn, &g->lay, sg);
	/* --restrict: valid always (the runtime refuses buffers that alias an output), a
	 * choice of speed only: NVPTX then reads the inputs through the read-only data
	 * cache (ld.global.nc), which some kernels gain from and others lose (backends.md) */
	if (g->o->noalias) {
		unsigned par = 1; /* the tensors are the first parameters */
		for (const Tensor *t = u->k->tensors; t; t = t->next, par++) {
			lg_attr(g->fn, par, "noalias");
			if (t->dir == TENSOR_IN)
				lg_attr(g->fn, par, "readonly");
		}
	}
	LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, g->fn, "entry"));
	for (int v = 0; v < u->nvars; v++)
		if (lp->carried[v])
			for (int64_t r = 0; r < lp->nrows; r++)
				g->carry[v][r] = LLVMBuildAlloca(g->b, g->f32, "carry");
	/* the arguments */
	int ti = 0, p = 0;
	for (const Tensor *t = u->k->tensors; t; t = t->next, ti++) {
		g->ttype[ti] = t->type;
		g->tensor[ti] = LLVMGetParam(g->fn, (unsigned)p++);
		LLVMSetValueName2(g->tensor[ti], t->name, strlen(t->name));
	}
	int si = 0;
	for (const Ident *q = u->k->params; q; q = q->next, si++) {
		LLVMValueRef v = LLVMGetParam(g->fn, (unsigned)p++);
		LLVMSetValueName2(v, q->name, strlen(q->name));
		g->size[si] = LLVMBuildTrunc(g->b, v, g->ix, "");
		if (lp->fixed.v[si]) /* specialized: a constant (the runtime checks the value passed) */
			g->size[si] = cix(g, lp->fixed.v[si]);
	}
	ti = 0;
	for (const Tensor *t = u->k->tensors; t; t = t->next, ti++)
		if (t->type == TY_I16)
			g->texp[ti] = LLVMBuildTrunc(g->b, LLVMGetParam(g->fn, (unsigned)p++), g->i32,
			                             arena_printf(g->a, "%s.exponent", t->name));
	LLVMValueRef scr = scratch ? LLVMGetParam(g->fn, (unsigned)p++) : NULL;
	LLVMValueRef first = LLVMGetParam(g->fn, (unsigned)p++);
	LLVMSetValueName2(first, "first_item", 10);
	first = LLVMBuildTrunc(g->b, first, g->ix, "");
	g->lf = (LgFunc){g->ctx, g->b, g->fn, g->ix, mp, g->size, g->bound, g->ext, g->outer, g->lp, true, NULL};
	lg_extents(&g->lf);
	ti = 0;
	for (const Tensor *t = u->k->tensors; t; t = t->next, ti++) {
		g->trank[ti] = t->rank;
		g->mxaxis[ti] = type_is_mx(t->type) ? t->block_axis : -1;
		g->tlen[ti] = lg_tensor_layout(&g->lf, t, g->tdim[ti], g->tstride[ti], g->mxstride[ti]);
		g->tlast[ti] = LLVMBuildSub(g->b, g->tlen[ti], cix(g, 1), "");
		if (g->mxaxis[ti] >= 0)
			g->mxscales[ti] = LLVMBuildGEP2(g->b, LLVMInt8TypeInContext(g->ctx), g->tensor[ti], &g->tlen[ti], 1, "scales");
	}
	/* the time range of a pass */
	g->tmin = cix(g, 0);
	g->tmax = cix(g, 0);
	for (int c = 0; c < mp->n; c++) {
		int64_t s = lp->T[mp->n - 1][c];
		if (!s)
			continue;
		LLVMValueRef v = mul(g, cix(g, s), LLVMBuildSub(g->b, g->ext[mp->st[c]], cix(g, 1), ""));
		if (s < 0)
			g->tmin = add(g, g->tmin, v);
		else
			g->tmax = add(g, g->tmax, v);
	}
	/* this thread: its lane and its work item */
	LLVMValueRef tid = LLVMBuildZExt(g->b, g->tg->thread_id(g), g->ix, "");
	LLVMValueRef gid = LLVMBuildZExt(g->b, g->tg->group_id(g), g->ix, "");
	LLVMValueRef width = cix(g, g->lay.width);
	g->lane = g->lay.per_group == 1 ? tid : LLVMBuildURem(g->b, tid, width, "lane");
	g->lane_ok = g->lay.width > g->lay.lanes ? LLVMBuildICmp(g->b, LLVMIntULT, g->lane, cix(g, g->lay.lanes), "") : ci1(g, true);
	stage_setup(g, sym, tid);
	LLVMValueRef item = add(g, first, mul(g, gid, cix(g, g->lay.per_group)));
	if (g->lay.per_group > 1)
		item = add(g, item, LLVMBuildUDiv(g->b, tid, width, ""));
	LLVMValueRef count = cix(g, 1);
	for (int l = 0; l < mp->nloops; l++)
		if (mp->loops[l].st < 0 && mp->loops[l].parallel)
			count = mul(g, count, g->ext[l]);
	LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "item");
	LLVMBasicBlockRef out = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "done");
	/* arrays past the last work item leave at once: all their threads together */
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, item, count, ""), body, out);
	LLVMPositionBuilderAtEnd(g->b, out);
	LLVMBuildRetVoid(g->b);
	LLVMPositionBuilderAtEnd(g->b, body);
	lg_items(&g->lf, item);
	/* spill slices: this work item's part of the scratch buffer, one per variable */
	if (scratch) {
		LLVMValueRef base = cix(g, 0);
		LLVMValueRef at[MAXV];
		for (int v = 0; v < u->nvars; v++) {
			if (!lp->spilled[v])
				continue;
			LLVMValueRef s = cix(g, 1);
			for (int j = u->nloops - 1; j >= 0; j--) {
				if (j == lp->spill_fold[v])
					continue;
				g->spill_stride[v][j] = s;
				LLVMValueRef e = g->bound[j];
				for (int l = 0; l < mp->nloops; l++)
					if (mp->loops[l].orig == j && mp->loops[l].st < 0 && mp->loops[l].parallel)
						e = cix(g, mp->loops[l].stride);
				s = mul(g, s, e);
			}
			at[v] = base;
			base = add(g, base, s);
		}
		for (int v = 0; v < u->nvars; v++)
			if (lp->spilled[v]) {
				LLVMValueRef off = add(g, mul(g, item, base), at[v]);
				g->spill[v] = LLVMBuildGEP2(g->b, g->f32, scr, &off, 1, "spill");
			}
	}
	lg_sequential(&g->lf, 0, pass_both, g);
	LLVMBuildRetVoid(g->b);
}

char *gpu_emit(Arena *a, const LoopProg *lp, const GpuTarget *tg, const GpuOptions *o, LLVMModuleRef mod,
               const char *sym)
{
	GpuCg *g = calloc(1, sizeof(GpuCg));
	if (!g || !(g->next = calloc(MAXV, sizeof *g->next)))
		sysc_bug("out of memory");
	g->a = a;
	g->lp = lp;
	g->mp = lp->mp;
	g->u = lp->u;
	g->tg = tg;
	g->o = o;
	g->stage_j = -1;
	if (gpu_layout(lp, tg, o, &g->lay))
		sysc_bug("gpu_emit without a layout");
	g->ctx = LLVMGetModuleContext(mod);
	g->mod = mod;
	g->b = LLVMCreateBuilderInContext(g->ctx);
	g->i1 = LLVMInt1TypeInContext(g->ctx);
	g->i32 = LLVMInt32TypeInContext(g->ctx);
	g->i64 = LLVMInt64TypeInContext(g->ctx);
	g->ix = o->index64 ? g->i64 : g->i32;
	g->f32 = LLVMFloatTypeInContext(g->ctx);
	g->gptr = LLVMPointerTypeInContext(g->ctx, tg->global_as);
	g->voidt = LLVMVoidTypeInContext(g->ctx);
	emit_kernel(g, sym);
	char *desc = describe(g, sym);
	LLVMDisposeBuilder(g->b);
	free(g->next);
	free(g);
	return desc;
}
