/*
 * formats.vectors: every worked example of numerics.md §10 (10.1 to 10.7), plus the
 * numbered claims of §2, §3 and §8 they illustrate. Each scalar vector is checked through
 * sysfmt_encode and through sysfmt_encode_array on every instruction set; each block through
 * the tensor API on every instruction set and through the block API.
 */
#include <math.h>

#include "sysfmt.h"
#include "test_util.h"

static const SysfmtIsa isas[] = {SYSFMT_ISA_PORTABLE, SYSFMT_ISA_AVX2, SYSFMT_ISA_AVX512};
#define NISA 3

static SysfmtOptions opts(SysfmtRound r, SysfmtOverflow o, SysfmtIsa isa) {
  SysfmtOptions op = SYSFMT_OPTIONS_INIT;
  op.round = r;
  op.overflow = o;
  op.isa = isa;
  return op;
}

/* Encodes bits in f with every path; checks all of them against want. want_nan: any NaN. */
static void enc_check(SysfmtFormat f, uint32_t bits, SysfmtRound r, SysfmtOverflow o,
                      uint32_t want, int want_nan, const char *what) {
  SysfmtOptions op = opts(r, o, SYSFMT_ISA_AUTO);
  uint32_t got = 0;
  SysfmtStatus st = sysfmt_encode(f, t_u2f(bits), &op, &got);
  float back = 0;
  sysfmt_decode(f, got, &back);
  if (want_nan)
    CHECK(st == SYSFMT_OK && isnan(back), "%s: %s 0x%08X -> 0x%X, want NaN", what,
          sysfmt_format_name(f), bits, got);
  else
    CHECK(st == SYSFMT_OK && got == want, "%s: %s 0x%08X -> 0x%X, want 0x%X", what,
          sysfmt_format_name(f), bits, got, want);
  for (int i = 0; i < NISA; i++) {
    op.isa = isas[i];
    float x = t_u2f(bits);
    uint16_t c16 = 0;
    uint8_t c8 = 0;
    int wide = f == SYSFMT_F16 || f == SYSFMT_BF16;
    st = sysfmt_encode_array(f, &x, 1, wide ? (void *)&c16 : (void *)&c8, &op);
    uint32_t a = wide ? c16 : c8;
    CHECK(st == SYSFMT_OK && a == got, "%s: %s array path %s gives 0x%X, scalar 0x%X", what,
          sysfmt_format_name(f), sysfmt_isa_name(isas[i]), a, got);
  }
}

#define RNE SYSFMT_ROUND_RNE
#define AWAY SYSFMT_ROUND_AWAY
#define SAT SYSFMT_OVERFLOW_SAT
#define OVF SYSFMT_OVERFLOW_INF
#define DEF SYSFMT_OVERFLOW_DEFAULT

static uint32_t fb(float x) { return t_f2u(x); }

