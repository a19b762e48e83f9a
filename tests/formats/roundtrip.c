/*
 * formats.roundtrip: every code of every 4-, 6- and 8-bit format (and every FP16, BF16 and
 * E8M0 code) decodes to the value its definition gives (the independent tables of ref.c) and
 * re-encodes to itself under every rounding mode, with the documented exceptions: NaN codes
 * come back as the format's NaN (compared by class), Inf codes need the overflow-to-Inf rule,
 * and MXINT8 0x80 (-2.0, never produced) clamps to 0x81. Decoding arrays on every instruction
 * set must give the scalar decoder's bits. Also: pack/unpack round trips of every layout at
 * every length up to 100.
 */
#include <math.h>

#include "ref.h"
#include "sysfmt.h"
#include "test_util.h"

static const SysfmtIsa isas[] = {SYSFMT_ISA_PORTABLE, SYSFMT_ISA_AVX2, SYSFMT_ISA_AVX512};

static void one_format(SysfmtFormat f) {
  RefFmt r;
  ref_init(&r, f);
  const char *nm = sysfmt_format_name(f);
  uint32_t ncodes = 1u << r.bits;
  float *dec = malloc(ncodes * sizeof *dec);
  for (uint32_t c = 0; c < ncodes; c++) {
    float x = 0;
    CHECK(sysfmt_decode(f, c, &x) == SYSFMT_OK, "%s decode 0x%X status", nm, c);
    dec[c] = x;
    double want = ref_decode(&r, c);
    if (isnan(want)) {
      CHECK(isnan(x), "%s 0x%X decodes to %g, want NaN", nm, c, x);
    } else {
      CHECK((double)x == want && !signbit(x) == !signbit(want), "%s 0x%X decodes to %.9g, want %.17g",
            nm, c, x, want);
    }
    for (int mode = 0; mode < 3; mode++) {
      for (int o = 0; o < 3; o++) {
        SysfmtOptions op = SYSFMT_OPTIONS_INIT;
        op.round = (SysfmtRound)mode;
        op.overflow = (SysfmtOverflow)o;
        uint32_t back = 0xDEAD;
        sysfmt_encode(f, x, &op, &back);
        uint32_t want_code = c;
        int inf_code = !isnan(x) && isinf(x);
        int ovf_to_inf = o == SYSFMT_OVERFLOW_INF || (o == SYSFMT_OVERFLOW_DEFAULT &&
                                                       (f == SYSFMT_F16 || f == SYSFMT_BF16));
        if (isnan(x)) {
          float y = 0;
          sysfmt_decode(f, back, &y);
          CHECK(isnan(y), "%s NaN code 0x%X re-encodes to non-NaN 0x%X", nm, c, back);
          continue;
        }
        if (inf_code && !ovf_to_inf)
          want_code = (c & ~r.infcode) | r.maxcode; /* SAT: ±max */
        if (f == SYSFMT_INT8 && c == 0x80)
          want_code = 0x81;
        CHECK(back == want_code, "%s 0x%X (%.9g) re-encodes to 0x%X (round %d, overflow %d)", nm,
              c, x, back, mode, o);
      }
    }
  }
  /* array decode on every ISA, codes in random order and at every misalignment */
  for (int i = 0; i < 3; i++) {
    SysfmtOptions op = SYSFMT_OPTIONS_INIT;
    op.isa = isas[i];
    uint32_t n = ncodes + 37;
    int wide = r.bits > 8;
    void *codes = malloc(n * (wide ? 2 : 1));
    uint32_t *idx = malloc(n * sizeof *idx);
    float *out = malloc(n * sizeof *out);
    for (uint32_t k = 0; k < n; k++) {
      idx[k] = k < ncodes ? k : t_below(ncodes);
      if (wide)
        ((uint16_t *)codes)[k] = (uint16_t)idx[k];
      else
        ((uint8_t *)codes)[k] = (uint8_t)idx[k];
    }
    for (uint32_t start = 0; start < 3; start++) {
      size_t w = wide ? 2 : 1;
      CHECK(sysfmt_decode_array(f, (uint8_t *)codes + start * w, n - start, out, &op) == SYSFMT_OK,
            "decode_array status");
      for (uint32_t k = start; k < n; k++)
        CHECK(t_f2u(out[k - start]) == t_f2u(dec[idx[k]]), "%s %s decode_array 0x%X -> 0x%08X, scalar 0x%08X",
              nm, sysfmt_isa_name(isas[i]), idx[k], t_f2u(out[k - start]), t_f2u(dec[idx[k]]));
    }
    free(codes);
    free(idx);
    free(out);
  }
  free(dec);
  ref_free(&r);
}

