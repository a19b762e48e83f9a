/*
 * Private header of the formats library (runtime/formats). One sectioned header, as QBE's
 * all.h: each file's cross-file functions are listed under its name, with the prefix fmt_.
 *
 * Every format is described by one FmtDesc row (desc.c), and all conversions are driven by
 * those numbers rather than by per-format code: a floating-point code is
 * ((qe - qmin) << mbits) + n, where n is the significand rounded at quantum 2^qe. That one
 * identity covers normals, subnormals, the carry into the next binade and the overflow test
 * (codes are ordered like magnitudes), for FP32 down to FP4. The SIMD kernels implement the
 * same identity lane by lane, so "same bits as the portable path" is a property of the
 * design, and the tests check it.
 */
#ifndef FMT_INTERNAL_H
#define FMT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sysfmt.h"

#if defined(__GNUC__)
#define FMT_HIDDEN __attribute__((visibility("hidden")))
#else
#define FMT_HIDDEN
#endif

#if defined(__x86_64__) || defined(_M_X64)
#define FMT_X86 1
#else
#define FMT_X86 0
#endif

typedef enum FmtKind {
  FMT_KIND_FLOAT,   /* sign, exponent, mantissa: F32, F16, BF16, FP8, FP6, FP4 */
  FMT_KIND_INT,     /* two's complement n * 2^qmin, |n| <= maxcode: MXINT8 element */
  FMT_KIND_E8M0,    /* unsigned power of two */
  FMT_KIND_I32,     /* plain int32: no conversions */
  FMT_KIND_MX,      /* MX block kinds: see elem */
  FMT_KIND_DFP      /* INT16 dynamic fixed point */
} FmtKind;

typedef struct FmtDesc {
  const char *name;   /* .sys type name */
  uint8_t kind;       /* FmtKind */
  uint8_t bits;       /* code width; the sign is bit bits-1 */
  uint8_t ebits, mbits;
  int16_t bias;
  int16_t qmin;       /* exponent of the smallest quantum: 1-bias-mbits; INT8: -6 */
  uint32_t maxcode;   /* largest finite magnitude code (INT: largest |n|) */
  uint32_t infcode;   /* magnitude code of Inf, 0 if the format has none */
  uint32_t nancode;   /* NaN written for NaN input (F16/BF16/F32 keep payload and sign) */
  uint8_t nan_payload;/* NaN input keeps sign and top payload bits, quiet bit set */
  uint8_t ovf_mode;   /* overflow rules allowed: 0 saturate only, 1 both, default SAT;
                         2 both, default INF */
  int8_t emax;        /* exponent of the largest power of two (MX scale rule) */
  uint32_t maxfrac;   /* 23-bit fraction of the max normal's significand (round-up rule) */
  uint8_t elem;       /* MX kinds: SysfmtFormat of the element; others: itself */
} FmtDesc;

/* Floating-point environment saved around float arithmetic in bulk paths. */
typedef struct FmtFpEnv {
  unsigned csr;
} FmtFpEnv;

/* Bulk kernels of one instruction set. All of them give the portable kernels' bits. */
typedef struct FmtKernels {
  SysfmtIsa isa;
  /* n codes, one per container: uint8_t (bits <= 8) or uint16_t (F16, BF16). ovf: 1 means
     overflow to Inf/NaN, 0 saturate. */
  void (*encode)(const FmtDesc *d, const float *src, size_t n, void *dst, SysfmtRound r,
                 int ovf);
  void (*decode)(const FmtDesc *d, const void *src, size_t n, float *dst);
  /* nblocks full contiguous blocks of an element format d: 32 one-byte codes per block. */
  void (*mx_quant)(const FmtDesc *d, const float *src, size_t nblocks, uint8_t *codes,
                   uint8_t *scales, SysfmtRound r, SysfmtScaleRule rule);
  void (*mx_dequant)(const FmtDesc *d, const uint8_t *codes, const uint8_t *scales,
                     size_t nblocks, float *dst);
  /* max over |x_i| of the FP32 bits (a NaN or Inf gives >= 0x7F800000). */
  uint32_t (*amax_bits)(const float *x, size_t n);
  void (*dfp_quant)(const float *x, size_t n, int32_t es, int32_t qmax, SysfmtRound r,
                    int16_t *q);
  void (*dfp_dequant)(const int16_t *q, size_t n, int32_t es, float *x);
} FmtKernels;

/* desc.c */
extern FMT_HIDDEN const FmtDesc fmt_descs[SYSFMT_FORMAT_COUNT];

/* The format's row, or NULL for an invalid f. */
static inline const FmtDesc *fmt_desc(SysfmtFormat f) {
  return (unsigned)f < SYSFMT_FORMAT_COUNT ? &fmt_descs[f] : NULL;
}

/* scalar.c */
FMT_HIDDEN uint32_t fmt_round_value(const FmtDesc *d, uint32_t neg, uint64_t sig, int ex,
                                    int sticky, SysfmtRound r, int ovf);
