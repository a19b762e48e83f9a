/*
 * Independent reference encoder for the formats tests (see ref.h). Deliberately naive: tables,
 * binary search and double arithmetic, no bit manipulation of FP32 beyond reading its value.
 */
#include "ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct Params {
  SysfmtFormat id;
  const char *name;
  int bits, ebits, mbits, bias, is_int, has_inf, nan_top;
  uint32_t nan_out;
} Params;

static const Params params[] = {
  {SYSFMT_F16, "f16", 16, 5, 10, 15, 0, 1, 0, 0},
  {SYSFMT_BF16, "bf16", 16, 8, 7, 127, 0, 1, 0, 0},
  {SYSFMT_FP8_E4M3, "fp8e4m3", 8, 4, 3, 7, 0, 0, 1, 0x7F},
  {SYSFMT_FP8_E5M2, "fp8e5m2", 8, 5, 2, 15, 0, 1, 0, 0x7E},
  {SYSFMT_FP6_E3M2, "fp6e3m2", 6, 3, 2, 3, 0, 0, 0, 0x1F},
  {SYSFMT_FP6_E2M3, "fp6e2m3", 6, 2, 3, 1, 0, 0, 0, 0x1F},
  {SYSFMT_FP4_E2M1, "fp4e2m1", 4, 2, 1, 1, 0, 0, 0, 0x7},
  {SYSFMT_INT8, "int8", 8, 0, 6, 0, 1, 0, 0, 0x7F},
};

void ref_init(RefFmt *f, SysfmtFormat id) {
  const Params *p = NULL;
  for (size_t i = 0; i < sizeof params / sizeof *params; i++)
    if (params[i].id == id)
      p = &params[i];
  if (!p)
    abort();
  memset(f, 0, sizeof *f);
  f->id = id;
  f->name = p->name;
  f->bits = p->bits;
  f->mbits = p->mbits;
  f->bias = p->bias;
  f->is_int = p->is_int;
  f->has_inf = p->has_inf;
  f->nan_top = p->nan_top;
  f->nan_out = p->nan_out;
  uint32_t nmag = 1u << (p->bits - 1);
  f->vals = malloc(nmag * sizeof *f->vals);
  int n = 0;
  for (uint32_t c = 0; c < nmag; c++) {
    double v;
    if (p->is_int) {
      if (c > 127)
        break;
      v = c / 64.0;
    } else {
      uint32_t e = c >> p->mbits, m = c & ((1u << p->mbits) - 1);
      if (p->has_inf && e == (1u << p->ebits) - 1)
        break; /* Inf and NaN */
      if (p->nan_top && c == nmag - 1)
        break;
      double frac = (double)m / (1u << p->mbits);
      v = e ? ldexp(1.0 + frac, (int)e - p->bias) : ldexp(frac, 1 - p->bias);
    }
    f->vals[n++] = v;
  }
  f->nvals = n;
  f->maxcode = (uint32_t)n - 1;
  f->infcode = p->has_inf ? (uint32_t)n : 0;
  double top = f->vals[n - 1], ulp = top - f->vals[n - 2];
  f->next = top + ulp;
  int ex;
  frexp(top, &ex);
  f->emax = ex - 1;
  f->maxsig = ldexp(top, -f->emax);
}

void ref_free(RefFmt *f) {
  free(f->vals);
  f->vals = NULL;
}