static void e8m0(void) {
  for (uint32_t c = 0; c < 256; c++) {
    float x = 0;
    sysfmt_decode(SYSFMT_E8M0, c, &x);
    if (c == 0xFF) {
      CHECK(isnan(x), "E8M0 0xFF is NaN");
      continue;
    }
    CHECK((double)x == ldexp(1.0, (int)c - 127), "E8M0 0x%02X decodes to %g", c, x);
    for (int mode = 0; mode < 3; mode++) {
      SysfmtOptions op = SYSFMT_OPTIONS_INIT;
      op.round = (SysfmtRound)mode;
      uint32_t back = 0;
      sysfmt_encode(SYSFMT_E8M0, x, &op, &back);
      CHECK(back == c, "E8M0 0x%02X re-encodes to 0x%02X", c, back);
    }
  }
  /* [project] E8M0 encoding of other values: nearest power of two, ties up */
  static const struct { float x; int mode, ovf; uint32_t want; } v[] = {
    {1.5f, 0, 0, 0x80}, {1.4999999f, 0, 0, 0x7F}, {1.5f, 2, 0, 0x7F}, {1.5f, 1, 0, 0x80},
    {0.0f, 0, 0, 0x00}, {-0.0f, 0, 0, 0x00}, {-1.0f, 0, 0, 0xFF}, {NAN, 0, 0, 0xFF},
    {INFINITY, 0, 0, 0xFE}, {INFINITY, 0, 1, 0xFF}, {0x1p-149f, 0, 0, 0x00},
    {0x1.fffffep127f, 0, 0, 0xFE}, {0x1.fffffep127f, 0, 1, 0xFF}, {0x1.fffffep127f, 2, 1, 0xFE},
  };
  for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
    SysfmtOptions op = SYSFMT_OPTIONS_INIT;
    op.round = (SysfmtRound)v[i].mode;
    op.overflow = v[i].ovf ? SYSFMT_OVERFLOW_INF : SYSFMT_OVERFLOW_SAT;
    uint32_t got = 0;
    sysfmt_encode(SYSFMT_E8M0, v[i].x, &op, &got);
    CHECK(got == v[i].want, "E8M0 encode %a (round %d) -> 0x%02X, want 0x%02X", v[i].x,
          v[i].mode, got, v[i].want);
  }
}

static void packing(void) {
  static const SysfmtFormat fs[] = {SYSFMT_FP4_E2M1, SYSFMT_FP6_E3M2, SYSFMT_FP6_E2M3,
                                    SYSFMT_FP8_E4M3, SYSFMT_INT8, SYSFMT_MXFP4_E2M1};
  for (size_t fi = 0; fi < sizeof fs / sizeof *fs; fi++) {
    SysfmtInfo info;
    sysfmt_format_info(fs[fi], &info);
    for (int p = 0; p < 3; p++) {
      for (size_t n = 0; n <= 100; n++) {
        uint8_t codes[100], back[100], packed[100];
        for (size_t i = 0; i < n; i++)
          codes[i] = (uint8_t)(t_rand32() & ((1u << info.bits) - 1));
        size_t sz = sysfmt_packed_size(fs[fi], (SysfmtPacking)p, n);
        size_t want = p || info.bits == 8 ? n : info.bits == 4 ? (n + 1) / 2 : (n + 3) / 4 * 3;
        CHECK(sz == want, "%s packing %d: size(%zu) = %zu", info.name, p, n, sz);
        memset(packed, 0xAA, sizeof packed);
        CHECK(sysfmt_pack(fs[fi], (SysfmtPacking)p, codes, n, packed) == SYSFMT_OK, "pack");
        CHECK(sz == 100 || packed[sz] == 0xAA, "%s packing %d writes past its size", info.name, p);
        CHECK(sysfmt_unpack(fs[fi], (SysfmtPacking)p, packed, n, back) == SYSFMT_OK, "unpack");
        CHECK(n == 0 || memcmp(codes, back, n) == 0, "%s packing %d n %zu round trip", info.name,
              p, n);
        if (p == SYSFMT_PACK_F8F6F4 && info.bits == 4 && n)
          CHECK(packed[0] == codes[0] << 2, "F8F6F4 FP4 in bits 5..2");
      }
    }
  }
  uint8_t bad = 0x10, out[4];
  CHECK(sysfmt_pack(SYSFMT_FP4_E2M1, SYSFMT_PACK_DENSE, &bad, 1, out) == SYSFMT_ERR_ARG,
        "pack rejects a code wider than the format");
}

int main(void) {
  t_begin("formats.roundtrip");
  static const SysfmtFormat fs[] = {SYSFMT_FP8_E4M3, SYSFMT_FP8_E5M2, SYSFMT_FP6_E3M2,
                                    SYSFMT_FP6_E2M3, SYSFMT_FP4_E2M1, SYSFMT_INT8,
                                    SYSFMT_F16, SYSFMT_BF16};
  for (size_t i = 0; i < sizeof fs / sizeof *fs; i++)
    one_format(fs[i]);
  e8m0();
  packing();
  return t_end();
}
