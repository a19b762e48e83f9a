/*
 * Scalar encode and decode, the portable definition every other path must match.
 *
 * Encoding never uses floating-point arithmetic: the input is split into an integer
 * significand and an exponent (value = sig * 2^ex), the quantum exponent qe of the destination
 * is found (the binade's ULP, or the subnormal ULP 2^qmin), and sig is shifted right by
 * qe - ex with a round bit and a sticky bit (fmt_shift_round). The code is then
 * ((qe - qmin) << mbits) + n (fmt_internal.h), so a carry out of the mantissa moves to the next
 * binade by itself and overflow is "code > maxcode". This is the integer form of the reference
 * encoder of numerics.md §2, and being integer-only it ignores the caller's rounding mode
 * and flush-to-zero settings.
 *
 * fmt_round_value takes any (sig, ex) pair, so the same rounder serves FP32 inputs scaled by
 * an MX exponent (exactly, by adjusting ex), exact 128-bit dot-product sums (with a sticky bit)
 * and the FP32 destination itself.
 */
#include "fmt_internal.h"

#define INLINE static inline __attribute__((always_inline))

INLINE uint64_t shift_round(uint64_t sig, int shift, int sticky, SysfmtRound r) {
  if (shift <= 0)
    return sig << -shift; /* exact; callers keep this small */
  if (shift >= 64)
    return 0; /* sig < 2^63: below half a quantum */
  uint64_t n = sig >> shift;
  uint64_t rem = sig & ((UINT64_C(1) << shift) - 1);
  uint64_t half = UINT64_C(1) << (shift - 1);
  /* bitwise, not short-circuit: the round bit is data, branches on it mispredict */
  int up = 0;
  if (r == SYSFMT_ROUND_RNE)
    up = (rem > half) | ((rem == half) & (sticky | (int)(n & 1)));
  else if (r == SYSFMT_ROUND_AWAY)
    up = rem >= half;
  return n + (uint64_t)up;
}

/* The code for a value beyond the largest finite one. Round toward zero never overflows a
   finite value (IEEE); formats without Inf overflow to NaN (E4M3, E8M0). */
static uint32_t overflow_code(const FmtDesc *d, uint32_t neg, SysfmtRound r, int ovf,
                              int inf_in) {
  uint32_t sign = neg << (d->bits - 1);
  if (d->kind == FMT_KIND_INT)
    return neg ? (uint32_t)(-(int32_t)d->maxcode) & ((1u << d->bits) - 1) : d->maxcode;
  if (d->kind == FMT_KIND_E8M0)
    return (ovf && (inf_in || r != SYSFMT_ROUND_RZ)) ? d->nancode : d->maxcode;
  if (!ovf || (!inf_in && r == SYSFMT_ROUND_RZ))
    return sign | d->maxcode;
  return d->infcode ? (sign | d->infcode) : d->nancode;
}

INLINE uint32_t round_value(const FmtDesc *d, uint32_t neg, uint64_t sig, int ex, int sticky,
                            SysfmtRound r, int ovf) {
  int top = 63 - __builtin_clzll(sig);
  int e = top + ex; /* E(value) */
  if (d->kind == FMT_KIND_INT) {
    /* Far beyond the largest |n|: saturate before the shift could overflow. */
    if (e - d->qmin >= 32)
      return overflow_code(d, neg, r, 0, 0);
    uint64_t n = shift_round(sig, d->qmin - ex, sticky, r);
    if (n > d->maxcode)
      n = d->maxcode;
    return neg ? (uint32_t)(-(int64_t)n) & ((1u << d->bits) - 1) : (uint32_t)n;
  }
  if (d->kind == FMT_KIND_E8M0) {
    if (e < -127)
      return 0x00; /* no zero and no subnormals: the smallest scale */
    uint64_t n = shift_round(sig, e - ex, sticky, r); /* 1, or 2 after rounding up */
    int c = e + 127 + (n == 2);
    if (c > 254)
      return overflow_code(d, neg, r, ovf, 0);
    return (uint32_t)c;
  }
  int qe = e - d->mbits;
  if (qe < d->qmin)
    qe = d->qmin;
  uint64_t n = shift_round(sig, qe - ex, sticky, r);
  uint64_t code = ((uint64_t)(qe - d->qmin) << d->mbits) + n;
  if (code > d->maxcode)
    return overflow_code(d, neg, r, ovf, 0);
  return (neg << (d->bits - 1)) | (uint32_t)code;
}

