/*
 * llvmelem.c: narrow element codes to f32 values and back, by integer arithmetic on
 * scalars or vectors alike (numerics.md §1, §2 and §7, bit for bit with the formats
 * library), and the MX and DFP16 scalings: for targets where a half type or a table of
 * FP8 values is no good (the GPUs: SPIR-V for OpenCL needs an extension for half, a
 * table is a load from memory per element) and for the host's vectors, where it beats
 * a gather from the table. The host keeps F16C for FP16 and f64 for DFP16.
 */
#include "llvmgen.h"

/* The constant v of x's shape (i32 or <n x i32>). */
static LLVMValueRef k32(LLVMValueRef x, uint32_t v)
{
	LLVMTypeRef t = LLVMTypeOf(x);
	LLVMTypeRef i32 = LLVMInt32TypeInContext(LLVMGetTypeContext(t));
	LLVMValueRef c = LLVMConstInt(i32, v, false);
	if (LLVMGetTypeKind(t) != LLVMVectorTypeKind)
		return c;
	unsigned n = LLVMGetVectorSize(t);
	LLVMValueRef all[64];
	for (unsigned i = 0; i < n && i < 64; i++)
		all[i] = c;
	return LLVMConstVector(all, n);
}

/* i32 or <n x i32> of x's shape, and the same with element type e. */
static LLVMTypeRef shaped(LLVMValueRef x, LLVMTypeRef e)
{
	LLVMTypeRef t = LLVMTypeOf(x);
	return LLVMGetTypeKind(t) == LLVMVectorTypeKind ? LLVMVectorType(e, LLVMGetVectorSize(t)) : e;
}

/* 2^e (a normal power of two) as f32, of x's shape */
static LLVMValueRef pow2(LLVMBuilderRef b, LLVMValueRef x, int e)
{
	LLVMTypeRef f32 = shaped(x, LLVMFloatTypeInContext(LLVMGetTypeContext(LLVMTypeOf(x))));
	return LLVMBuildBitCast(b, k32(x, (uint32_t)(127 + e) << 23), f32, "");
}

#define AND(x, c) LLVMBuildAnd(b, x, k32(x, c), "")
#define OR(x, y) LLVMBuildOr(b, x, y, "")
#define SHL(x, c) LLVMBuildShl(b, x, k32(x, c), "")
#define LSHR(x, c) LLVMBuildLShr(b, x, k32(x, c), "")
#define EQ(x, c) LLVMBuildICmp(b, LLVMIntEQ, x, k32(x, c), "")
#define SEL(c, x, y) LLVMBuildSelect(b, c, x, y, "")

/* FP16, FP8, FP6 and FP4 codes (i16, i8; FP6 and FP4 in the low bits) to f32: normals
 * rebiased, subnormals m * 2^(1-bias-M) (exact), Inf and NaN as the formats library
 * decodes them. */
static LLVMValueRef decode_float(LLVMBuilderRef b, LLVMValueRef code, int bits, int ebits, int mbits)
{
	LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(code));
	LLVMTypeRef i32 = shaped(code, LLVMInt32TypeInContext(ctx)), f32 = shaped(code, LLVMFloatTypeInContext(ctx));
	LLVMValueRef c = LLVMBuildZExt(b, code, i32, "");
	uint32_t emax = (1u << ebits) - 1, bias = (1u << (ebits - 1)) - 1;
	LLVMValueRef sign = SHL(LSHR(c, bits - 1), 31);
	LLVMValueRef e = AND(LSHR(c, mbits), emax), m = AND(c, (1u << mbits) - 1);
	LLVMValueRef mm = SHL(m, 23 - mbits);
	LLVMValueRef normal = OR(SHL(LLVMBuildAdd(b, e, k32(e, 127 - bias), ""), 23), mm);
	LLVMValueRef scale = pow2(b, c, 1 - (int)bias - mbits);
	LLVMValueRef sub = LLVMBuildBitCast(b, LLVMBuildFMul(b, LLVMBuildUIToFP(b, m, f32, ""), scale, ""), i32, "");
	LLVMValueRef v = SEL(EQ(e, 0), sub, normal);
	if (bits == 16 || ebits == 5) { /* FP16, E5M2: Inf, or a quiet NaN (FP16 keeps its payload) */
		LLVMValueRef nan = bits == 16 ? OR(k32(c, 0x7FC00000), mm) : k32(c, 0x7FC00000);
		v = SEL(EQ(e, emax), SEL(EQ(m, 0), k32(c, 0x7F800000), nan), v);
	} else if (bits == 8) { /* E4M3: no Inf, one NaN code per sign */
		v = SEL(EQ(AND(c, 0x7F), 0x7F), k32(c, 0x7FC00000), v);
	} /* FP6 and FP4: every code a number */
	return LLVMBuildBitCast(b, OR(v, sign), f32, "");
}

