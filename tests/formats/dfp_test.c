/*
 * formats.dfp: INT16 dynamic fixed point (numerics.md §8) against a reference written with
 * frexp, ldexp and the C library's nearbyint/round/trunc in double (all exact here): shared
 * exponents, clamping at ±Qmax (amax just below a power of two), every add_shift, every
 * rounding mode, per-tensor and per-block exponents, FP32 subnormal and zero tensors, NaN/Inf
 * errors; dequantization; and the chunked INT32 dot product against an independent
 * chunk-by-chunk reference (bit for bit) and an FP64 reference (error bound), including the
 * worst case that would wrap INT32 with one chunk too many.
 */
#include <fenv.h>
#include <math.h>

#include "sysfmt.h"
#include "test_util.h"

static const SysfmtIsa isas[] = {SYSFMT_ISA_PORTABLE, SYSFMT_ISA_AVX2, SYSFMT_ISA_AVX512};

static float mkf(uint32_t sign, int bexp, uint32_t mant) {
  bexp = bexp < 0 ? 0 : bexp > 254 ? 254 : bexp;
  return t_u2f(sign << 31 | (uint32_t)bexp << 23 | (mant & 0x7FFFFF));
}

static void gen(float *x, size_t n) {
  int kind = (int)t_below(6), base = (int)t_below(254) + 1;
  for (size_t i = 0; i < n; i++) {
    uint32_t s = t_rand32() & 1, m = t_rand32();
    switch (kind) {
    case 0: x[i] = mkf(s, base - (int)t_below(20), m); break;
    case 1: x[i] = mkf(s, base - (int)t_below(3), m); break;
    case 2: x[i] = mkf(s, (int)t_below(2), m >> t_below(23)); break; /* subnormals */
    case 3: x[i] = t_below(8) ? 0.0f : mkf(s, base, m); break;
    default: x[i] = mkf(s, base - (int)t_below(40), m); break;
    }
  }
  if (kind == 4 && n) /* amax just below a power of two: rounds up to 2^(15-add_shift), clamps */
    x[t_below((uint32_t)n)] = nextafterf((float)ldexp(1.0, base - 126), 0) * (t_rand32() & 1 ? 1 : -1);
  if (t_below(16) == 0)
    memset(x, 0, n * sizeof *x);
}

/* Reference: returns 0, or 1 for NaN/Inf. */
static int ref_quant(const float *x, size_t n, int as, int mode, int16_t *q, int32_t *es) {
  double amax = 0;
  for (size_t i = 0; i < n; i++) {
    if (isnan(x[i]) || isinf(x[i]))
      return 1;
    amax = fmax(amax, fabs(x[i]));
  }
  int e = 0;
  if (amax > 0) {
    int ex;
    frexp(amax, &ex);
    e = ex - 1 - 14 + as;
  }
  double qmax = ldexp(1.0, 15 - as) - 1;
  for (size_t i = 0; i < n; i++) {
    double y = ldexp((double)x[i], -e);
    y = mode == 0 ? nearbyint(y) : mode == 1 ? round(y) : trunc(y);
    q[i] = (int16_t)fmax(-qmax, fmin(qmax, y));
  }
  *es = e;
  return 0;
}

