/*
 * AVX2 (+ F16C, FMA) bulk kernels, for x86 CPUs without AVX-512. Compiled with -mavx2 etc. and
 * reached only through dispatch.c after the CPU reported those features.
 *
 * The same integer encoder as bulk_avx512.c (and scalar.c), eight lanes at a time, with
 * comparisons and blends instead of mask registers and pack/permute sequences instead of
 * VPMOVDB. Without masked loads for bytes, loops cover whole vectors and hand the remainder
 * (fewer than 32 values) to the portable kernel, which gives the same bits. See
 * bulk_avx512.c for why the float multiplies used for MX scales are exact where it matters.
 */
#include <immintrin.h>

#include "fmt_internal.h"

#define INLINE static inline __attribute__((always_inline))

typedef __m256i V;

#define SET1(x) _mm256_set1_epi32((int)(x))

/* sig >> shift rounded per r; 1 <= shift <= 31 and sig < 2^25. */
INLINE V round_shift(V sig, V shift, SysfmtRound r) {
  if (r == SYSFMT_ROUND_RZ)
    return _mm256_srlv_epi32(sig, shift);
  V half = _mm256_sllv_epi32(SET1(1), _mm256_sub_epi32(shift, SET1(1)));
  if (r == SYSFMT_ROUND_AWAY)
    return _mm256_srlv_epi32(_mm256_add_epi32(sig, half), shift);
  V odd = _mm256_and_si256(_mm256_srlv_epi32(sig, shift), SET1(1));
  V t = _mm256_add_epi32(_mm256_add_epi32(sig, odd), _mm256_sub_epi32(half, SET1(1)));
  return _mm256_srlv_epi32(t, shift);
}

INLINE V enc_float_mag(V a, const int M, const int qmin, SysfmtRound r) {
  V e1 = _mm256_max_epi32(_mm256_srli_epi32(a, 23), SET1(1));
  V sig = _mm256_sub_epi32(a, _mm256_slli_epi32(_mm256_sub_epi32(e1, SET1(1)), 23));
  V shift = _mm256_max_epi32(SET1(23 - M), _mm256_sub_epi32(SET1(qmin + 150), e1));
  shift = _mm256_min_epi32(shift, SET1(31));
  V n = round_shift(sig, shift, r);
  V base = _mm256_max_epi32(_mm256_sub_epi32(e1, SET1(127 + M + qmin)), _mm256_setzero_si256());
  return _mm256_add_epi32(_mm256_slli_epi32(base, M), n);
}

INLINE V enc_fixed(V y, V qe150, V qmax, SysfmtRound r) {
  V a = _mm256_and_si256(y, SET1(0x7FFFFFFF));
  V e1 = _mm256_max_epi32(_mm256_srli_epi32(a, 23), SET1(1));
  V sig = _mm256_sub_epi32(a, _mm256_slli_epi32(_mm256_sub_epi32(e1, SET1(1)), 23));
  V shift = _mm256_min_epi32(_mm256_max_epi32(_mm256_sub_epi32(qe150, e1), SET1(1)), SET1(31));
  V n = _mm256_min_epu32(round_shift(sig, shift, r), qmax);
  V neg = _mm256_srai_epi32(y, 31);
  return _mm256_sub_epi32(_mm256_xor_si256(n, neg), neg);
}

INLINE V enc_mx_elem(V y, const int bits, const int M, const int qmin, const uint32_t maxcode,
                     const int is_int, SysfmtRound r) {
  if (is_int)
    return enc_fixed(y, SET1(qmin + 150), SET1(maxcode), r);
  V a = _mm256_and_si256(y, SET1(0x7FFFFFFF));
  V mag = _mm256_min_epu32(enc_float_mag(a, M, qmin, r), SET1(maxcode));
  return _mm256_or_si256(mag, _mm256_slli_epi32(_mm256_srli_epi32(y, 31), bits - 1));
}