LLVMValueRef lg_decode(LLVMBuilderRef b, Type t, LLVMValueRef code)
{
	LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(code));
	switch (t) {
	case TY_BF16: {
		LLVMTypeRef i32 = shaped(code, LLVMInt32TypeInContext(ctx));
		LLVMValueRef c = LLVMBuildZExt(b, code, i32, "");
		return LLVMBuildBitCast(b, SHL(c, 16), shaped(code, LLVMFloatTypeInContext(ctx)), "");
	}
	case TY_F16:
		return decode_float(b, code, 16, 5, 10);
	case TY_FP8E4M3:
	case TY_MXFP8E4M3: /* an MX element: its value before the block's scale */
		return decode_float(b, code, 8, 4, 3);
	case TY_FP8E5M2:
	case TY_MXFP8E5M2:
		return decode_float(b, code, 8, 5, 2);
	case TY_MXFP6E3M2:
		return decode_float(b, code, 6, 3, 2);
	case TY_MXFP6E2M3:
		return decode_float(b, code, 6, 2, 3);
	case TY_MXFP4E2M1:
		return decode_float(b, code, 4, 2, 1);
	case TY_MXINT8: { /* int8 * 2^-6 */
		LLVMValueRef c = LLVMBuildSExt(b, code, shaped(code, LLVMInt32TypeInContext(ctx)), "");
		return LLVMBuildFMul(b, LLVMBuildSIToFP(b, c, shaped(code, LLVMFloatTypeInContext(ctx)), ""), pow2(b, c, -6), "");
	}
	default:
		return code;
	}
}

/* sig >> s (s up to 31) rounded to nearest even */
static LLVMValueRef shift_rne(LLVMBuilderRef b, LLVMValueRef sig, LLVMValueRef s)
{
	LLVMValueRef q = LLVMBuildLShr(b, sig, s, "");
	LLVMValueRef one = k32(sig, 1);
	LLVMValueRef half = LLVMBuildShl(b, one, LLVMBuildSub(b, s, one, ""), "");
	LLVMValueRef rem = LLVMBuildAnd(b, sig, LLVMBuildSub(b, LLVMBuildShl(b, half, one, ""), one, ""), "");
	LLVMValueRef up = LLVMBuildOr(b, LLVMBuildICmp(b, LLVMIntUGT, rem, half, ""),
	                              LLVMBuildAnd(b, LLVMBuildICmp(b, LLVMIntEQ, rem, half, ""),
	                                           LLVMBuildTrunc(b, q, shaped(sig, LLVMInt1TypeInContext(LLVMGetTypeContext(LLVMTypeOf(sig)))), ""),
	                                           ""),
	                              "");
	return LLVMBuildAdd(b, q, LLVMBuildZExt(b, up, LLVMTypeOf(sig), ""), "");
}

/* f32 to an FP8, FP6 or FP4 code (i8; FP6 and FP4 in the low bits), numerics.md §2's
 * defaults: RNE once from f32, overflow and Inf saturate to the largest normal (SAT),
 * zeros and values that round to zero keep their sign, NaN gives nan (no sign). */
