/*
 * The format table: one FmtDesc row per SysfmtFormat, holding every number the conversions
 * need (widths, bias, smallest quantum, largest finite code, Inf and NaN codes, overflow rules,
 * the MX scale parameters). The rows transcribe numerics.md §1 and §2; everything else in
 * the library computes from them, so a format is added here, not in the conversion code.
 * Also here: name lookup, SysfmtInfo and status strings.
 */
#include <math.h>

#include "fmt_internal.h"

/* ORDER FORMAT: rows follow enum SysfmtFormat in sysfmt.h. */
const FmtDesc fmt_descs[SYSFMT_FORMAT_COUNT] = {
  [SYSFMT_F32] = {"f32", FMT_KIND_FLOAT, 32, 8, 23, 127, -149, 0x7F7FFFFF, 0x7F800000, 0, 1, 2,
                  127, 0x7FFFFF, SYSFMT_F32},
  [SYSFMT_F16] = {"f16", FMT_KIND_FLOAT, 16, 5, 10, 15, -24, 0x7BFF, 0x7C00, 0, 1, 2, 15,
                  0x7FE000, SYSFMT_F16},
  [SYSFMT_BF16] = {"bf16", FMT_KIND_FLOAT, 16, 8, 7, 127, -133, 0x7F7F, 0x7F80, 0, 1, 2, 127,
                   0x7F0000, SYSFMT_BF16},
  /* 448 = 1.75 * 2^8; NaN 0x7F, no Inf */
  [SYSFMT_FP8_E4M3] = {"fp8e4m3", FMT_KIND_FLOAT, 8, 4, 3, 7, -9, 0x7E, 0, 0x7F, 0, 1, 8,
                       0x600000, SYSFMT_FP8_E4M3},
  /* 57344 = 1.75 * 2^15; Inf 0x7C, NaN written as 0x7E */
  [SYSFMT_FP8_E5M2] = {"fp8e5m2", FMT_KIND_FLOAT, 8, 5, 2, 15, -16, 0x7B, 0x7C, 0x7E, 0, 1, 15,
                       0x600000, SYSFMT_FP8_E5M2},
  /* 28 = 1.75 * 2^4; NaN in -> +max [project] */
  [SYSFMT_FP6_E3M2] = {"fp6e3m2", FMT_KIND_FLOAT, 6, 3, 2, 3, -4, 0x1F, 0, 0x1F, 0, 0, 4,
                       0x600000, SYSFMT_FP6_E3M2},
  /* 7.5 = 1.875 * 2^2 */
  [SYSFMT_FP6_E2M3] = {"fp6e2m3", FMT_KIND_FLOAT, 6, 2, 3, 1, -3, 0x1F, 0, 0x1F, 0, 0, 2,
                       0x700000, SYSFMT_FP6_E2M3},
  /* 6 = 1.5 * 2^2 */
  [SYSFMT_FP4_E2M1] = {"fp4e2m1", FMT_KIND_FLOAT, 4, 2, 1, 1, -1, 0x7, 0, 0x7, 0, 0, 2,
                       0x400000, SYSFMT_FP4_E2M1},
  /* n * 2^-6, |n| <= 127 (0x80 never written); 127/64 = 1.984375 * 2^0 */
  [SYSFMT_INT8] = {"int8", FMT_KIND_INT, 8, 0, 6, 0, -6, 127, 0, 0x7F, 0, 0, 0, 0x7E0000,
                   SYSFMT_INT8},
  [SYSFMT_E8M0] = {"e8m0", FMT_KIND_E8M0, 8, 8, 0, 127, -127, 0xFE, 0, 0xFF, 0, 1, 127, 0,
                   SYSFMT_E8M0},
  [SYSFMT_I32] = {"i32", FMT_KIND_I32, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, SYSFMT_I32},
  [SYSFMT_MXFP8_E4M3] = {"mxfp8e4m3", FMT_KIND_MX, 8, 4, 3, 7, -9, 0, 0, 0, 0, 0, 8, 0,
                         SYSFMT_FP8_E4M3},
  [SYSFMT_MXFP8_E5M2] = {"mxfp8e5m2", FMT_KIND_MX, 8, 5, 2, 15, -16, 0, 0, 0, 0, 0, 15, 0,
                         SYSFMT_FP8_E5M2},
  [SYSFMT_MXFP6_E3M2] = {"mxfp6e3m2", FMT_KIND_MX, 6, 3, 2, 3, -4, 0, 0, 0, 0, 0, 4, 0,
                         SYSFMT_FP6_E3M2},
  [SYSFMT_MXFP6_E2M3] = {"mxfp6e2m3", FMT_KIND_MX, 6, 2, 3, 1, -3, 0, 0, 0, 0, 0, 2, 0,
                         SYSFMT_FP6_E2M3},
  [SYSFMT_MXFP4_E2M1] = {"mxfp4e2m1", FMT_KIND_MX, 4, 2, 1, 1, -1, 0, 0, 0, 0, 0, 2, 0,
                         SYSFMT_FP4_E2M1},
  [SYSFMT_MXINT8] = {"mxint8", FMT_KIND_MX, 8, 0, 6, 0, -6, 0, 0, 0, 0, 0, 0, 0, SYSFMT_INT8},
  [SYSFMT_DFP16] = {"i16", FMT_KIND_DFP, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, SYSFMT_DFP16},
};