static void scalars_10_1(void) {
  const SysfmtFormat E4 = SYSFMT_FP8_E4M3, E5 = SYSFMT_FP8_E5M2;
  enc_check(E4, 0x3F880000, RNE, SAT, 0x38, 0, "10.1 tie 1.0625");
  enc_check(E4, 0x3F980000, RNE, SAT, 0x3A, 0, "10.1 tie 1.1875");
  enc_check(E4, 0x3A800000, RNE, SAT, 0x00, 0, "10.1 2^-10");
  enc_check(E4, 0x3AC00000, RNE, SAT, 0x01, 0, "10.1 3*2^-11");
  enc_check(E4, 0x43E80000, RNE, SAT, 0x7E, 0, "10.1 464 SAT");
  enc_check(E4, 0x43E80000, RNE, OVF, 0x7E, 0, "10.1 464 OVF");
  enc_check(E4, 0x43E80001, RNE, SAT, 0x7E, 0, "10.1 464.00003 SAT");
  enc_check(E4, 0x43E80001, RNE, OVF, 0x7F, 0, "10.1 464.00003 OVF");
  enc_check(E4, 0x7F800000, RNE, SAT, 0x7E, 0, "10.1 +Inf SAT");
  enc_check(E4, 0x7F800000, RNE, OVF, 0x7F, 0, "10.1 +Inf OVF");
  enc_check(E4, 0xFF800000, RNE, SAT, 0xFE, 0, "10.1 -Inf SAT");
  enc_check(E4, 0xFF800000, RNE, OVF, 0, 1, "10.1 -Inf OVF");
  enc_check(E4, 0x7FC00000, RNE, SAT, 0x7F, 0, "10.1 NaN");
  enc_check(E4, 0x7FC00000, RNE, DEF, 0x7F, 0, "10.1 NaN default");
  enc_check(E5, 0x3F900000, RNE, SAT, 0x3C, 0, "10.1 1.125");
  enc_check(E5, 0x3FB00000, RNE, SAT, 0x3E, 0, "10.1 1.375");
  enc_check(E5, 0x37000000, RNE, SAT, 0x00, 0, "10.1 2^-17");
  enc_check(E5, 0x37400000, RNE, SAT, 0x01, 0, "10.1 3*2^-18");
  enc_check(E5, 0x476FFFFF, RNE, SAT, 0x7B, 0, "10.1 61439.996 SAT");
  enc_check(E5, 0x476FFFFF, RNE, OVF, 0x7B, 0, "10.1 61439.996 OVF");
  enc_check(E5, 0x47700000, RNE, SAT, 0x7B, 0, "10.1 61440 SAT");
  enc_check(E5, 0x47700000, RNE, OVF, 0x7C, 0, "10.1 61440 OVF");
  enc_check(E5, fb(-1e6f), RNE, SAT, 0xFB, 0, "10.1 -1e6 SAT");
  enc_check(E5, fb(-1e6f), RNE, OVF, 0xFC, 0, "10.1 -1e6 OVF");
  enc_check(E5, 0x7FC00000, RNE, SAT, 0x7E, 0, "10.1 NaN");
  enc_check(SYSFMT_FP6_E3M2, fb(26), RNE, DEF, 0x1E, 0, "10.1 E3M2 26");
  enc_check(SYSFMT_FP6_E3M2, fb(30), RNE, DEF, 0x1F, 0, "10.1 E3M2 30");
  enc_check(SYSFMT_FP6_E3M2, fb(0.09375f), RNE, DEF, 0x02, 0, "10.1 E3M2 0.09375");
  enc_check(SYSFMT_FP6_E2M3, fb(0.1875f), RNE, DEF, 0x02, 0, "10.1 E2M3 0.1875");
  enc_check(SYSFMT_FP6_E2M3, fb(7.75f), RNE, DEF, 0x1F, 0, "10.1 E2M3 7.75");
  static const struct { float x; uint32_t rne, away; } e2m1[] = {
    {0.25f, 0x0, 0x1}, {1.25f, 0x2, 0x3}, {2.5f, 0x4, 0x5}, {5.0f, 0x6, 0x7},
    {-5.0f, 0xE, 0xF}, {7.0f, 0x7, 0x7}, {1.75f, 0x4, 0x4},
  };
  for (size_t i = 0; i < sizeof e2m1 / sizeof *e2m1; i++) {
    enc_check(SYSFMT_FP4_E2M1, fb(e2m1[i].x), RNE, DEF, e2m1[i].rne, 0, "10.1 E2M1 RNE");
    enc_check(SYSFMT_FP4_E2M1, fb(e2m1[i].x), AWAY, DEF, e2m1[i].away, 0, "10.1 E2M1 away");
  }
  /* §2: results that round to zero keep the sign; one rounding, not two */
  enc_check(E4, fb(-0x1p-10f), RNE, DEF, 0x80, 0, "§2 -2^-10 -> -0");
  enc_check(E5, 0x3F900800, RNE, DEF, 0x3D, 0, "§2 round once");
  uint32_t h = sysfmt_f32_to_f16(t_u2f(0x3F900800)), twice = 0;
  sysfmt_encode(E5, sysfmt_f16_to_f32((uint16_t)h), NULL, &twice);
  CHECK(twice == 0x3C, "§2 via FP16 rounds twice to 0x3C, got 0x%X", twice);
  /* §2 overflow thresholds of the table */
  enc_check(SYSFMT_FP6_E3M2, fb(29.999998f), RNE, DEF, 0x1F, 0, "§2 E3M2 below 30");
  enc_check(SYSFMT_FP6_E3M2, fb(-1e30f), RNE, DEF, 0x3F, 0, "§2 E3M2 clamps");
  enc_check(SYSFMT_FP6_E2M3, fb(7.7499995f), RNE, DEF, 0x1F, 0, "§2 E2M3 below 7.75 rounds to 7.5");
  enc_check(SYSFMT_FP4_E2M1, fb(6.9999995f), RNE, DEF, 0x7, 0, "§2 E2M1 6.99");
  enc_check(SYSFMT_FP4_E2M1, fb(4.9999995f), RNE, DEF, 0x6, 0, "§2 E2M1 below 5");
  enc_check(SYSFMT_INT8, fb(127.5f / 64), RNE, DEF, 0x7F, 0, "§2 INT8 clamp");
  enc_check(SYSFMT_INT8, fb(-127.5f / 64), RNE, DEF, 0x81, 0, "§2 INT8 clamp -");
  enc_check(SYSFMT_F16, fb(65520.0f), RNE, SAT, 0x7BFF, 0, "§2 FP16 SAT option");
  enc_check(SYSFMT_BF16, 0x7F7F7FFF, RNE, DEF, 0x7F7F, 0, "§2 BF16 below 0x7F7F8000");
  enc_check(SYSFMT_BF16, 0x7F7F8000, RNE, DEF, 0x7F80, 0, "§2 BF16 0x7F7F8000");
  /* [project] NaN outputs: FP6/FP4 +max */
  enc_check(SYSFMT_FP6_E3M2, 0xFFC00000, RNE, DEF, 0x1F, 0, "§2 NaN -> E3M2 +max");
  enc_check(SYSFMT_FP6_E2M3, 0x7FC00000, RNE, DEF, 0x1F, 0, "§2 NaN -> E2M3 +max");
  enc_check(SYSFMT_FP4_E2M1, 0x7FC00000, RNE, DEF, 0x7, 0, "§2 NaN -> E2M1 +max");
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__((target("avx512bf16,avx512vl,avx512f"))) static uint16_t x86_bf16(uint32_t bits) {
  __m128bh r = _mm_cvtneps_pbh(_mm_castsi128_ps(_mm_set1_epi32((int)bits)));
  uint16_t o[8];
  _mm_storeu_si128((__m128i *)o, (__m128i)r);
  return o[0];
}

/* 10.2's x86 column: VCVTNEPS2BF16 flushes subnormals, which is why the library does not use
   it. Checked on CPUs that have it, to keep the premise honest. */
static void x86_bf16_column(void) {
  if (!__builtin_cpu_supports("avx512bf16")) {
    printf("formats.vectors: no AVX512-BF16 here; 10.2's x86 column not checked\n");
    return;
  }
  static const uint32_t in[] = {0x3F808000, 0x3F818000, 0x7F7F8000, 0x00018000,
                                0x80018000, 0x007FFFFF, 0x7F800001};
  static const uint16_t x86[] = {0x3F80, 0x3F82, 0x7F80, 0x0000, 0x8000, 0x0000, 0x7FC0};
  for (int i = 0; i < 7; i++)
    CHECK(x86_bf16(in[i]) == x86[i], "10.2 x86 VCVTNEPS2BF16(0x%08X) = 0x%04X", in[i],
          x86_bf16(in[i]));
}
#else
static void x86_bf16_column(void) {}
#endif

static void bf16_fp16_10_2(void) {
  x86_bf16_column();
  static const uint32_t in[] = {0x3F808000, 0x3F818000, 0x7F7F8000, 0x00018000,
                                0x80018000, 0x007FFFFF, 0x7F800001};
  static const uint32_t want[] = {0x3F80, 0x3F82, 0x7F80, 0x0002, 0x8002, 0x0080, 0x7FC0};
  for (int i = 0; i < 7; i++) {
    enc_check(SYSFMT_BF16, in[i], RNE, DEF, want[i], 0, "10.2 BF16");
    CHECK(sysfmt_f32_to_bf16(t_u2f(in[i])) == want[i], "10.2 sysfmt_f32_to_bf16(0x%08X)", in[i]);
  }
  static const uint32_t hin[] = {0x477FEFFD, 0x477FF000, 0x3F801000, 0x3F803000,
                                 0x33000000, 0x33800000, 0x33C00000};
  static const uint32_t hwant[] = {0x7BFF, 0x7C00, 0x3C00, 0x3C02, 0x0000, 0x0001, 0x0002};
  for (int i = 0; i < 7; i++) {
    enc_check(SYSFMT_F16, hin[i], RNE, DEF, hwant[i], 0, "10.2 FP16");
    CHECK(sysfmt_f32_to_f16(t_u2f(hin[i])) == hwant[i], "10.2 sysfmt_f32_to_f16(0x%08X)", hin[i]);
  }
  /* BF16 -> FP32 is a 16-bit shift */
  CHECK(t_f2u(sysfmt_bf16_to_f32(0x7F81)) == 0x7F810000, "§7 BF16 decode is a shift");
  CHECK(t_f2u(sysfmt_bf16_to_f32(0x0001)) == 0x00010000, "§7 BF16 subnormal decode");
}

/* ---- blocks ---- */

static const SysfmtFormat mx_kinds[6] = {SYSFMT_MXFP8_E4M3, SYSFMT_MXFP8_E5M2,
                                         SYSFMT_MXFP6_E3M2, SYSFMT_MXFP6_E2M3,
                                         SYSFMT_MXFP4_E2M1, SYSFMT_MXINT8};
static const SysfmtFormat elems[6] = {SYSFMT_FP8_E4M3, SYSFMT_FP8_E5M2, SYSFMT_FP6_E3M2,
                                      SYSFMT_FP6_E2M3, SYSFMT_FP4_E2M1, SYSFMT_INT8};

/* Quantizes one 32-value block through the tensor API on every ISA and the block API; checks
   they agree and returns the block API's result. */
static uint8_t quant(int t, const float *v, SysfmtRound r, SysfmtScaleRule rule,
                     uint8_t codes[32]) {
  SysfmtOptions op = opts(r, DEF, SYSFMT_ISA_AUTO);
  op.scale_rule = rule;
  op.packing = SYSFMT_PACK_BYTE;
  uint8_t scale = 0;
  CHECK(sysfmt_mx_quantize_block(mx_kinds[t], v, 32, &op, &scale, codes) == SYSFMT_OK,
        "quantize_block");
  SysfmtShape s = {1, 0, {32}};
  for (int i = 0; i < NISA; i++) {
    uint8_t c[32], sc = 0;
    op.isa = isas[i];
    CHECK(sysfmt_mx_quantize(mx_kinds[t], &s, v, c, &sc, &op) == SYSFMT_OK, "quantize");
    CHECK(sc == scale && memcmp(c, codes, 32) == 0, "%s: tensor path %s differs",
          sysfmt_format_name(mx_kinds[t]), sysfmt_isa_name(isas[i]));
  }
  return scale;
}

static double dec(int t, uint8_t code) {
  float x = 0;
  sysfmt_decode(elems[t], code, &x);
  return x;
}

static void blocks_10_3(void) {
  float A[32], B[32];
  double ab = 0;
  for (int i = 0; i < 32; i++) {
    A[i] = (float)((i % 2 ? -1 : 1) * (i + 1) * 0.1875);
    B[i] = (float)((i % 2 ? -1 : 1) * (i + 1) * 0.234375);
    ab += (double)A[i] * B[i];
  }
  CHECK(ab == 502.734375, "10.3 unquantized A.B = %.17g", ab);
  static const uint8_t scale[6] = {0x79, 0x72, 0x7D, 0x7F, 0x7F, 0x81};
  static const double sum[6] = {2032788, 33389805568.0, 7960.75, 502.421875, 475.25,
                                16083.0 / 512};
  static const uint32_t cbits[6] = {0x43F824A0, 0x43F8C600, 0x43F8C600,
                                    0x43FB3600, 0x43EDA000, 0x43FB4C00};
  static const uint8_t bscale_ceil[6] = {0x7A, 0x73, 0x7E, 0x7F, 0x80, 0x81};
  static const uint32_t cbits_ceil[6] = {0x43FB24A0, 0x43FBC600, 0x43FBC600,
                                         0x43FB3600, 0x43FFC000, 0x43FB4C00};
  for (int t = 0; t < 6; t++) {
    const char *nm = sysfmt_format_name(mx_kinds[t]);
    for (int rule = 0; rule < 2; rule++) {
      uint8_t ca[32], cb[32];
      uint8_t sa = quant(t, A, RNE, (SysfmtScaleRule)rule, ca);
      uint8_t sb = quant(t, B, RNE, (SysfmtScaleRule)rule, cb);
      CHECK(sa == scale[t], "10.3 %s rule %d: A scale 0x%02X", nm, rule, sa);
      CHECK(sb == (rule ? bscale_ceil[t] : scale[t]), "10.3 %s rule %d: B scale 0x%02X", nm,
            rule, sb);
      double s = 0, fwd = 0, bwd = 0;
      float ffwd = 0, fbwd = 0;
      for (int i = 0; i < 32; i++)
        s += dec(t, ca[i]) * dec(t, cb[i]);
      if (!rule)
        CHECK(s == sum[t], "10.3 %s: sum P_A*P_B = %.17g", nm, s);
      double xs = ldexp(1.0, sa - 127) * ldexp(1.0, sb - 127);
      for (int i = 0; i < 32; i++) {
        ffwd += (float)(dec(t, ca[i]) * dec(t, cb[i]) * xs);
        fbwd += (float)(dec(t, ca[31 - i]) * dec(t, cb[31 - i]) * xs);
      }
      fwd = ffwd;
      bwd = fbwd;
      uint32_t want = rule ? cbits_ceil[t] : cbits[t];
      CHECK(t_f2u(ffwd) == want && t_f2u(fbwd) == want,
            "10.3 %s rule %d: FP32 forward %.17g / backward %.17g", nm, rule, fwd, bwd);
      for (int p = 0; p < 3; p++) {
        SysfmtOptions op = SYSFMT_OPTIONS_INIT;
        op.packing = (SysfmtPacking)p;
        uint8_t pa[32], pb[32];
        sysfmt_pack(elems[t], op.packing, ca, 32, pa);
        sysfmt_pack(elems[t], op.packing, cb, 32, pb);
        float c = 0, c2 = 0;
        CHECK(sysfmt_mx_dot(mx_kinds[t], pa, &sa, mx_kinds[t], pb, &sb, 1, -0.0f, &op, &c) ==
                  SYSFMT_OK && t_f2u(c) == want,
              "10.3 %s rule %d packing %d: Dot = 0x%08X, want 0x%08X", nm, rule, p, t_f2u(c),
              want);
        sysfmt_mx_dot(mx_kinds[t], pa, &sa, mx_kinds[t], pb, &sb, 1, 0.0f, &op, &c2);
        CHECK(t_f2u(c2) == want, "10.3 %s DotGeneral with C_in = +0", nm);
      }
      if (rule)
        continue;
      /* element-level claims */
      if (t == 0) {
        CHECK(ca[6] == 0x6A && dec(t, ca[6]) * 0x1p-6 == 1.25, "10.3 A E4M3 1.3125 -> 0x6A");
        CHECK(ca[13] == 0xF2 && dec(t, ca[13]) * 0x1p-6 == -2.5, "10.3 A E4M3 -2.625 -> 0xF2");
        uint8_t cw[32];
        quant(t, A, AWAY, SYSFMT_SCALE_OCP, cw);
        CHECK(cw[6] == 0x6B, "10.3 A E4M3 1.3125 away -> 0x%02X", cw[6]);
        static const uint8_t bw[32] = {0x57, 0xDF, 0x63, 0xE7, 0x69, 0xEB, 0x6D, 0xEF,
                                       0x70, 0xF1, 0x72, 0xF3, 0x74, 0xF5, 0x76, 0xF7,
                                       0x78, 0xF8, 0x79, 0xF9, 0x7A, 0xFA, 0x7B, 0xFB,
                                       0x7C, 0xFC, 0x7D, 0xFD, 0x7E, 0xFE, 0x7E, 0xFE};
        CHECK(memcmp(cb, bw, 32) == 0, "10.3 B E4M3 codes");
      }
      if (t == 1) {
        CHECK(ca[2] == 0x6C && dec(t, ca[2]) * 0x1p-13 == 0.5, "10.3 A E5M2 0.5625 -> 0x6C");
        CHECK(ca[5] == 0xF0 && dec(t, ca[5]) * 0x1p-13 == -1, "10.3 A E5M2 -1.125 -> 0xF0");
        CHECK(cb[31] == 0xFB, "10.3 B E5M2 -7.5 -> 0x%02X", cb[31]);
      }
      if (t == 2)
        CHECK(cb[31] == 0x3F, "10.3 B E3M2 -30 -> 0x%02X", cb[31]);
      if (t == 3)
        CHECK(ca[0] == 0x02, "10.3 A E2M3 0.1875 -> 0x%02X", ca[0]);
      if (t == 4) {
        static const uint8_t aw[32] = {0, 9, 1, 0xA, 2, 0xA, 3, 0xB, 3, 0xC, 4, 0xC, 4, 0xD, 5, 0xD,
                                       5, 0xD, 6, 0xE, 6, 0xE, 6, 0xE, 6, 0xE, 7, 0xF, 7, 0xF, 7, 0xF};
        CHECK(memcmp(ca, aw, 32) == 0, "10.3 A E2M1 codes");
        for (int i = 0; i < 32; i++)
          if (fabs(B[i]) > 5)
            CHECK((cb[i] & 7) == 7, "10.3 B E2M1 |v| > 5 -> ±6 at %d", i);
        /* 10.6 packing of A's E2M1 codes */
        static const uint8_t packed[16] = {0x90, 0xA1, 0xA2, 0xB3, 0xC3, 0xC4, 0xD4, 0xD5,
                                           0xD5, 0xE6, 0xE6, 0xE6, 0xE6, 0xF7, 0xF7, 0xF7};
        uint8_t p[16];
        sysfmt_pack(SYSFMT_FP4_E2M1, SYSFMT_PACK_DENSE, ca, 32, p);
        CHECK(memcmp(p, packed, 16) == 0, "10.6 E2M1 packing");
        SysfmtShape sh = {1, 0, {32}};
        uint8_t te[16], ts;
        sysfmt_mx_quantize(SYSFMT_MXFP4_E2M1, &sh, A, te, &ts, NULL);
        CHECK(memcmp(te, packed, 16) == 0, "10.6 E2M1 tensor storage is the packed layout");
      }
      if (t == 2) {
        static const uint8_t head[8] = {0x0A, 0x2E, 0x10, 0x32, 0x14, 0x34, 0x15, 0x36};
        static const uint8_t packed[24] = {0x8A, 0x0B, 0xC9, 0x14, 0x5D, 0xD9, 0x17, 0x8E,
                                           0xE1, 0x59, 0xAE, 0xE9, 0xDA, 0xBE, 0xF1, 0x1C,
                                           0xCF, 0xF1, 0x5D, 0xDF, 0xF5, 0x9D, 0xEF, 0xF9};
        CHECK(memcmp(ca, head, 8) == 0, "10.6 A E3M2 codes");
        uint8_t p[24];
        sysfmt_pack(SYSFMT_FP6_E3M2, SYSFMT_PACK_DENSE, ca, 32, p);
        CHECK(memcmp(p, packed, 24) == 0, "10.6 E3M2 packing");
        SysfmtShape sh = {1, 0, {32}};
        uint8_t te[24], ts;
        sysfmt_mx_quantize(SYSFMT_MXFP6_E3M2, &sh, A, te, &ts, NULL);
        CHECK(memcmp(te, packed, 24) == 0, "10.6 E3M2 tensor storage is the packed layout");
      }
      if (t == 5) {
        CHECK(cb[21] == 0xAE, "10.3 B INT8 -82.5 -> 0x%02X", cb[21]);
        uint8_t cw[32];
        quant(t, B, AWAY, SYSFMT_SCALE_OCP, cw);
        CHECK(cw[21] == 0xAD, "10.3 B INT8 away -> 0x%02X", cw[21]);
      }
    }
  }
}

static void mxint8_10_4(void) {
  float v[32] = {1.9921875f, -1.9921875f, 0.0078125f, -0.0078125f, 0.0234375f, 0.0390625f,
                 -0.0390625f, 1, -0.5f, 0.75f, t_u2f(0x3EA8F5C3), -t_u2f(0x3EA8F5C3),
                 1.25f, 1.5f, -1.75f, 0.015625f};
  for (int i = 0; i < 16; i++)
    v[16 + i] = (float)((i % 2 ? -1 : 1) * i * 0.0625);
  static const uint8_t want[32] = {0x7F, 0x81, 0x00, 0x00, 0x02, 0x02, 0xFE, 0x40, 0xE0, 0x30, 0x15,
                                   0xEB, 0x50, 0x60, 0x90, 0x01, 0x00, 0xFC, 0x08, 0xF4, 0x10, 0xEC,
                                   0x18, 0xE4, 0x20, 0xDC, 0x28, 0xD4, 0x30, 0xCC, 0x38, 0xC4};
  uint8_t c[32], cw[32];
  uint8_t s = quant(5, v, RNE, SYSFMT_SCALE_OCP, c);
  CHECK(s == 0x7F && memcmp(c, want, 32) == 0, "10.4 MXINT8 scale 0x%02X and codes", s);
  CHECK(dec(5, c[10]) == 0.328125, "10.4 0.33 -> 0.328125");
  quant(5, v, AWAY, SYSFMT_SCALE_OCP, cw);
  CHECK(cw[2] == 0x01 && cw[3] == 0xFF && cw[5] == 0x03 && cw[6] == 0xFD,
        "10.4 away: 0.5/64 -> 0x%02X, 2.5/64 -> 0x%02X", cw[2], cw[5]);
  s = quant(0, v, RNE, SYSFMT_SCALE_OCP, c);
  CHECK(s == 0x77 && c[0] == 0x7E, "10.4 E4M3 scale 0x%02X, 1.9921875 -> 0x%02X", s, c[0]);
  s = quant(4, v, RNE, SYSFMT_SCALE_OCP, c);
  CHECK(s == 0x7D && c[0] == 0x7, "10.4 E2M1 scale 0x%02X, 1.9921875 -> 0x%X", s, c[0]);
}

static void tiny_10_5(void) {
  static const uint32_t four[4] = {0x00080000, 0x800A0000, 0x000C0000, 0x800E0000};
  float v[32];
  for (int i = 0; i < 32; i++)
    v[i] = t_u2f(four[i % 4]);
  static const uint8_t want[6][4] = {{0x20, 0xA2, 0x24, 0xA6}, {0x30, 0xB1, 0x32, 0xB3},
                                     {0x02, 0x22, 0x03, 0x24}, {0x01, 0x21, 0x02, 0x22},
                                     {0x0, 0x8, 0x0, 0x8},     {0x08, 0xF6, 0x0C, 0xF2}};
  for (int t = 0; t < 6; t++) {
    uint8_t c[32];
    for (int rule = 0; rule < 2; rule++) {
      uint8_t s = quant(t, v, RNE, (SysfmtScaleRule)rule, c);
      CHECK(s == 0x00, "10.5 %s scale 0x%02X", sysfmt_format_name(mx_kinds[t]), s);
      for (int i = 0; i < 32; i++)
        CHECK(c[i] == want[t][i % 4], "10.5 %s code %d = 0x%02X", sysfmt_format_name(mx_kinds[t]),
              i, c[i]);
    }
    if (t <= 1) { /* E4M3 and E5M2 decode back exactly */
      for (int i = 0; i < NISA; i++) {
        SysfmtOptions op = opts(RNE, DEF, isas[i]);
        op.packing = SYSFMT_PACK_BYTE;
        SysfmtShape sh = {1, 0, {32}};
        uint8_t sc = 0;
        float back[32];
        sysfmt_mx_quantize(mx_kinds[t], &sh, v, c, &sc, &op);
        sysfmt_mx_dequantize(mx_kinds[t], &sh, c, &sc, back, &op);
        CHECK(memcmp(back, v, sizeof v) == 0, "10.5 %s decodes back exactly on %s",
              sysfmt_format_name(mx_kinds[t]), sysfmt_isa_name(isas[i]));
      }
    }
  }
  uint8_t c[32];
  quant(2, v, AWAY, SYSFMT_SCALE_OCP, c);
  CHECK(c[0] == 0x02 && c[1] == 0x23 && c[2] == 0x03 && c[3] == 0x24, "10.5 E3M2 away");
}

static void edges_10_6(void) {
  float v[32] = {t_u2f(0x49FFFFFF)};
  uint8_t c[32];
  uint8_t s = quant(0, v, RNE, SYSFMT_SCALE_OCP, c);
  CHECK(s == 0x8B && c[0] == 0x7E, "10.6 0x49FFFFFF: scale 0x%02X element 0x%02X", s, c[0]);
  CHECK((int)floorf(log2f(v[0])) + 127 - 8 == 0x8C, "10.6 floor(log2f) would give 0x8C");
  uint8_t sc = 0;
  sysfmt_mx_scale(SYSFMT_MXFP8_E4M3, v[0], SYSFMT_SCALE_OCP, &sc);
  CHECK(sc == 0x8B, "10.6 sysfmt_mx_scale 0x%02X", sc);
}

static void dfp_10_7(void) {
  float x[7] = {t_u2f(0x40490FD0), t_u2f(0xC02DF84D), 0.5f, t_u2f(0xBA83126F),
                t_u2f(0x358637BD), t_u2f(0x407FFFD6), t_u2f(0xC07FFFFC)};
  static const int16_t q0[7] = {25736, -22268, 4096, -8, 0, 32767, -32767};
  static const int16_t q1[7] = {12868, -11134, 2048, -4, 0, 16383, -16383};
  for (int i = 0; i < NISA; i++) {
    for (int as = 0; as < 2; as++) {
      SysfmtOptions op = opts(RNE, DEF, isas[i]);
      op.add_shift = as;
      int16_t q[7];
      int32_t es = 99;
      CHECK(sysfmt_dfp16_quantize(x, 7, &op, q, &es) == SYSFMT_OK, "10.7 status");
      CHECK(es == (as ? -12 : -13), "10.7 add_shift %d: Es = %d", as, (int)es);
      CHECK(memcmp(q, as ? q1 : q0, sizeof q) == 0, "10.7 add_shift %d codes on %s", as,
            sysfmt_isa_name(isas[i]));
    }
  }
}

static void e8m0_3(void) {
  CHECK(t_f2u(sysfmt_e8m0_to_f32(0x00)) == 0x00400000, "§3 E8M0 0x00 -> 2^-127 subnormal");
  CHECK(t_f2u(sysfmt_e8m0_to_f32(0x01)) == 1u << 23, "§3 E8M0 0x01");
  CHECK(t_f2u(sysfmt_e8m0_to_f32(0xFE)) == 0xFEu << 23, "§3 E8M0 0xFE");
  CHECK(isnan(sysfmt_e8m0_to_f32(0xFF)), "§3 E8M0 0xFF is NaN");
  /* §4: a NaN or Inf in a block gives scale 0xFF and codes 0 [project] */
  float v[32] = {1, 2, INFINITY};
  uint8_t c[32];
  for (int t = 0; t < 6; t++) {
    uint8_t s = quant(t, v, RNE, SYSFMT_SCALE_OCP, c);
    int zero = 1;
    for (int i = 0; i < 32; i++)
      zero &= c[i] == 0;
    CHECK(s == 0xFF && zero, "§4 Inf block: %s scale 0x%02X", sysfmt_format_name(mx_kinds[t]), s);
  }
  float z[32] = {0};
  z[3] = -0.0f;
  for (int t = 0; t < 6; t++) {
    uint8_t s = quant(t, z, RNE, SYSFMT_SCALE_OCP, c);
    CHECK(s == 0x00, "§4 zero block: %s scale 0x%02X", sysfmt_format_name(mx_kinds[t]), s);
    static const uint8_t negzero[6] = {0x80, 0x80, 0x20, 0x20, 0x08, 0x00};
    CHECK(c[3] == negzero[t], "§4 zero block keeps -0: %s code 0x%02X",
          sysfmt_format_name(mx_kinds[t]), c[3]);
  }
}

int main(void) {
  t_begin("formats.vectors");
  scalars_10_1();
  bf16_fp16_10_2();
  blocks_10_3();
  mxint8_10_4();
  tiny_10_5();
  edges_10_6();
  dfp_10_7();
  e8m0_3();
  return t_end();
}
