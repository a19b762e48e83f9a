/*
 * formats_bench: throughput of the formats library's bulk paths (runtime/formats), in
 * elements per second on one core, for every instruction set this CPU has.
 *
 * Each case converts one buffer of N FP32 values (default 2^20: 4 MiB, resident in L3) or the
 * matching codes, R times (default 31) after two warm-up runs, and reports the median time as
 * millions of elements per second. Inputs are random normal-range values so no special-case
 * path is favoured. Results are printed as a Markdown table for docs/PERFORMANCE.md.
 *
 * usage: formats_bench [--n N] [--reps R] [--isa portable|avx2|avx512]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sysfmt.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct Bufs {
  size_t n;
  float *x, *y;
  uint8_t *codes, *scales;
  uint16_t *h;
  int16_t *q;
} Bufs;

typedef enum Case {
  MXFP8_Q, MXFP8_DQ, MXFP4_Q, MXFP4_DQ, MXINT8_Q, BF16_E, BF16_D, F16_E, FP8_E, DFP_Q, DFP_DQ,
  NCASES
} Case;

static const char *case_names[NCASES] = {
  "FP32 -> MXFP8 E4M3 quantize", "MXFP8 E4M3 -> FP32 dequantize",
  "FP32 -> MXFP4 E2M1 quantize (packed)", "MXFP4 E2M1 (packed) -> FP32 dequantize",
  "FP32 -> MXINT8 quantize", "FP32 -> BF16", "BF16 -> FP32", "FP32 -> FP16",
  "FP32 -> FP8 E4M3 (scalar, SAT)", "FP32 -> i16 DFP quantize", "i16 DFP -> FP32 dequantize",
};

static int run_case(Case c, Bufs *b, const SysfmtOptions *op) {
  SysfmtShape sh = {1, 0, {b->n}};
  int32_t es;
  switch (c) {
  case MXFP8_Q: return sysfmt_mx_quantize(SYSFMT_MXFP8_E4M3, &sh, b->x, b->codes, b->scales, op);
  case MXFP8_DQ: return sysfmt_mx_dequantize(SYSFMT_MXFP8_E4M3, &sh, b->codes, b->scales, b->y, op);
  case MXFP4_Q: return sysfmt_mx_quantize(SYSFMT_MXFP4_E2M1, &sh, b->x, b->codes, b->scales, op);
  case MXFP4_DQ: return sysfmt_mx_dequantize(SYSFMT_MXFP4_E2M1, &sh, b->codes, b->scales, b->y, op);
  case MXINT8_Q: return sysfmt_mx_quantize(SYSFMT_MXINT8, &sh, b->x, b->codes, b->scales, op);
  case BF16_E: return sysfmt_encode_array(SYSFMT_BF16, b->x, b->n, b->h, op);
  case BF16_D: return sysfmt_decode_array(SYSFMT_BF16, b->h, b->n, b->y, op);
  case F16_E: return sysfmt_encode_array(SYSFMT_F16, b->x, b->n, b->h, op);
  case FP8_E: return sysfmt_encode_array(SYSFMT_FP8_E4M3, b->x, b->n, b->codes, op);
  case DFP_Q: return sysfmt_dfp16_quantize(b->x, b->n, op, b->q, &es);
  case DFP_DQ: {
    int32_t e = -13;
    return sysfmt_dfp16_dequantize_blocks(b->q, b->n, b->n, &e, op, b->y);
  }
  default: return -1;
  }
}

int main(int argc, char **argv) {
  size_t n = (size_t)1 << 20;
  int reps = 31;
  SysfmtIsa only = SYSFMT_ISA_AUTO;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--n") && i + 1 < argc)
      n = (size_t)strtoull(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--isa") && i + 1 < argc) {
      const char *s = argv[++i];
      only = !strcmp(s, "portable") ? SYSFMT_ISA_PORTABLE
             : !strcmp(s, "avx2")   ? SYSFMT_ISA_AVX2
             : !strcmp(s, "avx512") ? SYSFMT_ISA_AVX512
                                    : SYSFMT_ISA_AUTO;
    } else {
      fprintf(stderr, "usage: formats_bench [--n N] [--reps R] [--isa portable|avx2|avx512]\n");
      return 2;
    }
  }
  n = (n + 31) / 32 * 32;
  if (reps < 1)
    reps = 1;
  Bufs b = {n, malloc(n * 4), malloc(n * 4), malloc(n), malloc(n / 32 + 1), malloc(n * 2),
            malloc(n * 2)};
  if (!b.x || !b.y || !b.codes || !b.scales || !b.h || !b.q) {
    fprintf(stderr, "formats_bench: out of memory\n");
    return 1;
  }
  uint64_t s = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < n; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    /* random sign, significand and an exponent spread over 2^-8 .. 2^8 */
    b.x[i] = (float)ldexp((s & 1 ? -1.0 : 1.0) * (1 + (double)(s >> 40) / (1 << 24)),
                          (int)((s >> 8) % 17) - 8);
  }
  memset(b.h, 0, n * 2);
  memset(b.q, 0, n * 2);
  SysfmtIsa cpu = sysfmt_cpu_isa();
  printf("# formats_bench: %zu elements, median of %d runs, one thread; this CPU: %s\n\n", n,
         reps, sysfmt_isa_name(cpu));
  printf("| operation |");
  for (int isa = SYSFMT_ISA_PORTABLE; isa <= (int)cpu; isa++)
    if (only == SYSFMT_ISA_AUTO || only == (SysfmtIsa)isa)
      printf(" %s (M elem/s) |", sysfmt_isa_name((SysfmtIsa)isa));
  printf("\n|---|");
  for (int isa = SYSFMT_ISA_PORTABLE; isa <= (int)cpu; isa++)
    if (only == SYSFMT_ISA_AUTO || only == (SysfmtIsa)isa)
      printf("---|");
  printf("\n");
  double *t = malloc((size_t)reps * sizeof *t);
  for (int c = 0; c < NCASES; c++) {
    printf("| %s |", case_names[c]);
    for (int isa = SYSFMT_ISA_PORTABLE; isa <= (int)cpu; isa++) {
      if (only != SYSFMT_ISA_AUTO && only != (SysfmtIsa)isa)
        continue;
      SysfmtOptions op = SYSFMT_OPTIONS_INIT;
      op.isa = (SysfmtIsa)isa;
      /* dequantize cases read what the quantize case before them wrote */
      if (c == MXFP8_DQ)
        run_case(MXFP8_Q, &b, &op);
      if (c == MXFP4_DQ)
        run_case(MXFP4_Q, &b, &op);
      if (c == BF16_D)
        run_case(BF16_E, &b, &op);
      if (c == DFP_DQ)
        run_case(DFP_Q, &b, &op);
      int rc = 0;
      for (int w = 0; w < 2; w++)
        rc |= run_case((Case)c, &b, &op);
      for (int r = 0; r < reps; r++) {
        double t0 = now();
        rc |= run_case((Case)c, &b, &op);
        t[r] = now() - t0;
      }
      qsort(t, (size_t)reps, sizeof *t, cmp_double);
      if (rc)
        printf(" error |");
      else
        printf(" %.0f |", (double)n / t[reps / 2] / 1e6);
      fflush(stdout);
    }
    printf("\n");
  }
  free(t);
  free(b.x);
  free(b.y);
  free(b.codes);
  free(b.scales);
  free(b.h);
  free(b.q);
  return 0;
}
