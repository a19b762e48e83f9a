/*
 * runtime.cuda-fake: the cuda driver (runtime/cuda/cuda.c) against fakecuda.c, a stand-in
 * libcuda.so.1 found through LD_LIBRARY_PATH: the device is found and opened, a PTX module
 * of sysc's loads with its descriptions, buffers round-trip, a launch runs the grid the
 * description asks for (nothing computes: the fake runs no code), and the device time is
 * the events' (2.5 ms), or the wall time where events fail; a kernel of 32-bit indexes
 * refuses sizes where a tensor has 2^31 elements, one of 64-bit indexes takes them.
 *
 * Arguments: PTX modules of gemm.sys's output_stationary (16 x 16 tiles, 8 per block),
 * built by default and with --index-bits=64.
 */
#include <dlfcn.h>

#include "rt_test.h"

int main(int argc, char **argv) {
  t_begin("runtime.cuda-fake");
  if (argc < 3) {
    printf("usage: %s GEMM.ptx GEMM64.ptx\n", argv[0]);
    return 2;
  }
  SysrtContext *ctx = NULL;
  SysrtDevice *dev = NULL;
  SysrtModule *mod = NULL;
  SysrtKernel *k = NULL;
  CHECK_OK(ctx, sysrt_context_create(NULL, &ctx));
  CHECK_OK(ctx, sysrt_device_get(ctx, "cuda:0", &dev));
  CHECK_OK(ctx, sysrt_module_load_file(dev, argv[1], &mod));
  CHECK_OK(ctx, sysrt_kernel_get(mod, "sysk_gemm_output_stationary", &k));
  void *fake = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
  int (*launches)(void) = NULL, (*blocks)(void) = NULL, (*pushed)(void) = NULL;
  if (fake) {
    *(void **)&launches = dlsym(fake, "fakecuda_launches");
    *(void **)&blocks = dlsym(fake, "fakecuda_blocks");
    *(void **)&pushed = dlsym(fake, "fakecuda_pushed");
  }
  CHECK(launches && blocks && pushed, "the runtime did not load the fake libcuda.so.1");
  if (!k || !launches || !blocks || !pushed) {
    sysrt_context_destroy(ctx);
    return t_end();
  }

  /* M = 37, N = 45, K = 19: 3 x 3 tiles of 16 x 16, 8 arrays per block: 2 blocks */
  int64_t sizes[3] = {37, 45, 19};
  size_t bytes[3] = {37 * 19 * 4, 19 * 45 * 4, 37 * 45 * 4};
  SysrtBuffer *bufs[3] = {NULL, NULL, NULL};
  for (int i = 0; i < 3; i++)
    CHECK_OK(ctx, sysrt_buffer_create(dev, bytes[i], &bufs[i]));
  float in[37 * 19], out[37 * 19];
  for (int i = 0; i < 37 * 19; i++)
    in[i] = t_randf();
  CHECK_OK(ctx, sysrt_buffer_write(bufs[0], 0, in, sizeof in));
  CHECK_OK(ctx, sysrt_buffer_read(bufs[0], 0, out, sizeof out));
  CHECK(!memcmp(in, out, sizeof in), "a buffer did not round-trip through the device");

  uint64_t wall = 0, device = 0;
  int64_t items = 0;
  SysrtLaunchOptions o = {0, 0, &wall, &items, &device};
  CHECK_OK(ctx, sysrt_launch(k, bufs, 3, sizes, 3, &o));
  CHECK(items == 9, "%lld work items, want 9 tiles", (long long)items);
  CHECK(launches() == 1 && blocks() == 2, "%d grids of %d blocks in all, want 1 of 2", launches(), blocks());
  CHECK(device == 2500000, "device time %llu ns, want the events' 2.5 ms", (unsigned long long)device);
  CHECK(pushed() == 0, "the context was left current %d times", pushed());

  setenv("FAKECUDA_EVENTS", "fail", 1);
  CHECK_OK(ctx, sysrt_launch(k, bufs, 3, sizes, 3, &o));
  CHECK(device == wall && wall > 0, "events failing: device time %llu ns, want the wall time %llu ns",
        (unsigned long long)device, (unsigned long long)wall);
  CHECK(launches() == 2, "%d launches, want 2 (events failing must not fail the launch)", launches());

  for (int i = 0; i < 3; i++)
    sysrt_buffer_destroy(bufs[i]);

  /* M = N = 46341, K = 1: c has 2^31 + 4633 elements. The kernel of 32-bit indexes (sysc
     build's default) refuses the launch; the one built with --index-bits=64 takes it. */
  int64_t big[3] = {46341, 46341, 1};
  size_t big_bytes[3] = {46341 * 4, 46341 * 4, (size_t)46341 * 46341 * 4};
  for (int i = 0; i < 3; i++)
    CHECK_OK(ctx, sysrt_buffer_create(dev, big_bytes[i], &bufs[i]));
  SysrtStatus st = sysrt_launch(k, bufs, 3, big, 3, NULL);
  CHECK(st == SYSRT_ERR_OUT_OF_RANGE, "a 32-bit kernel launched on 2^31 elements: %s",
        sysrt_status_name(st));
  const char *msg = sysrt_last_error(ctx);
  CHECK(strstr(msg, "tensor 'c' has 2147488281 elements") && strstr(msg, "--index-bits=64"),
        "the message does not say which tensor and what to do: %s", msg);
  SysrtModule *mod64 = NULL;
  SysrtKernel *k64 = NULL;
  CHECK_OK(ctx, sysrt_module_load_file(dev, argv[2], &mod64));
  CHECK_OK(ctx, sysrt_kernel_get(mod64, "sysk_gemm_output_stationary", &k64));
  if (k64)
    CHECK_OK(ctx, sysrt_launch(k64, bufs, 3, big, 3, NULL));
  for (int i = 0; i < 3; i++)
    sysrt_buffer_destroy(bufs[i]);

  /* a gpu-index32 line whose bound is not an affine form: the module does not load */
  FILE *f = fopen(argv[1], "rb");
  static char text[1 << 20];
  size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
  if (f)
    fclose(f);
  text[n] = 0;
  char *line = strstr(text, "//! gpu-index32 ");
  CHECK(line != NULL, "no gpu-index32 line in %s", argv[1]);
  if (line) {
    *strchr(line, ':') = 'x'; /* "gpu-index32 1048576x4,4,8" */
    SysrtModule *bad = NULL;
    st = sysrt_module_load_memory(dev, text, n, "bad.ptx", &bad);
    CHECK(st == SYSRT_ERR_BAD_DESC && strstr(sysrt_last_error(ctx), "gpu-index32"),
          "a malformed gpu-index32 line: %s (%s)", sysrt_status_name(st), sysrt_last_error(ctx));
  }
  sysrt_context_destroy(ctx);
  return t_end();
}
