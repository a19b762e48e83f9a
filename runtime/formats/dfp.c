/*
 * INT16 dynamic fixed point (DFP16, numerics.md §8): one shared exponent Es per tensor or
 * per block, q_i = clamp(RNE(x_i * 2^-Es), -Qmax, Qmax) with Es = E(amax) - 14 + add_shift and
 * Qmax = 2^(15-add_shift) - 1.
 *
 * The clamp is the point of this file: an amax just below a power of two rounds up to
 * 2^(15-add_shift), which does not fit, and libxsmm's paths wrap there; here it clamps, so
 * -32768 is never produced and every code is within ±Qmax, which is what makes the INT32
 * chunk bound of dot.c hold. NaN or Inf input is an error (SYSFMT_ERR_NAN), not a code.
 */
#include "fmt_internal.h"

static int32_t dfp_qmax(int add_shift) {
  return (INT32_C(1) << (15 - add_shift)) - 1;
}

static int32_t dfp_exp(uint32_t amax_bits, int add_shift) {
  if (amax_bits == 0)
    return 0; /* [project] an all-zero tensor has Es = 0 */
  return fmt_exp_of_bits(amax_bits) - 14 + add_shift;
}

SysfmtStatus sysfmt_dfp16_exponent(float amax, int add_shift, int32_t *es) {
  uint32_t a = fmt_f2u(amax) & 0x7FFFFFFF;
  if (!es || add_shift < 0 || add_shift > 14)
    return SYSFMT_ERR_ARG;
  if (a >= 0x7F800000)
    return SYSFMT_ERR_NAN;
  *es = dfp_exp(a, add_shift);
  return SYSFMT_OK;
}

SysfmtStatus sysfmt_dfp16_quantize_blocks(const float *x, size_t n, size_t block,
                                          const SysfmtOptions *opt, int16_t *q, int32_t *es) {
  if ((n && (!x || !q || !es)) || block == 0 || !fmt_options_valid(opt))
    return SYSFMT_ERR_ARG;
  const FmtKernels *k = fmt_kernels(opt);
  opt = fmt_options(opt);
  int32_t qmax = dfp_qmax(opt->add_shift);
  SysfmtStatus st = SYSFMT_OK;
  FmtFpEnv env;
  fmt_fpenv_enter(&env);
  for (size_t b = 0, j = 0; b < n; b += block, j++) {
    size_t m = n - b < block ? n - b : block;
    uint32_t amax = k->amax_bits(x + b, m);
    if (amax >= 0x7F800000) {
      st = SYSFMT_ERR_NAN; /* [project] NaN and Inf have no DFP16 code */
      break;
    }
    es[j] = dfp_exp(amax, opt->add_shift);
    k->dfp_quant(x + b, m, es[j], qmax, opt->round, q + b);
  }
  fmt_fpenv_leave(&env);
  return st;
}

SysfmtStatus sysfmt_dfp16_quantize(const float *x, size_t n, const SysfmtOptions *opt,
                                   int16_t *q, int32_t *es) {
  if (n == 0) {
    if (!es || !fmt_options_valid(opt))
      return SYSFMT_ERR_ARG;
    *es = 0;
    return SYSFMT_OK;
  }
  return sysfmt_dfp16_quantize_blocks(x, n, n, opt, q, es);
}

SysfmtStatus sysfmt_dfp16_dequantize_blocks(const int16_t *q, size_t n, size_t block,
                                            const int32_t *es, const SysfmtOptions *opt,
                                            float *x) {
  if ((n && (!q || !x || !es)) || block == 0 || !fmt_options_valid(opt))
    return SYSFMT_ERR_ARG;
  for (size_t b = 0, j = 0; b < n; b += block, j++)
    if (es[j] < -1000 || es[j] > 1000)
      return SYSFMT_ERR_ARG;
  const FmtKernels *k = fmt_kernels(opt);
  FmtFpEnv env;
  fmt_fpenv_enter(&env);
  for (size_t b = 0, j = 0; b < n; b += block, j++)
    k->dfp_dequant(q + b, n - b < block ? n - b : block, es[j], x + b);
  fmt_fpenv_leave(&env);
  return SYSFMT_OK;
}

SysfmtStatus sysfmt_dfp16_dequantize(const int16_t *q, size_t n, int32_t es, float *x) {
  if (n == 0)
    return SYSFMT_OK;
  return sysfmt_dfp16_dequantize_blocks(q, n, n, &es, NULL, x);
}
