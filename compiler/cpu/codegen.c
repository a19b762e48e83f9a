/*
 * codegen.c: the loop IR to LLVM IR for the host CPU.
 *
 * The generated <sym>_run walks its work items (the parallel loops around the
 * array); each runs the sequential loops around the array, and each iteration of
 * those is one pass: a loop over time steps in which every register row of PEs is
 * unrolled and every lane dimension is one LLVM vector (<L x float>).
 *
 * A PE's point is affine in (row, lane, t), so every kernel loop index is a vector
 * splat(base) + lane * step, or a scalar when it is the same in every lane; keeping
 * uniform values scalar lets tensor reads become one load and a broadcast, and
 * conditions on time become branches LLVM can peel. A PE whose point lies outside
 * its tile or the domain is masked: its memory accesses are masked, its results are
 * never read (legality guarantees it).
 *
 * Values move as the loop IR says: a link is a phi carried across time steps
 * (hist[var][tau-1][row]), read tau steps later from the row `drow` back and shifted
 * `dlane` lanes by a shufflevector; a value from an earlier pass comes from a spill
 * buffer; a propagated input is read from its tensor where it is used. With inner
 * loops inside the time step, a variable's register across them is an alloca
 * (carry[var][row], promoted by LLVM), written at the end of each inner iteration
 * where its pins hold; a link of one step reads it too.
 *
 * Each pass comes in two copies: one for full tiles, without the checks against the
 * end of the domain, and one with them for the tiles at the edge.
 *
 * Arithmetic follows the interpreter exactly (interp.c): f32 operations, an addition
 * with a product operand as llvm.fma, the same max/min rules, so results match it
 * bit for bit.
 */
#include "cpu.h"
#include "llvmgen.h"
#include "sysfmt.h"

#include <stdlib.h>
#include <string.h>

enum { MAXV = 64, MAXTAU = 8, MAXROWS = 64, MAXT = 64 };
/* the work buffers of a _run call: panels, the time blocks' state, spills */
enum { MAXWORK = LOOP_MAXPANELS + 1 + MAXV };

typedef struct {
	LLVMValueRef v;
	bool vec;
} Val;

typedef struct {
	Val x[URE_MAXL];  /* the point, per kernel loop (i64) */
	Val ok[URE_MAXL]; /* i1: x[j] lies in its tile and the domain */
	Val valid;        /* i1: all of them */
} Point;

typedef struct {
	Arena *a;
	const LoopProg *lp;
	const Map *mp;
	const Ure *u;
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMValueRef fn;
	LLVMTypeRef i1, i32, i64, f32, ptr, voidt;
	unsigned L;
	LLVMValueRef size[AFF_MAXP];
	LLVMValueRef tensor[MAXT];
	LLVMValueRef tstride[MAXT][8];
	Type ttype[MAXT];          /* each tensor's element type */
	LLVMValueRef tscale[MAXT]; /* i16 tensors: 2^Es, their codes' scale (f64) */
	/* MX tensors: where their scales start, and the scales' strides (the block axis
	 * divided by 32); their codes' strides (tstride) have that axis padded to 32 */
	LLVMValueRef mxscales[MAXT], mxstride[MAXT][8], tdim[MAXT][8];
	int mxaxis[MAXT], trank[MAXT];
	LLVMValueRef fp8_table[2]; /* decoded values of the 256 E4M3 and E5M2 codes */
	LLVMValueRef tlen[MAXT];
	LLVMValueRef bound[URE_MAXL];
	LLVMValueRef ext[MAP_MAXL];
	LLVMValueRef outer[MAP_MAXL];
	LgFunc lf; /* the shared helpers' view of this function (llvmgen.h) */
	LLVMMetadataRef group; /* the access group of the panel copies (fill_panels) */
	LLVMValueRef t, tmin, tmax;
	LLVMValueRef t0, t1;       /* the steps of this pass: all of them, or a time block's */
	LLVMValueRef block, nblocks; /* time blocks (lp->tblock): this one, how many */
	LLVMValueRef state;        /* the registers of the chunk's work items between blocks */
	LLVMValueRef state_at;     /* this work item's first vector in it */
	bool full;
	int row;
	int64_t rowc[URE_MAXL]; /* PE coordinates of the row, per space row (with pmin) */
	LLVMValueRef cur[MAXV][MAXROWS];
	LLVMValueRef hist[MAXV][MAXTAU][MAXROWS];
	/* pass()'s registers after a step, and at the head of its time loop (here, not on
	 * the stack: 256 KiB each) */
	LLVMValueRef next[MAXV][MAXTAU][MAXROWS], hist_loop[MAXV][MAXTAU][MAXROWS];
	LLVMValueRef carry[MAXV][MAXROWS]; /* registers across inner iterations (allocas) */
	LLVMValueRef inner_count;
	LLVMValueRef spill[MAXV];
	LLVMValueRef spill_stride[MAXV][URE_MAXL];
	Point pt;
	/* packed panels: a broadcast read that differs from row to row is copied, per
	 * pass, into panel[step][row], so that the time loop reads it from one pointer */
	struct {
		const Expr *e;
		int64_t d[URE_MAXL];
		LLVMValueRef panel;
		LLVMValueRef filled; /* the key of the loops around the array it was filled for */
	} pk[LOOP_MAXPANELS];
	int npk;
	const int64_t *shift; /* the shift of the propagated input being read, or NULL */
} Cg;

/* ---- small helpers ---- */

static LLVMValueRef ci64(Cg *g, int64_t v)
{
	return LLVMConstInt(g->i64, (unsigned long long)v, true);
}

static LLVMValueRef ci1(Cg *g, bool v)
{
	return LLVMConstInt(g->i1, v, false);
}

static bool is_true(Val m)
{
	return !m.vec && LLVMIsAConstantInt(m.v) && LLVMConstIntGetZExtValue(m.v) == 1;
}

static LLVMTypeRef vec_of(Cg *g, LLVMTypeRef t)
{
	return LLVMVectorType(t, g->L);
}

static LLVMValueRef splat(Cg *g, LLVMValueRef s)
{
	LLVMTypeRef vt = vec_of(g, LLVMTypeOf(s));
	LLVMValueRef v = LLVMBuildInsertElement(g->b, LLVMGetPoison(vt), s, LLVMConstInt(g->i32, 0, false), "");
	LLVMValueRef zero = LLVMConstNull(LLVMVectorType(g->i32, g->L));
	return LLVMBuildShuffleVector(g->b, v, LLVMGetPoison(vt), zero, "splat");
}

static LLVMValueRef as_vec(Cg *g, Val x)
{
	return x.vec ? x.v : splat(g, x.v);
}

/* <0, 1, ..., L-1> * step */
static LLVMValueRef iota(Cg *g, int64_t step)
{
	LLVMValueRef e[64];
	for (unsigned i = 0; i < g->L; i++)
		e[i] = ci64(g, (int64_t)i * step);
	return LLVMConstVector(e, g->L);
}

/* Applies a binary builder to two values, widening a scalar when the other is a vector. */
typedef LLVMValueRef (*BinFn)(LLVMBuilderRef, LLVMValueRef, LLVMValueRef, const char *);

static Val bin(Cg *g, BinFn f, Val x, Val y)
{
	if (x.vec != y.vec) {
		x.v = as_vec(g, x);
		y.v = as_vec(g, y);
		x.vec = y.vec = true;
	}
	return (Val){f(g->b, x.v, y.v, ""), x.vec};
}

static Val and_(Cg *g, Val x, Val y)
{
	if (is_true(x))
		return y;
	if (is_true(y))
		return x;
	return bin(g, LLVMBuildAnd, x, y);
}

static Val icmp(Cg *g, LLVMIntPredicate p, Val x, Val y)
{
	if (x.vec != y.vec) {
		x.v = as_vec(g, x);
		y.v = as_vec(g, y);
		x.vec = y.vec = true;
	}
	return (Val){LLVMBuildICmp(g->b, p, x.v, y.v, ""), x.vec};
}

static LLVMValueRef intrinsic(Cg *g, const char *name, LLVMTypeRef *over, int nover, LLVMValueRef *args, int nargs)
{
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	LLVMValueRef f = LLVMGetIntrinsicDeclaration(g->mod, id, over, (size_t)nover);
	LLVMTypeRef ft = LLVMIntrinsicGetType(g->ctx, id, over, (size_t)nover);
	return LLVMBuildCall2(g->b, ft, f, args, (unsigned)nargs, "");
}

/* llvm.masked.{gather,scatter,load,store}: args without the alignment, which goes
 * at align_at where the declaration takes it (LLVM has had it both as an argument
 * and as a parameter attribute). t0, t1: the overloaded types. */
static LLVMValueRef masked(Cg *g, const char *name, LLVMTypeRef t0, LLVMTypeRef t1, LLVMValueRef *args, int align_at)
{
	LLVMTypeRef over[2] = {t0, t1};
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	LLVMTypeRef ft = LLVMIntrinsicGetType(g->ctx, id, over, 2);
	LLVMValueRef f = LLVMGetIntrinsicDeclaration(g->mod, id, over, 2);
	LLVMValueRef all[4];
	unsigned n = 0;
	for (int i = 0; i < 3; i++) {
		if (i == align_at && LLVMCountParamTypes(ft) == 4)
			all[n++] = LLVMConstInt(g->i32, 1, false);
		all[n++] = args[i];
	}
	return LLVMBuildCall2(g->b, ft, f, all, n, "");
}