static LLVMValueRef encode_small(LLVMBuilderRef b, LLVMValueRef v, int bits, int ebits, int mbits, uint32_t maxcode,
                                 uint32_t nan)
{
	LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(v));
	LLVMTypeRef i32 = shaped(v, LLVMInt32TypeInContext(ctx)), i8 = shaped(v, LLVMInt8TypeInContext(ctx));
	uint32_t bias = (1u << (ebits - 1)) - 1, shift = 23 - (uint32_t)mbits;
	LLVMValueRef x = LLVMBuildBitCast(b, v, i32, "");
	LLVMValueRef a = AND(x, 0x7FFFFFFF);
	/* normals: the exponent rebiased, the significand rounded by adding just under half
	 * an ulp plus the kept lsb (a carry moves to the next binade) */
	LLVMValueRef normal = LSHR(LLVMBuildSub(b, LLVMBuildAdd(b, LLVMBuildAdd(b, a, k32(a, (1u << (shift - 1)) - 1), ""),
	                                                        AND(LSHR(a, shift), 1), ""),
	                                        k32(a, (127 - bias) << 23), ""),
	                           shift);
	/* below the smallest normal: the significand shifted to units of the smallest
	 * subnormal, 2^(1-bias-M) (by 21 to 31 places) */
	LLVMValueRef e = LSHR(a, 23);
	LLVMValueRef sig = SEL(EQ(e, 0), a, OR(AND(a, 0x7FFFFF), k32(a, 0x800000)));
	LLVMValueRef s = LLVMBuildSub(b, k32(e, 151 - bias - (uint32_t)mbits), SEL(EQ(e, 0), k32(e, 1), e), "");
	s = SEL(LLVMBuildICmp(b, LLVMIntUGT, s, k32(s, 31), ""), k32(s, 31), s);
	LLVMValueRef code = SEL(LLVMBuildICmp(b, LLVMIntULT, a, k32(a, (128 - bias) << 23), ""), shift_rne(b, sig, s), normal);
	code = SEL(LLVMBuildICmp(b, LLVMIntUGT, code, k32(code, maxcode), ""), k32(code, maxcode), code);
	code = OR(code, SHL(LSHR(x, 31), (uint32_t)bits - 1));
	code = SEL(LLVMBuildICmp(b, LLVMIntUGT, a, k32(a, 0x7F800000), ""), k32(a, nan), code);
	return LLVMBuildTrunc(b, code, i8, "");
}

LLVMValueRef lg_encode(LLVMBuilderRef b, Type t, LLVMValueRef v)
{
	switch (t) {
	case TY_FP8E4M3:
	case TY_MXFP8E4M3: /* an MX element: its value after the block's scale */
		return encode_small(b, v, 8, 4, 3, 0x7E, 0x7F);
	case TY_FP8E5M2:
	case TY_MXFP8E5M2:
		return encode_small(b, v, 8, 5, 2, 0x7B, 0x7E);
	case TY_MXFP6E3M2:
		return encode_small(b, v, 6, 3, 2, 0x1F, 0x1F);
	case TY_MXFP6E2M3:
		return encode_small(b, v, 6, 2, 3, 0x1F, 0x1F);
	case TY_MXFP4E2M1:
		return encode_small(b, v, 4, 2, 1, 0x7, 0x7);
	case TY_F16:
	case TY_BF16:
		break;
	default:
		return v;
	}
	LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(v));
	LLVMTypeRef i32 = shaped(v, LLVMInt32TypeInContext(ctx)), i16 = shaped(v, LLVMInt16TypeInContext(ctx));
	LLVMValueRef x = LLVMBuildBitCast(b, v, i32, "");
	LLVMValueRef a = AND(x, 0x7FFFFFFF);
	LLVMValueRef nan = LLVMBuildICmp(b, LLVMIntUGT, a, k32(a, 0x7F800000), "");
	if (t == TY_BF16) { /* §7: NaN first (quiet, its sign kept), then RNE on the bits */
		LLVMValueRef hi = LSHR(x, 16);
		LLVMValueRef r = LSHR(LLVMBuildAdd(b, LLVMBuildAdd(b, x, k32(x, 0x7FFF), ""), AND(hi, 1), ""), 16);
		return LLVMBuildTrunc(b, SEL(nan, OR(hi, k32(x, 0x40)), r), i16, "");
	}
	/* FP16: RNE; |x| >= 65520 is Inf; NaN quiet with its sign and top payload bits */
	LLVMValueRef sign = AND(LSHR(x, 16), 0x8000);
	LLVMValueRef normal = LSHR(LLVMBuildSub(b, LLVMBuildAdd(b, LLVMBuildAdd(b, a, k32(a, 0xFFF), ""),
	                                                        AND(LSHR(a, 13), 1), ""),
	                                        k32(a, 112u << 23), ""),
	                           13);
	/* below 2^-14: a subnormal code, the significand shifted by 126 - e (at most 31) */
	LLVMValueRef e = LSHR(a, 23);
	LLVMValueRef sig = SEL(EQ(e, 0), a, OR(AND(a, 0x7FFFFF), k32(a, 0x800000)));
	LLVMValueRef s = LLVMBuildSub(b, k32(e, 126), SEL(EQ(e, 0), k32(e, 1), e), "");
	s = SEL(LLVMBuildICmp(b, LLVMIntUGT, s, k32(s, 31), ""), k32(s, 31), s);
	LLVMValueRef code = SEL(LLVMBuildICmp(b, LLVMIntULT, a, k32(a, 0x38800000), ""), shift_rne(b, sig, s), normal);
	code = SEL(LLVMBuildICmp(b, LLVMIntUGE, a, k32(a, 0x477FF000), ""), k32(a, 0x7C00), code);
	code = SEL(nan, OR(k32(a, 0x7E00), AND(LSHR(a, 13), 0x3FF)), code);
	return LLVMBuildTrunc(b, OR(code, sign), i16, "");
}

