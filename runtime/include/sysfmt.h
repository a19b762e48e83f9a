/*
 * sysfmt: sysc's low-precision number formats (FP8, FP6, FP4, MX, BF16, FP16, INT16 DFP).
 *
 * One library, three users: the runtime prepares kernel inputs and reads kernel outputs with
 * it, the compiler asks it what a kernel must compute, and the reference interpreter uses its
 * dot products as the definition of a correct result. Every conversion follows
 * numerics.md (the project's numerics contract) bit for bit: NaN and Inf handling, the
 * sign of zero, subnormals, ties and the clamp rules. docs/formats.md is the user guide.
 *
 * Conventions of this header:
 * - Codes travel in the smallest unsigned integer that holds them: one byte per FP8, FP6, FP4,
 *   MXINT8 or E8M0 code (bits 5..0 for FP6, 3..0 for FP4), uint16_t for FP16, BF16 and DFP16,
 *   uint32_t for FP32 bit patterns. MX tensors may be stored packed (SysfmtPacking).
 * - Every call that can fail returns a SysfmtStatus and never aborts or prints.
 * - Options come in a SysfmtOptions; a NULL pointer or a zeroed struct means the defaults
 *   (round to nearest even, the format's default overflow rule, the OCP scale rule, dense
 *   packing, add_shift 0, the best instruction set of this CPU).
 * - Results do not depend on the caller's floating-point environment: bulk paths run with the
 *   x86 MXCSR set to round-to-nearest without flush-to-zero, and restore it on return.
 * - The library holds no global mutable state; every function is thread-safe.
 */
#ifndef SYSFMT_H
#define SYSFMT_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && defined(SYSFMT_SHARED)
#define SYSFMT_API __declspec(dllexport)
#elif defined(__GNUC__)
#define SYSFMT_API __attribute__((visibility("default")))
#else
#define SYSFMT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Elements per MX block (OCP MX v1.0). */
#define SYSFMT_MX_BLOCK 32
/* Largest tensor rank the MX tensor functions accept. */
#define SYSFMT_MAX_RANK 8

typedef enum SysfmtStatus {
  SYSFMT_OK = 0,
  SYSFMT_ERR_ARG,         /* null pointer, bad size, axis, code or option value */
  SYSFMT_ERR_FORMAT,      /* the format does not support this operation */
  SYSFMT_ERR_NAN,         /* NaN or Inf input where the format cannot hold it (DFP16) */
  SYSFMT_ERR_RANGE,       /* input codes outside the range the caller promised (DFP16 dot) */
  SYSFMT_ERR_NOMEM
} SysfmtStatus;

/* ORDER FORMAT: the name table in runtime/formats/desc.c follows this order. */
typedef enum SysfmtFormat {
  SYSFMT_F32,         /* "f32"       IEEE binary32 */
  SYSFMT_F16,         /* "f16"       IEEE binary16 */
  SYSFMT_BF16,        /* "bf16"      bfloat16 */
  SYSFMT_FP8_E4M3,    /* "fp8e4m3"   OFP8 E4M3FN: no Inf, NaN 0x7F/0xFF */
  SYSFMT_FP8_E5M2,    /* "fp8e5m2"   OFP8 E5M2: IEEE-like Inf and NaN */
  SYSFMT_FP6_E3M2,    /* "fp6e3m2"   MX FP6 element, no Inf or NaN */
  SYSFMT_FP6_E2M3,    /* "fp6e2m3"   MX FP6 element, no Inf or NaN */
  SYSFMT_FP4_E2M1,    /* "fp4e2m1"   MX FP4 element, no Inf or NaN */
  SYSFMT_INT8,        /* "int8"      MXINT8 element: two's complement int8 * 2^-6 */
  SYSFMT_E8M0,        /* "e8m0"      MX scale: 2^(c-127), 0xFF NaN */
  SYSFMT_I32,         /* "i32"       plain int32 (accumulators); no conversions */
  SYSFMT_MXFP8_E4M3,  /* "mxfp8e4m3" MX blocks: one E8M0 scale per 32 elements */
  SYSFMT_MXFP8_E5M2,  /* "mxfp8e5m2" */
  SYSFMT_MXFP6_E3M2,  /* "mxfp6e3m2" */
  SYSFMT_MXFP6_E2M3,  /* "mxfp6e2m3" */
  SYSFMT_MXFP4_E2M1,  /* "mxfp4e2m1" */
  SYSFMT_MXINT8,      /* "mxint8" */
  SYSFMT_DFP16,       /* "i16"       INT16 dynamic fixed point, one shared exponent */
  SYSFMT_FORMAT_COUNT
} SysfmtFormat;