static LLVMValueRef gather(Cg *g, LLVMValueRef ptrs, LLVMValueRef mask, LLVMTypeRef vt)
{
	LLVMValueRef args[3] = {ptrs, mask, LLVMConstNull(vt)};
	return masked(g, "llvm.masked.gather", vt, LLVMTypeOf(ptrs), args, 1);
}

static void scatter(Cg *g, LLVMValueRef vals, LLVMValueRef ptrs, LLVMValueRef mask)
{
	LLVMValueRef args[3] = {vals, ptrs, mask};
	masked(g, "llvm.masked.scatter", LLVMTypeOf(vals), LLVMTypeOf(ptrs), args, 2);
}

/* contiguous lanes, some of them masked (the tiles at the edge of the domain) */
static LLVMValueRef masked_load(Cg *g, LLVMValueRef ptr, LLVMValueRef mask, LLVMTypeRef vt)
{
	LLVMValueRef args[3] = {ptr, mask, LLVMConstNull(vt)};
	return masked(g, "llvm.masked.load", vt, LLVMTypeOf(ptr), args, 1);
}

static void masked_store(Cg *g, LLVMValueRef vals, LLVMValueRef ptr, LLVMValueRef mask)
{
	LLVMValueRef args[3] = {vals, ptr, mask};
	masked(g, "llvm.masked.store", LLVMTypeOf(vals), LLVMTypeOf(ptr), args, 2);
}

/* A call of the C library's malloc(n), calloc(n, size) or free(p). */
static LLVMValueRef libc(Cg *g, const char *name, LLVMValueRef *args, unsigned n, const char *what)
{
	LLVMTypeRef params[2] = {strcmp(name, "free") == 0 ? g->ptr : g->i64, g->i64};
	LLVMTypeRef ft = LLVMFunctionType(strcmp(name, "free") == 0 ? g->voidt : g->ptr, params, n, false);
	LLVMValueRef f = LLVMGetNamedFunction(g->mod, name);
	if (!f)
		f = LLVMAddFunction(g->mod, name, ft);
	return LLVMBuildCall2(g->b, ft, f, args, n, what);
}

static LLVMValueRef any_lane(Cg *g, LLVMValueRef mask)
{
	LLVMTypeRef over[1] = {LLVMTypeOf(mask)};
	LLVMValueRef args[1] = {mask};
	return intrinsic(g, "llvm.vector.reduce.or", over, 1, args, 1);
}


/* ---- expressions ---- */

static Val cg_expr(Cg *g, const Expr *e, const Point *pt, Val mask);

/* ---- element types: storage in memory, f32 in registers ---- */

/* The storage type of tensor ti's elements: f32 float, f16 half, bf16 and i16 their 16
 * bits, FP8 its code byte. */
static LLVMTypeRef elem_type(Cg *g, int ti)
{
	switch (g->ttype[ti]) {
	case TY_F16:
		return LLVMHalfTypeInContext(g->ctx);
	case TY_BF16:
	case TY_I16:
		return LLVMInt16TypeInContext(g->ctx);
	case TY_FP8E4M3:
	case TY_FP8E5M2:
	case TY_MXFP8E4M3:
	case TY_MXFP8E5M2:
	case TY_MXINT8:
		return LLVMInt8TypeInContext(g->ctx);
	default:
		return g->f32;
	}
}

static unsigned elem_align(Cg *g, int ti)
{
	return (unsigned)type_bits(g->ttype[ti]) / 8;
}

/* A table of the FP32 values of the 256 codes of an FP8 format (exact). */
static LLVMValueRef fp8_table(Cg *g, Type t)
{
	int k = t == TY_FP8E5M2 || t == TY_MXFP8E5M2;
	if (g->fp8_table[k])
		return g->fp8_table[k];
	LLVMValueRef v[256];
	for (uint32_t c = 0; c < 256; c++) {
		float f = 0;
		sysfmt_decode(k ? SYSFMT_FP8_E5M2 : SYSFMT_FP8_E4M3, c, &f);
		v[c] = LLVMConstReal(g->f32, f);
	}
	LLVMValueRef init = LLVMConstArray2(g->f32, v, 256);
	LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), k ? "sysc_fp8e5m2_values" : "sysc_fp8e4m3_values");
	LLVMSetInitializer(gv, init);
	LLVMSetGlobalConstant(gv, true);
	LLVMSetLinkage(gv, LLVMPrivateLinkage);
	return g->fp8_table[k] = gv;
}

/* Loaded elements (scalar or vector) to their exact f32 values. */
static Val widen_as(Cg *g, Type t, Val x)
{
	LLVMTypeRef f = x.vec ? vec_of(g, g->f32) : g->f32;
	LLVMTypeRef i32 = x.vec ? vec_of(g, g->i32) : g->i32;
	switch (t) {
	case TY_F16:
		return (Val){LLVMBuildFPExt(g->b, x.v, f, ""), x.vec};
	case TY_BF16: {
		LLVMValueRef w = LLVMBuildZExt(g->b, x.v, i32, "");
		LLVMValueRef sh = x.vec ? splat(g, LLVMConstInt(g->i32, 16, false)) : LLVMConstInt(g->i32, 16, false);
		return (Val){LLVMBuildBitCast(g->b, LLVMBuildShl(g->b, w, sh, ""), f, ""), x.vec};
	}
	case TY_MXFP6E3M2:
	case TY_MXFP6E2M3:
	case TY_MXFP4E2M1: /* codes in the low bits (packed_code) */
	case TY_MXINT8:
		return (Val){lg_decode(g->b, t, x.v), x.vec};
	case TY_FP8E4M3:
	case TY_FP8E5M2:
	case TY_MXFP8E4M3:
	case TY_MXFP8E5M2: {
		if (x.vec)
			return (Val){lg_decode(g->b, t, x.v), true};
		LLVMValueRef table = fp8_table(g, t);
		LLVMValueRef idx = LLVMBuildZExt(g->b, x.v, g->i64, "");
		LLVMValueRef p = LLVMBuildGEP2(g->b, g->f32, table, &idx, 1, "");
		return (Val){LLVMBuildLoad2(g->b, g->f32, p, ""), false};
	}
	default:
		return x;
	}
}

/* Loaded elements of tensor ti to f32; i16 codes q to q * 2^Es, rounded once (exact in
 * f64 for |Es| <= 1000, as the runtime allows): numerics.md §8's dequantization. */
static Val widen(Cg *g, int ti, Val x)
{
	if (g->ttype[ti] != TY_I16)
		return widen_as(g, g->ttype[ti], x);
	LLVMTypeRef f64 = LLVMDoubleTypeInContext(g->ctx);
	LLVMTypeRef d = x.vec ? vec_of(g, f64) : f64;
	LLVMValueRef s = x.vec ? splat(g, g->tscale[ti]) : g->tscale[ti];
	LLVMValueRef v = LLVMBuildFMul(g->b, LLVMBuildSIToFP(g->b, x.v, d, ""), s, "");
	return (Val){LLVMBuildFPTrunc(g->b, v, x.vec ? vec_of(g, g->f32) : g->f32, ""), x.vec};
}

/* FP8 encoding of a vector, in a function of its own that every store calls: inline,
 * its 40 vector instructions at each store of each register row tripled the time LLVM
 * took to compile gemm_lowp.sys's FP8 GEMM (instruction selection of the selects). */
static LLVMValueRef encode_call(Cg *g, Type t, LLVMValueRef v)
{
	LLVMTypeRef vt = LLVMTypeOf(v), ct = vec_of(g, LLVMInt8TypeInContext(g->ctx));
	size_t len; /* named after the kernel: the mappings' modules are joined into one object */
	const char *name = arena_printf(g->a, "%s.encode.%s", LLVMGetValueName2(g->fn, &len),
	                                t == TY_FP8E4M3 ? "e4m3" : "e5m2");
	LLVMTypeRef ft = LLVMFunctionType(ct, &vt, 1, false);
	LLVMValueRef f = LLVMGetNamedFunction(g->mod, name);
	if (!f) {
		f = LLVMAddFunction(g->mod, name, ft);
		LLVMSetLinkage(f, LLVMInternalLinkage);
		lg_attr(f, LLVMAttributeFunctionIndex, "noinline");
		LLVMBuilderRef b = LLVMCreateBuilderInContext(g->ctx);
		LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(g->ctx, f, "entry"));
		LLVMBuildRet(b, lg_encode(b, t, LLVMGetParam(f, 0)));
		LLVMDisposeBuilder(b);
	}
	return LLVMBuildCall2(g->b, ft, f, &v, 1, "");
}

/* f32 values to the storage of type t, rounding to nearest even (numerics.md §2, §7:
 * BF16 and FP8 by integer arithmetic, FP8 saturating; F16 by fptrunc, IEEE). */
static LLVMValueRef narrow_to(Cg *g, Type t, LLVMValueRef v, bool vec)
{
	LLVMTypeRef half = LLVMHalfTypeInContext(g->ctx);
	if (t == TY_F16)
		return LLVMBuildFPTrunc(g->b, v, vec ? vec_of(g, half) : half, "");
	if (vec && (t == TY_FP8E4M3 || t == TY_FP8E5M2))
		return encode_call(g, t, v);
	return lg_encode(g->b, t, v);
}

/* Rounds f32 values to a recurrence's narrower type and back (an f16, bf16 or FP8
 * accumulator). */
static Val round_val(Cg *g, Type t, Val x)
{
	if (!type_is_narrow(t))
		return x;
	return widen_as(g, t, (Val){narrow_to(g, t, x.v, x.vec), x.vec});
}

