/*
 * AVX-512 (F, BW, DQ, VL) bulk kernels. Compiled with -mavx512f etc. and reached only through
 * dispatch.c after the CPU reported those features.
 *
 * The encoder is the integer one of scalar.c, sixteen lanes at a time: split the FP32 bits into
 * significand and exponent, compute the per-lane shift to the destination quantum (constant in
 * the normal range, larger for destination subnormals), round with one add and a variable
 * shift (vpsrlvd), and add the binade's base code ((qe - qmin) << mbits). No x86 conversion
 * instruction with different semantics is involved (VCVTNEPS2BF16 flushes subnormals), except
 * F16C's VCVTPS2PH/VCVTPH2PS, which are IEEE-exact with subnormals and are used only for RNE
 * and RZ with overflow to Inf, their own rules.
 *
 * MX blocks are scaled with a float multiply by 2^-e built from bits. The product is exact
 * except where it falls below FP32's normal range, and such values are far below half the
 * smallest element quantum (2^-17), so they round to a signed zero in every mode, as in the
 * portable path. Dequantization multiplies exact element values by exact powers of two, which is
 * exact or overflows to Inf exactly as the portable path's integer ldexp does. Both rely on the
 * MXCSR the entry points set (no flush-to-zero).
 *
 * Every kernel body is an always-inline function taking the format's numbers as constants;
 * a switch instantiates it per format and rounding mode so each loop is straight-line code.
 */
#include <immintrin.h>

#include "fmt_internal.h"

#define INLINE static inline __attribute__((always_inline))

typedef __m512i V;

#define SET1(x) _mm512_set1_epi32((int)(x))

/* sig >> shift rounded per r; 1 <= shift <= 31 and sig < 2^25. */
INLINE V round_shift(V sig, V shift, SysfmtRound r) {
  if (r == SYSFMT_ROUND_RZ)
    return _mm512_srlv_epi32(sig, shift);
  V half = _mm512_sllv_epi32(SET1(1), _mm512_sub_epi32(shift, SET1(1)));
  if (r == SYSFMT_ROUND_AWAY)
    return _mm512_srlv_epi32(_mm512_add_epi32(sig, half), shift);
  V odd = _mm512_and_si512(_mm512_srlv_epi32(sig, shift), SET1(1));
  V t = _mm512_add_epi32(_mm512_add_epi32(sig, odd), _mm512_sub_epi32(half, SET1(1)));
  return _mm512_srlv_epi32(t, shift);
}

/* Magnitude code of |y| (abs bits a) in a float format, before any overflow test. */
INLINE V enc_float_mag(V a, const int M, const int qmin, SysfmtRound r) {
  V e1 = _mm512_max_epi32(_mm512_srli_epi32(a, 23), SET1(1));
  V sig = _mm512_sub_epi32(a, _mm512_slli_epi32(_mm512_sub_epi32(e1, SET1(1)), 23));
  V shift = _mm512_max_epi32(SET1(23 - M), _mm512_sub_epi32(SET1(qmin + 150), e1));
  shift = _mm512_min_epi32(shift, SET1(31));
  V n = round_shift(sig, shift, r);
  V base = _mm512_max_epi32(_mm512_sub_epi32(e1, SET1(127 + M + qmin)), _mm512_setzero_si512());
  return _mm512_add_epi32(_mm512_slli_epi32(base, M), n);
}

/* Signed fixed-point code n * 2^qe, |n| <= qmax, as an int32 lane. */
INLINE V enc_fixed(V y, V qe150, V qmax, SysfmtRound r) {
  V a = _mm512_and_si512(y, SET1(0x7FFFFFFF));
  V e1 = _mm512_max_epi32(_mm512_srli_epi32(a, 23), SET1(1));
  V sig = _mm512_sub_epi32(a, _mm512_slli_epi32(_mm512_sub_epi32(e1, SET1(1)), 23));
  /* shift <= 1 means |y| >= 2^22 quanta: clamped below anyway */
  V shift = _mm512_min_epi32(_mm512_max_epi32(_mm512_sub_epi32(qe150, e1), SET1(1)), SET1(31));
  V n = _mm512_min_epu32(round_shift(sig, shift, r), qmax);
  __mmask16 neg = _mm512_movepi32_mask(y);
  return _mm512_mask_sub_epi32(n, neg, _mm512_setzero_si512(), n);
}

