/*
 * formats.dot: the MX reference dot products (numerics.md §5) against an independent
 * reimplementation and an FP64 reference, for all 36 pairs of element types.
 *
 * The independent version forms each block sum exactly as a 128-bit integer from products of
 * decoded values (ref.c tables), rounds it to FP32 with its own bit-length/shift/round-to-even
 * code, and accumulates blocks in order; special blocks (NaN scale, Inf or NaN elements)
 * follow IEEE double arithmetic. Results must match bit for bit (NaN by class). The FP64
 * reference (all products summed in double) must lie within the §5.4 bound. For pairs within
 * {E3M2, E2M3, E2M1, INT8} the §5.2 claim is checked too: a plain FP32 loop over the products,
 * forward or backward, gives the exact block sum. sysfmt_mx_gemm is checked against
 * sysfmt_mx_dot with B quantized along axis 0 versus B^T along axis 1, in every packing.
 */
#include <math.h>

#include "ref.h"
#include "sysfmt.h"
#include "test_util.h"

__extension__ typedef unsigned __int128 U128;

static const SysfmtFormat mx_kinds[6] = {SYSFMT_MXFP8_E4M3, SYSFMT_MXFP8_E5M2,
                                         SYSFMT_MXFP6_E3M2, SYSFMT_MXFP6_E2M3,
                                         SYSFMT_MXFP4_E2M1, SYSFMT_MXINT8};
static const SysfmtFormat elems[6] = {SYSFMT_FP8_E4M3, SYSFMT_FP8_E5M2, SYSFMT_FP6_E3M2,
                                      SYSFMT_FP6_E2M3, SYSFMT_FP4_E2M1, SYSFMT_INT8};
static RefFmt refs[6];
static int lsb[6]; /* exponent of each element type's smallest positive value */

/* RNE to FP32 of (neg ? -1 : 1) * u * 2^k, written independently of the library. */
static float round_to_f32(int neg, U128 u, int k) {
  if (u == 0)
    return 0.0f;
  int len = 0;
  for (U128 t = u; t; t >>= 1)
    len++;
  int top = len - 1 + k;                      /* exponent of the leading bit */
  int q = top >= -126 ? top - 23 : -149;      /* exponent of the result's last place */
  int sh = q - k;
  U128 n = u;
  if (sh > 0) {
    if (sh > 127) {
      n = 0; /* far below half an ulp */
    } else {
      U128 rem = u & (((U128)1 << sh) - 1), half = (U128)1 << (sh - 1);
      n = u >> sh;
      if (rem > half || (rem == half && (n & 1)))
        n++;
    }
  } else {
    n = u << -sh; /* exact */
  }
  double v = ldexp((double)n, q); /* n <= 2^24: exact; beyond FLT_MAX becomes Inf below */
  float f = (float)v;
  return neg ? -f : f;
}

static float ref_block(int ta, const uint8_t *ca, uint8_t sa, int tb, const uint8_t *cb,
                       uint8_t sb) {
  if (sa == 0xFF || sb == 0xFF)
    return NAN;
  const RefFmt *ra = &refs[ta], *rb = &refs[tb];
  int special = 0;
  for (int i = 0; i < 32; i++)
    special |= isnan(ref_decode(ra, ca[i])) || isinf(ref_decode(ra, ca[i])) ||
               isnan(ref_decode(rb, cb[i])) || isinf(ref_decode(rb, cb[i]));
  if (special) {
    double s = 0;
    for (int i = 0; i < 32; i++)
      s += ref_decode(ra, ca[i]) * ref_decode(rb, cb[i]);
    return (float)s; /* NaN or ±Inf */
  }
  U128 pos = 0, negs = 0;
  for (int i = 0; i < 32; i++) {
    double p = ref_decode(ra, ca[i]) * ref_decode(rb, cb[i]); /* exact: <= 16 significant bits */
    U128 units = (U128)ldexp(fabs(p), -(lsb[ta] + lsb[tb]));
    if (p < 0)
      negs += units;
    else
      pos += units;
  }
  int neg = negs > pos;
  U128 u = neg ? negs - pos : pos - negs;
  return round_to_f32(neg, u, lsb[ta] + lsb[tb] + sa - 127 + sb - 127);
}

static int same(float a, float b) {
  return (isnan(a) && isnan(b)) || t_f2u(a) == t_f2u(b);
}

