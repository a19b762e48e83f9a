/*
 * formats.api: the public surface beyond the numbers: the name table and its lookup (the
 * .sys type names), SysfmtInfo against numerics.md §1, status codes for every kind of bad
 * argument, storage sizes, and independence from the caller's floating-point environment
 * (x86 MXCSR with flush-to-zero, denormals-are-zero and round-toward-zero set must change
 * nothing, and must be restored).
 */
#include <math.h>

#include "sysfmt.h"
#include "test_util.h"

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

static void names(void) {
  static const char *sys_names[] = {"f32", "f16", "bf16", "fp8e4m3", "fp8e5m2", "mxfp8e4m3",
                                    "mxfp8e5m2", "mxfp6e3m2", "mxfp6e2m3", "mxfp4e2m1", "mxint8",
                                    "i16", "i32"};
  for (size_t i = 0; i < sizeof sys_names / sizeof *sys_names; i++) {
    SysfmtFormat f = SYSFMT_FORMAT_COUNT;
    CHECK(sysfmt_format_from_name(sys_names[i], &f) == SYSFMT_OK &&
              strcmp(sysfmt_format_name(f), sys_names[i]) == 0,
          ".sys type %s", sys_names[i]);
  }
  for (int f = 0; f < SYSFMT_FORMAT_COUNT; f++) {
    SysfmtFormat g = SYSFMT_FORMAT_COUNT;
    const char *nm = sysfmt_format_name((SysfmtFormat)f);
    CHECK(nm && sysfmt_format_from_name(nm, &g) == SYSFMT_OK && g == (SysfmtFormat)f,
          "name table round trip %d", f);
  }
  SysfmtFormat g;
  CHECK(sysfmt_format_from_name("FP8E4M3", &g) == SYSFMT_ERR_FORMAT, "names are case-sensitive");
  CHECK(sysfmt_format_from_name("", &g) == SYSFMT_ERR_FORMAT, "empty name");
  CHECK(sysfmt_format_from_name(NULL, &g) == SYSFMT_ERR_ARG, "NULL name");
  CHECK(sysfmt_format_name(SYSFMT_FORMAT_COUNT) == NULL, "invalid format has no name");
  CHECK(sysfmt_is_mx(SYSFMT_MXINT8) && !sysfmt_is_mx(SYSFMT_INT8) && !sysfmt_is_mx(SYSFMT_DFP16),
        "is_mx");
  for (int s = 0; s <= SYSFMT_ERR_NOMEM; s++)
    CHECK(sysfmt_status_str((SysfmtStatus)s)[0] != 0, "status string %d", s);
  CHECK(strcmp(sysfmt_isa_name(SYSFMT_ISA_AVX512), "avx512") == 0, "isa name");
}

static void info(void) {
  static const struct {
    SysfmtFormat f;
    int bits;
    double maxn, minn, mins;
    int inf, nan;
  } t[] = {
    {SYSFMT_FP8_E4M3, 8, 448, 0x1p-6, 0x1p-9, 0, 1},
    {SYSFMT_FP8_E5M2, 8, 57344, 0x1p-14, 0x1p-16, 1, 1},
    {SYSFMT_FP6_E3M2, 6, 28, 0.25, 0.0625, 0, 0},
    {SYSFMT_FP6_E2M3, 6, 7.5, 1, 0.125, 0, 0},
    {SYSFMT_FP4_E2M1, 4, 6, 1, 0.5, 0, 0},
    {SYSFMT_INT8, 8, 127.0 / 64, 1.0 / 64, 1.0 / 64, 0, 0},
    {SYSFMT_E8M0, 8, 0x1p127, 0x1p-127, 0x1p-127, 0, 1},
    {SYSFMT_F16, 16, 65504, 0x1p-14, 0x1p-24, 1, 1},
    {SYSFMT_BF16, 16, 0x1.fep127, 0x1p-126, 0x1p-133, 1, 1},
    {SYSFMT_MXFP4_E2M1, 4, 6, 1, 0.5, 0, 0},
  };
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
    SysfmtInfo in;
    CHECK(sysfmt_format_info(t[i].f, &in) == SYSFMT_OK, "info status");
    CHECK(in.bits == t[i].bits && in.max_normal == t[i].maxn && in.min_normal == t[i].minn &&
              in.min_subnormal == t[i].mins && in.has_inf == t[i].inf && in.has_nan == t[i].nan,
          "§1 table row of %s: bits %d max %g min %g sub %g inf %d nan %d", in.name, in.bits,
          in.max_normal, in.min_normal, in.min_subnormal, in.has_inf, in.has_nan);
  }
  SysfmtInfo in;
  sysfmt_format_info(SYSFMT_MXFP6_E2M3, &in);
  CHECK(in.block == 32 && in.element == SYSFMT_FP6_E2M3 && in.emax == 2, "MX info");
  CHECK(sysfmt_format_info(SYSFMT_FORMAT_COUNT, &in) == SYSFMT_ERR_ARG, "info of invalid format");
}

