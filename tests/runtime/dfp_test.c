/*
 * runtime.dfp: a kernel of sysc's with INT16 dynamic fixed point inputs (dfp_fma.sys,
 * y = x * w + z with x and z i16) at exponents across the whole range the runtime allows,
 * where q * 2^Es is normal, subnormal, zero or past FP32's range: bit for bit against
 * sysfmt_dfp16_dequantize (the formats library) and fmaf, on random codes at an odd size.
 * On the host (an object) and on OpenCL (SPIR-V; PoCL in CI) where there is a device.
 * Also: each i16 tensor gets its own buffer's exponent, in tensor order, and out-of-range
 * exponents are refused.
 *   runtime_dfp DFP_FMA.o [DFP_FMA.spv]
 */
#include "rt_test.h"
#include "sysfmt.h"

static uint32_t bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

/* The exponents at the edges of FP32 for codes of 1 to 15 bits: 2^-149 (the smallest
   subnormal) and 2^127 (the largest power), and 2^-126 (the smallest normal). */
static const int32_t es[] = {-1000, -170, -164, -160, -149, -140, -135, -126, -120, -14,
                             0,     1,    100,  112,  113,  127,  128,  1000};

static void check_device(SysrtContext *ctx, SysrtDevice *dev, SysrtKernel *k) {
  enum { M = 3, N = 37 };
  int16_t x[M * N], z[M * N];
  float w[N], dx[M * N], dz[M * N], want[M * N], got[M * N];
  SysrtBuffer *b[4] = {t_buffer(dev, NULL, sizeof x), t_buffer(dev, NULL, sizeof w),
                       t_buffer(dev, NULL, sizeof z), t_buffer(dev, NULL, sizeof got)};
  int64_t sizes[2] = {M, N};
  int n = (int)(sizeof es / sizeof es[0]);
  for (int e = 0; e < n; e++) {
    int32_t ex = es[e], ez = es[(e * 7 + 3) % n];
    for (int i = 0; i < M * N; i++) {
      /* codes of every magnitude, and the extremes */
      int shift = (int)(t_rand64() % 16);
      x[i] = (int16_t)(((int64_t)(t_rand64() % 65535) - 32767) >> shift);
      z[i] = (int16_t)(((int64_t)(t_rand64() % 65535) - 32767) >> (15 - shift));
    }
    x[0] = 32767, x[1] = -32767, x[2] = 1, z[3] = -1, z[4] = 0;
    for (int j = 0; j < N; j++)
      w[j] = t_randf() * (j % 5 == 0 ? 0x1p-20f : j % 5 == 1 ? 0x1p20f : 1.0f);
    sysfmt_dfp16_dequantize(x, M * N, ex, dx);
    sysfmt_dfp16_dequantize(z, M * N, ez, dz);
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++)
        want[i * N + j] = fmaf(dx[i * N + j], w[j], dz[i * N + j]);
    CHECK_OK(ctx, sysrt_buffer_write(b[0], 0, x, sizeof x));
    CHECK_OK(ctx, sysrt_buffer_write(b[1], 0, w, sizeof w));
    CHECK_OK(ctx, sysrt_buffer_write(b[2], 0, z, sizeof z));
    CHECK_OK(ctx, sysrt_buffer_set_exponent(b[0], ex));
    CHECK_OK(ctx, sysrt_buffer_set_exponent(b[2], ez));
    CHECK_OK(ctx, sysrt_launch(k, b, 4, sizes, 2, NULL));
    CHECK_OK(ctx, sysrt_buffer_read(b[3], 0, got, sizeof got));
    int bad = 0;
    for (int i = 0; i < M * N; i++)
      if (bits(got[i]) != bits(want[i]) && !(isnan(got[i]) && isnan(want[i])) && bad++ < 3)
        printf("  %s, Es(x) = %d, Es(z) = %d: y[%d] = %a, want %a (x %d, w %a, z %d)\n",
               sysrt_device_name(dev), (int)ex, (int)ez, i, got[i], want[i], x[i], w[i % N], z[i]);
    CHECK(!bad, "%s, Es(x) = %d, Es(z) = %d: %d outputs differ", sysrt_device_name(dev), (int)ex,
          (int)ez, bad);
  }
  CHECK_ST(ctx, sysrt_buffer_set_exponent(b[0], 1001), SYSRT_ERR_INVALID_ARGUMENT, "-1000..1000");
  CHECK_ST(ctx, sysrt_buffer_set_exponent(b[0], -1001), SYSRT_ERR_INVALID_ARGUMENT, "-1000..1000");
  for (int i = 0; i < 4; i++)
    sysrt_buffer_destroy(b[i]);
}

/* runtime_dfp DFP_FMA.o [DFP_FMA.spv]: the host, and OpenCL where a device is here */
int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: runtime_dfp DFP_FMA.o [DFP_FMA.spv]\n");
    return 2;
  }
  t_begin("runtime.dfp");
  SysrtContext *ctx = NULL;
  SysrtDevice *dev = NULL;
  SysrtModule *mod = NULL;
  SysrtKernel *k = NULL;
  if (sysrt_context_create(NULL, &ctx) || sysrt_device_get(ctx, "host", &dev) ||
      sysrt_module_load_file(dev, argv[1], &mod) || sysrt_kernel_find(mod, "dfp_fma", NULL, &k)) {
    printf("setup failed: %s\n", sysrt_last_error(ctx));
    return 1;
  }
  check_device(ctx, dev, k);
  if (argc > 2 && sysrt_device_get(ctx, "opencl", &dev) == SYSRT_OK) {
    CHECK_OK(ctx, sysrt_module_load_file(dev, argv[2], &mod));
    CHECK_OK(ctx, sysrt_kernel_find(mod, "dfp_fma", NULL, &k));
    if (k)
      check_device(ctx, dev, k);
  } else if (argc > 2) {
    printf("runtime.dfp: no OpenCL device here (%s): the host only\n", sysrt_last_error(ctx));
  }
  CHECK_ST(ctx, sysrt_buffer_set_exponent(NULL, 0), SYSRT_ERR_INVALID_HANDLE, NULL);
  sysrt_context_destroy(ctx);
  return t_end();
}