static void gen(float *v, size_t n) {
  int base = (int)t_below(60) - 30, spread = (int)t_below(30);
  for (size_t i = 0; i < n; i++) {
    double m = 1 + t_rand32() / 4294967296.0;
    v[i] = (float)ldexp(t_rand32() & 1 ? -m : m, base - (int)t_below((uint32_t)spread + 1));
    if (t_below(20) == 0)
      v[i] = 0;
  }
}

static void random_dots(void) {
  /* FP64 sums products one by one; exact except where E5M2 products span more than 53 bits. */
  enum { MAXB = 8 };
  size_t iters = 60000 / T_SCALE;
  for (size_t it = 0; it < iters; it++) {
    int ta = (int)t_below(6), tb = (int)t_below(6), nb = 1 + (int)t_below(MAXB);
    float va[32 * MAXB], vb[32 * MAXB];
    uint8_t ca[32 * MAXB], cb[32 * MAXB], sa[MAXB], sb[MAXB];
    gen(va, 32 * (size_t)nb);
    gen(vb, 32 * (size_t)nb);
    SysfmtOptions op = SYSFMT_OPTIONS_INIT;
    op.packing = SYSFMT_PACK_BYTE;
    op.scale_rule = (SysfmtScaleRule)t_below(2);
    SysfmtShape sh = {1, 0, {32 * (size_t)nb}};
    sysfmt_mx_quantize(mx_kinds[ta], &sh, va, ca, sa, &op);
    sysfmt_mx_quantize(mx_kinds[tb], &sh, vb, cb, sb, &op);
    if (t_below(50) == 0)
      sa[t_below((uint32_t)nb)] = 0xFF;
    if (t_below(20) == 0 && ta <= 1) /* E4M3 NaN, E5M2 Inf or NaN elements */
      ca[t_below(32 * (uint32_t)nb)] = ta == 0 ? 0x7F : (uint8_t)(0x7C + t_below(4)) | (t_rand32() & 0x80);
    if (t_below(4) == 0) /* scales anywhere in the range, extremes included */
      for (int j = 0; j < nb; j++) {
        sa[j] = sa[j] == 0xFF ? 0xFF : (uint8_t)t_below(255);
        sb[j] = (uint8_t)t_below(255);
      }
    float cin = t_below(3) ? 0.0f : t_below(2) ? -0.0f : (float)ldexp(t_rand32() / 4294967296.0 - 0.5, (int)t_below(40) - 20);
    float want = cin;
    double f64 = cin, tsum = fabs(cin), psum = 0;
    for (int j = 0; j < nb; j++) {
      float t = ref_block(ta, ca + 32 * j, sa[j], tb, cb + 32 * j, sb[j]);
      want = want + t;
      tsum += fabs(t);
      for (int i = 0; i < 32; i++) {
        double p = ref_decode(&refs[ta], ca[32 * j + i]) * ref_decode(&refs[tb], cb[32 * j + i]) *
                   ldexp(1.0, sa[j] - 127) * ldexp(1.0, sb[j] - 127);
        f64 += p;
        psum += fabs(p);
      }
      if (ta >= 2 && tb >= 2 && isfinite(t)) { /* §5.2: FP32 loops are exact in any order */
        float fw = 0, bw = 0;
        for (int i = 0; i < 32; i++) {
          fw += (float)(ref_decode(&refs[ta], ca[32 * j + i]) * ref_decode(&refs[tb], cb[32 * j + i]));
          bw += (float)(ref_decode(&refs[ta], ca[32 * j + 31 - i]) *
                        ref_decode(&refs[tb], cb[32 * j + 31 - i]));
        }
        double x = ldexp(1.0, sa[j] - 127 + sb[j] - 127);
        CHECK(fw == bw && same((float)(fw * x), t) && same((float)(bw * x), t),
              "§5.2 FP32 loop %s x %s: %a / %a vs %a", sysfmt_format_name(elems[ta]),
              sysfmt_format_name(elems[tb]), fw * x, bw * x, t);
      }
    }
    for (int p = 0; p < 3; p++) {
      uint8_t pa[32 * MAXB], pb[32 * MAXB];
      SysfmtOptions po = SYSFMT_OPTIONS_INIT;
      po.packing = (SysfmtPacking)p;
      sysfmt_pack(elems[ta], po.packing, ca, 32 * (size_t)nb, pa);
      sysfmt_pack(elems[tb], po.packing, cb, 32 * (size_t)nb, pb);
      float got = 0;
      CHECK(sysfmt_mx_dot(mx_kinds[ta], pa, sa, mx_kinds[tb], pb, sb, (size_t)nb, cin, &po, &got) ==
                SYSFMT_OK,
            "mx_dot status");
      CHECK(same(got, want), "%s x %s, %d blocks, packing %d: %a, want %a",
            sysfmt_format_name(mx_kinds[ta]), sysfmt_format_name(mx_kinds[tb]), nb, p, got, want);
    }
    /* the §5.4 bound, plus the FP64 reference's own rounding (E5M2 sums span 69 bits) */
    if (isfinite(want))
      CHECK(fabs(want - f64) <= (nb + 1) * (0x1p-23 * tsum + 0x1p-149) + 32 * nb * 0x1p-52 * psum,
            "FP64 reference %a vs %a beyond the §5.4 bound", f64, want);
  }
}

