/*
 * Reference dot products: the bit-reproducible definitions kernels are checked against.
 *
 * MX (numerics.md §5.3): each block's sum of element products is formed exactly as an
 * integer in units of the product LSB (2^(qmin_A + qmin_B)). Element products span up to 69
 * bits (E5M2 x E5M2), so the sum is a 128-bit integer; it is rounded once to FP32 together
 * with the two scales by the scalar rounder, then added to an FP32 accumulator in block order.
 * The result therefore does not depend on how a block is summed, only on block order, which
 * is what lets a kernel match it bit for bit. A block with a NaN scale, or with an element
 * that is Inf or NaN (E5M2, E4M3 NaN codes, never produced by the quantizer), follows IEEE
 * arithmetic instead: NaN, or ±Inf.
 *
 * DFP16 (§8): K is split into chunks of at most N_safe products, each summed exactly in INT32
 * (it cannot wrap: the codes are checked against ±Qmax first), rounded once to FP32 with the
 * two exponents, and added in chunk order.
 */
#include <stdlib.h>

#include "fmt_internal.h"

__extension__ typedef __int128 FmtI128;
__extension__ typedef unsigned __int128 FmtU128;

/* One element as sign * n * 2^(qmin + sh); returns 0 for Inf and NaN codes. */
static int elem_term(const FmtDesc *d, uint8_t code, int32_t *n, int *sh) {
  if (d->kind == FMT_KIND_INT) {
    *n = (int8_t)code;
    *sh = 0;
    return 1;
  }
  uint32_t neg = (code >> (d->bits - 1)) & 1, mag = code & ((1u << (d->bits - 1)) - 1);
  uint32_t e = mag >> d->mbits, m = mag & ((1u << d->mbits) - 1);
  if ((d->infcode && e == d->infcode >> d->mbits) || (!d->infcode && d->nancode > d->maxcode &&
                                                      mag == d->nancode))
    return 0;
  int32_t v = (int32_t)(e ? (m | (1u << d->mbits)) : m);
  *n = neg ? -v : v;
  *sh = e ? (int)e - 1 : 0;
  return 1;
}

/* RNE_fp32(S * 2^ex) for a 128-bit integer S. */
static float round_i128(FmtI128 s, int ex) {
  if (s == 0)
    return 0.0f;
  uint32_t neg = s < 0;
  FmtU128 u = neg ? -(FmtU128)s : (FmtU128)s;
  int sticky = 0;
  while (u >> 62) { /* keep 62 bits and a sticky bit for the rounder */
    sticky |= (int)(u & 1);
    u >>= 1;
    ex++;
  }
  return fmt_u2f(fmt_round_value(&fmt_descs[SYSFMT_F32], neg, (uint64_t)u, ex, sticky,
                                 SYSFMT_ROUND_RNE, 1));
}

/* t = RNE_fp32(X_A * X_B * sum_i P_A,i * P_B,i) for one block of one-per-byte codes. */
static float block_term(const FmtDesc *ea, const uint8_t *ca, uint8_t sa, const FmtDesc *eb,
                        const uint8_t *cb, uint8_t sb) {
  if (sa == 0xFF || sb == 0xFF)
    return fmt_u2f(0x7FC00000);
  FmtI128 s = 0;
  int special = 0;
  for (int i = 0; i < SYSFMT_MX_BLOCK; i++) {
    int32_t na, nb;
    int sha, shb;
    if (!elem_term(ea, ca[i], &na, &sha) || !elem_term(eb, cb[i], &nb, &shb)) {
      special = 1;
      break;
    }
    s += (FmtI128)((int64_t)na * nb) * ((FmtI128)1 << (sha + shb));
  }
  if (special) {
    /* IEEE semantics: the finite products cannot matter next to an Inf or a NaN */
    double sum = 0.0;
    for (int i = 0; i < SYSFMT_MX_BLOCK; i++)
      sum += (double)fmt_u2f(fmt_decode_bits(ea, ca[i])) * fmt_u2f(fmt_decode_bits(eb, cb[i]));
    if (sum != sum)
      return fmt_u2f(0x7FC00000);
    return fmt_u2f(sum < 0 ? 0xFF800000 : 0x7F800000);
  }
  return round_i128(s, ea->qmin + eb->qmin + (int)sa - 127 + (int)sb - 127);
}

static const FmtDesc *mx_elem(SysfmtFormat mx) {
  const FmtDesc *d = fmt_desc(mx);
  return d && d->kind == FMT_KIND_MX ? &fmt_descs[d->elem] : NULL;
}