typedef enum SysfmtRound {
  SYSFMT_ROUND_RNE = 0,   /* to nearest, ties to even (default; the MX spec's rule) */
  SYSFMT_ROUND_AWAY,      /* to nearest, ties away from zero (microxcaling's default) */
  SYSFMT_ROUND_RZ         /* toward zero */
} SysfmtRound;

typedef enum SysfmtOverflow {
  SYSFMT_OVERFLOW_DEFAULT = 0, /* SAT for FP8, FP6, FP4, INT8, E8M0; INF for FP16 and BF16 */
  SYSFMT_OVERFLOW_SAT,         /* clamp to the largest finite value, keeping the sign */
  SYSFMT_OVERFLOW_INF          /* ±Inf where the format has Inf, else NaN (E4M3, E8M0) */
} SysfmtOverflow;

typedef enum SysfmtScaleRule {
  SYSFMT_SCALE_OCP = 0,   /* e = E(amax) - emax_elem (OCP MX v1.0 §6.3; default) */
  SYSFMT_SCALE_CEIL       /* smallest scale with amax/X <= max normal (NVIDIA's MXFP8 recipe) */
} SysfmtScaleRule;

typedef enum SysfmtPacking {
  SYSFMT_PACK_DENSE = 0,  /* FP4: two codes per byte, low nibble first; FP6: four codes in 3 bytes */
  SYSFMT_PACK_BYTE,       /* one code per byte in the low bits (FP6 bits 5..0, FP4 bits 3..0) */
  SYSFMT_PACK_F8F6F4      /* one code per byte, FP4 code in bits 5..2 (NVIDIA kind::f8f6f4) */
} SysfmtPacking;

typedef enum SysfmtIsa {
  SYSFMT_ISA_AUTO = 0,    /* the best this CPU has */
  SYSFMT_ISA_PORTABLE,    /* plain C, the bit-exact reference for the others */
  SYSFMT_ISA_AVX2,        /* AVX2 + F16C + FMA */
  SYSFMT_ISA_AVX512       /* AVX-512 F, BW, DQ, VL */
} SysfmtIsa;

/* A zeroed struct (SYSFMT_OPTIONS_INIT) or a NULL pointer means every default. */
typedef struct SysfmtOptions {
  SysfmtRound round;          /* element rounding */
  SysfmtOverflow overflow;    /* scalar and array conversions; MX elements always saturate */
  SysfmtScaleRule scale_rule; /* MX scale rule */
  SysfmtPacking packing;      /* storage of MX tensors and dot operands */
  int add_shift;              /* DFP16 headroom bits, 0..14 */
  SysfmtIsa isa;              /* cap on the instruction set used; results are identical */
} SysfmtOptions;

#define SYSFMT_OPTIONS_INIT {SYSFMT_ROUND_RNE, SYSFMT_OVERFLOW_DEFAULT, SYSFMT_SCALE_OCP, \
                             SYSFMT_PACK_DENSE, 0, SYSFMT_ISA_AUTO}