/* MX element code with saturation (no NaN or Inf reaches it). */
INLINE V enc_mx_elem(V y, const int bits, const int M, const int qmin, const uint32_t maxcode,
                     const int is_int, SysfmtRound r) {
  if (is_int)
    return enc_fixed(y, SET1(qmin + 150), SET1(maxcode), r);
  V a = _mm512_and_si512(y, SET1(0x7FFFFFFF));
  V mag = _mm512_min_epu32(enc_float_mag(a, M, qmin, r), SET1(maxcode));
  V sign = _mm512_slli_epi32(_mm512_srli_epi32(y, 31), bits - 1);
  return _mm512_or_si512(mag, sign);
}

/* ---- MX quantize ---- */

INLINE void mxq_body(const FmtDesc *d, const float *src, size_t nblocks, uint8_t *codes,
                     uint8_t *scales, SysfmtRound r, SysfmtScaleRule rule, const int bits,
                     const int M, const int qmin, const uint32_t maxcode, const int is_int) {
  const V absmask = SET1(0x7FFFFFFF);
  for (size_t b = 0; b < nblocks; b++) {
    const float *s = src + b * SYSFMT_MX_BLOCK;
    V v0 = _mm512_castps_si512(_mm512_loadu_ps(s));
    V v1 = _mm512_castps_si512(_mm512_loadu_ps(s + 16));
    V m = _mm512_max_epu32(_mm512_and_si512(v0, absmask), _mm512_and_si512(v1, absmask));
    uint32_t amax = (uint32_t)_mm512_reduce_max_epu32(m);
    uint8_t *c = codes + b * SYSFMT_MX_BLOCK;
    if (amax >= 0x7F800000) {
      _mm256_storeu_si256((__m256i *)c, _mm256_setzero_si256());
      scales[b] = 0xFF;
      continue;
    }
    int e = fmt_mx_scale_exp(d, amax, rule);
    scales[b] = (uint8_t)(e + 127);
    __m512 mul = _mm512_castsi512_ps(SET1(fmt_pow2_bits(-e)));
    V y0 = _mm512_castps_si512(_mm512_mul_ps(_mm512_castsi512_ps(v0), mul));
    V y1 = _mm512_castps_si512(_mm512_mul_ps(_mm512_castsi512_ps(v1), mul));
    V c0 = enc_mx_elem(y0, bits, M, qmin, maxcode, is_int, r);
    V c1 = enc_mx_elem(y1, bits, M, qmin, maxcode, is_int, r);
    _mm_storeu_si128((__m128i *)c, _mm512_cvtepi32_epi8(c0));
    _mm_storeu_si128((__m128i *)(c + 16), _mm512_cvtepi32_epi8(c1));
  }
}

#define MXQ_MODES(bits, M, qmin, maxcode, is_int)                                              \
  switch (r) {                                                                                 \
  case SYSFMT_ROUND_RNE:                                                                       \
    mxq_body(d, src, nb, codes, scales, SYSFMT_ROUND_RNE, rule, bits, M, qmin, maxcode, is_int); \
    return;                                                                                    \
  case SYSFMT_ROUND_AWAY:                                                                      \
    mxq_body(d, src, nb, codes, scales, SYSFMT_ROUND_AWAY, rule, bits, M, qmin, maxcode,       \
             is_int);                                                                          \
    return;                                                                                    \
  case SYSFMT_ROUND_RZ:                                                                        \
    mxq_body(d, src, nb, codes, scales, SYSFMT_ROUND_RZ, rule, bits, M, qmin, maxcode, is_int); \
    return;                                                                                    \
  }