SysfmtStatus sysfmt_mx_dot(SysfmtFormat fa, const void *a, const uint8_t *sa, SysfmtFormat fb,
                           const void *b, const uint8_t *sb, size_t nblocks, float c_in,
                           const SysfmtOptions *opt, float *out) {
  const FmtDesc *ea = mx_elem(fa), *eb = mx_elem(fb);
  if (!ea || !eb || !out || (nblocks && (!a || !sa || !b || !sb)) || !fmt_options_valid(opt))
    return SYSFMT_ERR_ARG;
  SysfmtPacking p = fmt_options(opt)->packing;
  uint8_t ca[SYSFMT_MX_BLOCK], cb[SYSFMT_MX_BLOCK];
  FmtFpEnv env;
  fmt_fpenv_enter(&env);
  float acc = c_in;
  for (size_t j = 0; j < nblocks; j++) {
    size_t k0 = j * SYSFMT_MX_BLOCK;
    fmt_unpack_row(ea, p, (const uint8_t *)a + fmt_packed_row_bytes(ea, p, k0), 1,
                   SYSFMT_MX_BLOCK, ca);
    fmt_unpack_row(eb, p, (const uint8_t *)b + fmt_packed_row_bytes(eb, p, k0), 1,
                   SYSFMT_MX_BLOCK, cb);
    acc = acc + block_term(ea, ca, sa[j], eb, cb, sb[j]);
  }
  fmt_fpenv_leave(&env);
  *out = acc;
  return SYSFMT_OK;
}

SysfmtStatus sysfmt_mx_gemm(SysfmtFormat fa, const void *a, const uint8_t *sa, SysfmtFormat fb,
                            const void *b, const uint8_t *sb, size_t m, size_t n, size_t k,
                            const float *c_in, float *c, const SysfmtOptions *opt) {
  const FmtDesc *ea = mx_elem(fa), *eb = mx_elem(fb);
  if (!ea || !eb || !a || !sa || !b || !sb || !c || !m || !n || !k || !fmt_options_valid(opt))
    return SYSFMT_ERR_ARG;
  SysfmtPacking p = fmt_options(opt)->packing;
  size_t nb = k / SYSFMT_MX_BLOCK + (k % SYSFMT_MX_BLOCK != 0), kp, bytes;
  if (__builtin_mul_overflow(nb, SYSFMT_MX_BLOCK, &kp) || __builtin_mul_overflow(n, kp, &bytes))
    return SYSFMT_ERR_ARG;
  /* B is [K][N] blocked along K: unpack each column once into a contiguous row. */
  uint8_t *bt = malloc(bytes + kp);
  if (!bt)
    return SYSFMT_ERR_NOMEM;
  uint8_t *arow = bt + bytes;
  for (size_t j = 0; j < n; j++)
    fmt_unpack_row(eb, p, (const uint8_t *)b + j, n, kp, bt + j * kp);
  size_t a_row_bytes = fmt_packed_row_bytes(ea, p, kp);
  FmtFpEnv env;
  fmt_fpenv_enter(&env);
  for (size_t i = 0; i < m; i++) {
    fmt_unpack_row(ea, p, (const uint8_t *)a + i * a_row_bytes, 1, kp, arow);
    for (size_t j = 0; j < n; j++) {
      float acc = c_in ? c_in[i * n + j] : 0.0f;
      for (size_t blk = 0; blk < nb; blk++)
        acc = acc + block_term(ea, arow + blk * SYSFMT_MX_BLOCK, sa[i * nb + blk], eb,
                               bt + j * kp + blk * SYSFMT_MX_BLOCK, sb[blk * n + j]);
      c[i * n + j] = acc;
    }
  }
  fmt_fpenv_leave(&env);
  free(bt);
  return SYSFMT_OK;
}

/* ---- DFP16 ---- */

size_t sysfmt_dfp16_safe_chunk(int add_shift_a, int add_shift_b) {
  if (add_shift_a < 0 || add_shift_a > 14 || add_shift_b < 0 || add_shift_b > 14)
    return 0;
  int64_t qa = (INT64_C(1) << (15 - add_shift_a)) - 1, qb = (INT64_C(1) << (15 - add_shift_b)) - 1;
  return (size_t)(INT64_C(2147483647) / (qa * qb));
}

SysfmtStatus sysfmt_dfp16_dot(const int16_t *a, int32_t es_a, int add_shift_a,
                              const int16_t *b, int32_t es_b, int add_shift_b, size_t k,
                              size_t chunk, float c_in, float *out) {
  size_t safe = sysfmt_dfp16_safe_chunk(add_shift_a, add_shift_b);
  if (!out || (k && (!a || !b)) || !safe || es_a < -1000 || es_a > 1000 || es_b < -1000 ||
      es_b > 1000)
    return SYSFMT_ERR_ARG;
  if (chunk == 0)
    chunk = safe & ~(size_t)1;
  if (chunk < 2 || chunk % 2 || chunk > safe)
    return SYSFMT_ERR_ARG; /* an INT32 chunk sum could wrap */
  int32_t qa = (INT32_C(1) << (15 - add_shift_a)) - 1, qb = (INT32_C(1) << (15 - add_shift_b)) - 1;
  for (size_t i = 0; i < k; i++)
    if (a[i] > qa || a[i] < -qa || b[i] > qb || b[i] < -qb)
      return SYSFMT_ERR_RANGE;
  FmtFpEnv env;
  fmt_fpenv_enter(&env);
  float acc = c_in;
  for (size_t c0 = 0; c0 < k; c0 += chunk) {
    size_t c1 = k - c0 < chunk ? k : c0 + chunk;
    int32_t s = 0; /* exact: |s| <= chunk * qa * qb <= 2^31 - 1 */
    for (size_t i = c0; i < c1; i++)
      s += (int32_t)a[i] * b[i];
    acc = acc + round_i128(s, es_a + es_b);
  }
  fmt_fpenv_leave(&env);
  *out = acc;
  return SYSFMT_OK;
}