/* What the compiler needs to know about a format. Values are exact doubles. */
typedef struct SysfmtInfo {
  const char *name;       /* the .sys type name */
  int bits;               /* code width (MX kinds: the element's) */
  int ebits, mbits, bias; /* floating-point element layout; INT8: 0, 6, 0 */
  int emax;               /* exponent of the largest power of two (MX scale rule) */
  double max_normal;      /* largest finite value (MX kinds: the element's) */
  double min_normal;      /* smallest positive normal (INT8, E8M0: smallest positive) */
  double min_subnormal;   /* smallest positive value */
  int has_inf, has_nan;
  int block;              /* 32 for MX kinds, 0 for scalar formats */
  SysfmtFormat element;   /* MX kinds: the element format; others: itself */
} SysfmtInfo;

/* ---- Formats and names --------------------------------------------------------------- */

/* The .sys type name of f ("fp8e4m3", "mxfp4e2m1", "i16", ...), or NULL if f is invalid. */
SYSFMT_API const char *sysfmt_format_name(SysfmtFormat f);
/* Looks a format up by its .sys type name (exact, case-sensitive). */
SYSFMT_API SysfmtStatus sysfmt_format_from_name(const char *name, SysfmtFormat *out);
/* Fills *info for f. */
SYSFMT_API SysfmtStatus sysfmt_format_info(SysfmtFormat f, SysfmtInfo *info);
/* 1 for the MX block kinds (SYSFMT_MXFP8_E4M3 .. SYSFMT_MXINT8), else 0. */
SYSFMT_API int sysfmt_is_mx(SysfmtFormat f);
/* A short message for a status. */
SYSFMT_API const char *sysfmt_status_str(SysfmtStatus s);
/* The best instruction set this CPU offers, and the name of one ("portable", "avx2", ...). */
SYSFMT_API SysfmtIsa sysfmt_cpu_isa(void);
SYSFMT_API const char *sysfmt_isa_name(SysfmtIsa isa);

/* ---- Scalars ----------------------------------------------------------------------------- */

/* Encodes the FP32 value x in scalar format f (F32, F16, BF16, FP8, FP6, FP4, INT8, E8M0)
   with opt's rounding and overflow rules. FP8 OVF: E4M3 overflows to NaN 0x7F, E5M2 to ±Inf.
   Round-toward-zero never overflows a finite input (IEEE). NaN gives E4M3 0x7F, E5M2 0x7E,
   FP16/BF16 a quiet NaN with the input's sign and top payload bits, FP6/FP4/INT8 +max,
   E8M0 0xFF. E8M0 takes positive values: negatives give 0xFF, zeros and values below 2^-127
   give 0x00. */
SYSFMT_API SysfmtStatus sysfmt_encode(SysfmtFormat f, float x, const SysfmtOptions *opt,
                                      uint32_t *code);
/* Decodes code (which must fit the format's width) to FP32; always exact. */
SYSFMT_API SysfmtStatus sysfmt_decode(SysfmtFormat f, uint32_t code, float *x);

/* Shortcuts with the default rules (RNE; FP16 and BF16 overflow to Inf). */
SYSFMT_API uint16_t sysfmt_f32_to_bf16(float x);
SYSFMT_API float sysfmt_bf16_to_f32(uint16_t code);
SYSFMT_API uint16_t sysfmt_f32_to_f16(float x);
SYSFMT_API float sysfmt_f16_to_f32(uint16_t code);
/* E8M0 to FP32 from bits: 0x00 -> 2^-127 (an FP32 subnormal), 0xFF -> NaN. */
SYSFMT_API float sysfmt_e8m0_to_f32(uint8_t code);

/* ---- Arrays ------------------------------------------------------------------------------ */

/* Encodes n values of scalar format f, one code per container (uint8_t for 8 bits and
   narrower, uint16_t for F16/BF16, uint32_t for F32). Same bits as sysfmt_encode. */
SYSFMT_API SysfmtStatus sysfmt_encode_array(SysfmtFormat f, const float *src, size_t n,
                                            void *dst, const SysfmtOptions *opt);
