/*
 * runtime.api: the API around launches. Status names; contexts and the allocator hook (every
 * byte returned, and every allocation failure reported as SYSRT_ERR_OUT_OF_MEMORY with nothing
 * leaked); device kinds, specs and the device table; buffers and their range checks; and
 * handles: NULL, destroyed (buffers, modules, kernels) and double destroys.
 */
#include "kernels.h"
#include "rt_test.h"

static const SysrtKernelSymbols gemm_symbols[] = {SYSRT_KERNEL_SYMBOLS(sysk_test_gemm)};

/* ---- an allocator that counts, and fails on request ---- */

typedef struct Counter {
  long live;         /* allocations not yet freed */
  long long bytes;   /* bytes not yet freed */
  long calls;
  long fail_at;      /* the call that fails (1-based); 0: none */
  size_t cap;        /* larger requests fail; 0: none */
  int misaligned;
} Counter;

static void *count_alloc(void *user, size_t bytes, size_t align) {
  Counter *c = user;
  if ((c->fail_at && ++c->calls >= c->fail_at) || (c->cap && bytes > c->cap))
    return NULL;
  void *p = NULL;
  if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, bytes))
    return NULL;
  memset(p, 0x5A, bytes); /* the runtime must not rely on zeroed memory from the hook */
  c->misaligned |= ((uintptr_t)p & (align - 1)) != 0;
  c->live++;
  c->bytes += (long long)bytes;
  return p;
}

static void count_free(void *user, void *ptr, size_t bytes) {
  Counter *c = user;
  c->live--;
  c->bytes -= (long long)bytes;
  free(ptr);
}

static void test_status(void) {
  CHECK(!strcmp(sysrt_status_name(SYSRT_OK), "SYSRT_OK"), "name of OK");
  CHECK(!strcmp(sysrt_status_name(SYSRT_ERR_SIZE_MISMATCH), "SYSRT_ERR_SIZE_MISMATCH"),
        "name of SIZE_MISMATCH");
  CHECK(!strcmp(sysrt_status_name(SYSRT_ERR_LAUNCH), "SYSRT_ERR_LAUNCH"), "name of LAUNCH");
  CHECK(!strcmp(sysrt_status_name((SysrtStatus)99), "SYSRT_STATUS_?"), "name of 99");
  for (int s = 0; s <= SYSRT_STATUS_COUNT; s++)
    CHECK(sysrt_status_str((SysrtStatus)s) && *sysrt_status_str((SysrtStatus)s), "text of %d", s);
  CHECK(!strcmp(sysrt_type_name(SYSRT_BF16), "bf16") && sysrt_type_size(SYSRT_BF16) == 2, "bf16");
  CHECK(!strcmp(sysrt_type_name(SYSRT_I32), "i32") && sysrt_type_size(SYSRT_I32) == 4, "i32");
  CHECK(sysrt_type_size(SYSRT_MXFP4_E2M1) == 0 && sysrt_type_name(SYSRT_TYPE_COUNT) == NULL, "mx");
  CHECK(strstr(sysrt_last_error(NULL), "invalid context") != NULL, "last error of NULL");
}