/* 32 int32 codes (unsigned 0..255, or signed -127..127 when is_int) to 32 bytes in order. */
INLINE __m256i pack32(V c0, V c1, V c2, V c3, const int is_int) {
  V p01 = is_int ? _mm256_packs_epi32(c0, c1) : _mm256_packus_epi32(c0, c1);
  V p23 = is_int ? _mm256_packs_epi32(c2, c3) : _mm256_packus_epi32(c2, c3);
  V b = is_int ? _mm256_packs_epi16(p01, p23) : _mm256_packus_epi16(p01, p23);
  return _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* 16 int32 codes in 0..65535 (or signed) to 16 uint16 in order. */
INLINE __m256i pack16(V c0, V c1, const int is_signed) {
  V p = is_signed ? _mm256_packs_epi32(c0, c1) : _mm256_packus_epi32(c0, c1);
  return _mm256_permute4x64_epi64(p, 0xD8);
}

INLINE uint32_t hmax_epu32(V m) {
  __m128i x = _mm_max_epu32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
  x = _mm_max_epu32(x, _mm_shuffle_epi32(x, 0x4E));
  x = _mm_max_epu32(x, _mm_shuffle_epi32(x, 0xB1));
  return (uint32_t)_mm_cvtsi128_si32(x);
}

static V loadv(const float *p) {
  return _mm256_castps_si256(_mm256_loadu_ps(p));
}

/* ---- MX quantize ---- */

INLINE void mxq_body(const FmtDesc *d, const float *src, size_t nblocks, uint8_t *codes,
                     uint8_t *scales, SysfmtRound r, SysfmtScaleRule rule, const int bits,
                     const int M, const int qmin, const uint32_t maxcode, const int is_int) {
  const V absmask = SET1(0x7FFFFFFF);
  for (size_t b = 0; b < nblocks; b++) {
    const float *s = src + b * SYSFMT_MX_BLOCK;
    V v0 = loadv(s), v1 = loadv(s + 8), v2 = loadv(s + 16), v3 = loadv(s + 24);
    V m = _mm256_max_epu32(_mm256_max_epu32(_mm256_and_si256(v0, absmask), _mm256_and_si256(v1, absmask)),
                           _mm256_max_epu32(_mm256_and_si256(v2, absmask), _mm256_and_si256(v3, absmask)));
    uint32_t amax = hmax_epu32(m);
    uint8_t *c = codes + b * SYSFMT_MX_BLOCK;
    if (amax >= 0x7F800000) {
      _mm256_storeu_si256((__m256i *)c, _mm256_setzero_si256());
      scales[b] = 0xFF;
      continue;
    }
    int e = fmt_mx_scale_exp(d, amax, rule);
    scales[b] = (uint8_t)(e + 127);
    __m256 mul = _mm256_castsi256_ps(SET1(fmt_pow2_bits(-e)));
#define Y(v) _mm256_castps_si256(_mm256_mul_ps(_mm256_castsi256_ps(v), mul))
    V c0 = enc_mx_elem(Y(v0), bits, M, qmin, maxcode, is_int, r);
    V c1 = enc_mx_elem(Y(v1), bits, M, qmin, maxcode, is_int, r);
    V c2 = enc_mx_elem(Y(v2), bits, M, qmin, maxcode, is_int, r);
    V c3 = enc_mx_elem(Y(v3), bits, M, qmin, maxcode, is_int, r);
#undef Y
    _mm256_storeu_si256((__m256i *)c, pack32(c0, c1, c2, c3, is_int));
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

INLINE V dec_small(V c, const int bits, const int M, const int bias, const uint32_t infcode,
                   const uint32_t nancode, const uint32_t maxcode) {
  V sign = _mm256_slli_epi32(_mm256_srli_epi32(c, bits - 1), 31);
  V mag = _mm256_and_si256(c, SET1((1u << (bits - 1)) - 1));
  __m256 f = _mm256_mul_ps(_mm256_castsi256_ps(_mm256_slli_epi32(mag, 23 - M)),
                           _mm256_castsi256_ps(SET1((uint32_t)(254 - bias) << 23)));
  V res = _mm256_castps_si256(f);
  if (infcode) {
    V inf = _mm256_cmpeq_epi32(mag, SET1(infcode));
    V nan = _mm256_cmpgt_epi32(mag, SET1(infcode));
    res = _mm256_blendv_epi8(res, SET1(0x7F800000), inf);
    res = _mm256_blendv_epi8(res, SET1(0x7FC00000), nan);
  } else if (nancode > maxcode) {
    res = _mm256_blendv_epi8(res, SET1(0x7FC00000), _mm256_cmpeq_epi32(mag, SET1(nancode)));
  }
  return _mm256_or_si256(res, sign);
}

INLINE V dec_int8(V c) {
  __m256 f = _mm256_cvtepi32_ps(_mm256_srai_epi32(_mm256_slli_epi32(c, 24), 24));
  return _mm256_castps_si256(_mm256_mul_ps(f, _mm256_set1_ps(1.0f / 64)));
}

#define DEC_CASES(X)                                                                           \
  X(SYSFMT_FP8_E4M3, dec_small(c, 8, 3, 7, 0, 0x7F, 0x7E))                                     \
  X(SYSFMT_FP8_E5M2, dec_small(c, 8, 2, 15, 0x7C, 0x7E, 0x7B))                                 \
  X(SYSFMT_FP6_E3M2, dec_small(c, 6, 2, 3, 0, 0x1F, 0x1F))                                     \
  X(SYSFMT_FP6_E2M3, dec_small(c, 6, 3, 1, 0, 0x1F, 0x1F))                                     \
  X(SYSFMT_FP4_E2M1, dec_small(c, 4, 1, 1, 0, 0x7, 0x7))                                       \
  X(SYSFMT_INT8, dec_int8(c))

static V load8u8(const uint8_t *p) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p));
}

