/*
 * MX block conversion (OCP MX v1.0 §6.3, numerics.md §4): the scale rule, one block, and
 * whole tensors blocked along any axis.
 *
 * A block's scale comes from the exponent bits of its largest magnitude (never log2f, which is
 * wrong near powers of two), and its elements are encoded by the scalar encoder with the
 * scale's exponent subtracted from the input's exponent, so V_i * 2^-e is exact for every
 * input, FP32 subnormals included. A block holding NaN or Inf gets scale 0xFF and codes 0.
 *
 * Tensors are row-major [outer][D][inner] around the blocked axis D. The element tensor keeps
 * that shape with D padded to a multiple of 32 and packed along D (pack.c), so one block of
 * one (outer, inner) position is 32 codes 32 rows apart when inner > 1. The axis-last case
 * (inner == 1) streams whole rows through the bulk kernel; other axes gather up to 64 blocks
 * into a contiguous buffer first, so the same kernels, and the same bits, serve both.
 */
#include "fmt_internal.h"

#define CHUNK 64 /* blocks per kernel call in the tensor loops */

uint8_t fmt_mx_quant_block(const FmtDesc *elem, const float *v, uint8_t *codes, SysfmtRound r,
                           SysfmtScaleRule rule) {
  uint32_t amax = 0;
  for (int i = 0; i < SYSFMT_MX_BLOCK; i++) {
    uint32_t a = fmt_f2u(v[i]) & 0x7FFFFFFF;
    amax = a > amax ? a : amax;
  }
  if (amax >= 0x7F800000) {
    memset(codes, 0, SYSFMT_MX_BLOCK);
    return 0xFF;
  }
  int e = fmt_mx_scale_exp(elem, amax, rule);
  fmt_encode_run(elem, v, SYSFMT_MX_BLOCK, e, r, 0, codes); /* V_i * 2^-e, exactly */
  return (uint8_t)(e + 127);
}

void fmt_mx_dequant_block(const FmtDesc *elem, const uint8_t *codes, uint8_t scale, size_t n,
                          float *out) {
  for (size_t i = 0; i < n; i++) {
    if (scale == 0xFF)
      out[i] = fmt_u2f(0x7FC00000);
    else
      out[i] = fmt_u2f(fmt_f32_ldexp_bits(fmt_decode_bits(elem, codes[i]), (int)scale - 127));
  }
}

/* The element row of an MX kind, or NULL. */
static const FmtDesc *mx_elem(SysfmtFormat mx) {
  const FmtDesc *d = fmt_desc(mx);
  if (!d || d->kind != FMT_KIND_MX)
    return NULL;
  return &fmt_descs[d->elem];
}

SysfmtStatus sysfmt_mx_scale(SysfmtFormat mx, float amax, SysfmtScaleRule rule,
                             uint8_t *scale) {
  const FmtDesc *elem = mx_elem(mx);
  if (!elem || !scale || (unsigned)rule > SYSFMT_SCALE_CEIL)
    return SYSFMT_ERR_ARG;
  uint32_t a = fmt_f2u(amax) & 0x7FFFFFFF;
  *scale = a >= 0x7F800000 ? 0xFF : (uint8_t)(fmt_mx_scale_exp(elem, a, rule) + 127);
  return SYSFMT_OK;
}

SysfmtStatus sysfmt_mx_quantize_block(SysfmtFormat mx, const float *v, size_t n,
                                      const SysfmtOptions *opt, uint8_t *scale,
                                      uint8_t codes[SYSFMT_MX_BLOCK]) {
  const FmtDesc *elem = mx_elem(mx);
  if (!elem || (!v && n) || n > SYSFMT_MX_BLOCK || !scale || !codes || !fmt_options_valid(opt))
    return SYSFMT_ERR_ARG;
  opt = fmt_options(opt);
  float pad[SYSFMT_MX_BLOCK] = {0};
  if (n)
    memcpy(pad, v, n * sizeof *v);
  *scale = fmt_mx_quant_block(elem, pad, codes, opt->round, opt->scale_rule);
  return SYSFMT_OK;
}