static void mx_quant(const FmtDesc *d, const float *src, size_t nb, uint8_t *codes,
                     uint8_t *scales, SysfmtRound r, SysfmtScaleRule rule) {
  switch ((SysfmtFormat)(d - fmt_descs)) {
  case SYSFMT_FP8_E4M3: MXQ_MODES(8, 3, -9, 0x7E, 0); break;
  case SYSFMT_FP8_E5M2: MXQ_MODES(8, 2, -16, 0x7B, 0); break;
  case SYSFMT_FP6_E3M2: MXQ_MODES(6, 2, -4, 0x1F, 0); break;
  case SYSFMT_FP6_E2M3: MXQ_MODES(6, 3, -3, 0x1F, 0); break;
  case SYSFMT_FP4_E2M1: MXQ_MODES(4, 1, -1, 0x7, 0); break;
  case SYSFMT_INT8: MXQ_MODES(8, 6, -6, 127, 1); break;
  default: break;
  }
  fmt_kernels_portable.mx_quant(d, src, nb, codes, scales, r, rule);
}

/* ---- Decode ---- */

/* FP32 bits of 8-bit-or-narrower float codes (zero-extended in int32 lanes); exact. */
INLINE V dec_small(V c, const int bits, const int M, const int bias, const uint32_t infcode,
                   const uint32_t nancode, const uint32_t maxcode) {
  V sign = _mm512_slli_epi32(_mm512_srli_epi32(c, bits - 1), 31);
  V mag = _mm512_and_si512(c, SET1((1u << (bits - 1)) - 1));
  /* mag << (23 - M) read as FP32 is the value times 2^(bias - 127), subnormals included */
  __m512 f = _mm512_mul_ps(_mm512_castsi512_ps(_mm512_slli_epi32(mag, 23 - M)),
                           _mm512_castsi512_ps(SET1((uint32_t)(254 - bias) << 23)));
  V res = _mm512_castps_si512(f);
  if (infcode) {
    __mmask16 inf = _mm512_cmpeq_epi32_mask(mag, SET1(infcode));
    __mmask16 nan = _mm512_cmpgt_epu32_mask(mag, SET1(infcode));
    res = _mm512_mask_mov_epi32(res, inf, SET1(0x7F800000));
    res = _mm512_mask_mov_epi32(res, nan, SET1(0x7FC00000));
  } else if (nancode > maxcode) {
    __mmask16 nan = _mm512_cmpeq_epi32_mask(mag, SET1(nancode));
    res = _mm512_mask_mov_epi32(res, nan, SET1(0x7FC00000));
  }
  return _mm512_or_si512(res, sign);
}

INLINE V dec_int8(V c) {
  __m512 f = _mm512_cvtepi32_ps(_mm512_srai_epi32(_mm512_slli_epi32(c, 24), 24));
  return _mm512_castps_si512(_mm512_mul_ps(f, _mm512_set1_ps(1.0f / 64)));
}

#define DEC_CASES(X)                                                                           \
  X(SYSFMT_FP8_E4M3, dec_small(c, 8, 3, 7, 0, 0x7F, 0x7E))                                     \
  X(SYSFMT_FP8_E5M2, dec_small(c, 8, 2, 15, 0x7C, 0x7E, 0x7B))                                 \
  X(SYSFMT_FP6_E3M2, dec_small(c, 6, 2, 3, 0, 0x1F, 0x1F))                                     \
  X(SYSFMT_FP6_E2M3, dec_small(c, 6, 3, 1, 0, 0x1F, 0x1F))                                     \
  X(SYSFMT_FP4_E2M1, dec_small(c, 4, 1, 1, 0, 0x7, 0x7))                                       \
  X(SYSFMT_INT8, dec_int8(c))

static void decode(const FmtDesc *d, const void *src, size_t n, float *dst) {
  SysfmtFormat f = (SysfmtFormat)(d - fmt_descs);
  if (f == SYSFMT_F16 || f == SYSFMT_BF16) {
    const uint16_t *s = src;
    size_t i = 0;
    for (; i < n; i += 16) {
      __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
      __m256i h = _mm256_maskz_loadu_epi16(k, s + i);
      __m512 o = f == SYSFMT_F16 ? _mm512_cvtph_ps(h)
                                 : _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
      _mm512_mask_storeu_ps(dst + i, k, o);
    }
    return;
  }
  const uint8_t *s = src;
  switch (f) {
#define X(fmt, expr)                                                                           \
  case fmt:                                                                                    \
    for (size_t i = 0; i < n; i += 16) {                                                       \
      __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);                   \
      V c = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(k, s + i));                              \
      _mm512_mask_storeu_ps(dst + i, k, _mm512_castsi512_ps(expr));                            \
    }                                                                                          \
    return;
    DEC_CASES(X)