static void decode(const FmtDesc *d, const void *src, size_t n, float *dst) {
  SysfmtFormat f = (SysfmtFormat)(d - fmt_descs);
  size_t i = 0, nv = n & ~(size_t)7;
  if (f == SYSFMT_F16 || f == SYSFMT_BF16) {
    const uint16_t *s = src;
    for (; i < nv; i += 8) {
      __m128i h = _mm_loadu_si128((const __m128i *)(s + i));
      __m256 o = f == SYSFMT_F16 ? _mm256_cvtph_ps(h)
                                 : _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
      _mm256_storeu_ps(dst + i, o);
    }
    fmt_kernels_portable.decode(d, s + i, n - i, dst + i);
    return;
  }
  const uint8_t *s = src;
  switch (f) {
#define X(fmt, expr)                                                                           \
  case fmt:                                                                                    \
    for (; i < nv; i += 8) {                                                                   \
      V c = load8u8(s + i);                                                                    \
      _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(expr));                                    \
    }                                                                                          \
    break;
    DEC_CASES(X)
#undef X
  default:
    break;
  }
  fmt_kernels_portable.decode(d, s + i, n - i, dst + i);
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
      __m256 x = _mm256_castsi256_ps(SET1(sc == 0xFF ? 0x7FC00000u                             \
                                          : sc ? (uint32_t)sc << 23 : 0x00400000u));           \
      for (int h = 0; h < 4; h++) {                                                            \
        V c = load8u8(codes + 32 * b + 8 * h);                                                 \
        __m256 v = _mm256_mul_ps(_mm256_castsi256_ps(expr), x);                                \
        if (sc == 0xFF)                                                                        \
          v = x;                                                                               \
        _mm256_storeu_ps(dst + 32 * b + 8 * h, v);                                             \
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

INLINE V enc_array_float(V y, const int bits, const int M, const int qmin,
                         const uint32_t maxcode, const uint32_t infcode, const uint32_t nancode,
                         const int nan_payload, SysfmtRound r, int ovf) {
  V a = _mm256_and_si256(y, SET1(0x7FFFFFFF));
  V sign = _mm256_slli_epi32(_mm256_srli_epi32(y, 31), bits - 1);
  V mag = enc_float_mag(a, M, qmin, r);
  V over = _mm256_cmpgt_epi32(mag, SET1(maxcode)); /* both below 2^31 */
  V isinf = _mm256_cmpeq_epi32(a, SET1(0x7F800000));
  V isnan = _mm256_cmpgt_epi32(a, SET1(0x7F800000));
  V big = infcode ? _mm256_or_si256(sign, SET1(infcode)) : SET1(nancode);
  V sat = _mm256_or_si256(sign, SET1(maxcode));
  V res = _mm256_or_si256(mag, sign);
  if (ovf && r != SYSFMT_ROUND_RZ) {
    res = _mm256_blendv_epi8(res, big, over);
  } else {
    res = _mm256_blendv_epi8(res, sat, over);
    if (ovf)
      res = _mm256_blendv_epi8(res, big, isinf);
  }
  V nan = SET1(nancode);
  if (nan_payload)
    nan = _mm256_or_si256(_mm256_or_si256(sign, SET1(infcode | (1u << (M - 1)))),
                          _mm256_srli_epi32(_mm256_and_si256(y, SET1(0x7FFFFF)), 23 - M));
  return _mm256_blendv_epi8(res, nan, isnan);
}

INLINE V enc_array_int8(V y, SysfmtRound r) {
  V a = _mm256_and_si256(y, SET1(0x7FFFFFFF));
  V c = enc_fixed(y, SET1(-6 + 150), SET1(127), r);
  return _mm256_blendv_epi8(c, SET1(0x7F), _mm256_cmpgt_epi32(a, SET1(0x7F800000)));
}

INLINE V enc_bf16_rne(V y) {
  V a = _mm256_and_si256(y, SET1(0x7FFFFFFF));
  V odd = _mm256_and_si256(_mm256_srli_epi32(y, 16), SET1(1));
  V res = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(y, odd), SET1(0x7FFF)), 16);
  V nan = _mm256_or_si256(_mm256_srli_epi32(y, 16), SET1(0x40));
  return _mm256_blendv_epi8(res, nan, _mm256_cmpgt_epi32(a, SET1(0x7F800000)));
}

