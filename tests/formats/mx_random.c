/*
 * formats.mx: MX quantization against an independent reference on millions of random blocks,
 * and whole tensors blocked along every axis in every storage layout.
 *
 * The reference (ref_block below) is the algorithm of numerics.md §4 in double arithmetic:
 * E(amax) from frexp, the round-up rule by comparing amax / 2^E with the element's largest
 * significand, elements encoded by the table search of ref.c on the exact value V * 2^-e. The
 * block generator mixes uniform bit patterns, narrow and wide dynamic ranges, exact element
 * values and midpoints (ties) at random scales, maxima at and around powers of two and the
 * round-up boundary, FP32 subnormals, zeros and signed zeros, values near FLT_MAX, and
 * occasional NaN and Inf. Every instruction set must give the portable path's bits, and
 * dequantization must give X * P exactly (or ±Inf, or NaN for scale 0xFF).
 */
#include <math.h>

#include "ref.h"
#include "sysfmt.h"
#include "test_util.h"

static const SysfmtIsa isas[] = {SYSFMT_ISA_PORTABLE, SYSFMT_ISA_AVX2, SYSFMT_ISA_AVX512};
static const SysfmtFormat mx_kinds[6] = {SYSFMT_MXFP8_E4M3, SYSFMT_MXFP8_E5M2,
                                         SYSFMT_MXFP6_E3M2, SYSFMT_MXFP6_E2M3,
                                         SYSFMT_MXFP4_E2M1, SYSFMT_MXINT8};
static const SysfmtFormat elems[6] = {SYSFMT_FP8_E4M3, SYSFMT_FP8_E5M2, SYSFMT_FP6_E3M2,
                                      SYSFMT_FP6_E2M3, SYSFMT_FP4_E2M1, SYSFMT_INT8};
static RefFmt refs[6];

static float mkf(uint32_t sign, int bexp, uint32_t mant) {
  if (bexp < 0)
    bexp = 0;
  if (bexp > 254)
    bexp = 254;
  return t_u2f(sign << 31 | (uint32_t)bexp << 23 | (mant & 0x7FFFFF));
}

static float rnd_sign(float x) {
  return t_rand32() & 1 ? -x : x;
}

static void gen_block(const RefFmt *r, float *v) {
  int kind = (int)t_below(12);
  int base = (int)t_below(254) + 1; /* biased FP32 exponent of the block's top */
  for (int i = 0; i < 32; i++) {
    uint32_t s = t_rand32() & 1, m = t_rand32();
    switch (kind) {
    case 0: /* any finite bits */
      v[i] = mkf(s, (int)t_below(255), m);
      break;
    case 1: /* narrow range below 2^base */
      v[i] = mkf(s, base - (int)t_below(8), m);
      break;
    case 2: /* wide range: elements vanish, subnormals appear */
      v[i] = mkf(s, base - (int)t_below(60), m);
      break;
    case 3: { /* exact element values and midpoints times 2^k: ties after scaling */
      int k = (int)t_below(200) - 100;
      int j = (int)t_below((uint32_t)r->nvals - 1);
      double val = t_rand32() & 1 ? r->vals[j] : (r->vals[j] + r->vals[j + 1]) / 2;
      if (i == 0) /* fix the block maximum so the midpoints line up with the scale */
        val = r->vals[r->nvals - 1];
      v[i] = (float)ldexp(s ? -val : val, k);
      break;
    }
    case 4: /* FP32 subnormals and the smallest normals */
      v[i] = mkf(s, (int)t_below(2), m >> (t_below(23)));
      break;
    case 5: /* zeros, signed zeros, a few values */
      v[i] = t_below(4) ? (s ? -0.0f : 0.0f) : mkf(s, base, m);
      break;
    case 6: /* near FLT_MAX */
      v[i] = mkf(s, 254 - (int)t_below(20), m);
      break;
    default: /* narrow range, then adjust the maximum below */
      v[i] = mkf(s, base - (int)t_below(4), m);
      break;
    }
  }
  if (kind >= 7) {
    /* the maximum at a boundary: a power of two, just below one, or around the element's
       largest significand (the round-up rule's threshold) */
    int i = (int)t_below(32), ex = base - 127;
    double top;
    switch (kind) {
    case 7: top = ldexp(1.0, ex); break;
    case 8: top = nextafterf((float)ldexp(1.0, ex + 1), 0); break;
    case 9: top = ldexp(r->maxsig, ex); break;
    case 10: top = nextafterf((float)ldexp(r->maxsig, ex), INFINITY); break;
    default: top = nextafterf((float)ldexp(r->maxsig, ex), 0); break;
    }
    if (top < 0x1p128)
      v[i] = rnd_sign((float)top);
  }
  if (t_below(64) == 0)
    v[t_below(32)] = t_below(2) ? rnd_sign(INFINITY) : t_u2f(0x7FC00000 | t_rand32() >> 10);
  if (t_below(32) == 0) /* all zero */
    for (int i = 0; i < 32; i++)
      v[i] = t_below(2) ? -0.0f : 0.0f;
}

