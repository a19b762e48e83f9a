/*
 * Kernels written by hand to the compiled-kernel ABI of docs/runtime.md, standing in for the
 * compiler's host backend: each is <sym>_count, <sym>_run and <sym>_desc. kernels.c is built
 * four ways (into the tests, as a shared library, as an object file, as LLVM IR), each with
 * its own TK_ORIGIN, which the descriptions carry in an `origin` line (a line the runtime
 * skips), so a test can tell which copy it ran.
 *
 * sysk_test_gemm    c[M][N] = a[M][K] * b[K][N], f32, one work item per 4x4 tile of c
 * sysk_test_conv1d  y[N] = sum_k x[n + k] * w[k], x: f32[N + K - 1], one item per 8 outputs
 * sysk_test_rev16   y[n] = x[N - 1 - n] + 1, i16, one item per 16 outputs
 * Sums are fmaf chains in k order; tests compute the same chain and compare bits.
 */
#ifndef KERNELS_H
#define KERNELS_H

#include <stdint.h>

#define TK_DECLARE(sym)                                                                        \
  int64_t sym##_count(const int64_t *sizes);                                                   \
  int sym##_run(void *const *tensors, const int64_t *sizes, int64_t begin, int64_t end);       \
  extern const char sym##_desc[]

TK_DECLARE(sysk_test_gemm);
TK_DECLARE(sysk_test_conv1d);
TK_DECLARE(sysk_test_rev16);

#endif