/* NaN input: the format's NaN, or for FP16/BF16/FP32 a quiet NaN keeping the sign and the
   top payload bits (what F16C VCVTPS2PH and the BF16 rule of numerics.md §7 do). */
static uint32_t nan_code(const FmtDesc *d, uint32_t bits) {
  if (!d->nan_payload)
    return d->nancode;
  uint32_t neg = bits >> 31, mant = bits & 0x7FFFFF;
  uint32_t quiet = 1u << (d->mbits - 1);
  return (neg << (d->bits - 1)) | d->infcode | quiet | (mant >> (23 - d->mbits));
}

INLINE uint32_t encode_bits(const FmtDesc *d, uint32_t bits, int escale, SysfmtRound r, int ovf) {
  uint32_t neg = bits >> 31, a = bits & 0x7FFFFFFF;
  if (a > 0x7F800000)
    return nan_code(d, bits);
  if (d->kind == FMT_KIND_E8M0 && neg && a)
    return d->nancode; /* E8M0 has no sign */
  if (a == 0x7F800000)
    return overflow_code(d, neg, r, ovf, 1);
  if (a == 0) {
    if (d->kind == FMT_KIND_FLOAT)
      return neg << (d->bits - 1); /* the sign of zero survives */
    return 0;
  }
  uint32_t e32 = a >> 23;
  uint64_t sig = e32 ? ((a & 0x7FFFFF) | 0x800000) : a;
  int ex = (e32 ? (int)e32 : 1) - 150 - escale;
  return round_value(d, neg, sig, ex, 0, r, ovf);
}

uint32_t fmt_round_value(const FmtDesc *d, uint32_t neg, uint64_t sig, int ex, int sticky,
                         SysfmtRound r, int ovf) {
  return round_value(d, neg, sig, ex, sticky, r, ovf);
}

uint32_t fmt_encode_bits(const FmtDesc *d, uint32_t bits, int escale, SysfmtRound r, int ovf) {
  return encode_bits(d, bits, escale, r, ovf);
}

void fmt_encode_run(const FmtDesc *d, const float *src, size_t n, int escale, SysfmtRound r,
                    int ovf, void *dst) {
  if (d->bits > 8) {
    uint16_t *o = dst;
    for (size_t i = 0; i < n; i++)
      o[i] = (uint16_t)encode_bits(d, fmt_f2u(src[i]), escale, r, ovf);
  } else {
    uint8_t *o = dst;
    for (size_t i = 0; i < n; i++)
      o[i] = (uint8_t)encode_bits(d, fmt_f2u(src[i]), escale, r, ovf);
  }
}

uint32_t fmt_decode_bits(const FmtDesc *d, uint32_t code) {
  switch (d->kind) {
  case FMT_KIND_INT: {
    int32_t n = (int8_t)(uint8_t)code;
    if (n == 0)
      return 0;
    uint32_t neg = n < 0, mag = (uint32_t)(neg ? -n : n);
    return fmt_round_value(&fmt_descs[SYSFMT_F32], neg, mag, d->qmin, 0, SYSFMT_ROUND_RNE, 1);
  }
  case FMT_KIND_E8M0:
    if (code == 0xFF)
      return 0x7FC00000;
    return code ? code << 23 : 0x00400000;
  default:
    break;
  }
  if (d->ebits == 8)
    return code << (32 - d->bits); /* FP32 itself, and BF16 (a truncated FP32, §7) */
  uint32_t neg = (code >> (d->bits - 1)) & 1;
  uint32_t mag = code & ((1u << (d->bits - 1)) - 1);
  uint32_t sign = neg << 31;
  uint32_t e = mag >> d->mbits, m = mag & ((1u << d->mbits) - 1);
  if (d->infcode && e == (d->infcode >> d->mbits)) {
    if (m == 0)
      return sign | 0x7F800000;
    /* NaN: FP16 keeps its payload and turns quiet (as F16C does); FP8 gives a canonical one */
    if (d->nan_payload)
      return sign | 0x7FC00000 | (m << (23 - d->mbits));
    return sign | 0x7FC00000;
  }
  if (!d->infcode && d->nancode > d->maxcode && mag == d->nancode)
    return sign | 0x7FC00000; /* E4M3 0x7F / 0xFF */
  if (mag == 0)
    return sign;
  /* value = n * 2^q exactly; FP32 holds every value of a narrower format */
  uint32_t n = e ? (m | (1u << d->mbits)) : m;
  int q = e ? d->qmin + (int)e - 1 : d->qmin;
  return fmt_round_value(&fmt_descs[SYSFMT_F32], neg, n, q, 0, SYSFMT_ROUND_RNE, 1);
}