static void quantize(void) {
  enum { N = 5000 };
  float x[N];
  int16_t want[N], got[N], got0[N];
  int32_t wes[N], ges[N];
  float back[N], back0[N];
  size_t iters = 3000 / T_SCALE;
  for (size_t it = 0; it < iters; it++) {
    size_t n = 1 + t_below(t_below(2) ? N : 40);
    size_t block = t_below(3) ? n : 1 + t_below(100);
    int as = (int)t_below(15), mode = t_below(3) ? 0 : (int)t_below(3);
    gen(x, n);
    int bad_in = t_below(50) == 0;
    if (bad_in)
      x[t_below((uint32_t)n)] = t_below(2) ? INFINITY : NAN;
    size_t nbk = (n + block - 1) / block;
    int ref_err = 0;
    for (size_t b = 0; b < nbk; b++) {
      size_t m = n - b * block < block ? n - b * block : block;
      ref_err |= ref_quant(x + b * block, m, as, mode, want + b * block, &wes[b]);
    }
    for (int i = 0; i < 3; i++) {
      SysfmtOptions op = SYSFMT_OPTIONS_INIT;
      op.isa = isas[i];
      op.add_shift = as;
      op.round = (SysfmtRound)mode;
      memset(got, 0x55, sizeof got);
      SysfmtStatus st = block == n ? sysfmt_dfp16_quantize(x, n, &op, got, ges)
                                   : sysfmt_dfp16_quantize_blocks(x, n, block, &op, got, ges);
      if (ref_err) {
        CHECK(st == SYSFMT_ERR_NAN, "NaN/Inf input gives status %d", st);
        if (block == n)
          CHECK(got[0] == 0x5555, "NaN input leaves q unwritten");
        continue;
      }
      CHECK(st == SYSFMT_OK, "quantize status %d", st);
      int ok = memcmp(got, want, n * sizeof *got) == 0 && memcmp(ges, wes, nbk * sizeof *ges) == 0;
      if (!ok) {
        size_t k = 0;
        while (k < n && got[k] == want[k])
          k++;
        k = k < n ? k : 0;
        CHECK(0, "%s add_shift %d round %d block %zu: x 0x%08X -> %d (Es %d), want %d (Es %d)",
              sysfmt_isa_name(isas[i]), as, mode, block, t_f2u(x[k]), got[k], (int)ges[k / block],
              want[k], (int)wes[k / block]);
      }
      T.checks += n;
      if (block == n)
        CHECK(sysfmt_dfp16_dequantize(got, n, ges[0], back) == SYSFMT_OK, "dequantize");
      else
        CHECK(sysfmt_dfp16_dequantize_blocks(got, n, block, ges, &op, back) == SYSFMT_OK,
              "dequantize_blocks");
      if (i < 2 && block == n) /* the plain call takes the best ISA; check the others too */
        CHECK(sysfmt_dfp16_dequantize_blocks(got, n, n, ges, &op, back) == SYSFMT_OK,
              "dequantize_blocks");
      for (size_t k = 0; k < n; k++) {
        float w = (float)ldexp((double)want[k], wes[k / block]);
        if (t_f2u(back[k]) != t_f2u(w)) {
          CHECK(0, "dequantize %d * 2^%d -> %a, want %a", want[k], (int)wes[k / block], back[k], w);
          break;
        }
      }
      T.checks += n;
      if (i == 0) {
        memcpy(got0, got, n * sizeof *got);
        memcpy(back0, back, n * sizeof *back);
      } else {
        CHECK(memcmp(got0, got, n * sizeof *got) == 0 && memcmp(back0, back, n * sizeof *back) == 0,
              "%s differs from portable", sysfmt_isa_name(isas[i]));
      }
    }
  }
  /* dequantize with exponents beyond the FP32 range of 2^es, on every path */
  int16_t q[20];
  for (int k = 0; k < 20; k++)
    q[k] = (int16_t)(t_rand32() | 1);
  for (int es = -200; es <= 150; es += 7) {
    for (int i = 0; i < 3; i++) {
      SysfmtOptions op = SYSFMT_OPTIONS_INIT;
      op.isa = isas[i];
      float out[20];
      int32_t e = es;
      sysfmt_dfp16_dequantize_blocks(q, 20, 20, &e, &op, out);
      for (int k = 0; k < 20; k++)
        CHECK(t_f2u(out[k]) == t_f2u((float)ldexp(q[k], es)), "dequantize es %d on %s", es,
              sysfmt_isa_name(isas[i]));
    }
  }
}