static Val to_float(Cg *g, Val x)
{
	if (LLVMGetTypeKind(x.vec ? LLVMGetElementType(LLVMTypeOf(x.v)) : LLVMTypeOf(x.v)) == LLVMFloatTypeKind)
		return x;
	LLVMTypeRef t = x.vec ? vec_of(g, g->f32) : g->f32;
	return (Val){LLVMBuildSIToFP(g->b, x.v, t, ""), x.vec};
}

/* The lanes whose indices into a tensor lie inside it: those where the loops the
 * index uses are inside their tiles and the domain (the read's guards, in mask, say
 * the rest). A row outside the domain along a loop the address does not use, k in
 * img[c][p + r][q + s], still reads a valid address, so every row shares one load. */
static Val addr_ok(Cg *g, const Expr *index, const Point *pt, Val mask)
{
	bool used[URE_MAXL];
	lower_index_loops(index, g->u->nloops, used);
	for (int j = 0; j < g->u->nloops; j++)
		if (used[j])
			mask = and_(g, mask, pt->ok[j]);
	return mask;
}

/* The first element of the current step's (and inner iteration's) slice of a panel:
 * panel[t - t0][inner iteration][row]. */
static LLVMValueRef panel_slice(Cg *g)
{
	LLVMValueRef o = LLVMBuildSub(g->b, g->t, g->t0, "");
	if (g->lp->ninner)
		o = LLVMBuildAdd(g->b, LLVMBuildMul(g->b, o, g->inner_count, ""), lg_inner_index(&g->lf), "");
	return LLVMBuildMul(g->b, o, ci64(g, g->lp->nrows), "");
}

/* base[off] as bytes (a scalar offset: one load, at 0 where no lane reads; contig: the
 * lanes' offsets are consecutive, one vector load) */
static Val load_byte(Cg *g, LLVMValueRef base, Val off, Val mask, bool contig)
{
	LLVMTypeRef i8 = LLVMInt8TypeInContext(g->ctx);
	if (off.vec && contig) {
		LLVMValueRef o = LLVMBuildExtractElement(g->b, off.v, LLVMConstInt(g->i32, 0, false), "");
		LLVMValueRef p = LLVMBuildGEP2(g->b, i8, base, &o, 1, "");
		if (!is_true(mask))
			return (Val){masked_load(g, p, as_vec(g, mask), vec_of(g, i8)), true};
		LLVMValueRef l = LLVMBuildLoad2(g->b, vec_of(g, i8), p, "");
		LLVMSetAlignment(l, 1);
		return (Val){l, true};
	}
	if (off.vec)
		return (Val){gather(g, LLVMBuildGEP2(g->b, i8, base, &off.v, 1, ""), as_vec(g, mask), vec_of(g, i8)), true};
	LLVMValueRef o = off.v;
	if (!is_true(mask))
		o = LLVMBuildSelect(g->b, mask.vec ? any_lane(g, mask.v) : mask.v, o, ci64(g, 0), "");
	return (Val){LLVMBuildLoad2(g->b, i8, LLVMBuildGEP2(g->b, i8, base, &o, 1, ""), ""), false};
}

/* An MX tensor's element values v times their blocks' scales, from the element's
 * indexes (numerics.md §4: v = X * P, exact but past FP32's range, where it is Inf).
 * contig: the elements are consecutive along the lanes, and so are their scales unless
 * the lanes run along the block axis. */
static Val scaled(Cg *g, int ti, Val v, const Val *idx, Val mask, bool contig)
{
	if (!type_is_mx(g->ttype[ti]))
		return v;
	Val off = {ci64(g, 0), false};
	for (int d = 0; d < g->trank[ti]; d++) {
		Val x = idx[d];
		if (d == g->mxaxis[ti])
			x = bin(g, LLVMBuildAShr, x, (Val){ci64(g, 5), false});
		off = bin(g, LLVMBuildAdd, off, bin(g, LLVMBuildMul, x, (Val){g->mxstride[ti][d], false}));
	}
	Val s = load_byte(g, g->mxscales[ti], off, mask, contig && g->mxaxis[ti] != g->trank[ti] - 1);
	return bin(g, LLVMBuildFMul, v, (Val){lg_decode_e8m0(g->b, s.v), s.vec});
}

/* The code (i8) of an MX element of 6 or 4 bits, packed along the block axis
 * (numerics.md §6): FP4 two to a byte, the low nibble first; FP6 four in 3 bytes, a
 * little-endian word c0 | c1 << 6 | c2 << 12 | c3 << 18. The bytes of a word lie along
 * the axis (tstride[axis] apart); contig as for scaled(). */
static Val packed_code(Cg *g, int ti, const Val *idx, Val mask, bool contig)
{
	int ax = g->mxaxis[ti], fp4 = type_bits(g->ttype[ti]) == 4;
	Val k = idx[ax], c = {ci64(g, 0), false};
	Val off = {ci64(g, 0), false};
	for (int d = 0; d < g->trank[ti]; d++) {
		Val x = idx[d];
		if (d == ax) /* the byte (FP4) or the word's first byte (FP6) */
			x = fp4 ? bin(g, LLVMBuildAShr, k, (Val){ci64(g, 1), false})
			        : bin(g, LLVMBuildMul, bin(g, LLVMBuildAShr, k, (Val){ci64(g, 2), false}), (Val){ci64(g, 3), false});
		off = bin(g, LLVMBuildAdd, off, bin(g, LLVMBuildMul, x, (Val){g->tstride[ti][d], false}));
	}
	for (int b = 0; b < (fp4 ? 1 : 3); b++) {
		Val at = bin(g, LLVMBuildAdd, off, bin(g, LLVMBuildMul, (Val){ci64(g, b), false}, (Val){g->tstride[ti][ax], false}));
		Val byte = load_byte(g, g->tensor[ti], at, mask, contig && ax != g->trank[ti] - 1);
		LLVMValueRef w = LLVMBuildZExt(g->b, byte.v, byte.vec ? vec_of(g, g->i64) : g->i64, "");
		c = bin(g, LLVMBuildOr, c, bin(g, LLVMBuildShl, (Val){w, byte.vec}, (Val){ci64(g, 8 * b), false}));
	}
	Val sh = fp4 ? bin(g, LLVMBuildMul, bin(g, LLVMBuildAnd, k, (Val){ci64(g, 1), false}), (Val){ci64(g, 4), false})
	             : bin(g, LLVMBuildMul, bin(g, LLVMBuildAnd, k, (Val){ci64(g, 3), false}), (Val){ci64(g, 6), false});
	c = bin(g, LLVMBuildAnd, bin(g, LLVMBuildLShr, c, sh), (Val){ci64(g, fp4 ? 0xF : 0x3F), false});
	LLVMTypeRef i8 = LLVMInt8TypeInContext(g->ctx);
	return (Val){LLVMBuildTrunc(g->b, c.v, c.vec ? vec_of(g, i8) : i8, ""), c.vec};
}

static Val cg_load(Cg *g, const Expr *e, const Point *pt, Val mask)
{
	const Tensor *t = e->sym->tensor;
	int pi = g->pk[0].panel ? lower_panel(g->lp, e, g->shift) : -1;
	if (pi >= 0) {
		LLVMValueRef o = LLVMBuildAdd(g->b, panel_slice(g), ci64(g, g->row), "");
		LLVMValueRef p = LLVMBuildGEP2(g->b, g->f32, g->pk[pi].panel, &o, 1, "");
		return (Val){LLVMBuildLoad2(g->b, g->f32, p, "packed"), false};
	}
	int ti = 0;
	for (const Tensor *x = g->u->k->tensors; x != t; x = x->next)
		ti++;
	mask = addr_ok(g, e->args, pt, mask);
	Val off = {ci64(g, 0), false}, idx[8];
	int d = 0;
	for (const Expr *a = e->args; a; a = a->next, d++) {
		idx[d] = cg_expr(g, a, pt, mask);
		off = bin(g, LLVMBuildAdd, off, bin(g, LLVMBuildMul, idx[d], (Val){g->tstride[ti][d], false}));
	}
	if (type_is_mx(g->ttype[ti]) && type_bits(g->ttype[ti]) < 8) {
		bool contig = off.vec && lower_access(g->lp, e->args) == ACC_CONTIG;
		return scaled(g, ti, widen(g, ti, packed_code(g, ti, idx, mask, contig)), idx, mask, contig);
	}
	if (!off.vec) {
		/* one element for every lane: load it once, at a safe offset when no lane reads */
		LLVMValueRef o = off.v;
		if (!is_true(mask)) {
			LLVMValueRef any = mask.vec ? any_lane(g, mask.v) : mask.v;
			o = LLVMBuildSelect(g->b, any, o, ci64(g, 0), "");
		}
		LLVMValueRef p = LLVMBuildGEP2(g->b, elem_type(g, ti), g->tensor[ti], &o, 1, "");
		return scaled(g, ti, widen(g, ti, (Val){LLVMBuildLoad2(g->b, elem_type(g, ti), p, e->name), false}), idx, mask,
		              false);
	}
	if (lower_access(g->lp, e->args) == ACC_CONTIG) {
		LLVMValueRef o = LLVMBuildExtractElement(g->b, off.v, LLVMConstInt(g->i32, 0, false), "");
		LLVMValueRef p = LLVMBuildGEP2(g->b, elem_type(g, ti), g->tensor[ti], &o, 1, "");
		if (!is_true(mask))
			return scaled(g, ti, widen(g, ti, (Val){masked_load(g, p, as_vec(g, mask), vec_of(g, elem_type(g, ti))), true}),
			              idx, mask, true);
		LLVMValueRef l = LLVMBuildLoad2(g->b, vec_of(g, elem_type(g, ti)), p, e->name);
		LLVMSetAlignment(l, elem_align(g, ti));
		return scaled(g, ti, widen(g, ti, (Val){l, true}), idx, mask, true);
	}
	LLVMValueRef ptrs = LLVMBuildGEP2(g->b, elem_type(g, ti), g->tensor[ti], &off.v, 1, "");
	return scaled(g, ti, widen(g, ti, (Val){gather(g, ptrs, as_vec(g, mask), vec_of(g, elem_type(g, ti))), true}), idx,
	              mask, false);
}