#undef X
  default:
    break;
  }
  fmt_kernels_portable.decode(d, src, n, dst);
}

/* ---- MX dequantize ---- */

static void mx_dequant(const FmtDesc *d, const uint8_t *codes, const uint8_t *scales,
                       size_t nblocks, float *dst) {
  SysfmtFormat f = (SysfmtFormat)(d - fmt_descs);
  switch (f) {
#define X(fmt, expr)                                                                           \
  case fmt:                                                                                    \
    for (size_t b = 0; b < nblocks; b++) {                                                     \
      uint8_t sc = scales[b];                                                                  \
      __m512 x = _mm512_castsi512_ps(SET1(sc == 0xFF ? 0x7FC00000u                             \
                                          : sc ? (uint32_t)sc << 23 : 0x00400000u));           \
      for (int h = 0; h < 2; h++) {                                                            \
        V c = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(codes + 32 * b + 16 * h))); \
        __m512 v = _mm512_mul_ps(_mm512_castsi512_ps(expr), x);                                \
        if (sc == 0xFF)                                                                        \
          v = x; /* a NaN scale makes the whole block the canonical NaN */                     \
        _mm512_storeu_ps(dst + 32 * b + 16 * h, v);                                            \
      }                                                                                        \
    }                                                                                          \
    return;
    DEC_CASES(X)
#undef X
  default:
    break;
  }
  fmt_kernels_portable.mx_dequant(d, codes, scales, nblocks, dst);
}

/* ---- Encode arrays ---- */

/* Float format with the overflow and NaN rules of scalar.c. */
INLINE V enc_array_float(V y, const int bits, const int M, const int qmin,
                         const uint32_t maxcode, const uint32_t infcode, const uint32_t nancode,
                         const int nan_payload, SysfmtRound r, int ovf) {
  V a = _mm512_and_si512(y, SET1(0x7FFFFFFF));
  V sign = _mm512_slli_epi32(_mm512_srli_epi32(y, 31), bits - 1);
  V mag = enc_float_mag(a, M, qmin, r);
  __mmask16 over = _mm512_cmpgt_epu32_mask(mag, SET1(maxcode));
  __mmask16 isinf = _mm512_cmpeq_epi32_mask(a, SET1(0x7F800000));
  __mmask16 isnan = _mm512_cmpgt_epu32_mask(a, SET1(0x7F800000));
  V big = infcode ? _mm512_or_si512(sign, SET1(infcode)) : SET1(nancode);
  V sat = _mm512_or_si512(sign, SET1(maxcode));
  V res = _mm512_or_si512(mag, sign);
  if (ovf && r != SYSFMT_ROUND_RZ) {
    res = _mm512_mask_mov_epi32(res, over, big);
  } else {
    res = _mm512_mask_mov_epi32(res, over, sat);
    if (ovf)
      res = _mm512_mask_mov_epi32(res, isinf, big); /* RZ: only an Inf input overflows */
  }
  V nan = SET1(nancode);
  if (nan_payload)
    nan = _mm512_or_si512(_mm512_or_si512(sign, SET1(infcode | (1u << (M - 1)))),
                          _mm512_srli_epi32(_mm512_and_si512(y, SET1(0x7FFFFF)), 23 - M));
  return _mm512_mask_mov_epi32(res, isnan, nan);
}

INLINE V enc_array_int8(V y, SysfmtRound r) {
  V a = _mm512_and_si512(y, SET1(0x7FFFFFFF));
  V c = enc_fixed(y, SET1(-6 + 150), SET1(127), r);
  return _mm512_mask_mov_epi32(c, _mm512_cmpgt_epu32_mask(a, SET1(0x7F800000)), SET1(0x7F));
}

INLINE V enc_bf16_rne(V y) {
  V a = _mm512_and_si512(y, SET1(0x7FFFFFFF));
  V odd = _mm512_and_si512(_mm512_srli_epi32(y, 16), SET1(1));
  V res = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(y, odd), SET1(0x7FFF)), 16);
  V nan = _mm512_or_si512(_mm512_srli_epi32(y, 16), SET1(0x40));
  return _mm512_mask_mov_epi32(res, _mm512_cmpgt_epu32_mask(a, SET1(0x7F800000)), nan);
}