int ref_floor_index(const RefFmt *f, double mag) {
  int lo = 0, hi = f->nvals - 1;
  if (mag >= f->vals[hi])
    return hi;
  while (hi - lo > 1) { /* vals[lo] <= mag < vals[hi] */
    int mid = (lo + hi) / 2;
    if (f->vals[mid] <= mag)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

static uint32_t with_sign(const RefFmt *f, int neg, uint32_t mag) {
  if (f->is_int)
    return neg ? (uint32_t)(256 - mag) & 0xFF : mag;
  return mag | (uint32_t)neg << (f->bits - 1);
}

static uint32_t overflow(const RefFmt *f, int neg, int ovf) {
  if (!ovf)
    return with_sign(f, neg, f->maxcode);
  if (f->has_inf)
    return with_sign(f, neg, f->infcode);
  return f->nan_out;
}

RefClass ref_classify_at(const RefFmt *f, int j, double mag) {
  RefClass c = {j, REF_EXACT};
  double lo = f->vals[j];
  if (lo == mag)
    return c;
  /* lo < mag < hi, where hi may be the virtual value past the maximum */
  double hi = j + 1 < f->nvals ? f->vals[j + 1] : f->next;
  double mid = (lo + hi) / 2; /* exact: both have at most 11 significant bits */
  if (mag > hi)
    c.where = REF_BEYOND;
  else
    c.where = mag < mid ? REF_BELOW_MID : mag == mid ? REF_AT_MID : REF_ABOVE_MID;
  return c;
}

RefClass ref_classify_walk(const RefFmt *f, int *j, double mag) {
  while (*j + 1 < f->nvals && f->vals[*j + 1] <= mag)
    ++*j;
  return ref_classify_at(f, *j, mag);
}

uint32_t ref_code(const RefFmt *f, RefClass c, int neg, int mode, int ovf) {
  int up;
  switch (c.where) {
  case REF_EXACT: return with_sign(f, neg, (uint32_t)c.j);
  case REF_BEYOND: return mode == REF_RZ ? with_sign(f, neg, f->maxcode) : overflow(f, neg, ovf);
  case REF_BELOW_MID: up = 0; break;
  case REF_AT_MID: up = mode == REF_AWAY || (mode == REF_RNE && (c.j + 1) % 2 == 0); break;
  default: up = mode != REF_RZ; break;
  }
  if (!up)
    return with_sign(f, neg, (uint32_t)c.j);
  if (c.j + 1 >= f->nvals)
    return overflow(f, neg, ovf);
  return with_sign(f, neg, (uint32_t)c.j + 1);
}

uint32_t ref_encode_mag(const RefFmt *f, int neg, double mag, int mode, int ovf) {
  if (isinf(mag))
    return overflow(f, neg, ovf); /* Inf overflows even under RZ */
  return ref_code(f, ref_classify_at(f, ref_floor_index(f, mag), mag), neg, mode, ovf);
}

uint32_t ref_encode_f32(const RefFmt *f, uint32_t bits, int mode, int ovf) {
  float x;
  memcpy(&x, &bits, 4);
  int neg = (int)(bits >> 31);
  if (isnan(x)) {
    if (f->nan_out)
      return f->nan_out;
    /* FP16/BF16: quiet NaN with the sign; BF16 per numerics.md §7: (bits >> 16) | 0x40 */
    if (f->id == SYSFMT_BF16)
      return (bits >> 16) | 0x40;
    return (uint32_t)neg << 15 | 0x7E00; /* compared by class, see ref_same */
  }
  if (isinf(x))
    return ovf ? overflow(f, neg, 1) : with_sign(f, neg, f->maxcode);
  return ref_encode_mag(f, neg, fabs((double)x), mode, ovf);
}

int ref_is_nan(const RefFmt *f, uint32_t code) {
  if (f->is_int)
    return 0;
  uint32_t mag = code & ((1u << (f->bits - 1)) - 1);
  if (f->nan_top)
    return mag == (1u << (f->bits - 1)) - 1;
  return f->has_inf && mag > f->infcode;
}

double ref_decode(const RefFmt *f, uint32_t code) {
  if (f->is_int) {
    int v = code >= 128 ? (int)code - 256 : (int)code;
    return v / 64.0;
  }
  int neg = (int)(code >> (f->bits - 1)) & 1;
  uint32_t mag = code & ((1u << (f->bits - 1)) - 1);
  if (ref_is_nan(f, code))
    return NAN;
  double v = (f->has_inf && mag == f->infcode) ? INFINITY : f->vals[mag];
  return neg ? -v : v;
}

int ref_same(const RefFmt *f, uint32_t got, uint32_t want) {
  if (f->id == SYSFMT_F16 && ref_is_nan(f, want))
    return ref_is_nan(f, got) && (got & 0x8000) == (want & 0x8000) && (got & 0x0200);
  return got == want;
}