static const LoopDep *find_dep(Cg *g, const Expr *ref)
{
	for (int i = 0; i < g->lp->ndeps; i++)
		if (g->lp->deps[i].dep->ref == ref)
			return &g->lp->deps[i];
	return NULL; /* an output's reference: the point being computed */
}

/* The spill buffer slot of point x for var v (every loop but the fold, local to the work item). */
static Val spill_ptr(Cg *g, int v, const Point *x)
{
	Val off = {ci64(g, 0), false};
	for (int j = 0; j < g->u->nloops; j++) {
		if (j == g->lp->spill_fold[v])
			continue;
		Val local = x->x[j];
		for (int l = 0; l < g->mp->nloops; l++) {
			const MapLoop *ml = &g->mp->loops[l];
			if (ml->orig == j && ml->st < 0 && ml->parallel)
				local = bin(g, LLVMBuildSub, local, (Val){LLVMBuildMul(g->b, ci64(g, ml->stride), g->outer[l], ""), false});
		}
		off = bin(g, LLVMBuildAdd, off, bin(g, LLVMBuildMul, local, (Val){g->spill_stride[v][j], false}));
	}
	if (!off.vec)
		off.v = splat(g, off.v);
	return (Val){LLVMBuildGEP2(g->b, g->f32, g->spill[v], &off.v, 1, ""), true};
}

/* Whether x's value of loop j is the first (last) of its tile part inside the array:
 * the dependence along j then comes from (goes to) another pass. */
static Val tile_edge(Cg *g, int j, const Point *pt, bool last)
{
	for (int l = 0; l < g->mp->nloops; l++) {
		const MapLoop *ml = &g->mp->loops[l];
		if (ml->orig == j && ml->st >= 0) {
			/* the part in the array: (x_j mod span) / stride */
			Val r = pt->x[j];
			if (ml->span)
				r = bin(g, LLVMBuildSRem, r, (Val){ci64(g, ml->span), false});
			if (last)
				return icmp(g, LLVMIntSGE, r, (Val){ci64(g, (ml->span ? ml->span : 1) - ml->stride), false});
			return icmp(g, LLVMIntSLT, r, (Val){ci64(g, ml->stride), false});
		}
	}
	return (Val){ci1(g, true), false}; /* the loop runs around the array: every pass meets the next */
}

static LLVMValueRef zero_vec(Cg *g)
{
	return LLVMConstNull(vec_of(g, g->f32));
}

/* The value a link delivers: tau steps back, drow rows back, shifted dlane lanes. */
static LLVMValueRef link_value(Cg *g, const LoopDep *ld)
{
	const LoopProg *lp = g->lp;
	int64_t src = 0;
	for (int i = 0; i < lp->nregdims; i++) {
		int r = lp->regdim[i];
		int64_t c = g->rowc[r] - lp->pmin[r] - ld->drow[r];
		if (c < 0 || c >= lp->pext[r])
			return zero_vec(g); /* from outside the array: never read (legality) */
		src = src * lp->pext[r] + c;
	}
	/* inside a time step, the register still holds the value of the step before */
	LLVMValueRef v = lp->ninner && ld->tau == 1
	                 ? LLVMBuildLoad2(g->b, vec_of(g, g->f32), g->carry[ld->var][src], "carried")
	                 : g->hist[ld->var][ld->tau - 1][src];
	if (!ld->dlane)
		return v;
	LLVMValueRef m[64];
	for (unsigned l = 0; l < g->L; l++) {
		int64_t s = (int64_t)l - ld->dlane;
		m[l] = LLVMConstInt(g->i32, (unsigned long long)(s >= 0 && s < (int64_t)g->L ? s : (int64_t)g->L), false);
	}
	return LLVMBuildShuffleVector(g->b, v, zero_vec(g), LLVMConstVector(m, g->L), "shift");
}

static Val cg_ref(Cg *g, const Expr *e, const Point *pt, Val mask)
{
	const LoopDep *ld = find_dep(g, e);
	if (!ld)
		return (Val){g->cur[ure_var_index(g->u, e->name)][g->row], true};
	const UreVar *var = &g->u->vars[ld->var];
	if (var->kind == VAR_PROPAGATE) {
		Point y = *pt;
		for (int j = 0; j < g->u->nloops; j++)
			if (ld->dep->d[j])
				y.x[j] = bin(g, LLVMBuildSub, pt->x[j], (Val){ci64(g, ld->dep->d[j]), false});
		g->shift = ld->dep->d;
		Val r = cg_expr(g, var->input, &y, mask);
		g->shift = NULL;
		return r;
	}
	if (ld->carry)
		return (Val){LLVMBuildLoad2(g->b, vec_of(g, g->f32), g->carry[ld->var][g->row], "carried"), true};
	if (!ld->link && !ld->spill)
		return (Val){g->cur[ld->var][g->row], true};
	Val linked = {ld->link ? link_value(g, ld) : zero_vec(g), true};
	if (!ld->spill)
		return linked;
	Point y = *pt;
	int j = ld->fold;
	y.x[j] = bin(g, LLVMBuildSub, pt->x[j], (Val){ci64(g, 1), false});
	Val cross = ld->link ? tile_edge(g, j, pt, false) : (Val){ci1(g, true), false};
	Val m = and_(g, and_(g, mask, pt->valid), cross);
	Val p = spill_ptr(g, ld->var, &y);
	LLVMValueRef fromspill = gather(g, p.v, as_vec(g, m), vec_of(g, g->f32));
	if (!ld->link)
		return (Val){fromspill, true};
	return (Val){LLVMBuildSelect(g->b, as_vec(g, cross), fromspill, linked.v, ""), true};
}

static Val fma_(Cg *g, Val a, Val b, Val c)
{
	bool vec = a.vec || b.vec || c.vec;
	LLVMValueRef args[3] = {vec ? as_vec(g, a) : a.v, vec ? as_vec(g, b) : b.v, vec ? as_vec(g, c) : c.v};
	LLVMTypeRef over[1] = {vec ? vec_of(g, g->f32) : g->f32};
	return (Val){intrinsic(g, "llvm.fma", over, 1, args, 3), vec};
}

static bool is_product(const Expr *e)
{
	return e->kind == EX_BINARY && e->op == OP_MUL && e->type == TY_F32;
}

static Val select_(Cg *g, Val c, Val x, Val y)
{
	if (x.vec != y.vec) {
		x.v = as_vec(g, x);
		y.v = as_vec(g, y);
		x.vec = y.vec = true;
	}
	if (c.vec && !x.vec) {
		x.v = as_vec(g, x);
		y.v = as_vec(g, y);
		x.vec = y.vec = true;
	}
	return (Val){LLVMBuildSelect(g->b, c.v, x.v, y.v, ""), x.vec};
}

static Val fcmp(Cg *g, LLVMRealPredicate p, Val x, Val y)
{
	if (x.vec != y.vec) {
		x.v = as_vec(g, x);
		y.v = as_vec(g, y);
		x.vec = y.vec = true;
	}
	return (Val){LLVMBuildFCmp(g->b, p, x.v, y.v, ""), x.vec};
}