/* numerics.md §4, independently: returns the scale, fills 32 codes. */
static uint8_t ref_block(const RefFmt *r, const float *v, int n, int rule, int mode,
                         uint8_t *codes) {
  double amax = 0;
  int special = 0;
  for (int i = 0; i < n; i++) {
    if (isnan(v[i]) || isinf(v[i]))
      special = 1;
    else if (fabs(v[i]) > amax)
      amax = fabs(v[i]);
  }
  if (special) {
    memset(codes, 0, 32);
    return 0xFF;
  }
  int e = -127;
  if (amax > 0) {
    int ex;
    frexp(amax, &ex);
    e = ex - 1 - r->emax;
    if (rule && ldexp(amax, -(ex - 1)) > r->maxsig)
      e++;
    if (e < -127)
      e = -127;
    if (e > 127)
      e = 127;
  }
  double f = ldexp(1.0, -e); /* V * 2^-e is exact in double */
  for (int i = 0; i < 32; i++) {
    float x = i < n ? v[i] : 0.0f;
    codes[i] = (uint8_t)ref_encode_mag(r, signbit(x) != 0, fabs((double)x) * f, mode, 0);
  }
  return (uint8_t)(e + 127);
}

static float ref_value(const RefFmt *r, uint8_t scale, uint8_t code) {
  static double pow2[255]; /* 2^(s-127), exact in double */
  if (pow2[127] == 0)
    for (int s = 0; s < 255; s++)
      pow2[s] = ldexp(1.0, s - 127);
  if (scale == 0xFF)
    return NAN;
  return (float)(ref_decode(r, code) * pow2[scale]);
}

static int same_float(float a, float b) {
  return (isnan(a) && isnan(b)) || t_f2u(a) == t_f2u(b);
}