/* Decodes n codes stored as sysfmt_encode_array writes them. */
SYSFMT_API SysfmtStatus sysfmt_decode_array(SysfmtFormat f, const void *src, size_t n,
                                            float *dst, const SysfmtOptions *opt);

/* ---- Packing (docs/formats.md, "Packing") ------------------------------------------------ */

/* Bytes that n codes of element format f take under packing p (DENSE pads FP4 to an even
   count, FP6 to a multiple of 4). */
SYSFMT_API size_t sysfmt_packed_size(SysfmtFormat f, SysfmtPacking p, size_t n);
/* Packs n one-per-byte codes (bits beyond the format's width must be 0) into dst. */
SYSFMT_API SysfmtStatus sysfmt_pack(SysfmtFormat f, SysfmtPacking p, const uint8_t *codes,
                                    size_t n, void *dst);
/* Unpacks n codes from src into one code per byte. */
SYSFMT_API SysfmtStatus sysfmt_unpack(SysfmtFormat f, SysfmtPacking p, const void *src,
                                      size_t n, uint8_t *codes);

/* ---- MX blocks and tensors --------------------------------------------------------------- */

/* A row-major tensor and its blocked axis (the reduction axis). */
typedef struct SysfmtShape {
  int rank;                       /* 1 .. SYSFMT_MAX_RANK */
  int axis;                       /* 0 .. rank-1 */
  size_t dims[SYSFMT_MAX_RANK];   /* all > 0 */
} SysfmtShape;

/* The E8M0 scale of a block whose largest magnitude is amax (NaN/Inf -> 0xFF, 0 -> 0x00). */
SYSFMT_API SysfmtStatus sysfmt_mx_scale(SysfmtFormat mx, float amax, SysfmtScaleRule rule,
                                        uint8_t *scale);
/* Quantizes one block of n <= 32 values (padded with +0.0) into a scale and 32 codes, one
   code per byte. A block holding NaN or Inf gets scale 0xFF and all codes 0. */
SYSFMT_API SysfmtStatus sysfmt_mx_quantize_block(SysfmtFormat mx, const float *v, size_t n,
                                                 const SysfmtOptions *opt, uint8_t *scale,
                                                 uint8_t codes[SYSFMT_MX_BLOCK]);
/* out[i] = X * P_i for the first n codes of a block (one code per byte); exact, or ±Inf
   beyond FP32's range; all NaN if scale is 0xFF. */
SYSFMT_API SysfmtStatus sysfmt_mx_dequantize_block(SysfmtFormat mx, uint8_t scale,
                                                   const uint8_t codes[SYSFMT_MX_BLOCK],
                                                   size_t n, float *out);
/* Storage of an MX tensor: the element tensor has shape's dims with the blocked axis padded to
   a multiple of 32 and packed along that axis per opt->packing (*elem_bytes bytes); the scale
   tensor has the blocked axis divided by 32, rounded up (*n_scales bytes). */
SYSFMT_API SysfmtStatus sysfmt_mx_sizes(SysfmtFormat mx, const SysfmtShape *shape,
                                        const SysfmtOptions *opt, size_t *elem_bytes,
                                        size_t *n_scales);
/* Quantizes a row-major FP32 tensor along shape->axis into elems and scales (sizes from
   sysfmt_mx_sizes); padding codes are 0. */
SYSFMT_API SysfmtStatus sysfmt_mx_quantize(SysfmtFormat mx, const SysfmtShape *shape,
                                           const float *src, void *elems, uint8_t *scales,
                                           const SysfmtOptions *opt);
/* The inverse: writes the tensor's elements (padding dropped) to dst. */
SYSFMT_API SysfmtStatus sysfmt_mx_dequantize(SysfmtFormat mx, const SysfmtShape *shape,
                                             const void *elems, const uint8_t *scales,
                                             float *dst, const SysfmtOptions *opt);

/* ---- Reference dot products (numerics.md §5.3 and §8) ------------------------------ */

