/*
 * test_elem.c: the element conversions the GPU kernels are built with (llvmelem.c), run
 * through LLVM's JIT on this machine, against the formats library bit for bit: every
 * FP16, BF16, E4M3, E5M2 and MX element code and every E8M0 scale decoded, as
 * scalars and as vectors; FP32 encoded to FP16, BF16, FP8, FP6 and FP4 at every value
 * near their edges (subnormals, ties, overflow, NaN payloads) and at a million patterns
 * spread over all 2^32; every i16 (dynamic fixed point) code at exponents from -1000 to 1000, where
 * q * 2^Es is normal, subnormal, zero or past FP32's range.
 */
#include "llvmgen.h"
#include "sysfmt.h"
#include "test.h"

#include <llvm-c/LLJIT.h>
#include <llvm-c/Target.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* decoded against the formats library; the MX element types decode as their elements
 * (the block's scale apart), MXINT8 as int8 * 2^-6 */
static const Type types[] = {TY_F16,       TY_BF16,      TY_FP8E4M3,   TY_FP8E5M2, TY_MXFP8E4M3,
                             TY_MXFP8E5M2, TY_MXFP6E3M2, TY_MXFP6E2M3, TY_MXFP4E2M1, TY_MXINT8};
enum { NTYPES = sizeof types / sizeof types[0] };

/* decode_K(i32) -> f32; decode4_K(const uint32_t in[4], float out[4]) as one <4 x i32>;
 * encode_K(f32) -> i32 */
static void add_functions(LLVMContextRef ctx, LLVMModuleRef mod, LLVMBuilderRef b)
{
	LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx), f32 = LLVMFloatTypeInContext(ctx);
	LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0), ptrs[2] = {ptr, ptr};
	for (int k = 0; k < NTYPES; k++) {
		LLVMTypeRef code = LLVMIntTypeInContext(ctx, k < 2 ? 16 : 8);
		char name[32];
		snprintf(name, sizeof name, "decode_%d", k);
		LLVMValueRef fn = LLVMAddFunction(mod, name, LLVMFunctionType(f32, &i32, 1, false));
		LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, fn, "entry"));
		LLVMBuildRet(b, lg_decode(b, types[k], LLVMBuildTrunc(b, LLVMGetParam(fn, 0), code, "")));
		snprintf(name, sizeof name, "decode4_%d", k);
		fn = LLVMAddFunction(mod, name, LLVMFunctionType(LLVMVoidTypeInContext(ctx), ptrs, 2, false));
		LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, fn, "entry"));
		LLVMValueRef in = LLVMBuildLoad2(b, LLVMVectorType(i32, 4), LLVMGetParam(fn, 0), "");
		LLVMBuildStore(b, lg_decode(b, types[k], LLVMBuildTrunc(b, in, LLVMVectorType(code, 4), "")), LLVMGetParam(fn, 1));
		LLVMBuildRetVoid(b);
		if (types[k] == TY_MXINT8)
			continue;
		snprintf(name, sizeof name, "encode_%d", k);
		fn = LLVMAddFunction(mod, name, LLVMFunctionType(i32, &f32, 1, false));
		LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, fn, "entry"));
		LLVMBuildRet(b, LLVMBuildZExt(b, lg_encode(b, types[k], LLVMGetParam(fn, 0)), i32, ""));
	}
	LLVMTypeRef two[2] = {i32, i32};
	LLVMValueRef fn = LLVMAddFunction(mod, "dfp16", LLVMFunctionType(f32, two, 2, false));
	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, fn, "entry"));
	LLVMValueRef q = LLVMBuildTrunc(b, LLVMGetParam(fn, 0), LLVMInt16TypeInContext(ctx), "");
	LLVMBuildRet(b, lg_decode_dfp16(b, q, LLVMGetParam(fn, 1)));
	fn = LLVMAddFunction(mod, "e8m0", LLVMFunctionType(f32, &i32, 1, false));
	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, fn, "entry"));
	LLVMBuildRet(b, lg_decode_e8m0(b, LLVMBuildTrunc(b, LLVMGetParam(fn, 0), LLVMInt8TypeInContext(ctx), "")));
}