/* 32 values to bytes per loop; the tail goes to the portable kernel. */
#define ENC8_LOOP(expr, is_int)                                                                \
  do {                                                                                         \
    uint8_t *o = dst;                                                                          \
    for (; i < nv32; i += 32) {                                                                \
      V y;                                                                                     \
      y = loadv(src + i);                                                                      \
      V c0 = (expr);                                                                           \
      y = loadv(src + i + 8);                                                                  \
      V c1 = (expr);                                                                           \
      y = loadv(src + i + 16);                                                                 \
      V c2 = (expr);                                                                           \
      y = loadv(src + i + 24);                                                                 \
      V c3 = (expr);                                                                           \
      _mm256_storeu_si256((__m256i *)(o + i), pack32(c0, c1, c2, c3, is_int));                 \
    }                                                                                          \
  } while (0)

#define ENC16_LOOP(expr, is_int)                                                               \
  do {                                                                                         \
    uint16_t *o = dst;                                                                         \
    for (; i < nv16; i += 16) {                                                                \
      V y;                                                                                     \
      y = loadv(src + i);                                                                      \
      V c0 = (expr);                                                                           \
      y = loadv(src + i + 8);                                                                  \
      V c1 = (expr);                                                                           \
      _mm256_storeu_si256((__m256i *)(o + i), pack16(c0, c1, is_int));                         \
    }                                                                                          \
  } while (0)

#define ENC_MODES(LOOP, FN, ...)                                                               \
  switch (r) {                                                                                 \
  case SYSFMT_ROUND_RNE: LOOP(FN(y, __VA_ARGS__, SYSFMT_ROUND_RNE, ovf), 0); break;           \
  case SYSFMT_ROUND_AWAY: LOOP(FN(y, __VA_ARGS__, SYSFMT_ROUND_AWAY, ovf), 0); break;         \
  case SYSFMT_ROUND_RZ: LOOP(FN(y, __VA_ARGS__, SYSFMT_ROUND_RZ, ovf), 0); break;             \
  }