static Val cg_expr(Cg *g, const Expr *e, const Point *pt, Val mask)
{
	switch (e->kind) {
	case EX_INT:
		return (Val){ci64(g, e->ival), false};
	case EX_FLOAT:
		return (Val){LLVMConstReal(g->f32, (float)e->fval), false};
	case EX_NAME:
		if (e->sym->kind == SYM_LOOP)
			return pt->x[e->sym->index];
		return (Val){g->size[e->sym->index], false};
	case EX_UNARY: {
		Val x = cg_expr(g, e->a, pt, mask);
		if (e->op == OP_NOT)
			return (Val){LLVMBuildNot(g->b, x.v, ""), x.vec};
		if (e->type == TY_INDEX)
			return (Val){LLVMBuildNeg(g->b, x.v, ""), x.vec};
		return (Val){LLVMBuildFNeg(g->b, to_float(g, x).v, ""), x.vec};
	}
	case EX_COND: {
		Val c = cg_expr(g, e->a, pt, mask);
		Val x = cg_expr(g, e->b, pt, and_(g, mask, c));
		Val y = cg_expr(g, e->c, pt, and_(g, mask, (Val){LLVMBuildNot(g->b, c.v, ""), c.vec}));
		if (e->type == TY_F32 || (e->type != TY_INDEX && e->type != TY_BOOL)) {
			x = to_float(g, x);
			y = to_float(g, y);
		}
		return select_(g, c, x, y);
	}
	case EX_INDEX:
		return cg_load(g, e, pt, mask);
	case EX_CALL: {
		if (e->sym && e->sym->kind == SYM_REC)
			return cg_ref(g, e, pt, mask);
		Val a = to_float(g, cg_expr(g, e->args, pt, mask));
		if (strcmp(e->name, "abs") == 0) {
			LLVMTypeRef over[1] = {a.vec ? vec_of(g, g->f32) : g->f32};
			return (Val){intrinsic(g, "llvm.fabs", over, 1, &a.v, 1), a.vec};
		}
		Val b = to_float(g, cg_expr(g, e->args->next, pt, mask));
		/* max: a >= b || isnan(b) ? a : b, and min likewise (interp.c) */
		Val cmp = fcmp(g, strcmp(e->name, "max") == 0 ? LLVMRealOGE : LLVMRealOLE, a, b);
		Val nan = fcmp(g, LLVMRealUNO, b, b);
		return select_(g, bin(g, LLVMBuildOr, cmp, nan), a, b);
	}
	case EX_BINARY:
		break;
	}
	if (e->op == OP_AND || e->op == OP_OR) {
		Val x = cg_expr(g, e->a, pt, mask), y = cg_expr(g, e->b, pt, mask);
		return bin(g, e->op == OP_AND ? LLVMBuildAnd : LLVMBuildOr, x, y);
	}
	if (e->type == TY_F32 && e->op == OP_ADD && (is_product(e->a) || is_product(e->b))) {
		const Expr *p = is_product(e->a) ? e->a : e->b, *c = p == e->a ? e->b : e->a;
		Val m1 = to_float(g, cg_expr(g, p->a, pt, mask)), m2 = to_float(g, cg_expr(g, p->b, pt, mask));
		return fma_(g, m1, m2, to_float(g, cg_expr(g, c, pt, mask)));
	}
	Val x = cg_expr(g, e->a, pt, mask), y = cg_expr(g, e->b, pt, mask);
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
			return icmp(g, ip[k], x, y);
		return fcmp(g, fp[k], to_float(g, x), to_float(g, y));
	}
	default:
		break;
	}
	if (e->type == TY_INDEX) {
		BinFn f = e->op == OP_ADD ? LLVMBuildAdd : e->op == OP_SUB ? LLVMBuildSub : e->op == OP_MUL ? LLVMBuildMul
		          : e->op == OP_DIV ? LLVMBuildSDiv : LLVMBuildSRem;
		return bin(g, f, x, y);
	}
	BinFn f = e->op == OP_ADD ? LLVMBuildFAdd : e->op == OP_SUB ? LLVMBuildFSub : e->op == OP_MUL ? LLVMBuildFMul
	          : e->op == OP_DIV ? LLVMBuildFDiv : LLVMBuildFRem;
	return bin(g, f, to_float(g, x), to_float(g, y));
}

/* ---- the point of a register row ---- */

static void make_point(Cg *g, Point *pt)
{
	const Map *mp = g->mp;
	Val w[MAP_MAXL], ok[URE_MAXL];
	for (int j = 0; j < URE_MAXL; j++)
		ok[j] = (Val){ci1(g, true), false};
	pt->valid = ok[0];
	for (int c = 0; c < mp->n; c++) {
		int l = mp->st[c];
		LoopCoord k = lower_coord(g->lp, g->rowc, c, g->L);
		LLVMValueRef s0 = LLVMBuildAdd(g->b, ci64(g, k.alpha), LLVMBuildMul(g->b, ci64(g, k.gamma), g->t, ""), "");
		w[l] = k.beta ? (Val){LLVMBuildAdd(g->b, splat(g, s0), iota(g, k.beta), "w"), true} : (Val){s0, false};
		if (!k.proven) {
			Val in = and_(g, icmp(g, LLVMIntSGE, w[l], (Val){ci64(g, 0), false}),
			              icmp(g, LLVMIntSLT, w[l], (Val){g->ext[l], false}));
			ok[mp->loops[l].orig] = and_(g, ok[mp->loops[l].orig], in);
		}
	}
	for (int l = 0; l < mp->nloops; l++)
		if (mp->loops[l].st < 0)
			w[l] = (Val){g->outer[l], false};
	for (int j = 0; j < g->u->nloops; j++) {
		Val x = {ci64(g, 0), false};
		bool tiled = false;
		for (int l = 0; l < mp->nloops; l++) {
			if (mp->loops[l].orig != j)
				continue;
			tiled |= mp->loops[l].span != 0;
			x = bin(g, LLVMBuildAdd, x, bin(g, LLVMBuildMul, w[l], (Val){ci64(g, mp->loops[l].stride), false}));
		}
		pt->x[j] = x;
		if (tiled && !g->full)
			ok[j] = and_(g, ok[j], icmp(g, LLVMIntSLT, x, (Val){g->bound[j], false}));
		pt->ok[j] = ok[j];
		pt->valid = and_(g, pt->valid, ok[j]);
	}
}

/* ---- one time step ---- */

static void set_row(Cg *g, int64_t row)
{
	g->row = (int)row;
	lower_row_coords(g->lp, row, g->rowc);
}

static void store_outputs(Cg *g, int v, const Point *pt)
{
	const Ure *u = g->u;
	for (int o = 0; o < u->nouts; o++) {
		const Eqn *e = u->outs[o];
		/* the output is written where the point it reads is computed */
		const Expr *ref = expr_rec_ref(e->rhs);
		if (!ref || ure_var_index(u, ref->name) != v)
			continue;
		/* where: the PE's lanes inside the domain, at the point the output reads
		 * (kept apart, as that is usually the same for every lane: a branch) */
		Val m = pt->valid, at = {ci1(g, true), false};
		int i = 0;
		for (const Expr *a = ref->args; a; a = a->next, i++) {
			if (a->kind == EX_NAME && a->sym && a->sym->kind == SYM_LOOP)
				continue;
			Val fixed = cg_expr(g, a, pt, m);
			at = and_(g, at, icmp(g, LLVMIntEQ, pt->x[i], fixed));
		}
		if (at.vec)
			m = and_(g, m, at), at = (Val){ci1(g, true), false};
		Val val = to_float(g, cg_expr(g, e->rhs, pt, m));
		/* the address of the element */
		int ti = 0;
		for (const Tensor *x = u->k->tensors; x != e->tensor; x = x->next)
			ti++;
		Val off = {ci64(g, 0), false};
		int d = 0;
		for (const Expr *l = e->lhs; l; l = l->next, d++)
			off = bin(g, LLVMBuildAdd, off, bin(g, LLVMBuildMul, pt->x[l->sym->index], (Val){g->tstride[ti][d], false}));
		if (!m.vec)
			at = and_(g, at, m), m = (Val){ci1(g, true), false};
		LLVMBasicBlockRef st = NULL, after = NULL;
		if (!is_true(at)) {
			st = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "store");
			after = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "stored");
			LLVMBuildCondBr(g->b, at.v, st, after);
			LLVMPositionBuilderAtEnd(g->b, st);
		}
		LLVMValueRef stored = narrow_to(g, g->ttype[ti], as_vec(g, val), true);
		if (off.vec && lower_access(g->lp, e->lhs) == ACC_CONTIG) {
			LLVMValueRef o0 = LLVMBuildExtractElement(g->b, off.v, LLVMConstInt(g->i32, 0, false), "");
			LLVMValueRef p = LLVMBuildGEP2(g->b, elem_type(g, ti), g->tensor[ti], &o0, 1, "");
			if (is_true(m))
				LLVMSetAlignment(LLVMBuildStore(g->b, stored, p), elem_align(g, ti));
			else
				masked_store(g, stored, p, m.v);
		} else {
			LLVMValueRef ov = as_vec(g, off);
			LLVMValueRef ptrs = LLVMBuildGEP2(g->b, elem_type(g, ti), g->tensor[ti], &ov, 1, "");
			scatter(g, stored, ptrs, as_vec(g, m));
		}
		if (st) {
			LLVMBuildBr(g->b, after);
			LLVMPositionBuilderAtEnd(g->b, after);
		}
	}
}

static void step(Cg *g)
{
	const Ure *u = g->u;
	const LoopProg *lp = g->lp;
	Point pts[MAXROWS];
	for (int64_t r = 0; r < lp->nrows; r++) {
		set_row(g, r);
		make_point(g, &pts[r]);
	}
	for (int i = 0; i < u->nvars; i++) {
		int v = u->order[i];
		if (lp->dead[v])
			continue;
		for (int64_t r = 0; r < lp->nrows; r++) {
			set_row(g, r);
			/* the mask holds the guards; each load adds where its address is valid */
			Val val = to_float(g, cg_expr(g, u->vars[v].eqn->rhs, &pts[r], (Val){ci1(g, true), false}));
			g->cur[v][r] = as_vec(g, round_val(g, u->vars[v].type, val));
			if (lp->spilled[v]) {
				/* only the values a later pass reads: LLVM drops the store where that is never */
				Val m = and_(g, pts[r].valid, tile_edge(g, lp->spill_fold[v], &pts[r], true));
				LLVMBasicBlockRef st = NULL, after = NULL;
				if (!m.vec && !is_true(m)) {
					st = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "spill");
					after = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "spilled");
					LLVMBuildCondBr(g->b, m.v, st, after);
					LLVMPositionBuilderAtEnd(g->b, st);
					m = (Val){ci1(g, true), false};
				}
				Val p = spill_ptr(g, v, &pts[r]);
				scatter(g, g->cur[v][r], p.v, as_vec(g, m));
				if (st) {
					LLVMBuildBr(g->b, after);
					LLVMPositionBuilderAtEnd(g->b, after);
				}
			}
		}
	}
	for (int i = 0; i < u->nvars; i++)
		for (int64_t r = 0; r < lp->nrows; r++) {
			set_row(g, r);
			store_outputs(g, u->order[i], &pts[r]);
		}
	/* the registers across inner iterations take the values of this point where
	 * their pins hold (after every read of this iteration) */
	for (int v = 0; v < u->nvars && lp->ninner; v++) {
		if (!lp->carried[v] || lp->dead[v])
			continue;
		for (int64_t r = 0; r < lp->nrows; r++) {
			set_row(g, r);
			Val pin = {ci1(g, true), false};
			for (int i = 0; i < lp->npins[v]; i++)
				pin = and_(g, pin, cg_expr(g, lp->pins[v][i], &pts[r], pts[r].valid));
			LLVMValueRef val = g->cur[v][r];
			if (!is_true(pin)) {
				LLVMValueRef old = LLVMBuildLoad2(g->b, vec_of(g, g->f32), g->carry[v][r], "");
				val = select_(g, pin, (Val){val, true}, (Val){old, true}).v;
			}
			LLVMBuildStore(g->b, val, g->carry[v][r]);
		}
	}
}