static uint32_t bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	return u;
}

static float from_bits(uint32_t u)
{
	float f;
	memcpy(&f, &u, 4);
	return f;
}

static const SysfmtFormat fmt[NTYPES] = {SYSFMT_F16,      SYSFMT_BF16,     SYSFMT_FP8_E4M3, SYSFMT_FP8_E5M2,
                                         SYSFMT_FP8_E4M3, SYSFMT_FP8_E5M2, SYSFMT_FP6_E3M2, SYSFMT_FP6_E2M3,
                                         SYSFMT_FP4_E2M1, SYSFMT_INT8};

static float reference_decode(int k, uint32_t c)
{
	float f = 0;
	sysfmt_decode(fmt[k], c, &f);
	return f;
}

/* the library's encoding with the default rules (FP16 and BF16 overflow to Inf, FP8
 * saturates) */
static uint32_t reference_encode(int k, float x)
{
	uint32_t code = 0;
	sysfmt_encode(fmt[k], x, NULL, &code);
	return code;
}

typedef float DecodeFn(uint32_t);
typedef void Decode4Fn(const uint32_t *, float *);
typedef uint32_t EncodeFn(float);
typedef float DfpFn(uint32_t, int32_t);

static int bad_encodes;

static void check_encode(int k, EncodeFn *enc, float x)
{
	uint32_t want = reference_encode(k, x), got = enc(x);
	if (got != want && bad_encodes++ < 10)
		fprintf(stderr, "  encode to %s of %a (0x%08x): 0x%04x, want 0x%04x\n", type_name(types[k]), (double)x, bits(x),
		        got, want);
}