FMT_HIDDEN uint32_t fmt_encode_bits(const FmtDesc *d, uint32_t bits, int escale, SysfmtRound r,
                                    int ovf);
/* n codes (uint8_t, or uint16_t above 8 bits) of src[i] * 2^-escale, the loop of the portable
   kernels with the encoder inlined. */
FMT_HIDDEN void fmt_encode_run(const FmtDesc *d, const float *src, size_t n, int escale,
                               SysfmtRound r, int ovf, void *dst);
FMT_HIDDEN uint32_t fmt_decode_bits(const FmtDesc *d, uint32_t code);
FMT_HIDDEN uint32_t fmt_f32_ldexp_bits(uint32_t bits, int k);
FMT_HIDDEN int fmt_ovf_flag(const FmtDesc *d, SysfmtOverflow o);

/* mx.c */
FMT_HIDDEN uint8_t fmt_mx_quant_block(const FmtDesc *elem, const float *v, uint8_t *codes,
                                      SysfmtRound r, SysfmtScaleRule rule);
FMT_HIDDEN void fmt_mx_dequant_block(const FmtDesc *elem, const uint8_t *codes, uint8_t scale,
                                     size_t n, float *out);

/* pack.c */
FMT_HIDDEN size_t fmt_packed_row_bytes(const FmtDesc *elem, SysfmtPacking p, size_t n);
FMT_HIDDEN void fmt_pack_row(const FmtDesc *elem, SysfmtPacking p, const uint8_t *codes,
                             size_t n, uint8_t *dst, size_t stride);
FMT_HIDDEN void fmt_unpack_row(const FmtDesc *elem, SysfmtPacking p, const uint8_t *src,
                               size_t stride, size_t n, uint8_t *codes);

/* bulk.c: the portable kernels */
extern FMT_HIDDEN const FmtKernels fmt_kernels_portable;
FMT_HIDDEN void fmt_dfp_quant_portable(const float *x, size_t n, int32_t es, int32_t qmax,
                                       SysfmtRound r, int16_t *q);
FMT_HIDDEN void fmt_dfp_dequant_portable(const int16_t *q, size_t n, int32_t es, float *x);
FMT_HIDDEN void fmt_encode_portable(const FmtDesc *d, const float *src, size_t n, void *dst,
                                    SysfmtRound r, int ovf);

/* bulk_avx2.c, bulk_avx512.c */
#if FMT_X86
extern FMT_HIDDEN const FmtKernels fmt_kernels_avx2;
extern FMT_HIDDEN const FmtKernels fmt_kernels_avx512;
#endif

/* dispatch.c */
FMT_HIDDEN const FmtKernels *fmt_kernels(const SysfmtOptions *opt);
FMT_HIDDEN void fmt_fpenv_enter(FmtFpEnv *env);
FMT_HIDDEN void fmt_fpenv_leave(const FmtFpEnv *env);
FMT_HIDDEN const SysfmtOptions *fmt_options(const SysfmtOptions *opt);
FMT_HIDDEN int fmt_options_valid(const SysfmtOptions *opt);

/* Bits of an FP32 value and back, without aliasing trouble. */
static inline uint32_t fmt_f2u(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}
static inline float fmt_u2f(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* E(x) = floor(log2 |x|) of a nonzero finite FP32 magnitude, from its bits: subnormals count
   the position of their leading 1. */
static inline int fmt_exp_of_bits(uint32_t abs_bits) {
  uint32_t e32 = abs_bits >> 23;
  if (e32)
    return (int)e32 - 127;
  return (31 - __builtin_clz(abs_bits)) - 149;
}

/* 23-bit fraction of the normalized significand of a nonzero finite FP32 magnitude. */
static inline uint32_t fmt_frac_of_bits(uint32_t abs_bits) {
  if (abs_bits >> 23)
    return abs_bits & 0x7FFFFF;
  return (abs_bits << (__builtin_clz(abs_bits) - 8)) & 0x7FFFFF;
}

/* FP32 bits of 2^k for -149 <= k <= 127. */
static inline uint32_t fmt_pow2_bits(int k) {
  if (k >= -126)
    return (uint32_t)(k + 127) << 23;
  return 1u << (k + 149);
}

/* The MX scale exponent e (scale = e + 127) of a block with finite max-abs bits amax_bits
   (numerics.md §4): E(amax) - emax_elem, plus one under the round-up rule when amax's
   significand exceeds the element's largest, clamped to [-127, 127]. */
static inline int fmt_mx_scale_exp(const FmtDesc *elem, uint32_t amax_bits, SysfmtScaleRule rule) {
  if (amax_bits == 0)
    return -127; /* [project] an all-zero block gets the smallest scale */
  int e = fmt_exp_of_bits(amax_bits) - elem->emax;
  if (rule == SYSFMT_SCALE_CEIL && fmt_frac_of_bits(amax_bits) > elem->maxfrac)
    e++;
  if (e < -127)
    e = -127;
  if (e > 127)
    e = 127;
  return e;
}

#endif /* FMT_INTERNAL_H */