static void errors(void) {
  uint32_t code;
  float x;
  SysfmtOptions bad = SYSFMT_OPTIONS_INIT;
  bad.round = (SysfmtRound)7;
  CHECK(sysfmt_encode(SYSFMT_FP8_E4M3, 1, &bad, &code) == SYSFMT_ERR_ARG, "bad rounding mode");
  bad = (SysfmtOptions)SYSFMT_OPTIONS_INIT;
  bad.isa = (SysfmtIsa)9;
  CHECK(sysfmt_encode(SYSFMT_FP8_E4M3, 1, &bad, &code) == SYSFMT_ERR_ARG, "bad isa");
  CHECK(sysfmt_encode(SYSFMT_FORMAT_COUNT, 1, NULL, &code) == SYSFMT_ERR_ARG, "bad format");
  CHECK(sysfmt_encode(SYSFMT_FP8_E4M3, 1, NULL, NULL) == SYSFMT_ERR_ARG, "NULL code");
  CHECK(sysfmt_encode(SYSFMT_MXFP8_E4M3, 1, NULL, &code) == SYSFMT_ERR_FORMAT, "MX is not scalar");
  CHECK(sysfmt_encode(SYSFMT_DFP16, 1, NULL, &code) == SYSFMT_ERR_FORMAT, "DFP16 is not scalar");
  CHECK(sysfmt_encode(SYSFMT_I32, 1, NULL, &code) == SYSFMT_ERR_FORMAT, "no i32 conversion");
  CHECK(sysfmt_decode(SYSFMT_FP4_E2M1, 0x10, &x) == SYSFMT_ERR_ARG, "FP4 code 0x10");
  CHECK(sysfmt_decode(SYSFMT_FP8_E4M3, 0x100, &x) == SYSFMT_ERR_ARG, "FP8 code 0x100");
  CHECK(sysfmt_encode(SYSFMT_F32, -0.0f, NULL, &code) == SYSFMT_OK && code == 0x80000000u,
        "f32 is identity");
  uint8_t codes[32], sc;
  float v[33] = {0};
  CHECK(sysfmt_mx_quantize_block(SYSFMT_MXFP8_E4M3, v, 33, NULL, &sc, codes) == SYSFMT_ERR_ARG,
        "block of 33");
  CHECK(sysfmt_mx_quantize_block(SYSFMT_FP8_E4M3, v, 32, NULL, &sc, codes) == SYSFMT_ERR_ARG,
        "element format is not an MX kind");
  CHECK(sysfmt_mx_quantize_block(SYSFMT_MXFP4_E2M1, v, 5, NULL, &sc, codes) == SYSFMT_OK &&
            sc == 0,
        "short block padded");
  codes[0] = 0x40;
  CHECK(sysfmt_mx_dequantize_block(SYSFMT_MXFP6_E2M3, 0x7F, codes, 1, v) == SYSFMT_ERR_ARG,
        "FP6 code 0x40");
  SysfmtShape s0 = {0, 0, {4}}, s1 = {2, 2, {4, 4}}, s2 = {2, 0, {4, 0}};
  size_t eb, ns;
  CHECK(sysfmt_mx_sizes(SYSFMT_MXINT8, &s0, NULL, &eb, &ns) == SYSFMT_ERR_ARG, "rank 0");
  CHECK(sysfmt_mx_sizes(SYSFMT_MXINT8, &s1, NULL, &eb, &ns) == SYSFMT_ERR_ARG, "axis 2 of 2");
  CHECK(sysfmt_mx_sizes(SYSFMT_MXINT8, &s2, NULL, &eb, &ns) == SYSFMT_ERR_ARG, "zero dim");
  SysfmtShape huge = {2, 1, {(size_t)1 << 40, (size_t)1 << 40}};
  CHECK(sysfmt_mx_sizes(SYSFMT_MXINT8, &huge, NULL, &eb, &ns) == SYSFMT_ERR_ARG, "size overflow");
  /* sizes: [3][33] blocked along 1 pads to 64 */
  SysfmtShape s3 = {2, 1, {3, 33}};
  SysfmtOptions op = SYSFMT_OPTIONS_INIT;
  CHECK(sysfmt_mx_sizes(SYSFMT_MXFP4_E2M1, &s3, &op, &eb, &ns) == SYSFMT_OK && eb == 96 && ns == 6,
        "FP4 dense [3][33]: %zu bytes, %zu scales", eb, ns);
  CHECK(sysfmt_mx_sizes(SYSFMT_MXFP6_E3M2, &s3, &op, &eb, &ns) == SYSFMT_OK && eb == 144,
        "FP6 dense [3][33]: %zu bytes", eb);
  op.packing = SYSFMT_PACK_BYTE;
  CHECK(sysfmt_mx_sizes(SYSFMT_MXFP6_E3M2, &s3, &op, &eb, &ns) == SYSFMT_OK && eb == 192,
        "FP6 byte [3][33]: %zu bytes", eb);
  CHECK(sysfmt_mx_dot(SYSFMT_MXINT8, codes, &sc, SYSFMT_F16, codes, &sc, 1, 0, NULL, &x) ==
            SYSFMT_ERR_ARG,
        "dot of a non-MX format");
  float out = 1;
  CHECK(sysfmt_mx_dot(SYSFMT_MXINT8, NULL, NULL, SYSFMT_MXINT8, NULL, NULL, 0, -0.0f, NULL, &out) ==
            SYSFMT_OK && t_f2u(out) == 0x80000000u,
        "empty dot returns C_in");
  CHECK(sysfmt_encode_array(SYSFMT_MXINT8, v, 1, codes, NULL) == SYSFMT_ERR_FORMAT, "array of MX");
  uint8_t fp4 = 0x1F;
  CHECK(sysfmt_decode_array(SYSFMT_FP4_E2M1, &fp4, 1, v, NULL) == SYSFMT_ERR_ARG, "array bad code");
}