static void random_blocks(void) {
  enum { NB = 4096 };
  float *v = malloc(NB * 32 * sizeof *v), *back = malloc(NB * 32 * sizeof *back),
        *back0 = malloc(NB * 32 * sizeof *back0);
  uint8_t *want = malloc(NB * 32), *got = malloc(NB * 32), *got0 = malloc(NB * 32);
  uint8_t wscale[NB], gscale[NB], gscale0[NB];
  size_t batches = 512 / T_SCALE;
  for (size_t b = 0; b < batches; b++) {
    int t = (int)t_below(6), rule = (int)t_below(2);
    int mode = t_below(4) ? REF_RNE : (int)t_below(3);
    const RefFmt *r = &refs[t];
    /* a row whose length is not always a multiple of 32: the tail block is padded */
    size_t len = NB * 32 - (t_below(2) ? t_below(32) : 0), nb = (len + 31) / 32;
    for (size_t k = 0; k < nb; k++)
      gen_block(r, v + 32 * k);
    for (size_t k = 0; k < nb; k++) {
      int n = (int)(len - 32 * k < 32 ? len - 32 * k : 32);
      wscale[k] = ref_block(r, v + 32 * k, n, rule, mode, want + 32 * k);
    }
    SysfmtShape sh = {1, 0, {len}};
    for (int i = 0; i < 3; i++) {
      SysfmtOptions op = SYSFMT_OPTIONS_INIT;
      op.round = (SysfmtRound)mode;
      op.scale_rule = (SysfmtScaleRule)rule;
      op.packing = SYSFMT_PACK_BYTE;
      op.isa = isas[i];
      CHECK(sysfmt_mx_quantize(mx_kinds[t], &sh, v, got, gscale, &op) == SYSFMT_OK, "quantize");
      uint64_t bad = 0;
      for (size_t k = 0; k < nb; k++) {
        int ok = gscale[k] == wscale[k] && memcmp(got + 32 * k, want + 32 * k, 32) == 0;
        if (!ok && bad++ < 3) {
          int e = 0;
          while (e < 32 && got[32 * k + e] == want[32 * k + e])
            e++;
          e = e < 32 ? e : 0;
          CHECK(0, "%s %s rule %d round %d block %zu: scale 0x%02X want 0x%02X; element %d "
                   "0x%08X -> 0x%02X want 0x%02X",
                sysfmt_format_name(mx_kinds[t]), sysfmt_isa_name(isas[i]), rule, mode, k,
                gscale[k], wscale[k], e, t_f2u(v[32 * k + e]), got[32 * k + e], want[32 * k + e]);
        }
      }
      CHECK(bad == 0, "%s %s: %" PRIu64 " blocks differ from the reference",
            sysfmt_format_name(mx_kinds[t]), sysfmt_isa_name(isas[i]), bad);
      T.checks += nb;
      /* dequantize the reference codes */
      CHECK(sysfmt_mx_dequantize(mx_kinds[t], &sh, want, wscale, back, &op) == SYSFMT_OK,
            "dequantize");
      bad = 0;
      for (size_t k = 0; k < len; k++) {
        float w = ref_value(r, wscale[k / 32], want[k]);
        if (!same_float(back[k], w) && bad++ < 3)
          CHECK(0, "%s %s dequantize code 0x%02X scale 0x%02X -> %a, want %a",
                sysfmt_format_name(mx_kinds[t]), sysfmt_isa_name(isas[i]), want[k], wscale[k / 32],
                back[k], w);
      }
      CHECK(bad == 0, "dequantize: %" PRIu64 " values differ", bad);
      T.checks += len;
      if (i == 0) {
        memcpy(got0, got, nb * 32);
        memcpy(gscale0, gscale, nb);
        memcpy(back0, back, len * sizeof *back);
      } else {
        CHECK(memcmp(got, got0, nb * 32) == 0 && memcmp(gscale, gscale0, nb) == 0 &&
                  memcmp(back, back0, len * sizeof *back) == 0,
              "%s: %s bits differ from portable", sysfmt_format_name(mx_kinds[t]),
              sysfmt_isa_name(isas[i]));
      }
    }
  }
  printf("formats.mx: %zu random blocks\n", batches * NB);
  free(v);
  free(back);
  free(back0);
  free(want);
  free(got);
  free(got0);
}

/* Code of element (o, k, i) in the documented storage layout, decoded independently. */
static uint8_t layout_get(const uint8_t *e, int bits, SysfmtPacking p, size_t dp, size_t inner,
                          size_t o, size_t k, size_t i) {
  if (bits == 8 || p == SYSFMT_PACK_BYTE)
    return e[(o * dp + k) * inner + i];
  if (p == SYSFMT_PACK_F8F6F4)
    return bits == 4 ? e[(o * dp + k) * inner + i] >> 2 : e[(o * dp + k) * inner + i];
  if (bits == 4) {
    uint8_t byte = e[(o * (dp / 2) + k / 2) * inner + i];
    return k % 2 ? byte >> 4 : byte & 15;
  }
  size_t g = k / 4, row = o * (dp / 4 * 3);
  uint32_t w = e[(row + 3 * g) * inner + i] | (uint32_t)e[(row + 3 * g + 1) * inner + i] << 8 |
               (uint32_t)e[(row + 3 * g + 2) * inner + i] << 16;
  return (w >> (6 * (k % 4))) & 63;
}