const char *sysfmt_format_name(SysfmtFormat f) {
  const FmtDesc *d = fmt_desc(f);
  return d ? d->name : NULL;
}

SysfmtStatus sysfmt_format_from_name(const char *name, SysfmtFormat *out) {
  if (!name || !out)
    return SYSFMT_ERR_ARG;
  for (int f = 0; f < SYSFMT_FORMAT_COUNT; f++) {
    if (strcmp(fmt_descs[f].name, name) == 0) {
      *out = (SysfmtFormat)f;
      return SYSFMT_OK;
    }
  }
  return SYSFMT_ERR_FORMAT;
}

int sysfmt_is_mx(SysfmtFormat f) {
  const FmtDesc *d = fmt_desc(f);
  return d && d->kind == FMT_KIND_MX;
}

SysfmtStatus sysfmt_format_info(SysfmtFormat f, SysfmtInfo *info) {
  const FmtDesc *d = fmt_desc(f);
  if (!d || !info)
    return SYSFMT_ERR_ARG;
  const FmtDesc *e = &fmt_descs[d->elem];
  memset(info, 0, sizeof *info);
  info->name = d->name;
  info->bits = e->bits;
  info->element = (SysfmtFormat)d->elem;
  info->block = d->kind == FMT_KIND_MX ? SYSFMT_MX_BLOCK : 0;
  switch (e->kind) {
  case FMT_KIND_FLOAT:
    info->ebits = e->ebits;
    info->mbits = e->mbits;
    info->bias = e->bias;
    info->emax = e->emax;
    info->has_inf = e->infcode != 0;
    info->has_nan = e->nan_payload || e->nancode > e->maxcode;
    info->max_normal = ldexp(1.0 + (double)e->maxfrac / 0x800000, e->emax);
    info->min_normal = ldexp(1.0, 1 - e->bias);
    info->min_subnormal = ldexp(1.0, e->qmin);
    break;
  case FMT_KIND_INT:
    info->mbits = e->mbits;
    info->max_normal = ldexp((double)e->maxcode, e->qmin);
    info->min_normal = info->min_subnormal = ldexp(1.0, e->qmin);
    break;
  case FMT_KIND_E8M0:
    info->ebits = 8;
    info->bias = 127;
    info->emax = 127;
    info->has_nan = 1;
    info->max_normal = ldexp(1.0, 127);
    info->min_normal = info->min_subnormal = ldexp(1.0, -127);
    break;
  case FMT_KIND_I32:
    info->max_normal = 2147483647.0;
    info->min_normal = info->min_subnormal = 1.0;
    break;
  case FMT_KIND_DFP:
    info->max_normal = 32767.0; /* times 2^Es */
    info->min_normal = info->min_subnormal = 1.0;
    break;
  default:
    break;
  }
  return SYSFMT_OK;
}

const char *sysfmt_status_str(SysfmtStatus s) {
  switch (s) {
  case SYSFMT_OK: return "ok";
  case SYSFMT_ERR_ARG: return "invalid argument";
  case SYSFMT_ERR_FORMAT: return "operation not supported by this format";
  case SYSFMT_ERR_NAN: return "NaN or Inf input cannot be represented";
  case SYSFMT_ERR_RANGE: return "input code out of the promised range";
  case SYSFMT_ERR_NOMEM: return "out of memory";
  }
  return "unknown status";
}