static void test_context(void) {
  CHECK(sysrt_context_create(NULL, NULL) == SYSRT_ERR_INVALID_ARGUMENT, "create(NULL out)");
  SysrtAllocator half = {count_alloc, NULL, NULL};
  SysrtContext *ctx = (SysrtContext *)1;
  CHECK(sysrt_context_create(&half, &ctx) == SYSRT_ERR_INVALID_ARGUMENT && ctx == NULL,
        "an allocator without free");
  CHECK(sysrt_context_destroy(NULL) == SYSRT_OK, "destroy(NULL)");

  /* everything through the hook, all of it back at destroy, even what the user left alive */
  Counter c = {0};
  SysrtAllocator a = {count_alloc, count_free, &c};
  CHECK(sysrt_context_create(&a, &ctx) == SYSRT_OK, "create with a hook");
  SysrtDevice *dev;
  SysrtBuffer *buf;
  SysrtModule *mod;
  SysrtKernel *k;
  CHECK_OK(ctx, sysrt_device_get(ctx, "host", &dev));
  CHECK_OK(ctx, sysrt_buffer_create(dev, 1000, &buf));
  unsigned char *p;
  CHECK_OK(ctx, sysrt_buffer_map(buf, (void **)&p));
  int zero = 1;
  for (int i = 0; i < 1000; i++)
    zero &= p[i] == 0;
  CHECK(zero, "a new buffer is zeroed even when the hook's memory is not");
  CHECK(((uintptr_t)p & 63) == 0, "buffer alignment");
  CHECK_OK(ctx, sysrt_module_from_symbols(dev, gemm_symbols, 1, &mod));
  CHECK_OK(ctx, sysrt_kernel_get(mod, "sysk_test_gemm", &k));
  for (int i = 0; i < 3 * SYSRT_QUARANTINE; i++) { /* through the quarantine and out again */
    SysrtBuffer *b;
    CHECK_OK(ctx, sysrt_buffer_create(dev, 16, &b));
    CHECK_OK(ctx, sysrt_buffer_destroy(b));
  }
  CHECK(c.live > 0, "the hook was used");
  CHECK(sysrt_context_destroy(ctx) == SYSRT_OK, "context destroy");
  CHECK(c.live == 0 && c.bytes == 0, "after destroy: %ld allocations, %lld bytes live", c.live,
        c.bytes);
  CHECK(!c.misaligned, "misaligned test allocator?");
}

/* Fails the n-th allocation of a whole session, for every n until one succeeds entirely. Each
   call must succeed or say SYSRT_ERR_OUT_OF_MEMORY, and destroy must give everything back. */
static void test_out_of_memory(void) {
  int completed = 0;
  long n;
  for (n = 1; n < 500 && !completed; n++) {
    Counter c = {.fail_at = n};
    SysrtAllocator a = {count_alloc, count_free, &c};
    SysrtContext *ctx = NULL;
    SysrtStatus st = sysrt_context_create(&a, &ctx);
    if (st) {
      CHECK(st == SYSRT_ERR_OUT_OF_MEMORY && !ctx, "fail at %ld: create: %s", n,
            sysrt_status_name(st));
      CHECK(c.live == 0, "fail at %ld: %ld live after a failed create", n, c.live);
      continue;
    }
    SysrtDevice *dev = NULL;
    SysrtBuffer *bufs[3] = {NULL, NULL, NULL};
    SysrtModule *mod = NULL;
    SysrtKernel *k = NULL;
    int64_t sizes[3] = {5, 6, 7};
    size_t bytes[3] = {5 * 7 * 4, 7 * 6 * 4, 5 * 6 * 4};
    char text[256];
    size_t len;
    st = sysrt_device_get(ctx, "host", &dev);
    for (int i = 0; i < 3 && !st; i++)
      st = sysrt_buffer_create(dev, bytes[i], &bufs[i]);
    if (!st)
      st = sysrt_module_from_symbols(dev, gemm_symbols, 1, &mod);
    if (!st)
      st = sysrt_kernel_get(mod, "sysk_test_gemm", &k);
    if (!st)
      st = sysrt_launch(k, bufs, 3, sizes, 3, NULL);
    if (!st)
      st = sysrt_devices(ctx, text, sizeof text, &len);
    if (!st)
      st = sysrt_module_destroy(mod);
    if (!st)
      completed = 1;
    else
      CHECK(st == SYSRT_ERR_OUT_OF_MEMORY, "fail at %ld: %s: %s", n, sysrt_status_name(st),
            sysrt_last_error(ctx));
    CHECK(sysrt_context_destroy(ctx) == SYSRT_OK, "fail at %ld: destroy", n);
    CHECK(c.live == 0 && c.bytes == 0, "fail at %ld: %ld allocations (%lld bytes) leaked", n,
          c.live, c.bytes);
  }
  CHECK(completed, "no run without an allocation failure in %ld tries", n);
  if (T.verbose)
    printf("  out of memory at each of %ld allocations: handled\n", n - 1);
}

