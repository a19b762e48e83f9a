/*
 * Array conversions: the public entry points that check their arguments, pick a kernel table
 * (dispatch.c) and run it in the library's floating-point environment. FP32 "conversions" are
 * copies of the bits.
 */
#include "fmt_internal.h"

static const FmtDesc *array_desc(SysfmtFormat f) {
  const FmtDesc *d = fmt_desc(f);
  if (!d || !(d->kind == FMT_KIND_FLOAT || d->kind == FMT_KIND_INT || d->kind == FMT_KIND_E8M0))
    return NULL;
  return d;
}

SysfmtStatus sysfmt_encode_array(SysfmtFormat f, const float *src, size_t n, void *dst,
                                 const SysfmtOptions *opt) {
  const FmtDesc *d = array_desc(f);
  if ((unsigned)f >= SYSFMT_FORMAT_COUNT || (n && (!src || !dst)) || !fmt_options_valid(opt))
    return SYSFMT_ERR_ARG;
  if (!d)
    return SYSFMT_ERR_FORMAT;
  if (d->bits == 32) {
    if (n)
      memcpy(dst, src, n * sizeof *src);
    return SYSFMT_OK;
  }
  const FmtKernels *k = fmt_kernels(opt);
  opt = fmt_options(opt);
  FmtFpEnv env;
  fmt_fpenv_enter(&env);
  k->encode(d, src, n, dst, opt->round, fmt_ovf_flag(d, opt->overflow));
  fmt_fpenv_leave(&env);
  return SYSFMT_OK;
}

SysfmtStatus sysfmt_decode_array(SysfmtFormat f, const void *src, size_t n, float *dst,
                                 const SysfmtOptions *opt) {
  const FmtDesc *d = array_desc(f);
  if ((unsigned)f >= SYSFMT_FORMAT_COUNT || (n && (!src || !dst)) || !fmt_options_valid(opt))
    return SYSFMT_ERR_ARG;
  if (!d)
    return SYSFMT_ERR_FORMAT;
  if (d->bits == 32) {
    if (n)
      memcpy(dst, src, n * sizeof *dst);
    return SYSFMT_OK;
  }
  if (d->bits < 8) {
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++)
      if (s[i] >> d->bits)
        return SYSFMT_ERR_ARG;
  }
  const FmtKernels *k = fmt_kernels(opt);
  FmtFpEnv env;
  fmt_fpenv_enter(&env);
  k->decode(d, src, n, dst);
  fmt_fpenv_leave(&env);
  return SYSFMT_OK;
}
