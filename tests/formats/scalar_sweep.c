/*
 * formats.scalar: the dense sampled sweep of FP32 -> FP16, BF16, FP8, FP6, FP4 and MXINT8
 * element conversions against the independent reference (ref.c), for every rounding mode and
 * overflow rule, through the scalar entry point and the array entry point on every
 * instruction set.
 *
 * The inputs are every FP32 magnitude whose low 16 bits follow one of ~50 patterns (powers of
 * two, one below and above them, and random ones), with both signs: all 2^15 values of the top
 * bits (so every BF16 and FP8 rounding position, exponent and tie is hit), and every tie,
 * near-tie and sticky position of FP16 in the low bits; FP32 subnormals, Inf and NaNs
 * included; plus a million uniformly random bit patterns. Magnitudes are visited in increasing
 * order so the reference classifies each in O(1) (ref_classify_walk). The exhaustive version
 * of this sweep is formats.sweep_long.
 */
#include <math.h>

#include "ref.h"
#include "sysfmt.h"
#include "test_util.h"

static const SysfmtIsa isas[] = {SYSFMT_ISA_PORTABLE, SYSFMT_ISA_AVX2, SYSFMT_ISA_AVX512};

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* Sorted, deduplicated finite magnitudes to test. */
static uint32_t *make_inputs(size_t *count) {
  uint32_t pat[64];
  int np = 0;
  pat[np++] = 0;
  pat[np++] = 0xFFFF;
  for (int b = 0; b < 16; b++) {
    pat[np++] = 1u << b;
    pat[np++] = (1u << b) - 1;
    pat[np++] = ((1u << b) + 1) & 0xFFFF;
  }
  while (np < 58)
    pat[np++] = t_rand32() & 0xFFFF;
  size_t nrand = 1000000 / T_SCALE, cap = (size_t)0x7F80 * np + nrand, n = 0;
  uint32_t *m = malloc(cap * sizeof *m);
  for (uint32_t hi = 0; hi < 0x7F80; hi += T_SCALE)
    for (int p = 0; p < np; p++)
      m[n++] = hi << 16 | pat[p];
  for (size_t i = 0; i < nrand; i++) {
    uint32_t a = t_rand32() & 0x7FFFFFFF;
    if (a < 0x7F800000)
      m[n++] = a;
  }
  qsort(m, n, sizeof *m, cmp_u32);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (k == 0 || m[i] != m[k - 1])
      m[k++] = m[i];
  *count = k;
  return m;
}

static void sweep(SysfmtFormat f, const uint32_t *mags, size_t n) {
  RefFmt r;
  ref_init(&r, f);
  const char *nm = sysfmt_format_name(f);
  RefClass *cls = malloc(n * sizeof *cls);
  int j = 0;
  for (size_t i = 0; i < n; i++)
    cls[i] = ref_classify_walk(&r, &j, (double)t_u2f(mags[i]));
  /* inputs: every magnitude with both signs, then Inf and NaNs */
  static const uint32_t specials[] = {0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001,
                                      0xFF800001, 0x7FFFFFFF, 0x7FA00000, 0xFFBFFFFF};
  size_t ns = sizeof specials / sizeof *specials, total = 2 * n + ns;
  float *x = malloc(total * sizeof *x);
  for (size_t i = 0; i < n; i++) {
    x[2 * i] = t_u2f(mags[i]);
    x[2 * i + 1] = t_u2f(mags[i] | 0x80000000u);
  }
  for (size_t i = 0; i < ns; i++)
    x[2 * n + i] = t_u2f(specials[i]);
  int wide = r.bits > 8;
  void *got = malloc(total * 2);
  uint32_t *want = malloc(total * sizeof *want);
  int has_ovf = f == SYSFMT_F16 || f == SYSFMT_BF16 || f == SYSFMT_FP8_E4M3 || f == SYSFMT_FP8_E5M2;
  for (int mode = 0; mode < 3; mode++) {
    for (int ovf = 0; ovf <= has_ovf; ovf++) {
      for (size_t i = 0; i < n; i++) {
        want[2 * i] = ref_code(&r, cls[i], 0, mode, ovf);
        want[2 * i + 1] = ref_code(&r, cls[i], 1, mode, ovf);
        CHECK(want[2 * i] == ref_code_inline(&r, cls[i], 0, mode, ovf) &&
                  want[2 * i + 1] == ref_code_inline(&r, cls[i], 1, mode, ovf),
              "the long sweep's inline reference agrees with ref_code");
      }
      for (size_t i = 0; i < ns; i++)
        want[2 * n + i] = ref_encode_f32(&r, specials[i], mode, ovf);
      SysfmtOptions op = SYSFMT_OPTIONS_INIT;
      op.round = (SysfmtRound)mode;
      op.overflow = ovf ? SYSFMT_OVERFLOW_INF : SYSFMT_OVERFLOW_SAT;
      for (int k = 0; k < 3; k++) {
        op.isa = isas[k];
        CHECK(sysfmt_encode_array(f, x, total, got, &op) == SYSFMT_OK, "encode_array status");
        uint64_t bad = 0;
        for (size_t i = 0; i < total; i++) {
          uint32_t g = wide ? ((uint16_t *)got)[i] : ((uint8_t *)got)[i];
          if (!ref_same(&r, g, want[i]) && bad++ < 5)
            CHECK(0, "%s %s round %d ovf %d: 0x%08X -> 0x%X, want 0x%X", nm,
                  sysfmt_isa_name(isas[k]), mode, ovf, t_f2u(x[i]), g, want[i]);
        }
        CHECK(bad == 0, "%s %s round %d ovf %d: %" PRIu64 " mismatches", nm,
              sysfmt_isa_name(isas[k]), mode, ovf, bad);
        T.checks += total;
      }
      /* the scalar entry point, on a stride of the inputs (it is the portable loop's body) */
      uint64_t bad = 0;
      for (size_t i = 0; i < total; i += 7) {
        uint32_t g = 0;
        sysfmt_encode(f, x[i], &op, &g);
        if (!ref_same(&r, g, want[i]) && bad++ < 5)
          CHECK(0, "%s sysfmt_encode round %d ovf %d: 0x%08X -> 0x%X, want 0x%X", nm, mode, ovf,
                t_f2u(x[i]), g, want[i]);
        T.checks++;
      }
      CHECK(bad == 0, "%s sysfmt_encode: %" PRIu64 " mismatches", nm, bad);
    }
  }
  free(cls);
  free(x);
  free(got);
  free(want);
  ref_free(&r);
}

int main(void) {
  t_begin("formats.scalar");
  size_t n;
  uint32_t *mags = make_inputs(&n);
  printf("formats.scalar: %zu magnitudes x 2 signs per format and rule; cpu isa %s\n", n,
         sysfmt_isa_name(sysfmt_cpu_isa()));
  static const SysfmtFormat fs[] = {SYSFMT_F16, SYSFMT_BF16, SYSFMT_FP8_E4M3, SYSFMT_FP8_E5M2,
                                    SYSFMT_FP6_E3M2, SYSFMT_FP6_E2M3, SYSFMT_FP4_E2M1, SYSFMT_INT8};
  for (size_t i = 0; i < sizeof fs / sizeof *fs; i++)
    sweep(fs[i], mags, n);
  free(mags);
  return t_end();
}