static void encode(const FmtDesc *d, const float *src, size_t n, void *dst, SysfmtRound r,
                   int ovf) {
  size_t i = 0, nv32 = n & ~(size_t)31, nv16 = n & ~(size_t)15;
  switch ((SysfmtFormat)(d - fmt_descs)) {
  case SYSFMT_F16:
    if (ovf && r != SYSFMT_ROUND_AWAY) {
      /* F16C: IEEE RNE / RZ with subnormals and overflow to Inf, independent of MXCSR */
      uint16_t *o = dst;
      for (; i < nv16; i += 8) {
        __m256 x = _mm256_loadu_ps(src + i);
        __m128i h = r == SYSFMT_ROUND_RNE
                        ? _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
                        : _mm256_cvtps_ph(x, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        _mm_storeu_si128((__m128i *)(o + i), h);
      }
      break;
    }
    ENC_MODES(ENC16_LOOP, enc_array_float, 16, 10, -24, 0x7BFF, 0x7C00, 0, 1);
    break;
  case SYSFMT_BF16:
    if (ovf && r == SYSFMT_ROUND_RNE) {
      ENC16_LOOP(enc_bf16_rne(y), 0);
      break;
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
    case SYSFMT_ROUND_RNE: ENC8_LOOP(enc_array_int8(y, SYSFMT_ROUND_RNE), 1); break;
    case SYSFMT_ROUND_AWAY: ENC8_LOOP(enc_array_int8(y, SYSFMT_ROUND_AWAY), 1); break;
    case SYSFMT_ROUND_RZ: ENC8_LOOP(enc_array_int8(y, SYSFMT_ROUND_RZ), 1); break;
    }
    break;
  default:
    break;
  }
  size_t w = d->bits > 8 ? 2 : 1;
  fmt_encode_portable(d, src + i, n - i, (uint8_t *)dst + i * w, r, ovf);
}

/* ---- DFP16 ---- */

static uint32_t amax_bits(const float *x, size_t n) {
  V m = _mm256_setzero_si256();
  size_t i = 0, nv = n & ~(size_t)7;
  for (; i < nv; i += 8)
    m = _mm256_max_epu32(m, _mm256_and_si256(loadv(x + i), SET1(0x7FFFFFFF)));
  uint32_t r = hmax_epu32(m), t = fmt_kernels_portable.amax_bits(x + i, n - i);
  return r > t ? r : t;
}

INLINE void dfpq_body(const float *x, size_t n, int32_t es, int32_t qmax, int16_t *q,
                      SysfmtRound r) {
  V qe150 = SET1(es + 150), vq = SET1(qmax);
  size_t i = 0, nv = n & ~(size_t)15;
  for (; i < nv; i += 16) {
    V c0 = enc_fixed(loadv(x + i), qe150, vq, r);
    V c1 = enc_fixed(loadv(x + i + 8), qe150, vq, r);
    _mm256_storeu_si256((__m256i *)(q + i), pack16(c0, c1, 1));
  }
  fmt_dfp_quant_portable(x + i, n - i, es, qmax, r, q + i);
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
  if (es < -149 || es > 127) {
    fmt_dfp_dequant_portable(q, n, es, x);
    return;
  }
  __m256 s = _mm256_castsi256_ps(SET1(fmt_pow2_bits(es)));
  size_t i = 0, nv = n & ~(size_t)7;
  for (; i < nv; i += 8) {
    V v = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(q + i)));
    _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_cvtepi32_ps(v), s));
  }
  fmt_dfp_dequant_portable(q + i, n - i, es, x + i);
}

const FmtKernels fmt_kernels_avx2 = {
  .isa = SYSFMT_ISA_AVX2,
  .encode = encode,
  .decode = decode,
  .mx_quant = mx_quant,
  .mx_dequant = mx_dequant,
  .amax_bits = amax_bits,
  .dfp_quant = dfp_quant,
  .dfp_dequant = dfp_dequant,
};
