/*
 * Test kernels in the compiled-kernel ABI (see kernels.h). Plain C with no runtime headers:
 * the same file becomes a shared library, an object file and LLVM IR.
 */
#include <math.h>
#include <stdint.h>

#include "kernels.h"

#ifndef TK_ORIGIN
#define TK_ORIGIN "exe"
#endif

static int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

/* ---- gemm: tiles of 4x4 outputs ---- */

const char sysk_test_gemm_desc[] =
    "sysc-kernel 2\n"
    "kernel gemm\n"
    "mapping test_tiles\n"
    "target host\n"
    "origin " TK_ORIGIN "\n"
    "size M\n"
    "size N\n"
    "size K\n"
    "tensor a in f32 2 0:1,0,0 0:0,0,1\n"
    "tensor b in f32 2 0:0,0,1 0:0,1,0\n"
    "tensor c out f32 2 0:1,0,0 0:0,1,0\n";

int64_t sysk_test_gemm_count(const int64_t *sizes) {
  return ceil_div(sizes[0], 4) * ceil_div(sizes[1], 4);
}

int sysk_test_gemm_run(void *const *tensors, const int64_t *sizes, int64_t begin, int64_t end) {
  const float *a = tensors[0], *b = tensors[1];
  float *c = tensors[2];
  int64_t M = sizes[0], N = sizes[1], K = sizes[2], tn = ceil_div(N, 4);
  for (int64_t t = begin; t < end; t++) {
    int64_t i0 = t / tn * 4, j0 = t % tn * 4;
    for (int64_t i = i0; i < i0 + 4 && i < M; i++)
      for (int64_t j = j0; j < j0 + 4 && j < N; j++) {
        float acc = 0.0f;
        for (int64_t k = 0; k < K; k++)
          acc = fmaf(a[i * K + k], b[k * N + j], acc);
        c[i * N + j] = acc;
      }
  }
  return 0;
}

/* ---- conv1d: tiles of 8 outputs; x has N + K - 1 elements ---- */

const char sysk_test_conv1d_desc[] =
    "sysc-kernel 2\n"
    "kernel conv1d\n"
    "mapping test_tiles\n"
    "target host\n"
    "origin " TK_ORIGIN "\n"
    "size N\n"
    "size K\n"
    "tensor x in f32 1 -1:1,1\n"
    "tensor w in f32 1 0:0,1\n"
    "tensor y out f32 1 0:1,0\n";

int64_t sysk_test_conv1d_count(const int64_t *sizes) {
  return ceil_div(sizes[0], 8);
}

int sysk_test_conv1d_run(void *const *tensors, const int64_t *sizes, int64_t begin,
                          int64_t end) {
  const float *x = tensors[0], *w = tensors[1];
  float *y = tensors[2];
  int64_t N = sizes[0], K = sizes[1];
  for (int64_t t = begin; t < end; t++)
    for (int64_t n = t * 8; n < t * 8 + 8 && n < N; n++) {
      float acc = 0.0f;
      for (int64_t k = 0; k < K; k++)
        acc = fmaf(x[n + k], w[k], acc);
      y[n] = acc;
    }
  return 0;
}

/* ---- rev16: two-byte elements, tiles of 16 ---- */

const char sysk_test_rev16_desc[] =
    "sysc-kernel 2\n"
    "kernel rev16\n"
    "mapping test_tiles\n"
    "target host\n"
    "origin " TK_ORIGIN "\n"
    "size N\n"
    "tensor x in i16 1 0:1\n"
    "tensor y out i16 1 0:1\n";

int64_t sysk_test_rev16_count(const int64_t *sizes) {
  return ceil_div(sizes[0], 16);
}

int sysk_test_rev16_run(void *const *tensors, const int64_t *sizes, int64_t begin, int64_t end) {
  const int16_t *x = tensors[0];
  int16_t *y = tensors[1];
  int64_t N = sizes[0];
  for (int64_t t = begin; t < end; t++)
    for (int64_t n = t * 16; n < t * 16 + 16 && n < N; n++)
      y[n] = (int16_t)(x[N - 1 - n] + 1);
  return 0;
}