SysfmtStatus sysfmt_mx_dequantize_block(SysfmtFormat mx, uint8_t scale,
                                        const uint8_t codes[SYSFMT_MX_BLOCK], size_t n,
                                        float *out) {
  const FmtDesc *elem = mx_elem(mx);
  if (!elem || !codes || (!out && n) || n > SYSFMT_MX_BLOCK)
    return SYSFMT_ERR_ARG;
  for (size_t i = 0; i < n; i++)
    if (codes[i] >> elem->bits)
      return SYSFMT_ERR_ARG;
  fmt_mx_dequant_block(elem, codes, scale, n, out);
  return SYSFMT_OK;
}

/* ---- Tensors ---- */

typedef struct MxGeom {
  size_t outer, d, inner; /* the tensor as [outer][d][inner] */
  size_t nb;              /* blocks along d */
  size_t row_bytes;       /* packed bytes of nb*32 codes */
  size_t elem_bytes, n_scales;
} MxGeom;

static int mul_ok(size_t a, size_t b, size_t *out) {
  return !__builtin_mul_overflow(a, b, out);
}

static SysfmtStatus mx_geom(const FmtDesc *elem, const SysfmtShape *s, SysfmtPacking p,
                            MxGeom *g) {
  if (!s || s->rank < 1 || s->rank > SYSFMT_MAX_RANK || s->axis < 0 || s->axis >= s->rank)
    return SYSFMT_ERR_ARG;
  g->outer = g->inner = 1;
  for (int i = 0; i < s->rank; i++) {
    if (s->dims[i] == 0)
      return SYSFMT_ERR_ARG;
    if (i < s->axis && !mul_ok(g->outer, s->dims[i], &g->outer))
      return SYSFMT_ERR_ARG;
    if (i > s->axis && !mul_ok(g->inner, s->dims[i], &g->inner))
      return SYSFMT_ERR_ARG;
  }
  g->d = s->dims[s->axis];
  g->nb = g->d / SYSFMT_MX_BLOCK + (g->d % SYSFMT_MX_BLOCK != 0);
  size_t padded, t;
  if (!mul_ok(g->nb, SYSFMT_MX_BLOCK, &padded) || !mul_ok(g->outer, g->inner, &t) ||
      !mul_ok(t, g->d, &padded) /* the FP32 tensor itself must be addressable */)
    return SYSFMT_ERR_ARG;
  g->row_bytes = fmt_packed_row_bytes(elem, p, g->nb * SYSFMT_MX_BLOCK);
  if (!mul_ok(t, g->row_bytes, &g->elem_bytes) || !mul_ok(t, g->nb, &g->n_scales))
    return SYSFMT_ERR_ARG;
  return SYSFMT_OK;
}

SysfmtStatus sysfmt_mx_sizes(SysfmtFormat mx, const SysfmtShape *shape,
                             const SysfmtOptions *opt, size_t *elem_bytes, size_t *n_scales) {
  const FmtDesc *elem = mx_elem(mx);
  MxGeom g;
  if (!elem || !fmt_options_valid(opt))
    return SYSFMT_ERR_ARG;
  SysfmtStatus st = mx_geom(elem, shape, fmt_options(opt)->packing, &g);
  if (st != SYSFMT_OK)
    return st;
  if (elem_bytes)
    *elem_bytes = g.elem_bytes;
  if (n_scales)
    *n_scales = g.n_scales;
  return SYSFMT_OK;
}

/* Codes need no packing step: 8-bit elements, or one code per byte in the low bits. */
static int pack_is_identity(const FmtDesc *elem, SysfmtPacking p) {
  return elem->bits == 8 || p == SYSFMT_PACK_BYTE || (p == SYSFMT_PACK_F8F6F4 && elem->bits == 6);
}