static void test_devices(void) {
  SysrtContext *ctx;
  SysrtDevice *dev, *again;
  CHECK(sysrt_context_create(NULL, &ctx) == SYSRT_OK, "create");
  CHECK(sysrt_driver_count() == 4, "4 device kinds");
  SysrtDriverInfo di;
  CHECK_OK(ctx, sysrt_driver_info(ctx, 0, &di));
  CHECK(!strcmp(di.kind, "host") && di.devices == 1 && !*di.reason, "host kind: %s %d '%s'",
        di.kind, di.devices, di.reason);
  /* the GPU kinds have whatever this machine has; without devices, a reason */
  static const char *const gpus[3] = {"cuda", "level-zero", "opencl"};
  int gpu_devices[4] = {0};
  for (int i = 1; i < 4; i++) {
    CHECK_OK(ctx, sysrt_driver_info(ctx, i, &di));
    CHECK(!strcmp(di.kind, gpus[i - 1]) && (di.devices > 0 || *di.reason),
          "kind %d: %s %d '%s'", i, di.kind, di.devices, di.reason);
    gpu_devices[i] = di.devices;
    gpu_devices[0] += di.devices;
  }
  CHECK_ST(ctx, sysrt_driver_info(ctx, 4, &di), SYSRT_ERR_INVALID_ARGUMENT, "there are 4 kinds");
  CHECK_ST(ctx, sysrt_driver_info(ctx, 0, NULL), SYSRT_ERR_INVALID_ARGUMENT, "out is NULL");
  CHECK_ST(ctx, sysrt_driver_info(NULL, 0, &di), SYSRT_ERR_INVALID_HANDLE, NULL);

  int n = -1;
  CHECK_OK(ctx, sysrt_device_count(ctx, &n));
  CHECK(n == 1 + gpu_devices[0], "%d devices", n);
  CHECK_OK(ctx, sysrt_device_get(ctx, "host", &dev));
  CHECK_OK(ctx, sysrt_device_get(ctx, "host:0", &again));
  CHECK(dev == again, "host and host:0 are one device");
  CHECK_OK(ctx, sysrt_device_at(ctx, 0, &again));
  CHECK(dev == again, "device 0 is host");
  CHECK(!strcmp(sysrt_device_name(dev), "host:0"), "name %s", sysrt_device_name(dev));
  CHECK(sysrt_device_name(NULL) == NULL, "name of NULL");
  SysrtDeviceInfo info;
  CHECK_OK(ctx, sysrt_device_info(dev, &info));
  CHECK(!strcmp(info.kind, "host") && !strcmp(info.target, "host") && info.index == 0 &&
            info.units >= 1 && info.mappable,
        "info %s %s %d %d %d", info.kind, info.target, info.index, info.units, info.mappable);

  if (!gpu_devices[1])
    CHECK_ST(ctx, sysrt_device_get(ctx, "cuda:0", &again), SYSRT_ERR_NO_DRIVER, "no cuda devices: ");
  if (!gpu_devices[2])
    CHECK_ST(ctx, sysrt_device_get(ctx, "level-zero", &again), SYSRT_ERR_NO_DRIVER,
             "no level-zero devices: ");
  if (gpu_devices[3] < 2)
    CHECK_ST(ctx, sysrt_device_get(ctx, "opencl:1", &again),
             gpu_devices[3] ? SYSRT_ERR_NO_DEVICE : SYSRT_ERR_NO_DRIVER, NULL);
  CHECK_ST(ctx, sysrt_device_get(ctx, "host:1", &again), SYSRT_ERR_NO_DEVICE,
           "no device 'host:1': host has 1 device (host:0)");
  CHECK_ST(ctx, sysrt_device_get(ctx, "tpu", &again), SYSRT_ERR_INVALID_ARGUMENT,
           "unknown device kind 'tpu' (kinds: host, cuda, level-zero, opencl)");
  CHECK_ST(ctx, sysrt_device_get(ctx, "host:", &again), SYSRT_ERR_INVALID_ARGUMENT,
           "want KIND or KIND:INDEX");
  CHECK_ST(ctx, sysrt_device_get(ctx, "host:x", &again), SYSRT_ERR_INVALID_ARGUMENT, NULL);
  CHECK_ST(ctx, sysrt_device_get(ctx, "host:99999999999", &again), SYSRT_ERR_INVALID_ARGUMENT,
           NULL);
  if (n == 1)
    CHECK_ST(ctx, sysrt_device_at(ctx, 1, &again), SYSRT_ERR_NO_DEVICE,
             "device index 1: there is 1 device");
  CHECK_ST(ctx, sysrt_device_at(ctx, -1, &again), SYSRT_ERR_NO_DEVICE, "device index -1: there ");
  CHECK_ST(ctx, sysrt_device_get(ctx, "host", NULL), SYSRT_ERR_INVALID_ARGUMENT, NULL);
  CHECK_ST(ctx, sysrt_device_count(ctx, NULL), SYSRT_ERR_INVALID_ARGUMENT, NULL);
  CHECK_ST(ctx, sysrt_device_info(NULL, &info), SYSRT_ERR_INVALID_HANDLE, NULL);

  /* the default device: SYSRT_DEVICE, else the first */
  unsetenv("SYSRT_DEVICE");
  CHECK_OK(ctx, sysrt_device_get(ctx, NULL, &again));
  CHECK(again == dev, "default device");
  setenv("SYSRT_DEVICE", "cuda", 1);
  if (!gpu_devices[1])
    CHECK_ST(ctx, sysrt_device_get(ctx, "", &again), SYSRT_ERR_NO_DRIVER, "no cuda devices");
  setenv("SYSRT_DEVICE", "host:0", 1);
  CHECK_OK(ctx, sysrt_device_get(ctx, NULL, &again));
  unsetenv("SYSRT_DEVICE");

  /* the table `sysc devices` prints; a short buffer gets a prefix and the full length */
  char text[1024], small[16];
  size_t len = 0, len2 = 0;
  CHECK_OK(ctx, sysrt_devices(ctx, text, sizeof text, &len));
  CHECK(len == strlen(text), "length %zu of %zu", len, strlen(text));
  char host_line[64];
  snprintf(host_line, sizeof host_line, "host        1 device\n  host:0    %d thread%s\n",
           info.units, info.units == 1 ? "" : "s");
  CHECK(strstr(text, host_line) != NULL, "table:\n%s", text);
  CHECK(strstr(text, "\ncuda        ") && strstr(text, "\nlevel-zero  ") &&
            strstr(text, "\nopencl      "),
        "table:\n%s", text);
  CHECK_OK(ctx, sysrt_devices(ctx, small, sizeof small, &len2));
  CHECK(len2 == len && strlen(small) == sizeof small - 1 && !strncmp(small, text, 15),
        "truncated table '%s' %zu", small, len2);
  CHECK_OK(ctx, sysrt_devices(ctx, NULL, 0, &len2));
  CHECK(len2 == len, "length only");
  CHECK_ST(ctx, sysrt_devices(ctx, NULL, 5, &len2), SYSRT_ERR_INVALID_ARGUMENT, NULL);
  if (T.verbose)
    printf("%s", text);
  sysrt_context_destroy(ctx);

  /* SYSRT_NUM_THREADS sets the host's default thread count; junk is ignored */
  setenv("SYSRT_NUM_THREADS", "3", 1);
  CHECK(sysrt_context_create(NULL, &ctx) == SYSRT_OK, "create");
  CHECK_OK(ctx, sysrt_device_get(ctx, "host", &dev));
  CHECK_OK(ctx, sysrt_device_info(dev, &info));
  CHECK(info.units == 3, "SYSRT_NUM_THREADS=3: %d units", info.units);
  sysrt_context_destroy(ctx);
  setenv("SYSRT_NUM_THREADS", "many", 1);
  CHECK(sysrt_context_create(NULL, &ctx) == SYSRT_OK, "create");
  CHECK_OK(ctx, sysrt_device_get(ctx, "host", &dev));
  CHECK_OK(ctx, sysrt_device_info(dev, &info));
  CHECK(info.units >= 1 && info.units == (int)sysconf(_SC_NPROCESSORS_ONLN),
        "SYSRT_NUM_THREADS=many: %d units", info.units);
  unsetenv("SYSRT_NUM_THREADS");
  sysrt_context_destroy(ctx);
}