/* Whole vectors use the register forms of VPMOVDB/VPMOVDW and plain stores (the masked
   memory forms are slow on Zen 4); the tail uses masks. */
#define ENC8_LOOP(expr)                                                                        \
  do {                                                                                         \
    uint8_t *o = dst;                                                                          \
    size_t i = 0;                                                                              \
    for (; i + 16 <= n; i += 16) {                                                             \
      V y = _mm512_castps_si512(_mm512_loadu_ps(src + i));                                     \
      _mm_storeu_si128((__m128i *)(o + i), _mm512_cvtepi32_epi8(expr));                        \
    }                                                                                          \
    if (i < n) {                                                                               \
      __mmask16 k = (__mmask16)((1u << (n - i)) - 1);                                          \
      V y = _mm512_castps_si512(_mm512_maskz_loadu_ps(k, src + i));                            \
      _mm512_mask_cvtepi32_storeu_epi8(o + i, k, (expr));                                      \
    }                                                                                          \
  } while (0)

#define ENC16_LOOP(expr)                                                                       \
  do {                                                                                         \
    uint16_t *o = dst;                                                                         \
    size_t i = 0;                                                                              \
    for (; i + 16 <= n; i += 16) {                                                             \
      V y = _mm512_castps_si512(_mm512_loadu_ps(src + i));                                     \
      _mm256_storeu_si256((__m256i *)(o + i), _mm512_cvtepi32_epi16(expr));                    \
    }                                                                                          \
    if (i < n) {                                                                               \
      __mmask16 k = (__mmask16)((1u << (n - i)) - 1);                                          \
      V y = _mm512_castps_si512(_mm512_maskz_loadu_ps(k, src + i));                            \
      _mm512_mask_cvtepi32_storeu_epi16(o + i, k, (expr));                                     \
    }                                                                                          \
  } while (0)

#define ENC_MODES(LOOP, FN, ...)                                                               \
  switch (r) {                                                                                 \
  case SYSFMT_ROUND_RNE: LOOP(FN(y, __VA_ARGS__, SYSFMT_ROUND_RNE, ovf)); return;              \
  case SYSFMT_ROUND_AWAY: LOOP(FN(y, __VA_ARGS__, SYSFMT_ROUND_AWAY, ovf)); return;            \
  case SYSFMT_ROUND_RZ: LOOP(FN(y, __VA_ARGS__, SYSFMT_ROUND_RZ, ovf)); return;                \
  }