static void quantize_rows(const FmtKernels *k, const FmtDesc *elem, const MxGeom *g,
                          const float *src, uint8_t *elems, uint8_t *scales,
                          const SysfmtOptions *opt) {
  uint8_t tmp[CHUNK * SYSFMT_MX_BLOCK];
  size_t nfull = g->d / SYSFMT_MX_BLOCK, rem = g->d % SYSFMT_MX_BLOCK;
  int direct = pack_is_identity(elem, opt->packing);
  for (size_t o = 0; o < g->outer; o++) {
    const float *row = src + o * g->d;
    uint8_t *erow = elems + o * g->row_bytes, *srow = scales + o * g->nb;
    for (size_t b = 0; b < nfull; b += CHUNK) {
      size_t nblk = nfull - b < CHUNK ? nfull - b : CHUNK;
      const float *in = row + b * SYSFMT_MX_BLOCK;
      if (direct) {
        k->mx_quant(elem, in, nblk, erow + b * SYSFMT_MX_BLOCK, srow + b, opt->round,
                    opt->scale_rule);
      } else {
        k->mx_quant(elem, in, nblk, tmp, srow + b, opt->round, opt->scale_rule);
        fmt_pack_row(elem, opt->packing, tmp, nblk * SYSFMT_MX_BLOCK,
                     erow + fmt_packed_row_bytes(elem, opt->packing, b * SYSFMT_MX_BLOCK), 1);
      }
    }
    if (rem) {
      float pad[SYSFMT_MX_BLOCK] = {0}; /* tail blocks are padded with +0.0 */
      memcpy(pad, row + nfull * SYSFMT_MX_BLOCK, rem * sizeof *pad);
      k->mx_quant(elem, pad, 1, tmp, srow + nfull, opt->round, opt->scale_rule);
      fmt_pack_row(elem, opt->packing, tmp, SYSFMT_MX_BLOCK,
                   erow + fmt_packed_row_bytes(elem, opt->packing, nfull * SYSFMT_MX_BLOCK), 1);
    }
  }
}

/* inner > 1: gather CHUNK blocks (one per inner position) into a contiguous buffer. */
static void quantize_strided(const FmtKernels *k, const FmtDesc *elem, const MxGeom *g,
                             const float *src, uint8_t *elems, uint8_t *scales,
                             const SysfmtOptions *opt) {
  float buf[CHUNK * SYSFMT_MX_BLOCK];
  uint8_t tmp[CHUNK * SYSFMT_MX_BLOCK], scl[CHUNK];
  for (size_t o = 0; o < g->outer; o++) {
    for (size_t b = 0; b < g->nb; b++) {
      size_t k0 = b * SYSFMT_MX_BLOCK;
      size_t nk = g->d - k0 < SYSFMT_MX_BLOCK ? g->d - k0 : SYSFMT_MX_BLOCK;
      size_t off = fmt_packed_row_bytes(elem, opt->packing, k0);
      for (size_t i0 = 0; i0 < g->inner; i0 += CHUNK) {
        size_t ni = g->inner - i0 < CHUNK ? g->inner - i0 : CHUNK;
        for (size_t kk = 0; kk < SYSFMT_MX_BLOCK; kk++) {
          const float *in = src + ((o * g->d + k0 + kk) * g->inner + i0);
          for (size_t i = 0; i < ni; i++)
            buf[i * SYSFMT_MX_BLOCK + kk] = kk < nk ? in[i] : 0.0f;
        }
        k->mx_quant(elem, buf, ni, tmp, scl, opt->round, opt->scale_rule);
        for (size_t i = 0; i < ni; i++) {
          scales[(o * g->nb + b) * g->inner + i0 + i] = scl[i];
          fmt_pack_row(elem, opt->packing, tmp + i * SYSFMT_MX_BLOCK, SYSFMT_MX_BLOCK,
                       elems + (o * g->row_bytes + off) * g->inner + i0 + i, g->inner);
        }
      }
    }
  }
}

SysfmtStatus sysfmt_mx_quantize(SysfmtFormat mx, const SysfmtShape *shape, const float *src,
                                void *elems, uint8_t *scales, const SysfmtOptions *opt) {
  const FmtDesc *elem = mx_elem(mx);
  MxGeom g;
  if (!elem || !src || !elems || !scales || !fmt_options_valid(opt))
    return SYSFMT_ERR_ARG;
  const FmtKernels *k = fmt_kernels(opt);
  opt = fmt_options(opt);
  SysfmtStatus st = mx_geom(elem, shape, opt->packing, &g);
  if (st != SYSFMT_OK)
    return st;
  FmtFpEnv env;
  fmt_fpenv_enter(&env);
  if (g.inner == 1)
    quantize_rows(k, elem, &g, src, elems, scales, opt);
  else
    quantize_strided(k, elem, &g, src, elems, scales, opt);
  fmt_fpenv_leave(&env);
  return SYSFMT_OK;
}

