/*
 * The tests' independent reference for element formats. It shares no code with the library:
 * each format is rebuilt from its definition (numerics.md §1) as a sorted table of every finite
 * magnitude, computed in double with ldexp, and a value is encoded by searching that table:
 * the two neighbours, the midpoint (exact in double for formats of at most 16 bits), ties to
 * the even code, and a virtual "next value" one ULP above the maximum standing for overflow.
 * This is the spec's reference encoder read literally, not the library's shift-and-sticky one.
 */
#ifndef REF_H
#define REF_H

#include <stdint.h>

#include "sysfmt.h"

enum { REF_RNE, REF_AWAY, REF_RZ };

typedef struct RefFmt {
  SysfmtFormat id;
  const char *name;
  int bits, mbits, bias;
  int is_int;        /* MXINT8 element: n / 64 */
  int has_inf;       /* IEEE-style all-ones exponent: Inf and NaN */
  int nan_top;       /* E4M3: magnitude 0x7F is NaN */
  int nvals;         /* finite magnitudes, increasing; code of vals[i] is i */
  double *vals;
  double next;       /* the value one ULP above the largest finite one */
  uint32_t maxcode;  /* nvals - 1 */
  uint32_t infcode;  /* magnitude code of Inf, if has_inf */
  uint32_t nan_out;  /* fixed NaN output code; 0 for FP16/BF16 (quiet NaN keeping the sign) */
  int emax;          /* exponent of the largest power of two */
  double maxsig;     /* largest finite / 2^emax */
} RefFmt;

/* Builds the table for a scalar format (F16, BF16, FP8, FP6, FP4, INT8). */
void ref_init(RefFmt *f, SysfmtFormat id);
void ref_free(RefFmt *f);
/* Index of the largest table value <= mag (mag >= 0, finite). */
int ref_floor_index(const RefFmt *f, double mag);
/* Where a finite magnitude falls: table index j of the largest value <= mag, and whether mag
   equals it, lies below, at or above the midpoint to the next value, or beyond the virtual
   next value. Every rounding mode and overflow rule follows from this (ref_code). */
enum { REF_EXACT, REF_BELOW_MID, REF_AT_MID, REF_ABOVE_MID, REF_BEYOND };
typedef struct RefClass {
  int j, where;
} RefClass;
RefClass ref_classify_at(const RefFmt *f, int j, double mag);
/* For nondecreasing magnitudes: *j is advanced from its previous value (start at 0). */
RefClass ref_classify_walk(const RefFmt *f, int *j, double mag);
uint32_t ref_code(const RefFmt *f, RefClass c, int neg, int mode, int ovf);
/* The same, written without branches on the class, for the long sweep's inner loops. */
static inline uint32_t ref_code_inline(const RefFmt *f, RefClass c, int neg, int mode, int ovf) {
  int tie_up = mode == REF_AWAY || (mode == REF_RNE && (c.j & 1));
  int up = (c.where == REF_ABOVE_MID && mode != REF_RZ) | (c.where == REF_AT_MID && tie_up);
  uint32_t mag = (uint32_t)c.j + (uint32_t)up;
  int over = (c.where == REF_BEYOND && mode != REF_RZ) | (mag > f->maxcode);
  if (c.where == REF_BEYOND && mode == REF_RZ)
    mag = f->maxcode;
  uint32_t s = f->is_int ? (neg ? (uint32_t)(256 - mag) & 0xFF : mag)
                         : mag | (uint32_t)neg << (f->bits - 1);
  if (!over)
    return s;
  if (!ovf)
    return f->is_int ? (neg ? 0x81 : 0x7F) : f->maxcode | (uint32_t)neg << (f->bits - 1);
  return f->has_inf ? f->infcode | (uint32_t)neg << (f->bits - 1) : f->nan_out;
}
/* The code of sign * mag (mag >= 0, finite, or INFINITY), mode REF_*, ovf: overflow to Inf/NaN. */
uint32_t ref_encode_mag(const RefFmt *f, int neg, double mag, int mode, int ovf);
/* The code of an FP32 value including NaN and Inf. */
uint32_t ref_encode_f32(const RefFmt *f, uint32_t bits, int mode, int ovf);
/* Decoded value of a code (NaN for NaN codes). */
double ref_decode(const RefFmt *f, uint32_t code);
int ref_is_nan(const RefFmt *f, uint32_t code);
/* Same code, or both NaN of the same class where the spec leaves bits open (FP16: quiet, same
   sign). */
int ref_same(const RefFmt *f, uint32_t got, uint32_t want);

#endif