static void dot(void) {
  static const size_t table[5] = {2, 8, 32, 128, 512};
  for (int as = 0; as < 5; as++)
    CHECK(sysfmt_dfp16_safe_chunk(as, as) == table[as], "N_safe(add_shift %d) = %zu", as,
          sysfmt_dfp16_safe_chunk(as, as));
  enum { K = 3000 };
  float xa[K], xb[K];
  int16_t a[K], b[K];
  size_t iters = 2000 / T_SCALE;
  for (size_t it = 0; it < iters; it++) {
    size_t k = t_below(K + 1);
    int asa = (int)t_below(6), asb = (int)t_below(6);
    int32_t ea = 0, eb = 0;
    SysfmtOptions op = SYSFMT_OPTIONS_INIT;
    gen(xa, k);
    gen(xb, k);
    op.add_shift = asa;
    sysfmt_dfp16_quantize(xa, k, &op, a, &ea);
    op.add_shift = asb;
    sysfmt_dfp16_quantize(xb, k, &op, b, &eb);
    if (t_below(10) == 0) { /* worst case magnitudes: every product at its bound */
      int16_t qa = (int16_t)((1 << (15 - asa)) - 1), qb = (int16_t)((1 << (15 - asb)) - 1);
      for (size_t i = 0; i < k; i++) {
        a[i] = qa;
        b[i] = t_below(2) ? qb : (int16_t)-qb;
      }
      if (t_below(2))
        for (size_t i = 0; i < k; i++)
          b[i] = qb;
      ea = (int32_t)t_below(60) - 30;
      eb = (int32_t)t_below(60) - 30;
    }
    size_t safe = sysfmt_dfp16_safe_chunk(asa, asb);
    size_t chunk = t_below(2) ? 0 : 2 * (1 + t_below((uint32_t)(safe / 2)));
    size_t L = chunk ? chunk : safe & ~(size_t)1;
    float cin = t_below(2) ? 0.0f : (float)ldexp((double)(int32_t)t_rand32(), ea + eb - 20);
    float got = 0;
    CHECK(sysfmt_dfp16_dot(a, ea, asa, b, eb, asb, k, chunk, cin, &got) == SYSFMT_OK, "dot status");
    /* independent reference in the same order */
    float acc = cin;
    double ref64 = cin, tsum = fabs(cin);
    size_t nchunks = 0;
    for (size_t c0 = 0; c0 < k; c0 += L) {
      int64_t s = 0;
      for (size_t i = c0; i < k && i < c0 + L; i++)
        s += (int64_t)a[i] * b[i];
      CHECK(s >= INT32_MIN && s <= INT32_MAX, "chunk sum %" PRId64 " fits INT32", s);
      float t = (float)ldexp((double)s, ea + eb);
      acc = acc + t;
      tsum += fabs(t);
      nchunks++;
    }
    for (size_t i = 0; i < k; i++)
      ref64 += ldexp((double)a[i] * b[i], ea + eb);
    CHECK(t_f2u(got) == t_f2u(acc), "dot k %zu chunk %zu add_shift %d/%d: %a, want %a", k, L,
          asa, asb, got, acc);
    if (isfinite(acc)) /* (beyond FP32's range the float sums are Inf or NaN by design) */
      CHECK(fabs(got - ref64) <= (double)(nchunks + 1) * (0x1p-23 * tsum + 0x1p-149),
            "dot: |%a - FP64 %a| beyond the bound", got, ref64);
  }
  /* the limits: an odd chunk, one past N_safe, codes beyond ±Qmax */
  int16_t big[4] = {32767, 32767, 32767, 32767}, neg[2] = {-32768, 0};
  float out;
  CHECK(sysfmt_dfp16_dot(big, 0, 0, big, 0, 0, 4, 3, 0, &out) == SYSFMT_ERR_ARG, "odd chunk");
  CHECK(sysfmt_dfp16_dot(big, 0, 0, big, 0, 0, 4, 4, 0, &out) == SYSFMT_ERR_ARG, "chunk > N_safe");
  CHECK(sysfmt_dfp16_dot(big, 0, 0, big, 0, 0, 4, 2, 0, &out) == SYSFMT_OK &&
            out == (float)(4.0 * 32767 * 32767),
        "add_shift 0, chunk 2: 4 * 32767^2 = %a", out);
  CHECK(sysfmt_dfp16_dot(neg, 0, 0, big, 0, 0, 2, 0, 0, &out) == SYSFMT_ERR_RANGE, "-32768");
  CHECK(sysfmt_dfp16_dot(big, 0, 1, big, 0, 0, 2, 0, 0, &out) == SYSFMT_ERR_RANGE,
        "32767 with add_shift 1");
  CHECK(sysfmt_dfp16_dot(big, 0, 15, big, 0, 0, 2, 0, 0, &out) == SYSFMT_ERR_ARG, "add_shift 15");
}

static void errors(void) {
  float x[3] = {1, 2, 3};
  int16_t q[3];
  int32_t es;
  SysfmtOptions op = SYSFMT_OPTIONS_INIT;
  op.add_shift = 15;
  CHECK(sysfmt_dfp16_quantize(x, 3, &op, q, &es) == SYSFMT_ERR_ARG, "add_shift 15");
  op.add_shift = -1;
  CHECK(sysfmt_dfp16_quantize(x, 3, &op, q, &es) == SYSFMT_ERR_ARG, "add_shift -1");
  CHECK(sysfmt_dfp16_quantize(NULL, 3, NULL, q, &es) == SYSFMT_ERR_ARG, "NULL x");
  CHECK(sysfmt_dfp16_quantize_blocks(x, 3, 0, NULL, q, &es) == SYSFMT_ERR_ARG, "block 0");
  CHECK(sysfmt_dfp16_quantize(x, 0, NULL, q, &es) == SYSFMT_OK && es == 0, "n = 0");
  CHECK(sysfmt_dfp16_exponent(3.99999f, 0, &es) == SYSFMT_OK && es == -13, "exponent");
  CHECK(sysfmt_dfp16_exponent(NAN, 0, &es) == SYSFMT_ERR_NAN, "exponent of NaN");
  CHECK(sysfmt_dfp16_exponent(0, 3, &es) == SYSFMT_OK && es == 0, "exponent of 0");
}

int main(void) {
  t_begin("formats.dfp");
  fesetround(FE_TONEAREST);
  quantize();
  dot();
  errors();
  return t_end();
}