/* A step of the array: every point of its PEs, one per iteration of the inner
 * loops; what a link carries to later steps is then each register's last value. */
static void step_body(void *arg)
{
	step(arg);
}

static void step_inner(Cg *g)
{
	if (!g->lp->ninner) {
		step(g);
		return;
	}
	lg_inner(&g->lf, g->full, step_body, g);
	for (int v = 0; v < g->u->nvars; v++)
		if (g->lp->carried[v] && g->lp->maxtau[v])
			for (int64_t r = 0; r < g->lp->nrows; r++)
				g->cur[v][r] = LLVMBuildLoad2(g->b, vec_of(g, g->f32), g->carry[v][r], "");
}

/* ---- packed panels ---- */

static void in_group(Cg *g, LLVMValueRef mem)
{
	if (g->group)
		LLVMSetMetadata(mem, LLVMGetMDKindIDInContext(g->ctx, "llvm.access.group", 17), LLVMMetadataAsValue(g->ctx, g->group));
}

/* Copies this pass's panels: panel[t - t0][row] = the element that row reads at t
 * (0 where it would fall outside its tensor: such a PE never uses it). */
static void fill_step(void *arg)
{
	Cg *g = arg;
	LLVMValueRef *tlen = g->tlen;
	LLVMValueRef base = panel_slice(g);
	for (int64_t r = 0; r < g->lp->nrows; r++) {
		set_row(g, r);
		Point pt;
		make_point(g, &pt);
		for (int i = 0; i < g->npk; i++) {
			const Expr *e = g->pk[i].e;
			Point y = pt;
			for (int j = 0; j < g->u->nloops; j++)
				if (g->pk[i].d[j])
					y.x[j] = bin(g, LLVMBuildSub, pt.x[j], (Val){ci64(g, g->pk[i].d[j]), false});
			int ti = 0;
			for (const Tensor *x = g->u->k->tensors; x != e->sym->tensor; x = x->next)
				ti++;
			Val off = {ci64(g, 0), false}, idx[8];
			int d = 0;
			for (const Expr *a = e->args; a; a = a->next, d++) {
				idx[d] = cg_expr(g, a, &y, pt.valid);
				off = bin(g, LLVMBuildAdd, off, bin(g, LLVMBuildMul, idx[d], (Val){g->tstride[ti][d], false}));
			}
			LLVMValueRef in = LLVMBuildAnd(g->b, LLVMBuildICmp(g->b, LLVMIntSGE, off.v, ci64(g, 0), ""),
			                               LLVMBuildICmp(g->b, LLVMIntSLT, off.v, tlen[ti], ""), "");
			Val v;
			if (type_is_mx(g->ttype[ti]) && type_bits(g->ttype[ti]) < 8) {
				/* packed: the offset is not the element's; its indexes lie in the tensor */
				in = ci1(g, true);
				for (int k = 0; k < d; k++)
					in = LLVMBuildAnd(g->b, in, LLVMBuildICmp(g->b, LLVMIntULT, idx[k].v, g->tdim[ti][k], ""), "");
				v = widen(g, ti, packed_code(g, ti, idx, (Val){in, false}, false));
			} else {
				LLVMValueRef o = LLVMBuildSelect(g->b, in, off.v, ci64(g, 0), "");
				LLVMValueRef l = LLVMBuildLoad2(g->b, elem_type(g, ti), LLVMBuildGEP2(g->b, elem_type(g, ti), g->tensor[ti], &o, 1, ""), "");
				in_group(g, l);
				v = widen(g, ti, (Val){l, false});
			}
			v = scaled(g, ti, v, idx, (Val){in, false}, false);
			LLVMValueRef val = LLVMBuildSelect(g->b, in, v.v, LLVMConstReal(g->f32, 0), "");
			LLVMValueRef at = LLVMBuildAdd(g->b, base, ci64(g, r), "");
			in_group(g, LLVMBuildStore(g->b, val, LLVMBuildGEP2(g->b, g->f32, g->pk[i].panel, &at, 1, "")));
		}
	}
}

/* The copy's iterations are independent (each writes its own slots of the panels,
 * which nothing else in the loop reads): loops marked parallel, so that LLVM's loop
 * access analysis does not compare every load with every store (a quarter of the
 * compile time of conv3x3.sys's rows_blocked, whose copy is 48 of each per iteration). */
static void fill_panels(Cg *g)
{
	g->lf.parallel = g->group;
	LgLoop l = lg_loop_begin(&g->lf, g->t0, g->t1, "pack");
	g->t = l.iv;
	lg_inner(&g->lf, false, fill_step, g);
	lg_loop_end(&g->lf, &l);
	g->lf.parallel = NULL;
}

/* A panel depends on some of the loops around the array only (a[i][k] on io, not
 * jo): it is filled again only when those change, so consecutive work items and
 * passes share it. The key is the mixed-radix number of those loops' values. */
static void refill_panels(Cg *g)
{
	const Map *mp = g->mp;
	bool used[URE_MAXL] = {false};
	for (int i = 0; i < g->npk; i++) {
		bool u[URE_MAXL];
		lower_index_loops(g->pk[i].e->args, g->u->nloops, u);
		for (int j = 0; j < g->u->nloops; j++)
			used[j] |= u[j];
	}
	LLVMValueRef key = ci64(g, 0);
	for (int l = 0; l < mp->nloops; l++) {
		if (mp->loops[l].st >= 0 || lower_inner(g->lp, l))
			continue; /* a panel covers every step and inner iteration */
		if (used[mp->loops[l].orig])
			key = LLVMBuildAdd(g->b, LLVMBuildMul(g->b, key, g->ext[l], ""), g->outer[l], "key");
	}
	if (g->block) /* and the time block */
		key = LLVMBuildAdd(g->b, LLVMBuildMul(g->b, key, g->nblocks, ""), g->block, "key");
	LLVMValueRef prev = LLVMBuildLoad2(g->b, g->i64, g->pk[0].filled, "filled");
	LLVMBasicBlockRef fill = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "fill");
	LLVMBasicBlockRef ready = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "panels_ready");
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, key, prev, ""), fill, ready);
	LLVMPositionBuilderAtEnd(g->b, fill);
	fill_panels(g);
	LLVMBuildStore(g->b, key, g->pk[0].filled);
	LLVMBuildBr(g->b, ready);
	LLVMPositionBuilderAtEnd(g->b, ready);
}

/* The state after a step: what entered each delay line. */
static void shift_state(Cg *g, LLVMValueRef next[MAXV][MAXTAU][MAXROWS])
{
	for (int v = 0; v < g->u->nvars; v++)
		for (int k = 0; k < g->lp->maxtau[v]; k++)
			for (int64_t r = 0; r < g->lp->nrows; r++)
				next[v][k][r] = k == 0 ? g->cur[v][r] : g->hist[v][k - 1][r];
}

/* Every delay line's registers, in a fixed order: the state a time block leaves. */
static int state_vectors(const LoopProg *lp)
{
	int n = 0;
	for (int v = 0; v < lp->u->nvars; v++)
		n += (int)(lp->maxtau[v] * lp->nrows);
	return n;
}

/* The registers at the start of a pass: empty, or what the work item's previous time
 * block left (zeros before the first: the state buffer starts cleared); and at its
 * end, stored back. */
static void state_io(Cg *g, LLVMValueRef st[MAXV][MAXTAU][MAXROWS], bool store)
{
	LLVMTypeRef vt = vec_of(g, g->f32);
	LLVMValueRef at = g->state_at;
	for (int v = 0; v < g->u->nvars; v++)
		for (int k = 0; k < g->lp->maxtau[v]; k++)
			for (int64_t r = 0; r < g->lp->nrows; r++) {
				if (!g->state) {
					if (!store)
						st[v][k][r] = zero_vec(g);
					continue;
				}
				LLVMValueRef p = LLVMBuildGEP2(g->b, vt, g->state, &at, 1, "");
				LLVMValueRef x = store ? LLVMBuildStore(g->b, st[v][k][r], p) : LLVMBuildLoad2(g->b, vt, p, "restored");
				LLVMSetAlignment(x, 4);
				if (!store)
					st[v][k][r] = x;
				at = LLVMBuildAdd(g->b, at, ci64(g, 1), "");
			}
}

/* One pass of the array over steps t0..t1. The first and the last time steps are
 * peeled off the time loop, so that the guards that hold only there (a reduction's
 * start and end, where the schedule follows that loop) fold away inside it. */