/* MX DotGeneral: *out = C_in + sum over nblocks of X_A*X_B*sum_i P_A,i*P_B,i, each block sum
   exact, rounded once to FP32, and added to the FP32 accumulator in block order. a and b hold
   nblocks*32 codes stored per opt->packing; sa and sb hold nblocks scales. A and B may differ
   in element type. With c_in = -0.0f and nblocks = 1 this is the MX spec's Dot. */
SYSFMT_API SysfmtStatus sysfmt_mx_dot(SysfmtFormat fa, const void *a, const uint8_t *sa,
                                      SysfmtFormat fb, const void *b, const uint8_t *sb,
                                      size_t nblocks, float c_in, const SysfmtOptions *opt,
                                      float *out);
/* C[m][n] = Cin[m][n] (or +0.0 if c_in is NULL) + DotGeneral(A row m, B column n), where A
   ([M][K], blocked along axis 1) and B ([K][N], blocked along axis 0) are stored as
   sysfmt_mx_quantize writes them with the same opt->packing. */
SYSFMT_API SysfmtStatus sysfmt_mx_gemm(SysfmtFormat fa, const void *a, const uint8_t *sa,
                                       SysfmtFormat fb, const void *b, const uint8_t *sb,
                                       size_t m, size_t n, size_t k, const float *c_in,
                                       float *c, const SysfmtOptions *opt);

/* ---- INT16 dynamic fixed point (DFP16) ---------------------------------------------------- */

/* The shared exponent for max-abs amax: E(amax) - 14 + add_shift, 0 for amax = 0. */
SYSFMT_API SysfmtStatus sysfmt_dfp16_exponent(float amax, int add_shift, int32_t *es);
/* Quantizes n values with one exponent: q_i = clamp(round(x_i * 2^-Es), ±(2^(15-add_shift)-1)).
   NaN or Inf in x gives SYSFMT_ERR_NAN and leaves q and *es unwritten. n = 0 gives Es = 0. */
SYSFMT_API SysfmtStatus sysfmt_dfp16_quantize(const float *x, size_t n,
                                              const SysfmtOptions *opt, int16_t *q,
                                              int32_t *es);
/* The same with one exponent per run of `block` values (ceil(n/block) exponents). On
   SYSFMT_ERR_NAN the blocks before the offending one have been written. */
SYSFMT_API SysfmtStatus sysfmt_dfp16_quantize_blocks(const float *x, size_t n, size_t block,
                                                     const SysfmtOptions *opt, int16_t *q,
                                                     int32_t *es);
/* x_i = q_i * 2^es, rounded once to FP32 (exact unless below FP32's normal range);
   |es| <= 1000. */
SYSFMT_API SysfmtStatus sysfmt_dfp16_dequantize(const int16_t *q, size_t n, int32_t es,
                                                float *x);
/* The same with one exponent per run of `block` values, and options (only isa matters). */
SYSFMT_API SysfmtStatus sysfmt_dfp16_dequantize_blocks(const int16_t *q, size_t n, size_t block,
                                                       const int32_t *es,
                                                       const SysfmtOptions *opt, float *x);
/* N_safe = floor((2^31-1) / (Qmax_a * Qmax_b)): products an INT32 sum can take. */
SYSFMT_API size_t sysfmt_dfp16_safe_chunk(int add_shift_a, int add_shift_b);
/* *out = C_in + sum over chunks of RNE_fp32(S_chunk * 2^(es_a+es_b)), chunks of `chunk`
   products summed exactly in INT32, added in order. chunk must be even and at most N_safe
   (0 picks the largest even value allowed); codes beyond ±Qmax give SYSFMT_ERR_RANGE. */
SYSFMT_API SysfmtStatus sysfmt_dfp16_dot(const int16_t *a, int32_t es_a, int add_shift_a,
                                         const int16_t *b, int32_t es_b, int add_shift_b,
                                         size_t k, size_t chunk, float c_in, float *out);

#ifdef __cplusplus
}
#endif
#endif /* SYSFMT_H */