static void dequantize_rows(const FmtKernels *k, const FmtDesc *elem, const MxGeom *g,
                            const uint8_t *elems, const uint8_t *scales, float *dst,
                            SysfmtPacking p) {
  uint8_t tmp[CHUNK * SYSFMT_MX_BLOCK];
  float pad[SYSFMT_MX_BLOCK];
  size_t nfull = g->d / SYSFMT_MX_BLOCK, rem = g->d % SYSFMT_MX_BLOCK;
  for (size_t o = 0; o < g->outer; o++) {
    float *row = dst + o * g->d;
    const uint8_t *erow = elems + o * g->row_bytes, *srow = scales + o * g->nb;
    for (size_t b = 0; b < nfull; b += CHUNK) {
      size_t nblk = nfull - b < CHUNK ? nfull - b : CHUNK;
      const uint8_t *codes = erow + b * SYSFMT_MX_BLOCK;
      if (elem->bits != 8) {
        /* unpacking also masks stray high bits of BYTE and F8F6F4 containers */
        fmt_unpack_row(elem, p, erow + fmt_packed_row_bytes(elem, p, b * SYSFMT_MX_BLOCK), 1,
                       nblk * SYSFMT_MX_BLOCK, tmp);
        codes = tmp;
      }
      k->mx_dequant(elem, codes, srow + b, nblk, row + b * SYSFMT_MX_BLOCK);
    }
    if (rem) {
      fmt_unpack_row(elem, p, erow + fmt_packed_row_bytes(elem, p, nfull * SYSFMT_MX_BLOCK), 1,
                     SYSFMT_MX_BLOCK, tmp);
      k->mx_dequant(elem, tmp, srow + nfull, 1, pad);
      memcpy(row + nfull * SYSFMT_MX_BLOCK, pad, rem * sizeof *pad);
    }
  }
}

static void dequantize_strided(const FmtKernels *k, const FmtDesc *elem, const MxGeom *g,
                               const uint8_t *elems, const uint8_t *scales, float *dst,
                               SysfmtPacking p) {
  float buf[CHUNK * SYSFMT_MX_BLOCK];
  uint8_t tmp[CHUNK * SYSFMT_MX_BLOCK], scl[CHUNK];
  for (size_t o = 0; o < g->outer; o++) {
    for (size_t b = 0; b < g->nb; b++) {
      size_t k0 = b * SYSFMT_MX_BLOCK;
      size_t nk = g->d - k0 < SYSFMT_MX_BLOCK ? g->d - k0 : SYSFMT_MX_BLOCK;
      size_t off = fmt_packed_row_bytes(elem, p, k0);
      for (size_t i0 = 0; i0 < g->inner; i0 += CHUNK) {
        size_t ni = g->inner - i0 < CHUNK ? g->inner - i0 : CHUNK;
        for (size_t i = 0; i < ni; i++) {
          scl[i] = scales[(o * g->nb + b) * g->inner + i0 + i];
          fmt_unpack_row(elem, p, elems + (o * g->row_bytes + off) * g->inner + i0 + i,
                         g->inner, SYSFMT_MX_BLOCK, tmp + i * SYSFMT_MX_BLOCK);
        }
        k->mx_dequant(elem, tmp, scl, ni, buf);
        for (size_t kk = 0; kk < nk; kk++) {
          float *out = dst + ((o * g->d + k0 + kk) * g->inner + i0);
          for (size_t i = 0; i < ni; i++)
            out[i] = buf[i * SYSFMT_MX_BLOCK + kk];
        }
      }
    }
  }
}

SysfmtStatus sysfmt_mx_dequantize(SysfmtFormat mx, const SysfmtShape *shape, const void *elems,
                                  const uint8_t *scales, float *dst, const SysfmtOptions *opt) {
  const FmtDesc *elem = mx_elem(mx);
  MxGeom g;
  if (!elem || !elems || !scales || !dst || !fmt_options_valid(opt))
    return SYSFMT_ERR_ARG;
  const FmtKernels *k = fmt_kernels(opt);
  opt = fmt_options(opt);
  SysfmtStatus st = mx_geom(elem, shape, opt->packing, &g);
  if (st != SYSFMT_OK)
    return st;
  FmtFpEnv env;
  fmt_fpenv_enter(&env);
  if (g.inner == 1)
    dequantize_rows(k, elem, &g, elems, scales, dst, opt->packing);
  else
    dequantize_strided(k, elem, &g, elems, scales, dst, opt->packing);
  fmt_fpenv_leave(&env);
  return SYSFMT_OK;
}