static void gemm(void) {
  size_t iters = 200 / T_SCALE;
  for (size_t it = 0; it < iters; it++) {
    int ta = (int)t_below(6), tb = (int)t_below(6);
    size_t m = 1 + t_below(6), n = 1 + t_below(6), k = 1 + t_below(150);
    SysfmtOptions op = SYSFMT_OPTIONS_INIT;
    op.packing = (SysfmtPacking)t_below(3);
    op.scale_rule = (SysfmtScaleRule)t_below(2);
    float *A = malloc(m * k * sizeof *A), *B = malloc(k * n * sizeof *B), *BT = malloc(n * k * sizeof *BT);
    gen(A, m * k);
    gen(B, k * n);
    for (size_t i = 0; i < k; i++)
      for (size_t j = 0; j < n; j++)
        BT[j * k + i] = B[i * n + j];
    SysfmtShape sa = {2, 1, {m, k}}, sb = {2, 0, {k, n}}, sbt = {2, 1, {n, k}};
    size_t ea, na, eb, nbs, ebt, nbt;
    sysfmt_mx_sizes(mx_kinds[ta], &sa, &op, &ea, &na);
    sysfmt_mx_sizes(mx_kinds[tb], &sb, &op, &eb, &nbs);
    sysfmt_mx_sizes(mx_kinds[tb], &sbt, &op, &ebt, &nbt);
    uint8_t *qa = malloc(ea), *xa = malloc(na), *qb = malloc(eb), *xb = malloc(nbs),
            *qbt = malloc(ebt), *xbt = malloc(nbt);
    sysfmt_mx_quantize(mx_kinds[ta], &sa, A, qa, xa, &op);
    sysfmt_mx_quantize(mx_kinds[tb], &sb, B, qb, xb, &op);
    sysfmt_mx_quantize(mx_kinds[tb], &sbt, BT, qbt, xbt, &op);
    float *cin = malloc(m * n * sizeof *cin), *c = malloc(m * n * sizeof *c);
    for (size_t i = 0; i < m * n; i++)
      cin[i] = (float)(t_rand32() / 4294967296.0 - 0.5);
    int use_cin = (int)t_below(2);
    CHECK(sysfmt_mx_gemm(mx_kinds[ta], qa, xa, mx_kinds[tb], qb, xb, m, n, k, use_cin ? cin : NULL,
                         c, &op) == SYSFMT_OK,
          "gemm status");
    size_t nbk = (k + 31) / 32, rowa = ea / m, rowb = ebt / n;
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < n; j++) {
        float want = 0;
        sysfmt_mx_dot(mx_kinds[ta], qa + i * rowa, xa + i * nbk, mx_kinds[tb], qbt + j * rowb,
                      xbt + j * nbk, nbk, use_cin ? cin[i * n + j] : 0.0f, &op, &want);
        CHECK(same(c[i * n + j], want), "gemm %s x %s packing %d C[%zu][%zu] = %a, dot %a",
              sysfmt_format_name(mx_kinds[ta]), sysfmt_format_name(mx_kinds[tb]), op.packing, i,
              j, c[i * n + j], want);
      }
    free(A); free(B); free(BT); free(qa); free(xa); free(qb); free(xb); free(qbt); free(xbt);
    free(cin); free(c);
  }
}

int main(void) {
  t_begin("formats.dot");
  for (int t = 0; t < 6; t++) {
    ref_init(&refs[t], elems[t]);
    int ex;
    frexp(refs[t].vals[1], &ex);
    lsb[t] = ex - 1;
  }
  random_dots();
  gemm();
  for (int t = 0; t < 6; t++)
    ref_free(&refs[t]);
  return t_end();
}