static void test_buffers(void) {
  SysrtContext *ctx;
  SysrtDevice *dev;
  SysrtBuffer *buf;
  CHECK(sysrt_context_create(NULL, &ctx) == SYSRT_OK, "create");
  CHECK_OK(ctx, sysrt_device_get(ctx, "host", &dev));
  CHECK_ST(ctx, sysrt_buffer_create(dev, 0, &buf), SYSRT_ERR_INVALID_ARGUMENT, "0 bytes");
  CHECK_ST(ctx, sysrt_buffer_create(dev, 8, NULL), SYSRT_ERR_INVALID_ARGUMENT, "out is NULL");
  CHECK_ST(ctx, sysrt_buffer_create(NULL, 8, &buf), SYSRT_ERR_INVALID_HANDLE, NULL);
  /* a buffer the allocator refuses (a capped one: ASan would abort on the real request) */
  Counter capped = {.cap = 1 << 20};
  SysrtAllocator a = {count_alloc, count_free, &capped};
  SysrtContext *small;
  SysrtDevice *sdev;
  CHECK(sysrt_context_create(&a, &small) == SYSRT_OK, "create");
  CHECK_OK(small, sysrt_device_get(small, "host", &sdev));
  CHECK_ST(small, sysrt_buffer_create(sdev, SIZE_MAX / 2, &buf), SYSRT_ERR_OUT_OF_MEMORY,
           "out of memory for a 9223372036854775807-byte buffer on host:0");
  CHECK(buf == NULL, "no buffer after a failure");
  sysrt_context_destroy(small);
  CHECK_OK(ctx, sysrt_buffer_create(dev, 100, &buf));
  CHECK(sysrt_buffer_size(buf) == 100 && sysrt_buffer_size(NULL) == 0, "size");
  unsigned char src[100], dst[100];
  for (int i = 0; i < 100; i++)
    src[i] = (unsigned char)(i * 3);
  CHECK_OK(ctx, sysrt_buffer_write(buf, 0, src, 100));
  CHECK_OK(ctx, sysrt_buffer_write(buf, 90, src, 10));
  memset(dst, 0, sizeof dst);
  CHECK_OK(ctx, sysrt_buffer_read(buf, 10, dst, 80));
  CHECK(!memcmp(dst, src + 10, 80), "read back");
  CHECK_OK(ctx, sysrt_buffer_read(buf, 90, dst, 10));
  CHECK(!memcmp(dst, src, 10), "read back the tail");
  CHECK_OK(ctx, sysrt_buffer_write(buf, 100, NULL, 0));
  CHECK_ST(ctx, sysrt_buffer_write(buf, 96, src, 8), SYSRT_ERR_OUT_OF_RANGE,
           "sysrt_buffer_write of 8 bytes at offset 96 goes past the end of a 100-byte buffer");
  CHECK_ST(ctx, sysrt_buffer_read(buf, 101, dst, 0), SYSRT_ERR_OUT_OF_RANGE, NULL);
  CHECK_ST(ctx, sysrt_buffer_read(buf, 1, dst, SIZE_MAX), SYSRT_ERR_OUT_OF_RANGE, NULL);
  CHECK_ST(ctx, sysrt_buffer_read(buf, SIZE_MAX, dst, 2), SYSRT_ERR_OUT_OF_RANGE, NULL);
  CHECK_ST(ctx, sysrt_buffer_write(buf, 0, NULL, 4), SYSRT_ERR_INVALID_ARGUMENT,
           "NULL pointer for 4 bytes");
  CHECK_ST(ctx, sysrt_buffer_read(buf, 0, NULL, 4), SYSRT_ERR_INVALID_ARGUMENT, NULL);
  CHECK_ST(ctx, sysrt_buffer_write(NULL, 0, src, 4), SYSRT_ERR_INVALID_HANDLE, NULL);
  void *p;
  CHECK_OK(ctx, sysrt_buffer_map(buf, &p));
  CHECK(!memcmp((unsigned char *)p + 90, src, 10), "map sees the writes");
  CHECK_OK(ctx, sysrt_buffer_unmap(buf));
  CHECK_ST(ctx, sysrt_buffer_map(buf, NULL), SYSRT_ERR_INVALID_ARGUMENT, NULL);
  CHECK_ST(ctx, sysrt_buffer_map(NULL, &p), SYSRT_ERR_INVALID_HANDLE, NULL);

  /* destroyed handles */
  CHECK_OK(ctx, sysrt_buffer_destroy(buf));
  CHECK_ST(ctx, sysrt_buffer_destroy(buf), SYSRT_ERR_INVALID_HANDLE,
           "buffer handle used after sysrt_buffer_destroy");
  CHECK_ST(ctx, sysrt_buffer_write(buf, 0, src, 4), SYSRT_ERR_INVALID_HANDLE,
           "buffer handle used after sysrt_buffer_destroy");
  CHECK_ST(ctx, sysrt_buffer_map(buf, &p), SYSRT_ERR_INVALID_HANDLE, "after sysrt_buffer_destroy");
  CHECK_ST(ctx, sysrt_buffer_unmap(buf), SYSRT_ERR_INVALID_HANDLE, NULL);
  CHECK(sysrt_buffer_size(buf) == 0, "size of a destroyed buffer");
  CHECK_OK(ctx, sysrt_buffer_destroy(NULL));

  /* a handle of the wrong kind (a device passed as a buffer) */
  CHECK_ST(ctx, sysrt_buffer_write((SysrtBuffer *)(void *)dev, 0, src, 4),
           SYSRT_ERR_INVALID_HANDLE, NULL);
  sysrt_context_destroy(ctx);
}