static void pass(Cg *g)
{
	const Ure *u = g->u;
	const LoopProg *lp = g->lp;
	LLVMValueRef(*next)[MAXTAU][MAXROWS] = g->next, (*hist_loop)[MAXTAU][MAXROWS] = g->hist_loop;
	LLVMValueRef zero = zero_vec(g);
	for (int v = 0; v < u->nvars; v++)
		if (lp->carried[v])
			for (int64_t r = 0; r < lp->nrows; r++)
				LLVMBuildStore(g->b, zero, g->carry[v][r]);
	state_io(g, g->hist, false);
	/* Only full tiles peel: the edge copy runs rarely and is kept small (compile time).
	 * With inner loops, the innermost one peels instead (step_inner). Designs that
	 * spill do not: their three copies of a long step ran gemm_blocked.sys's kernels
	 * at 0.81 to 0.91 of the speed without them and cost a quarter of its compile time. */
	bool peel = g->full && !lp->ninner && !lp->spills;
	if (peel) {
		g->t = g->t0;
		step_inner(g);
		shift_state(g, next);
	} else {
		memcpy(next, g->hist, sizeof g->next);
	}
	/* the steps between (every step, without peeling) */
	LLVMValueRef t1 = peel ? LLVMBuildAdd(g->b, g->t0, ci64(g, 1), "") : g->t0;
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef head = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "time");
	LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "step");
	LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "last_step");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "pass_done");
	LLVMBuildBr(g->b, head);
	LLVMPositionBuilderAtEnd(g->b, head);
	g->t = LLVMBuildPhi(g->b, g->i64, "t");
	LLVMAddIncoming(g->t, &t1, &pre, 1);
	for (int v = 0; v < u->nvars; v++)
		for (int k = 0; k < lp->maxtau[v]; k++)
			for (int64_t r = 0; r < lp->nrows; r++) {
				g->hist[v][k][r] = LLVMBuildPhi(g->b, vec_of(g, g->f32), "reg");
				LLVMAddIncoming(g->hist[v][k][r], &next[v][k][r], &pre, 1);
			}
	LLVMValueRef t_loop = g->t;
	memcpy(hist_loop, g->hist, sizeof g->hist_loop);
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, peel ? LLVMIntSLT : LLVMIntSLE, g->t, g->t1, ""), body, exit);
	LLVMPositionBuilderAtEnd(g->b, body);
	step_inner(g);
	shift_state(g, next);
	LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
	for (int v = 0; v < u->nvars; v++)
		for (int k = 0; k < lp->maxtau[v]; k++)
			for (int64_t r = 0; r < lp->nrows; r++)
				LLVMAddIncoming(hist_loop[v][k][r], &next[v][k][r], &latch, 1);
	LLVMValueRef tn = LLVMBuildAdd(g->b, t_loop, ci64(g, 1), "");
	LLVMAddIncoming(t_loop, &tn, &latch, 1);
	lg_loop_hint(&g->lf, LLVMBuildBr(g->b, head), NULL, 0);
	/* the last step, when the pass has more than one */
	LLVMPositionBuilderAtEnd(g->b, exit);
	if (!peel) {
		state_io(g, hist_loop, true);
		LLVMBuildBr(g->b, done);
		LLVMPositionBuilderAtEnd(g->b, done);
		return;
	}
	/* The registers a block leaves are stored after its last step. A block of one step
	 * is the pass's last (lp->tblock > 1): nothing reads them. */
	LLVMBasicBlockRef last = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "last");
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, g->t1, g->t0, ""), last, done);
	LLVMPositionBuilderAtEnd(g->b, last);
	memcpy(g->hist, hist_loop, sizeof g->hist);
	g->t = g->t1;
	step_inner(g);
	if (g->state) {
		shift_state(g, next);
		state_io(g, next, true);
	}
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
}

/* Chooses the full-tile copy of the pass when no tiled loop reaches past its bound. */
static void pass_both(void *arg)
{
	Cg *g = arg;
	bool any;
	LLVMValueRef full = lg_full_tile(&g->lf, &any);
	/* One refill of the panels serves both copies: every read it makes is checked
	 * against its tensor's bounds, and a point outside the domain gets a value that
	 * no PE inside it reads (legality). */
	g->full = true;
	if (g->npk)
		refill_panels(g);
	/* A design that spills and whose steps have no inner loops (gemm_blocked.sys's 64
	 * accumulators) gets the edge copy alone: the full copy's unmasked loads gain it
	 * little next to its spills (0.92-1.04 of the speed) and cost a third of its
	 * compile; with inner loops the edge copy's selects per point cost a third of the
	 * speed (conv2d_batch.sys's rows_blocked), so those keep both. */
	if (!any || (g->lp->spills && !g->lp->ninner)) {
		g->full = !any;
		pass(g);
		return;
	}
	LLVMBasicBlockRef bf = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "full_tile");
	LLVMBasicBlockRef be = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "edge_tile");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "tile_done");
	LLVMBuildCondBr(g->b, full, bf, be);
	LLVMPositionBuilderAtEnd(g->b, bf);
	pass(g);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, be);
	g->full = false;
	pass(g);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
}

/* ---- the module ---- */

/* Loads the sizes of the function being built, and its extents. */
static void load_sizes(Cg *g, LLVMValueRef sizes)
{
	g->lf = (LgFunc){g->ctx, g->b, g->fn, g->i64, g->mp, g->size, g->bound, g->ext, g->outer, g->lp, false, NULL};
	int i = 0;
	for (const Ident *p = g->u->k->params; p; p = p->next, i++) {
		LLVMValueRef idx = ci64(g, i);
		LLVMValueRef ptr = LLVMBuildGEP2(g->b, g->i64, sizes, &idx, 1, "");
		/* a specialized size is a constant (the runtime checks the value passed) */
		g->size[i] = g->lp->fixed.v[i] ? ci64(g, g->lp->fixed.v[i]) : LLVMBuildLoad2(g->b, g->i64, ptr, p->name);
	}
	lg_extents(&g->lf);
}

static void emit_count(Cg *g, const char *sym)
{
	LLVMTypeRef params[1] = {g->ptr};
	LLVMTypeRef ft = LLVMFunctionType(g->i64, params, 1, false);
	g->fn = LLVMAddFunction(g->mod, arena_printf(g->a, "%s_count", sym), ft);
	LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, g->fn, "entry"));
	load_sizes(g, LLVMGetParam(g->fn, 0));
	LLVMValueRef n = ci64(g, 1);
	for (int l = 0; l < g->mp->nloops; l++)
		if (g->mp->loops[l].st < 0 && g->mp->loops[l].parallel)
			n = LLVMBuildMul(g->b, n, g->ext[l], "");
	LLVMBuildRet(g->b, n);
}

/* The work buffers emit_run allocates: panels, the time blocks' state, spill buffers. */
static int work_buffers(Cg *g, LLVMValueRef *out)
{
	int n = 0;
	for (int i = 0; i < g->npk; i++)
		out[n++] = g->pk[i].panel;
	if (g->state)
		out[n++] = g->state;
	for (int v = 0; v < g->u->nvars; v++)
		if (g->lp->spilled[v])
			out[n++] = g->spill[v];
	return n;
}

static void free_buffers(Cg *g)
{
	LLVMValueRef all[MAXWORK];
	int n = work_buffers(g, all);
	for (int i = 0; i < n; i++)
		libc(g, "free", &all[i], 1, "");
}

/* If a work buffer could not be allocated, _run frees the others and returns 1 (the
 * runtime reports SYSRT_ERR_OUT_OF_MEMORY); the builder is left on the path where all
 * of them were. */
static void check_buffers(Cg *g)
{
	LLVMValueRef all[MAXWORK];
	int n = work_buffers(g, all);
	LLVMValueRef failed = LLVMConstInt(LLVMInt1TypeInContext(g->ctx), 0, false);
	for (int i = 0; i < n; i++)
		failed = LLVMBuildOr(g->b, failed, LLVMBuildIsNull(g->b, all[i], ""), "");
	LLVMBasicBlockRef oom = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "out_of_memory");
	LLVMBasicBlockRef ok = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "buffers");
	LLVMBuildCondBr(g->b, failed, oom, ok);
	LLVMPositionBuilderAtEnd(g->b, oom);
	free_buffers(g);
	LLVMBuildRet(g->b, LLVMConstInt(g->i32, 1, false));
	LLVMPositionBuilderAtEnd(g->b, ok);
}

