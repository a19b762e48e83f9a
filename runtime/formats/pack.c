/*
 * Storage layouts of FP6 and FP4 codes (numerics.md §6, docs/formats.md "Packing").
 *
 * DENSE: FP4 two codes per byte, element 2k in bits 3..0 and 2k+1 in bits 7..4; FP6 four codes
 * in three bytes read as a little-endian 24-bit word w = c0 | c1<<6 | c2<<12 | c3<<18. BYTE:
 * one code per byte in the low bits. F8F6F4: one code per byte as NVIDIA's kind::f8f6f4 MMA
 * reads it (FP4 in bits 5..2, FP6 in bits 5..0). 8-bit codes are one per byte in every layout.
 *
 * The row functions take a byte stride so that tensors blocked along an outer axis pack along
 * that axis: packed byte j of a row lives at dst[j * stride].
 */
#include "fmt_internal.h"

static int packable(const FmtDesc *d) {
  return d && (d->kind == FMT_KIND_FLOAT || d->kind == FMT_KIND_INT || d->kind == FMT_KIND_E8M0) &&
         d->bits <= 8;
}

size_t fmt_packed_row_bytes(const FmtDesc *elem, SysfmtPacking p, size_t n) {
  if (p != SYSFMT_PACK_DENSE || elem->bits == 8)
    return n;
  if (elem->bits == 4)
    return n / 2 + (n & 1);
  return (n / 4 + (n % 4 != 0)) * 3; /* FP6 */
}

void fmt_pack_row(const FmtDesc *elem, SysfmtPacking p, const uint8_t *codes, size_t n,
                  uint8_t *dst, size_t stride) {
  if (elem->bits == 8 || p == SYSFMT_PACK_BYTE || (p == SYSFMT_PACK_F8F6F4 && elem->bits == 6)) {
    for (size_t i = 0; i < n; i++)
      dst[i * stride] = codes[i];
  } else if (p == SYSFMT_PACK_F8F6F4) {
    for (size_t i = 0; i < n; i++)
      dst[i * stride] = (uint8_t)(codes[i] << 2);
  } else if (elem->bits == 4) {
    size_t j = 0;
    if (stride == 1) /* the common case, written so that it vectorizes */
      for (; 2 * j + 1 < n; j++)
        dst[j] = (uint8_t)(codes[2 * j] | codes[2 * j + 1] << 4);
    for (; 2 * j + 1 < n; j++)
      dst[j * stride] = (uint8_t)(codes[2 * j] | codes[2 * j + 1] << 4);
    if (n & 1)
      dst[j * stride] = codes[n - 1];
  } else {
    for (size_t g = 0; 4 * g < n; g++) {
      uint32_t w = 0;
      for (size_t c = 0; c < 4 && 4 * g + c < n; c++)
        w |= (uint32_t)codes[4 * g + c] << (6 * c);
      dst[(3 * g) * stride] = (uint8_t)w;
      dst[(3 * g + 1) * stride] = (uint8_t)(w >> 8);
      dst[(3 * g + 2) * stride] = (uint8_t)(w >> 16);
    }
  }
}

void fmt_unpack_row(const FmtDesc *elem, SysfmtPacking p, const uint8_t *src, size_t stride,
                    size_t n, uint8_t *codes) {
  uint8_t mask = (uint8_t)((1u << elem->bits) - 1);
  if (elem->bits == 8 || p == SYSFMT_PACK_BYTE || (p == SYSFMT_PACK_F8F6F4 && elem->bits == 6)) {
    for (size_t i = 0; i < n; i++)
      codes[i] = src[i * stride] & mask;
  } else if (p == SYSFMT_PACK_F8F6F4) {
    for (size_t i = 0; i < n; i++)
      codes[i] = (src[i * stride] >> 2) & mask;
  } else if (elem->bits == 4) {
    size_t i = 0;
    if (stride == 1)
      for (; i + 1 < n; i += 2) {
        codes[i] = src[i / 2] & 15;
        codes[i + 1] = src[i / 2] >> 4;
      }
    for (; i < n; i++)
      codes[i] = (src[(i / 2) * stride] >> (4 * (i & 1))) & mask;
  } else {
    for (size_t g = 0; 4 * g < n; g++) {
      uint32_t w = src[(3 * g) * stride] | (uint32_t)src[(3 * g + 1) * stride] << 8 |
                   (uint32_t)src[(3 * g + 2) * stride] << 16;
      for (size_t c = 0; c < 4 && 4 * g + c < n; c++)
        codes[4 * g + c] = (w >> (6 * c)) & mask;
    }
  }
}

/* Element row of a packable format or of an MX kind. */
static const FmtDesc *pack_elem(SysfmtFormat f) {
  const FmtDesc *d = fmt_desc(f);
  if (d && d->kind == FMT_KIND_MX)
    d = &fmt_descs[d->elem];
  return packable(d) ? d : NULL;
}

size_t sysfmt_packed_size(SysfmtFormat f, SysfmtPacking p, size_t n) {
  const FmtDesc *d = pack_elem(f);
  if (!d || (unsigned)p > SYSFMT_PACK_F8F6F4)
    return 0;
  return fmt_packed_row_bytes(d, p, n);
}

SysfmtStatus sysfmt_pack(SysfmtFormat f, SysfmtPacking p, const uint8_t *codes, size_t n,
                         void *dst) {
  const FmtDesc *d = pack_elem(f);
  if (!d || (unsigned)p > SYSFMT_PACK_F8F6F4 || (n && (!codes || !dst)))
    return SYSFMT_ERR_ARG;
  for (size_t i = 0; i < n; i++)
    if (d->bits < 8 && codes[i] >> d->bits)
      return SYSFMT_ERR_ARG;
  fmt_pack_row(d, p, codes, n, dst, 1);
  return SYSFMT_OK;
}

SysfmtStatus sysfmt_unpack(SysfmtFormat f, SysfmtPacking p, const void *src, size_t n,
                           uint8_t *codes) {
  const FmtDesc *d = pack_elem(f);
  if (!d || (unsigned)p > SYSFMT_PACK_F8F6F4 || (n && (!codes || !src)))
    return SYSFMT_ERR_ARG;
  fmt_unpack_row(d, p, src, 1, n, codes);
  return SYSFMT_OK;
}