static void tensors(void) {
  size_t ntensors = 400 / T_SCALE;
  for (size_t it = 0; it < ntensors; it++) {
    int t = (int)t_below(6), rule = (int)t_below(2), mode = (int)t_below(3);
    SysfmtPacking p = (SysfmtPacking)t_below(3);
    const RefFmt *r = &refs[t];
    SysfmtShape sh = {(int)t_below(4) + 1, 0, {0}};
    sh.axis = (int)t_below((uint32_t)sh.rank);
    size_t total = 1;
    for (int d = 0; d < sh.rank; d++) {
      sh.dims[d] = d == sh.axis ? 1 + t_below(100) : 1 + t_below(sh.rank > 2 ? 6 : 40);
      total *= sh.dims[d];
    }
    size_t outer = 1, inner = 1, D = sh.dims[sh.axis];
    for (int d = 0; d < sh.axis; d++)
      outer *= sh.dims[d];
    for (int d = sh.axis + 1; d < sh.rank; d++)
      inner *= sh.dims[d];
    size_t nb = (D + 31) / 32, dp = nb * 32;
    float *v = malloc(total * sizeof *v), *back = malloc(total * sizeof *back);
    float *blk = malloc(nb * 32 * sizeof *blk);
    for (size_t k = 0; k < total; k += 32) {
      float tmp[32];
      gen_block(r, tmp);
      memcpy(v + k, tmp, (total - k < 32 ? total - k : 32) * sizeof *v);
    }
    SysfmtOptions op = SYSFMT_OPTIONS_INIT;
    op.round = (SysfmtRound)mode;
    op.scale_rule = (SysfmtScaleRule)rule;
    op.packing = p;
    size_t eb = 0, ns = 0;
    CHECK(sysfmt_mx_sizes(mx_kinds[t], &sh, &op, &eb, &ns) == SYSFMT_OK, "sizes");
    size_t row_bytes = p == SYSFMT_PACK_DENSE && r->bits < 8 ? dp * (size_t)r->bits / 8 : dp;
    CHECK(eb == outer * row_bytes * inner && ns == outer * nb * inner,
          "sizes: %zu bytes %zu scales", eb, ns);
    uint8_t *e0 = malloc(eb), *s0 = malloc(ns), *e1 = malloc(eb), *s1 = malloc(ns);
    for (int i = 0; i < 3; i++) {
      op.isa = isas[i];
      memset(e1, 0x5A, eb);
      CHECK(sysfmt_mx_quantize(mx_kinds[t], &sh, v, e1, s1, &op) == SYSFMT_OK, "quantize");
      CHECK(sysfmt_mx_dequantize(mx_kinds[t], &sh, e1, s1, back, &op) == SYSFMT_OK, "dequantize");
      if (i == 0) {
        memcpy(e0, e1, eb);
        memcpy(s0, s1, ns);
      } else {
        CHECK(memcmp(e0, e1, eb) == 0 && memcmp(s0, s1, ns) == 0, "tensor: %s differs from portable",
              sysfmt_isa_name(isas[i]));
      }
      uint64_t bad = 0;
      for (size_t o = 0; o < outer; o++) {
        for (size_t in = 0; in < inner; in++) {
          for (size_t k = 0; k < D; k++)
            blk[k] = v[(o * D + k) * inner + in];
          for (size_t b = 0; b < nb; b++) {
            uint8_t want[32];
            int n = (int)(D - 32 * b < 32 ? D - 32 * b : 32);
            uint8_t ws = ref_block(r, blk + 32 * b, n, rule, mode, want);
            uint8_t gs = s1[(o * nb + b) * inner + in];
            int ok = gs == ws;
            for (int k = 0; k < 32; k++) {
              uint8_t g = layout_get(e1, r->bits, p, dp, inner, o, 32 * b + (size_t)k, in);
              ok &= g == want[k];
              if (k < n) {
                float dv = back[(o * D + 32 * b + (size_t)k) * inner + in];
                ok &= same_float(dv, ref_value(r, ws, want[k]));
              }
            }
            if (!ok)
              bad++;
            T.checks++;
          }
        }
      }
      CHECK(bad == 0, "tensor %s rank %d axis %d dims %zu,%zu,%zu,%zu packing %d rule %d round %d "
                      "on %s: %" PRIu64 " blocks wrong",
            sysfmt_format_name(mx_kinds[t]), sh.rank, sh.axis, sh.dims[0], sh.dims[1], sh.dims[2],
            sh.dims[3], p, rule, mode, sysfmt_isa_name(isas[i]), bad);
    }
    free(v);
    free(back);
    free(blk);
    free(e0);
    free(s0);
    free(e1);
    free(s1);
  }
}

int main(void) {
  t_begin("formats.mx");
  for (int t = 0; t < 6; t++)
    ref_init(&refs[t], elems[t]);
  random_blocks();
  tensors();
  for (int t = 0; t < 6; t++)
    ref_free(&refs[t]);
  return t_end();
}