static void emit_run(Cg *g, const char *sym)
{
	const Map *mp = g->mp;
	const Ure *u = g->u;
	const LoopProg *lp = g->lp;
	LLVMTypeRef params[4] = {g->ptr, g->ptr, g->i64, g->i64};
	LLVMTypeRef ft = LLVMFunctionType(g->i32, params, 4, false);
	g->fn = LLVMAddFunction(g->mod, arena_printf(g->a, "%s_run", sym), ft);
	LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, g->fn, "entry"));
	LLVMValueRef tens = LLVMGetParam(g->fn, 0), sizes = LLVMGetParam(g->fn, 1);
	load_sizes(g, sizes);
	int ti = 0, nexp = 0;
	for (const Tensor *t = u->k->tensors; t; t = t->next, ti++) {
		g->ttype[ti] = t->type;
		LLVMValueRef idx = ci64(g, ti);
		g->tensor[ti] = LLVMBuildLoad2(g->b, g->ptr, LLVMBuildGEP2(g->b, g->ptr, tens, &idx, 1, ""), t->name);
		if (t->type == TY_I16) {
			/* its exponent follows the sizes (runtime.md); 2^Es by its f64 bits */
			LLVMValueRef at = ci64(g, u->k->nparams + nexp++);
			LLVMValueRef es = LLVMBuildLoad2(g->b, g->i64, LLVMBuildGEP2(g->b, g->i64, sizes, &at, 1, ""), "");
			LLVMValueRef bits = LLVMBuildShl(g->b, LLVMBuildAdd(g->b, es, ci64(g, 1023), ""), ci64(g, 52), "");
			g->tscale[ti] = LLVMBuildBitCast(g->b, bits, LLVMDoubleTypeInContext(g->ctx), "");
		}
		g->trank[ti] = t->rank;
		g->mxaxis[ti] = type_is_mx(t->type) ? t->block_axis : -1;
		g->tlen[ti] = lg_tensor_layout(&g->lf, t, g->tdim[ti], g->tstride[ti], g->mxstride[ti]);
		if (g->mxaxis[ti] >= 0)
			g->mxscales[ti] = LLVMBuildGEP2(g->b, LLVMInt8TypeInContext(g->ctx), g->tensor[ti], &g->tlen[ti], 1, "scales");
	}
	/* the time range of a pass */
	g->tmin = ci64(g, 0);
	g->tmax = ci64(g, 0);
	for (int c = 0; c < mp->n; c++) {
		int64_t s = lp->T[mp->n - 1][c];
		if (!s)
			continue;
		LLVMValueRef v = LLVMBuildMul(g->b, ci64(g, s), LLVMBuildSub(g->b, g->ext[mp->st[c]], ci64(g, 1), ""), "");
		if (s < 0)
			g->tmin = LLVMBuildAdd(g->b, g->tmin, v, "tmin");
		else
			g->tmax = LLVMBuildAdd(g->b, g->tmax, v, "tmax");
	}
	/* spill buffers: their strides (every loop but the fold, local to a work item) */
	LLVMValueRef spill_size[MAXV];
	for (int v = 0; v < u->nvars; v++) {
		if (!lp->spilled[v])
			continue;
		LLVMValueRef s = ci64(g, 1);
		for (int j = u->nloops - 1; j >= 0; j--) {
			if (j == lp->spill_fold[v])
				continue;
			g->spill_stride[v][j] = s;
			LLVMValueRef e = g->bound[j];
			for (int l = 0; l < mp->nloops; l++)
				if (mp->loops[l].orig == j && mp->loops[l].st < 0 && mp->loops[l].parallel)
					e = ci64(g, mp->loops[l].stride);
			s = LLVMBuildMul(g->b, s, e, "");
		}
		spill_size[v] = LLVMBuildMul(g->b, s, ci64(g, 4), "");
	}
	/* panels for the broadcast reads that differ between rows */
	for (int i = 0; i < lp->npanels && i < 8; i++, g->npk++) {
		g->pk[i].e = lp->panels[i].e;
		memcpy(g->pk[i].d, lp->panels[i].d, sizeof g->pk[i].d);
	}
	g->inner_count = lg_inner_count(&g->lf);
	for (int v = 0; v < u->nvars; v++)
		if (lp->carried[v])
			for (int64_t r = 0; r < lp->nrows; r++)
				g->carry[v][r] = LLVMBuildAlloca(g->b, vec_of(g, g->f32), "carry");
	if (g->npk) { /* the panels are shared: one key for all of them */
		g->group = lg_access_group(g->ctx);
		g->pk[0].filled = LLVMBuildAlloca(g->b, g->i64, "filled");
		LLVMBuildStore(g->b, ci64(g, -1), g->pk[0].filled);
	}
	/* The work buffers, for the whole chunk: the panels (a time block's steps, or the
	 * pass's), the registers of its work items between time blocks (cleared: calloc),
	 * the spill buffers (each work item writes its values before it reads them, so the
	 * items share them). */
	LLVMValueRef begin = LLVMGetParam(g->fn, 2), end = LLVMGetParam(g->fn, 3);
	int nstate = state_vectors(lp);
	bool blocks = lp->tblock && nstate;
	LLVMValueRef steps = LLVMBuildAdd(g->b, LLVMBuildSub(g->b, g->tmax, g->tmin, ""), ci64(g, 1), "");
	if (blocks)
		steps = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, steps, ci64(g, lp->tblock), ""), steps,
		                        ci64(g, lp->tblock), "");
	LLVMValueRef panel_bytes = LLVMBuildMul(g->b, LLVMBuildMul(g->b, steps, g->inner_count, ""), ci64(g, 4 * lp->nrows), "");
	for (int i = 0; i < g->npk; i++)
		g->pk[i].panel = libc(g, "malloc", &panel_bytes, 1, "panel");
	if (blocks) {
		LLVMValueRef n[2] = {LLVMBuildMul(g->b, LLVMBuildSub(g->b, end, begin, ""), ci64(g, nstate), ""), ci64(g, 4 * g->L)};
		g->state = libc(g, "calloc", n, 2, "state");
	}
	for (int v = 0; v < u->nvars; v++)
		if (lp->spilled[v])
			g->spill[v] = libc(g, "malloc", &spill_size[v], 1, "spill");
	check_buffers(g);
	/* time blocks: each over the chunk's work items */
	g->t0 = g->tmin;
	g->t1 = g->tmax;
	LgLoop blk;
	if (g->state) {
		g->nblocks = LLVMBuildAdd(g->b, LLVMBuildSDiv(g->b, LLVMBuildSub(g->b, g->tmax, g->tmin, ""), ci64(g, lp->tblock), ""),
		                          ci64(g, 1), "blocks");
		blk = lg_loop_begin(&g->lf, ci64(g, 0), LLVMBuildSub(g->b, g->nblocks, ci64(g, 1), ""), "block");
		g->block = blk.iv;
		g->t0 = LLVMBuildAdd(g->b, g->tmin, LLVMBuildMul(g->b, g->block, ci64(g, lp->tblock), ""), "t0");
		LLVMValueRef t1 = LLVMBuildAdd(g->b, g->t0, ci64(g, lp->tblock - 1), "");
		g->t1 = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, t1, g->tmax, ""), t1, g->tmax, "t1");
	}
	/* the work items */
	LgLoop w = lg_loop_begin(&g->lf, begin, LLVMBuildSub(g->b, end, ci64(g, 1), ""), "item");
	if (g->state)
		g->state_at = LLVMBuildMul(g->b, LLVMBuildSub(g->b, w.iv, begin, ""), ci64(g, nstate), "");
	lg_items(&g->lf, w.iv);
	lg_sequential(&g->lf, 0, pass_both, g);
	/* These loops hold whole passes: LLVM's unroller would size them (an estimate that
	 * visits every instruction, 5 % of gemm_blocked.sys's compile time) only to leave
	 * them as they are. */
	lg_loop_hint(&g->lf, lg_loop_end(&g->lf, &w), "llvm.loop.unroll.disable", 0);
	if (g->state)
		lg_loop_hint(&g->lf, lg_loop_end(&g->lf, &blk), "llvm.loop.unroll.disable", 0);
	free_buffers(g);
	LLVMBuildRet(g->b, LLVMConstInt(g->i32, 0, false));
}

char *cpu_symbol(Arena *a, const Map *mp)
{
	return arena_printf(a, "sysk_%s_%s", mp->u->k->name, mp->m->name);
}

char *cpu_desc(Arena *a, const LoopProg *lp, const char *target)
{
	const Map *mp = lp->mp;
	const Kernel *k = mp->u->k;
	Buf b = {0};
	buf_printf(&b, "sysc-kernel 3\nkernel %s\nmapping %s\ntarget %s\n", k->name, mp->m->name, target);
	int pi = 0;
	for (const Ident *p = k->params; p; p = p->next, pi++)
		if (lp->fixed.v[pi])
			buf_printf(&b, "size %s %lld\n", p->name, (long long)lp->fixed.v[pi]);
		else
			buf_printf(&b, "size %s\n", p->name);
	for (const Tensor *t = k->tensors; t; t = t->next) {
		buf_printf(&b, "tensor %s %s %s %d", t->name, t->dir == TENSOR_IN ? "in" : "out", type_name(t->type), t->rank);
		for (const Expr *d = t->dims; d; d = d->next) {
			Affine x = aff_of_expr(d, k);
			buf_printf(&b, " %lld:", (long long)x.c0);
			for (int i = 0; i < k->nparams; i++)
				buf_printf(&b, "%s%lld", i ? "," : "", (long long)x.coef[i]);
		}
		buf_printf(&b, "\n");
		if (type_is_mx(t->type))
			buf_printf(&b, "block %s %d\n", t->name, t->block_axis);
	}
	char *s = arena_strdup(a, b.data);
	buf_free(&b);
	return s;
}

LLVMModuleRef cpu_emit(Arena *a, const LoopProg *lp, LLVMContextRef ctx, const char *sym)
{
	Cg *g = calloc(1, sizeof(Cg));
	if (!g)
		return NULL;
	g->a = a;
	g->lp = lp;
	g->mp = lp->mp;
	g->u = lp->u;
	g->ctx = ctx;
	g->mod = LLVMModuleCreateWithNameInContext(sym, ctx);
	g->b = LLVMCreateBuilderInContext(ctx);
	g->i1 = LLVMInt1TypeInContext(ctx);
	g->i32 = LLVMInt32TypeInContext(ctx);
	g->i64 = LLVMInt64TypeInContext(ctx);
	g->f32 = LLVMFloatTypeInContext(ctx);
	g->ptr = LLVMPointerTypeInContext(ctx, 0);
	g->voidt = LLVMVoidTypeInContext(ctx);
	g->L = (unsigned)lp->pext[lp->lane];
	emit_count(g, sym);
	emit_run(g, sym);
	/* the description, for the runtime */
	const char *desc = cpu_desc(a, lp, "host");
	LLVMValueRef str = LLVMConstStringInContext(ctx, desc, (unsigned)strlen(desc), false);
	LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(str), arena_printf(a, "%s_desc", sym));
	LLVMSetInitializer(gv, str);
	LLVMSetGlobalConstant(gv, true);
	LLVMDisposeBuilder(g->b);
	LLVMModuleRef mod = g->mod;
	free(g);
	return mod;
}
