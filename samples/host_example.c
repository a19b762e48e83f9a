/*
 * host_example: run a GEMM kernel compiled by sysc on the host, through the runtime (sysrt.h).
 *
 * Build the kernel first (the host backend's command; see docs/runtime.md):
 *
 *     sysc build samples/gemm.sys --target=host --mapping output_stationary -o gemm.o
 *
 * which writes an object file holding sysk_gemm_output_stationary_count, _run and _desc
 * (`--emit=llvm -o gemm.ll` writes LLVM IR instead, and `cc -shared gemm.o -o gemm.so` makes
 * a shared library; all three load the same way).
 * Then:
 *
 *     host_example gemm.o [M N K]
 *
 * The program loads the module, looks the kernel up by its kernel and mapping names, prints
 * its description, fills A and B, launches with M, N and K (any sizes: they need not be
 * multiples of the tile), and checks C against a plain loop. It exits 0 on success, 1 on a
 * wrong result, and 2 with the runtime's message on an error.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sysrt.h"

/* Prints the runtime's message for a failed call and leaves. */
#define TRY(call)                                                                              \
  do {                                                                                         \
    SysrtStatus st_ = (call);                                                                  \
    if (st_ != SYSRT_OK) {                                                                     \
      fprintf(stderr, "host_example: %s: %s\n", sysrt_status_name(st_), sysrt_last_error(ctx)); \
      sysrt_context_destroy(ctx);                                                              \
      return 2;                                                                                \
    }                                                                                          \
  } while (0)

int main(int argc, char **argv) {
  if (argc != 2 && argc != 5) {
    fprintf(stderr, "usage: host_example KERNEL.o|.so|.ll [M N K]\n");
    return 2;
  }
  int64_t sizes[3] = {123, 77, 45}; /* M, N, K: deliberately not multiples of 16 */
  for (int i = 0; argc == 5 && i < 3; i++)
    sizes[i] = strtoll(argv[2 + i], NULL, 10);
  const int64_t M = sizes[0], N = sizes[1], K = sizes[2];

  SysrtContext *ctx = NULL;
  if (sysrt_context_create(NULL, &ctx) != SYSRT_OK) {
    fprintf(stderr, "host_example: cannot create a runtime context\n");
    return 2;
  }
  SysrtDevice *dev;
  TRY(sysrt_device_get(ctx, "host", &dev));

  SysrtModule *mod;
  SysrtKernel *gemm;
  SysrtKernelInfo info;
  TRY(sysrt_module_load_file(dev, argv[1], &mod));
  TRY(sysrt_kernel_find(mod, "gemm", "output_stationary", &gemm));
  TRY(sysrt_kernel_info(gemm, &info));
  printf("%s on %s: kernel %s, mapping %s\n", info.symbol, sysrt_device_name(dev), info.kernel,
         info.mapping);
  for (int t = 0; t < info.ntensors; t++)
    printf("  %-3s %s %s%s\n", info.tensors[t].output ? "out" : "in", info.tensors[t].name,
           sysrt_type_name(info.tensors[t].type), info.tensors[t].shape);

  /* One buffer per tensor, as large as the kernel says it needs for these sizes. */
  SysrtBuffer *buf[3];
  float *host[3];
  for (int t = 0; t < 3; t++) {
    size_t bytes;
    TRY(sysrt_kernel_tensor_shape(gemm, t, sizes, 3, NULL, &bytes));
    TRY(sysrt_buffer_create(dev, bytes, &buf[t]));
    TRY(sysrt_buffer_map(buf[t], (void **)&host[t]));
  }
  float *a = host[0], *b = host[1], *c = host[2];
  for (int64_t i = 0; i < M * K; i++)
    a[i] = (float)((i * 7) % 13) - 6.0f;
  for (int64_t i = 0; i < K * N; i++)
    b[i] = (float)((i * 5) % 11) - 5.0f;
  for (int t = 0; t < 3; t++)
    TRY(sysrt_buffer_unmap(buf[t]));

  uint64_t ns = 0;
  int64_t items = 0;
  SysrtLaunchOptions opt = SYSRT_LAUNCH_OPTIONS_INIT;
  opt.elapsed_ns = &ns;
  opt.work_items = &items;
  TRY(sysrt_launch(gemm, buf, 3, sizes, 3, &opt));
  printf("M=%" PRId64 " N=%" PRId64 " K=%" PRId64 ": %" PRId64 " work items in %.3f ms\n", M, N,
         K, items, (double)ns / 1e6);

  /* Small integers: every product and sum is exact in f32, whatever the order. */
  TRY(sysrt_buffer_map(buf[2], (void **)&c));
  int64_t bad = 0;
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      float want = 0.0f;
      for (int64_t k = 0; k < K; k++)
        want += a[i * K + k] * b[k * N + j];
      if (fabsf(c[i * N + j] - want) > 0.0f && bad++ < 5)
        fprintf(stderr, "c[%" PRId64 "][%" PRId64 "] = %g, want %g\n", i, j, c[i * N + j], want);
    }
  printf("%s\n", bad ? "WRONG" : "ok");
  sysrt_context_destroy(ctx); /* frees the buffers and the module too */
  return bad ? 1 : 0;
}