/* bits * 2^k rounded once (RNE) to FP32; used to apply E8M0 scales without float arithmetic. */
uint32_t fmt_f32_ldexp_bits(uint32_t bits, int k) {
  uint32_t a = bits & 0x7FFFFFFF;
  if (a >= 0x7F800000 || a == 0)
    return bits;
  uint32_t e32 = a >> 23;
  uint64_t sig = e32 ? ((a & 0x7FFFFF) | 0x800000) : a;
  int ex = (e32 ? (int)e32 : 1) - 150 + k;
  return fmt_round_value(&fmt_descs[SYSFMT_F32], bits >> 31, sig, ex, 0, SYSFMT_ROUND_RNE, 1);
}

int fmt_ovf_flag(const FmtDesc *d, SysfmtOverflow o) {
  switch (d->ovf_mode) {
  case 0: return 0;
  case 1: return o == SYSFMT_OVERFLOW_INF;
  default: return o != SYSFMT_OVERFLOW_SAT;
  }
}

static int scalar_kind(const FmtDesc *d) {
  return d && (d->kind == FMT_KIND_FLOAT || d->kind == FMT_KIND_INT || d->kind == FMT_KIND_E8M0);
}

SysfmtStatus sysfmt_encode(SysfmtFormat f, float x, const SysfmtOptions *opt, uint32_t *code) {
  const FmtDesc *d = fmt_desc(f);
  if (!d || !code || !fmt_options_valid(opt))
    return SYSFMT_ERR_ARG;
  if (!scalar_kind(d))
    return SYSFMT_ERR_FORMAT;
  opt = fmt_options(opt);
  uint32_t bits = fmt_f2u(x);
  if (f == SYSFMT_F32)
    *code = bits;
  else
    *code = fmt_encode_bits(d, bits, 0, opt->round, fmt_ovf_flag(d, opt->overflow));
  return SYSFMT_OK;
}

SysfmtStatus sysfmt_decode(SysfmtFormat f, uint32_t code, float *x) {
  const FmtDesc *d = fmt_desc(f);
  if (!d || !x)
    return SYSFMT_ERR_ARG;
  if (!scalar_kind(d))
    return SYSFMT_ERR_FORMAT;
  if (d->bits < 32 && code >> d->bits)
    return SYSFMT_ERR_ARG;
  *x = fmt_u2f(fmt_decode_bits(d, code));
  return SYSFMT_OK;
}

uint16_t sysfmt_f32_to_bf16(float x) {
  return (uint16_t)fmt_encode_bits(&fmt_descs[SYSFMT_BF16], fmt_f2u(x), 0, SYSFMT_ROUND_RNE, 1);
}

float sysfmt_bf16_to_f32(uint16_t code) {
  return fmt_u2f((uint32_t)code << 16);
}

uint16_t sysfmt_f32_to_f16(float x) {
  return (uint16_t)fmt_encode_bits(&fmt_descs[SYSFMT_F16], fmt_f2u(x), 0, SYSFMT_ROUND_RNE, 1);
}

float sysfmt_f16_to_f32(uint16_t code) {
  return fmt_u2f(fmt_decode_bits(&fmt_descs[SYSFMT_F16], code));
}

float sysfmt_e8m0_to_f32(uint8_t code) {
  return fmt_u2f(fmt_decode_bits(&fmt_descs[SYSFMT_E8M0], code));
}