LLVMValueRef lg_decode_dfp16(LLVMBuilderRef b, LLVMValueRef code, LLVMValueRef es)
{
	LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(code));
	LLVMTypeRef i32 = shaped(code, LLVMInt32TypeInContext(ctx)), f32 = shaped(code, LLVMFloatTypeInContext(ctx));
	LLVMValueRef c = LLVMBuildSExt(b, code, i32, "");
	LLVMValueRef neg = LLVMBuildICmp(b, LLVMIntSLT, c, k32(c, 0), "");
	LLVMValueRef a = SEL(neg, LLVMBuildNeg(b, c, ""), c);
	/* |q| as f32 (exact), its exponent moved by Es */
	LLVMValueRef fb = LLVMBuildBitCast(b, LLVMBuildUIToFP(b, a, f32, ""), i32, "");
	LLVMValueRef e = LLVMBuildAdd(b, LSHR(fb, 23), es, "");
	LLVMValueRef m = AND(fb, 0x7FFFFF);
	LLVMValueRef normal = OR(m, LLVMBuildShl(b, e, k32(e, 23), ""));
	/* below the normals: the significand shifted right by 1 - e (at most 31), RNE */
	LLVMValueRef s = LLVMBuildSub(b, k32(e, 1), e, "");
	s = SEL(LLVMBuildICmp(b, LLVMIntSGT, s, k32(s, 31), ""), k32(s, 31), s);
	LLVMValueRef sub = shift_rne(b, OR(m, k32(m, 0x800000)), s);
	LLVMValueRef v = SEL(LLVMBuildICmp(b, LLVMIntSLT, e, k32(e, 1), ""), sub, normal);
	v = SEL(LLVMBuildICmp(b, LLVMIntSGT, e, k32(e, 254), ""), k32(v, 0x7F800000), v);
	v = SEL(EQ(a, 0), k32(v, 0), v);
	return LLVMBuildBitCast(b, OR(v, SEL(neg, k32(v, 0x80000000), k32(v, 0))), f32, "");
}

LLVMValueRef lg_decode_e8m0(LLVMBuilderRef b, LLVMValueRef code)
{
	LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(code));
	LLVMTypeRef i32 = shaped(code, LLVMInt32TypeInContext(ctx));
	LLVMValueRef c = LLVMBuildZExt(b, code, i32, "");
	LLVMValueRef v = SEL(EQ(c, 0), k32(c, 0x00400000), SHL(c, 23)); /* 2^-127 is subnormal */
	v = SEL(EQ(c, 0xFF), k32(c, 0x7FC00000), v);
	return LLVMBuildBitCast(b, v, shaped(code, LLVMFloatTypeInContext(ctx)), "");
}