#if defined(__x86_64__)
/* Results under a hostile MXCSR (FTZ, DAZ, round toward zero) must equal the default ones. */
static void fpenv(void) {
  static const SysfmtIsa isas[] = {SYSFMT_ISA_PORTABLE, SYSFMT_ISA_AVX2, SYSFMT_ISA_AVX512};
  enum { N = 256 };
  float x[N], tiny[32];
  for (int i = 0; i < N; i++)
    x[i] = t_u2f(t_rand32() % 3 ? (t_rand32() & 0x80FFFFFF) : t_rand32());
  static const uint32_t four[4] = {0x00080000, 0x800A0000, 0x000C0000, 0x800E0000}; /* §10.5 */
  for (int i = 0; i < 32; i++)
    tiny[i] = t_u2f(four[i % 4]);
  for (int k = 0; k < 3; k++) {
    SysfmtOptions op = SYSFMT_OPTIONS_INIT;
    op.isa = isas[k];
    op.packing = SYSFMT_PACK_BYTE;
    uint16_t h[2][N], b[2][N];
    uint8_t e[2][N], q[2][32], s[2];
    float d[2][N], dq[2][32], dd[2][8], dot[2];
    int16_t iq[8] = {1, -3, 5, 7, 9, 11, 13, 32767};
    SysfmtShape sh = {1, 0, {32}};
    for (int pass = 0; pass < 2; pass++) {
      unsigned saved = _mm_getcsr(), hostile = 0x1F80 | 0x8040 | 0x6000;
      if (pass)
        _mm_setcsr(hostile);
      sysfmt_encode_array(SYSFMT_F16, x, N, h[pass], &op);
      sysfmt_encode_array(SYSFMT_BF16, x, N, b[pass], &op);
      sysfmt_encode_array(SYSFMT_FP8_E4M3, x, N, e[pass], &op);
      sysfmt_decode_array(SYSFMT_F16, h[0], N, d[pass], &op);
      sysfmt_mx_quantize(SYSFMT_MXFP8_E5M2, &sh, tiny, q[pass], &s[pass], &op);
      sysfmt_mx_dequantize(SYSFMT_MXFP8_E5M2, &sh, q[0], &s[0], dq[pass], &op);
      sysfmt_dfp16_dequantize(iq, 8, -140, dd[pass]);
      sysfmt_mx_dot(SYSFMT_MXFP8_E5M2, q[0], &s[0], SYSFMT_MXFP8_E5M2, q[0], &s[0], 1, 0x1p-149f,
                    &op, &dot[pass]);
      if (pass) {
        CHECK(_mm_getcsr() == hostile, "MXCSR restored after the calls");
        _mm_setcsr(saved);
      }
    }
    const char *nm = sysfmt_isa_name(isas[k]);
    CHECK(memcmp(h[0], h[1], sizeof h[0]) == 0, "%s: FP16 encode depends on MXCSR", nm);
    CHECK(memcmp(b[0], b[1], sizeof b[0]) == 0, "%s: BF16 encode depends on MXCSR", nm);
    CHECK(memcmp(e[0], e[1], sizeof e[0]) == 0, "%s: E4M3 encode depends on MXCSR", nm);
    CHECK(memcmp(d[0], d[1], sizeof d[0]) == 0, "%s: FP16 decode depends on MXCSR", nm);
    CHECK(memcmp(q[0], q[1], 32) == 0 && s[0] == s[1], "%s: MX quantize depends on MXCSR", nm);
    CHECK(memcmp(dq[0], dq[1], sizeof dq[0]) == 0 && memcmp(dq[0], tiny, sizeof tiny) == 0,
          "%s: MX dequantize of FP32 subnormals depends on MXCSR", nm);
    CHECK(memcmp(dd[0], dd[1], sizeof dd[0]) == 0 && dd[0][0] == 0x1p-140f,
          "%s: DFP16 dequantize depends on MXCSR", nm);
    CHECK(t_f2u(dot[0]) == t_f2u(dot[1]) && dot[0] > 0, "%s: dot depends on MXCSR", nm);
  }
}
#endif

int main(void) {
  t_begin("formats.api");
  printf("formats.api: this CPU: %s\n", sysfmt_isa_name(sysfmt_cpu_isa()));
  names();
  info();
  errors();
#if defined(__x86_64__)
  fpenv();
#endif
  return t_end();
}