int main(void)
{
	LLVMInitializeNativeTarget();
	LLVMInitializeNativeAsmPrinter();
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("elem", ctx);
	LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
	add_functions(ctx, mod, b);
	LLVMDisposeBuilder(b);
	LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContextFromLLVMContext(ctx);
	LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(mod, tsc);
	LLVMOrcDisposeThreadSafeContext(tsc);
	LLVMOrcLLJITRef jit;
	if (LLVMOrcCreateLLJIT(&jit, NULL) || LLVMOrcLLJITAddLLVMIRModule(jit, LLVMOrcLLJITGetMainJITDylib(jit), tsm)) {
		fprintf(stderr, "test_elem: cannot set up LLVM's JIT\n");
		return 1;
	}
	for (int k = 0; k < NTYPES; k++) {
		char name[32];
		LLVMOrcExecutorAddress a1, a4;
		snprintf(name, sizeof name, "decode_%d", k);
		CHECK(!LLVMOrcLLJITLookup(jit, &a1, name));
		snprintf(name, sizeof name, "decode4_%d", k);
		CHECK(!LLVMOrcLLJITLookup(jit, &a4, name));
		DecodeFn *dec = (DecodeFn *)(uintptr_t)a1;
		Decode4Fn *dec4 = (Decode4Fn *)(uintptr_t)a4;
		uint32_t n = k < 2 ? 0x10000 : 1u << (types[k] == TY_MXFP4E2M1 ? 4 : type_bits(types[k]) == 6 ? 6 : 8);
		int bad = 0;
		for (uint32_t c = 0; c < n; c += 4) {
			uint32_t in[4] = {c, c + 1, c + 2, c + 3};
			float out[4];
			dec4(in, out);
			for (int l = 0; l < 4; l++) {
				uint32_t want = bits(reference_decode(k, c + (uint32_t)l));
				if (bits(dec(c + (uint32_t)l)) != want || bits(out[l]) != want) {
					if (bad++ < 5)
						fprintf(stderr, "  decode of %s 0x%x: %08x (vector %08x), want %08x\n", type_name(types[k]),
						        c + (uint32_t)l, bits(dec(c + (uint32_t)l)), bits(out[l]), want);
				}
			}
		}
		CHECK(bad == 0);
	}
	for (int k = 0; k < NTYPES; k++) {
		if (types[k] == TY_MXINT8)
			continue;
		char name[32];
		LLVMOrcExecutorAddress a;
		snprintf(name, sizeof name, "encode_%d", k);
		CHECK(!LLVMOrcLLJITLookup(jit, &a, name));
		EncodeFn *enc = (EncodeFn *)(uintptr_t)a;
		bad_encodes = 0;
		/* every value within 4 ulps of a code and of the halfway points between codes
		 * (subnormals, normals and overflow, both signs), NaNs, Infs; the last code
		 * (NaN, Inf or the largest number) with the point past it where RNE overflows */
		uint32_t ncodes = k < 2 ? 0x8000 : 1u << (type_bits(types[k]) - 1);
		for (uint32_t c = 0; c < ncodes; c++) {
			float v = reference_decode(k, c), next = c + 1 < ncodes ? reference_decode(k, c + 1) : NAN;
			if (!isfinite(next) && isfinite(v)) /* halfway to the next binade's first code */
				next = v + (v - reference_decode(k, c - 1));
			float mids[2] = {v, isfinite(next) && isfinite(v) ? v + (next - v) / 2 : v};
			for (int m = 0; m < 2; m++)
				for (int d = -4; d <= 4; d++)
					for (int s = 0; s < 2; s++)
						check_encode(k, enc, from_bits((bits(mids[m]) + (uint32_t)d) ^ (s ? 0x80000000u : 0)));
		}
		/* a million patterns over all of FP32 */
		for (uint64_t u = 0; u < (1ull << 32); u += 4093)
			check_encode(k, enc, from_bits((uint32_t)u));
		check_encode(k, enc, from_bits(0x7F800001)); /* a signalling NaN */
		check_encode(k, enc, from_bits(0xFFC12345));
		check_encode(k, enc, from_bits(0x477FEFFF)); /* FP16: just under 65520 */
		check_encode(k, enc, from_bits(0x477FF000)); /* 65520: Inf */
		check_encode(k, enc, from_bits(0x33000000)); /* 2^-25: ties to 0 */
		check_encode(k, enc, from_bits(0x33000001));
		CHECK(bad_encodes == 0);
	}
	LLVMOrcExecutorAddress ad;
	CHECK(!LLVMOrcLLJITLookup(jit, &ad, "dfp16"));
	DfpFn *dfp = (DfpFn *)(uintptr_t)ad;
	static const int32_t es[] = {-1000, -171, -165, -164, -160, -150, -149, -148, -140, -136, -135, -127,
	                             -126,  -125, -14,  0,    1,    100,  112,  113,  114,  126,  127,  128, 1000};
	int bad = 0;
	for (size_t e = 0; e < sizeof es / sizeof es[0]; e++)
		for (uint32_t c = 0; c < 0x10000; c++) {
			int16_t q = (int16_t)(uint16_t)c;
			float want = 0, got = dfp(c, es[e]);
			sysfmt_dfp16_dequantize(&q, 1, es[e], &want);
			if (bits(got) != bits(want) && bad++ < 5)
				fprintf(stderr, "  i16 %d at Es %d: %a, want %a\n", q, es[e], (double)got, (double)want);
		}
	CHECK(bad == 0);
	CHECK(!LLVMOrcLLJITLookup(jit, &ad, "e8m0"));
	DecodeFn *e8m0 = (DecodeFn *)(uintptr_t)ad;
	bad = 0;
	for (uint32_t c = 0; c < 256; c++)
		bad += bits(e8m0(c)) != bits(sysfmt_e8m0_to_f32((uint8_t)c));
	CHECK(bad == 0);
	LLVMOrcDisposeLLJIT(jit);
	return test_main_end("unit.elem");
}
