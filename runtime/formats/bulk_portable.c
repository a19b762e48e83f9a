/*
 * The portable bulk kernels: plain loops over the scalar definitions of scalar.c and mx.c.
 * They are the reference the AVX2 and AVX-512 kernels are tested against, and the fallback
 * for CPUs without them and for argument ranges the SIMD kernels leave out (DFP16 exponents
 * whose power of two FP32 cannot hold). None of them does floating-point arithmetic, so they
 * give the same bits under any rounding mode or flush-to-zero setting.
 */
#include "fmt_internal.h"

void fmt_encode_portable(const FmtDesc *d, const float *src, size_t n, void *dst,
                         SysfmtRound r, int ovf) {
  fmt_encode_run(d, src, n, 0, r, ovf, dst);
}

static void decode(const FmtDesc *d, const void *src, size_t n, float *dst) {
  if (d->bits > 8) {
    const uint16_t *s = src;
    for (size_t i = 0; i < n; i++)
      dst[i] = fmt_u2f(fmt_decode_bits(d, s[i]));
  } else {
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++)
      dst[i] = fmt_u2f(fmt_decode_bits(d, s[i]));
  }
}

static void mx_quant(const FmtDesc *d, const float *src, size_t nblocks, uint8_t *codes,
                     uint8_t *scales, SysfmtRound r, SysfmtScaleRule rule) {
  for (size_t b = 0; b < nblocks; b++)
    scales[b] = fmt_mx_quant_block(d, src + b * SYSFMT_MX_BLOCK, codes + b * SYSFMT_MX_BLOCK,
                                   r, rule);
}

static void mx_dequant(const FmtDesc *d, const uint8_t *codes, const uint8_t *scales,
                       size_t nblocks, float *dst) {
  for (size_t b = 0; b < nblocks; b++)
    fmt_mx_dequant_block(d, codes + b * SYSFMT_MX_BLOCK, scales[b], SYSFMT_MX_BLOCK,
                         dst + b * SYSFMT_MX_BLOCK);
}

static uint32_t amax_bits(const float *x, size_t n) {
  uint32_t m = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t a = fmt_f2u(x[i]) & 0x7FFFFFFF;
    m = a > m ? a : m;
  }
  return m;
}

void fmt_dfp_quant_portable(const float *x, size_t n, int32_t es, int32_t qmax, SysfmtRound r,
                            int16_t *q) {
  /* A fixed-point "format" with quantum 2^es and |n| <= qmax, rounded by the scalar encoder. */
  FmtDesc d = {0};
  d.kind = FMT_KIND_INT;
  d.bits = 16;
  d.qmin = (int16_t)es;
  d.maxcode = (uint32_t)qmax;
  for (size_t i = 0; i < n; i++)
    q[i] = (int16_t)(uint16_t)fmt_encode_bits(&d, fmt_f2u(x[i]), 0, r, 0);
}

void fmt_dfp_dequant_portable(const int16_t *q, size_t n, int32_t es, float *x) {
  const FmtDesc *f32 = &fmt_descs[SYSFMT_F32];
  for (size_t i = 0; i < n; i++) {
    int32_t v = q[i];
    if (v == 0) {
      x[i] = 0.0f;
      continue;
    }
    uint32_t neg = v < 0;
    x[i] = fmt_u2f(fmt_round_value(f32, neg, (uint64_t)(neg ? -v : v), es, 0, SYSFMT_ROUND_RNE, 1));
  }
}

const FmtKernels fmt_kernels_portable = {
  .isa = SYSFMT_ISA_PORTABLE,
  .encode = fmt_encode_portable,
  .decode = decode,
  .mx_quant = mx_quant,
  .mx_dequant = mx_dequant,
  .amax_bits = amax_bits,
  .dfp_quant = fmt_dfp_quant_portable,
  .dfp_dequant = fmt_dfp_dequant_portable,
};