static void test_modules(void) {
  SysrtContext *ctx;
  SysrtDevice *dev;
  SysrtModule *mod;
  SysrtKernel *k, *k2;
  CHECK(sysrt_context_create(NULL, &ctx) == SYSRT_OK, "create");
  CHECK_OK(ctx, sysrt_device_get(ctx, "host", &dev));
  CHECK_ST(ctx, sysrt_module_from_symbols(dev, gemm_symbols, 0, &mod), SYSRT_ERR_INVALID_ARGUMENT,
           "count 0");
  CHECK_ST(ctx, sysrt_module_from_symbols(dev, NULL, 1, &mod), SYSRT_ERR_INVALID_ARGUMENT,
           "kernels is NULL");
  SysrtKernelSymbols no_run = {"sysk_x", sysk_test_gemm_count, NULL, sysk_test_gemm_desc};
  CHECK_ST(ctx, sysrt_module_from_symbols(dev, &no_run, 1, &mod), SYSRT_ERR_INVALID_ARGUMENT,
           "kernels[0] (sysk_x): run is NULL");
  CHECK_ST(ctx, sysrt_module_from_symbols(NULL, gemm_symbols, 1, &mod), SYSRT_ERR_INVALID_HANDLE,
           NULL);
  CHECK_OK(ctx, sysrt_module_from_symbols(dev, gemm_symbols, 1, &mod));
  int n = 0;
  const char *name = NULL;
  CHECK_OK(ctx, sysrt_module_kernel_count(mod, &n));
  CHECK_OK(ctx, sysrt_module_kernel_name(mod, 0, &name));
  CHECK(n == 1 && name && !strcmp(name, "sysk_test_gemm"), "kernels: %d %s", n, name);
  CHECK_ST(ctx, sysrt_module_kernel_name(mod, 1, &name), SYSRT_ERR_INVALID_ARGUMENT,
           "kernel index 1: module '<symbols>' has 1 kernel");
  CHECK_OK(ctx, sysrt_kernel_get(mod, "sysk_test_gemm", &k));
  CHECK_OK(ctx, sysrt_kernel_get(mod, "sysk_test_gemm", &k2));
  CHECK(k == k2, "one handle per kernel");
  CHECK_OK(ctx, sysrt_kernel_find(mod, "gemm", NULL, &k2));
  CHECK(k == k2, "find gemm");
  CHECK_OK(ctx, sysrt_kernel_find(mod, "gemm", "test_tiles", &k2));
  CHECK_ST(ctx, sysrt_kernel_find(mod, "gemm", "weight_stationary", &k2), SYSRT_ERR_NO_KERNEL,
           "has no kernel gemm mapped by weight_stationary for host:0; it has: "
           "gemm/test_tiles (sysk_test_gemm)");
  CHECK_ST(ctx, sysrt_kernel_get(mod, "sysk_conv", &k2), SYSRT_ERR_NO_KERNEL,
           "module '<symbols>' has no kernel 'sysk_conv' (sysk_conv_count, sysk_conv_run and "
           "sysk_conv_desc); it has: sysk_test_gemm");
  CHECK(k2 == NULL, "out is NULL after a failure");
  CHECK_ST(ctx, sysrt_kernel_get(mod, "gemm", &k2), SYSRT_ERR_NO_KERNEL,
           "sysrt_kernel_find(mod, \"gemm\", mapping) looks kernels up");
  CHECK_ST(ctx, sysrt_kernel_get(mod, NULL, &k2), SYSRT_ERR_INVALID_ARGUMENT, "sym is NULL");
  CHECK_ST(ctx, sysrt_kernel_get(NULL, "sysk_test_gemm", &k2), SYSRT_ERR_INVALID_HANDLE, NULL);
  CHECK_ST(ctx, sysrt_kernel_info(NULL, NULL), SYSRT_ERR_INVALID_HANDLE, NULL);
  CHECK_ST(ctx, sysrt_kernel_info(k, NULL), SYSRT_ERR_INVALID_ARGUMENT, NULL);

  /* destroying the module invalidates its kernels */
  CHECK_OK(ctx, sysrt_module_destroy(mod));
  SysrtKernelInfo info;
  CHECK_ST(ctx, sysrt_kernel_info(k, &info), SYSRT_ERR_INVALID_HANDLE,
           "kernel handle used after its module was destroyed");
  int64_t sizes[3] = {1, 1, 1};
  CHECK_ST(ctx, sysrt_launch(k, NULL, 0, sizes, 3, NULL), SYSRT_ERR_INVALID_HANDLE,
           "kernel handle used after its module was destroyed");
  CHECK_ST(ctx, sysrt_kernel_get(mod, "sysk_test_gemm", &k2), SYSRT_ERR_INVALID_HANDLE,
           "module handle used after sysrt_module_destroy");
  CHECK_ST(ctx, sysrt_module_destroy(mod), SYSRT_ERR_INVALID_HANDLE, "after sysrt_module_destroy");
  CHECK_ST(ctx, sysrt_module_kernel_count(mod, &n), SYSRT_ERR_INVALID_HANDLE, NULL);
  CHECK_OK(ctx, sysrt_module_destroy(NULL));
  sysrt_context_destroy(ctx);
}

int main(void) {
  t_begin("runtime.api");
  test_status();
  test_context();
  test_out_of_memory();
  test_devices();
  test_buffers();
  test_modules();
  return t_end();
}