static void encode(const FmtDesc *d, const float *src, size_t n, void *dst, SysfmtRound r,
                   int ovf) {
  switch ((SysfmtFormat)(d - fmt_descs)) {
  case SYSFMT_F16:
    if (ovf && r != SYSFMT_ROUND_AWAY) {
      /* F16C: IEEE RNE / RZ with subnormals and overflow to Inf, independent of MXCSR */
      uint16_t *o = dst;
      for (size_t i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 x = _mm512_maskz_loadu_ps(k, src + i);
        __m256i h = r == SYSFMT_ROUND_RNE
                        ? _mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
                        : _mm512_cvtps_ph(x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        _mm256_mask_storeu_epi16(o + i, k, h);
      }
      return;
    }
    ENC_MODES(ENC16_LOOP, enc_array_float, 16, 10, -24, 0x7BFF, 0x7C00, 0, 1);
    break;
  case SYSFMT_BF16:
    if (ovf && r == SYSFMT_ROUND_RNE) {
      ENC16_LOOP(enc_bf16_rne(y));
      return;
    }
    ENC_MODES(ENC16_LOOP, enc_array_float, 16, 7, -133, 0x7F7F, 0x7F80, 0, 1);
    break;
  case SYSFMT_FP8_E4M3:
    ENC_MODES(ENC8_LOOP, enc_array_float, 8, 3, -9, 0x7E, 0, 0x7F, 0);
    break;
  case SYSFMT_FP8_E5M2:
    ENC_MODES(ENC8_LOOP, enc_array_float, 8, 2, -16, 0x7B, 0x7C, 0x7E, 0);
    break;
  case SYSFMT_FP6_E3M2:
    ENC_MODES(ENC8_LOOP, enc_array_float, 6, 2, -4, 0x1F, 0, 0x1F, 0);
    break;
  case SYSFMT_FP6_E2M3:
    ENC_MODES(ENC8_LOOP, enc_array_float, 6, 3, -3, 0x1F, 0, 0x1F, 0);
    break;
  case SYSFMT_FP4_E2M1:
    ENC_MODES(ENC8_LOOP, enc_array_float, 4, 1, -1, 0x7, 0, 0x7, 0);
    break;
  case SYSFMT_INT8:
    switch (r) {
    case SYSFMT_ROUND_RNE: ENC8_LOOP(enc_array_int8(y, SYSFMT_ROUND_RNE)); return;
    case SYSFMT_ROUND_AWAY: ENC8_LOOP(enc_array_int8(y, SYSFMT_ROUND_AWAY)); return;
    case SYSFMT_ROUND_RZ: ENC8_LOOP(enc_array_int8(y, SYSFMT_ROUND_RZ)); return;
    }
    break;
  default:
    break;
  }
  fmt_encode_portable(d, src, n, dst, r, ovf);
}

/* ---- DFP16 ---- */

static uint32_t amax_bits(const float *x, size_t n) {
  V m = _mm512_setzero_si512();
  for (size_t i = 0; i < n; i += 16) {
    __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
    V v = _mm512_castps_si512(_mm512_maskz_loadu_ps(k, x + i));
    m = _mm512_max_epu32(m, _mm512_and_si512(v, SET1(0x7FFFFFFF)));
  }
  return (uint32_t)_mm512_reduce_max_epu32(m);
}

INLINE void dfpq_body(const float *x, size_t n, int32_t es, int32_t qmax, int16_t *q,
                      SysfmtRound r) {
  V qe150 = SET1(es + 150), vq = SET1(qmax);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    V y = _mm512_castps_si512(_mm512_loadu_ps(x + i));
    _mm256_storeu_si256((__m256i *)(q + i), _mm512_cvtepi32_epi16(enc_fixed(y, qe150, vq, r)));
  }
  if (i < n) {
    __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
    V y = _mm512_castps_si512(_mm512_maskz_loadu_ps(k, x + i));
    _mm512_mask_cvtepi32_storeu_epi16(q + i, k, enc_fixed(y, qe150, vq, r));
  }
}

static void dfp_quant(const float *x, size_t n, int32_t es, int32_t qmax, SysfmtRound r,
                      int16_t *q) {
  if (es < -148) { /* FP32-subnormal inputs would need a left shift (amax < 2^-134) */
    fmt_dfp_quant_portable(x, n, es, qmax, r, q);
    return;
  }
  switch (r) {
  case SYSFMT_ROUND_RNE: dfpq_body(x, n, es, qmax, q, SYSFMT_ROUND_RNE); return;
  case SYSFMT_ROUND_AWAY: dfpq_body(x, n, es, qmax, q, SYSFMT_ROUND_AWAY); return;
  case SYSFMT_ROUND_RZ: dfpq_body(x, n, es, qmax, q, SYSFMT_ROUND_RZ); return;
  }
}

static void dfp_dequant(const int16_t *q, size_t n, int32_t es, float *x) {
  if (es < -149 || es > 127) { /* 2^es must be an FP32 for the single-rounding multiply */
    fmt_dfp_dequant_portable(q, n, es, x);
    return;
  }
  __m512 s = _mm512_castsi512_ps(SET1(fmt_pow2_bits(es)));
  for (size_t i = 0; i < n; i += 16) {
    __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
    V v = _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(k, q + i));
    _mm512_mask_storeu_ps(x + i, k, _mm512_mul_ps(_mm512_cvtepi32_ps(v), s));
  }
}

const FmtKernels fmt_kernels_avx512 = {
  .isa = SYSFMT_ISA_AVX512,
  .encode = encode,
  .decode = decode,
  .mx_quant = mx_quant,
  .mx_dequant = mx_dequant,
  .amax_bits = amax_bits,
  .dfp_quant = dfp_quant,
  .dfp_dequant = dfp_dequant,
};
