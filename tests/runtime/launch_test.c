/*
 * runtime.launch: kernels linked into the program (sysrt_module_from_symbols) run on the host
 * device: results against references at odd sizes on 1, 2 and 7 threads; every work item
 * exactly once whatever the threads and chunks; work really spread over threads; launches
 * from two threads at once; and every launch check, each with its status and message.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "kernels.h"
#include "rt_test.h"

/* ---- kernels of this test ---- */

TK_DECLARE(sysk_hits);
TK_DECLARE(sysk_slow);
TK_DECLARE(sysk_negative);
TK_DECLARE(sysk_mx);
TK_DECLARE(sysk_oom);

/* h[i] += 1 for each item i: every item must run exactly once. */
const char sysk_hits_desc[] = "sysc-kernel 2\nkernel hits\nsize N\ntensor h out i32 1 0:1\n";
int64_t sysk_hits_count(const int64_t *sizes) {
  return sizes[0];
}
int sysk_hits_run(void *const *tensors, const int64_t *sizes, int64_t begin, int64_t end) {
  (void)sizes;
  int32_t *h = tensors[0];
  for (int64_t i = begin; i < end; i++)
    h[i] += 1;
  return 0;
}

/* Slow items that record which thread ran them, to see the pool at work. */
static pthread_t slow_who[64];
const char sysk_slow_desc[] = "sysc-kernel 2\nkernel slow\nsize N\ntensor h out i32 1 0:1\n";
int64_t sysk_slow_count(const int64_t *sizes) {
  return sizes[0] < 64 ? sizes[0] : 64;
}
int sysk_slow_run(void *const *tensors, const int64_t *sizes, int64_t begin, int64_t end) {
  (void)tensors;
  (void)sizes;
  for (int64_t i = begin; i < end; i++) {
    struct timespec ts = {0, 300000};
    nanosleep(&ts, NULL);
    slow_who[i] = pthread_self();
  }
  return 0;
}

const char sysk_negative_desc[] = "sysc-kernel 2\nkernel negative\nsize N\n"
                                  "tensor h out i32 1 0:1\n";
int64_t sysk_negative_count(const int64_t *sizes) {
  (void)sizes;
  return -1;
}
int sysk_negative_run(void *const *tensors, const int64_t *sizes, int64_t begin, int64_t end) {
  (void)tensors;
  (void)sizes;
  (void)begin;
  (void)end;
  return 0;
}

/* marks its items, as if out of memory for its work buffers in the chunk holding item 5 */
const char sysk_oom_desc[] = "sysc-kernel 2\nkernel oom\nsize N\ntensor h out i32 1 0:1\n";
int64_t sysk_oom_count(const int64_t *sizes) {
  return sizes[0];
}
int sysk_oom_run(void *const *tensors, const int64_t *sizes, int64_t begin, int64_t end) {
  (void)sizes;
  if (begin <= 5 && 5 < end)
    return 1;
  for (int64_t i = begin; i < end; i++)
    ((int32_t *)tensors[0])[i] = 1;
  return 0;
}

const char sysk_mx_desc[] = "sysc-kernel 3\nkernel mx\nsize N\ntensor a in mxfp4e2m1 1 0:1\n"
                            "tensor y out f32 1 0:1\ntensor b in mxint8 2 0:1 3:0\nblock b 0\n";
int64_t sysk_mx_count(const int64_t *sizes) {
  return sizes[0];
}
int sysk_mx_run(void *const *tensors, const int64_t *sizes, int64_t begin, int64_t end) {
  (void)tensors;
  (void)sizes;
  (void)begin;
  (void)end;
  return 0;
}

static const SysrtKernelSymbols test_kernels[] = {
  SYSRT_KERNEL_SYMBOLS(sysk_test_gemm),   SYSRT_KERNEL_SYMBOLS(sysk_test_conv1d),
  SYSRT_KERNEL_SYMBOLS(sysk_test_rev16),  SYSRT_KERNEL_SYMBOLS(sysk_hits),
  SYSRT_KERNEL_SYMBOLS(sysk_slow),        SYSRT_KERNEL_SYMBOLS(sysk_negative),
  SYSRT_KERNEL_SYMBOLS(sysk_mx),          SYSRT_KERNEL_SYMBOLS(sysk_oom),
};

/* ---- each item exactly once ---- */

static void test_hits(SysrtContext *ctx, SysrtDevice *dev, SysrtModule *mod) {
  SysrtKernel *k;
  CHECK_OK(ctx, sysrt_kernel_get(mod, "sysk_hits", &k));
  static const int64_t ns[] = {1, 2, 7, 100, 10007};
  static const int threads[] = {1, 2, 3, 7, 16};
  static const int64_t chunks[] = {0, 1, 3, 64, 1000000};
  for (size_t a = 0; a < sizeof ns / sizeof *ns; a++) {
    int64_t n = ns[a];
    SysrtBuffer *h = t_buffer(dev, NULL, (size_t)n * 4);
    int32_t *p;
    CHECK_OK(ctx, sysrt_buffer_map(h, (void **)&p));
    int runs = 0;
    for (size_t b = 0; b < sizeof threads / sizeof *threads; b++)
      for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++) {
        SysrtLaunchOptions opt = {threads[b], chunks[c], NULL, NULL, NULL};
        CHECK_OK(ctx, sysrt_launch(k, &h, 1, &n, 1, &opt));
        runs++;
      }
    int64_t bad = 0;
    for (int64_t i = 0; i < n; i++)
      bad += p[i] != runs;
    CHECK(bad == 0, "hits N=%lld: %lld items not run exactly once per launch", (long long)n,
          (long long)bad);
    sysrt_buffer_destroy(h);
  }
}

/* ---- the pool spreads work ---- */

static void test_spread(SysrtContext *ctx, SysrtDevice *dev, SysrtModule *mod) {
  SysrtKernel *k;
  CHECK_OK(ctx, sysrt_kernel_get(mod, "sysk_slow", &k));
  SysrtBuffer *h = t_buffer(dev, NULL, 64 * 4);
  int64_t n = 64;
  SysrtLaunchOptions opt = {4, 1, NULL, NULL, NULL};
  CHECK_OK(ctx, sysrt_launch(k, &h, 1, &n, 1, &opt));
  int distinct = 0;
  for (int i = 0; i < 64; i++) {
    int seen = 0;
    for (int j = 0; j < i; j++)
      seen |= pthread_equal(slow_who[i], slow_who[j]);
    distinct += !seen;
  }
  CHECK(distinct >= 2 && distinct <= 4, "64 slow items on 4 threads ran on %d threads", distinct);
  /* one thread: the caller only */
  opt.threads = 1;
  CHECK_OK(ctx, sysrt_launch(k, &h, 1, &n, 1, &opt));
  int others = 0;
  for (int i = 0; i < 64; i++)
    others += !pthread_equal(slow_who[i], pthread_self());
  CHECK(others == 0, "threads = 1 ran %d items on other threads", others);
  sysrt_buffer_destroy(h);
}

/* ---- two threads launching on one device ---- */

typedef struct Racer {
  SysrtContext *ctx;
  SysrtDevice *dev;
  SysrtKernel *k;
  int64_t n;
  int failures;
} Racer;

static void *racer(void *arg) {
  Racer *r = arg;
  SysrtBuffer *h = NULL;
  if (sysrt_buffer_create(r->dev, (size_t)r->n * 4, &h) != SYSRT_OK) {
    r->failures++;
    return NULL;
  }
  SysrtLaunchOptions opt = {2, 1, NULL, NULL, NULL};
  for (int i = 0; i < 40; i++)
    r->failures += sysrt_launch(r->k, &h, 1, &r->n, 1, &opt) != SYSRT_OK;
  int32_t *p;
  sysrt_buffer_map(h, (void **)&p);
  for (int64_t i = 0; i < r->n; i++)
    r->failures += p[i] != 40;
  sysrt_buffer_destroy(h);
  return NULL;
}

static void test_concurrent(SysrtContext *ctx, SysrtDevice *dev, SysrtModule *mod) {
  SysrtKernel *k;
  CHECK_OK(ctx, sysrt_kernel_get(mod, "sysk_hits", &k));
  Racer r[3] = {{ctx, dev, k, 999, 0}, {ctx, dev, k, 1234, 0}, {ctx, dev, k, 77, 0}};
  pthread_t th[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&th[i], NULL, racer, &r[i]);
  for (int i = 0; i < 3; i++) {
    pthread_join(th[i], NULL);
    CHECK(r[i].failures == 0, "concurrent launcher %d: %d failures", i, r[i].failures);
  }
}

/* ---- launch checks ---- */

static void test_errors(SysrtContext *ctx, SysrtDevice *dev, SysrtModule *mod) {
  SysrtKernel *gemm, *conv, *neg, *mx;
  CHECK_OK(ctx, sysrt_kernel_get(mod, "sysk_test_gemm", &gemm));
  CHECK_OK(ctx, sysrt_kernel_get(mod, "sysk_test_conv1d", &conv));
  CHECK_OK(ctx, sysrt_kernel_get(mod, "sysk_negative", &neg));
  CHECK_OK(ctx, sysrt_kernel_get(mod, "sysk_mx", &mx));
  int64_t sizes[3] = {5, 7, 3}; /* M N K */
  SysrtBuffer *a = t_buffer(dev, NULL, 5 * 3 * 4), *b = t_buffer(dev, NULL, 3 * 7 * 4),
              *c = t_buffer(dev, NULL, 5 * 7 * 4);
  SysrtBuffer *bufs[3] = {a, b, c};
  CHECK_OK(ctx, sysrt_launch(gemm, bufs, 3, sizes, 3, NULL));

  CHECK_ST(ctx, sysrt_launch(NULL, bufs, 3, sizes, 3, NULL), SYSRT_ERR_INVALID_HANDLE, NULL);
  CHECK_ST(ctx, sysrt_launch(gemm, bufs, 2, sizes, 3, NULL), SYSRT_ERR_INVALID_ARGUMENT,
           "kernel 'sysk_test_gemm' takes 3 tensors (a, b, c), got 2");
  CHECK_ST(ctx, sysrt_launch(gemm, NULL, 3, sizes, 3, NULL), SYSRT_ERR_INVALID_ARGUMENT,
           "tensors is NULL");
  CHECK_ST(ctx, sysrt_launch(gemm, bufs, 3, sizes, 2, NULL), SYSRT_ERR_INVALID_ARGUMENT,
           "takes 3 sizes (M, N, K), got 2");
  CHECK_ST(ctx, sysrt_launch(gemm, bufs, 3, NULL, 3, NULL), SYSRT_ERR_INVALID_ARGUMENT,
           "sizes is NULL");
  int64_t zero[3] = {5, 0, 3}, neg_size[3] = {5, 7, -4};
  CHECK_ST(ctx, sysrt_launch(gemm, bufs, 3, zero, 3, NULL), SYSRT_ERR_INVALID_ARGUMENT,
           "size N = 0; sizes must be >= 1");
  CHECK_ST(ctx, sysrt_launch(gemm, bufs, 3, neg_size, 3, NULL), SYSRT_ERR_INVALID_ARGUMENT,
           "size K = -4");
  SysrtBuffer *nulls[3] = {a, NULL, c};
  CHECK_ST(ctx, sysrt_launch(gemm, nulls, 3, sizes, 3, NULL), SYSRT_ERR_INVALID_HANDLE,
           "tensor 'b' (1) is a NULL buffer");
  /* the message of the brief: which tensor, how many bytes, how many needed, for which sizes.
     conv1d at N=17, K=30: x is N + K - 1 = 46 floats (184 bytes), w 30 (120), y 17 (68). */
  int64_t nk[2] = {17, 30};
  SysrtBuffer *w_small = t_buffer(dev, NULL, 116), *w_ok = t_buffer(dev, NULL, 120),
              *x_small = t_buffer(dev, NULL, 180), *x_ok = t_buffer(dev, NULL, 184),
              *y_ok = t_buffer(dev, NULL, 68);
  SysrtBuffer *conv_w[3] = {x_ok, w_small, y_ok}, *conv_x[3] = {x_small, w_ok, y_ok},
              *conv_ok[3] = {x_ok, w_ok, y_ok};
  CHECK_ST(ctx, sysrt_launch(conv, conv_w, 3, nk, 2, NULL), SYSRT_ERR_SIZE_MISMATCH,
           "tensor 'w' has 116 bytes, the kernel needs 120 for N=17,K=30 (f32 [K] = [30])");
  CHECK_ST(ctx, sysrt_launch(conv, conv_x, 3, nk, 2, NULL), SYSRT_ERR_SIZE_MISMATCH,
           "tensor 'x' has 180 bytes, the kernel needs 184 for N=17,K=30 (f32 [N + K - 1] = [46])");
  CHECK_OK(ctx, sysrt_launch(conv, conv_ok, 3, nk, 2, NULL));
  SysrtBuffer *conv_tensors[5] = {w_small, w_ok, x_small, x_ok, y_ok};
  for (int i = 0; i < 5; i++)
    sysrt_buffer_destroy(conv_tensors[i]);

  SysrtBuffer *alias[3] = {a, b, a};
  CHECK_ST(ctx, sysrt_launch(gemm, alias, 3, sizes, 3, NULL), SYSRT_ERR_INVALID_ARGUMENT,
           "tensors 'a' and 'c' share one buffer, and c is an output");
  SysrtBuffer *same_in[3] = {a, a, c}; /* a is 5x3, b would be 3x7: a too small as b */
  CHECK_ST(ctx, sysrt_launch(gemm, same_in, 3, sizes, 3, NULL), SYSRT_ERR_SIZE_MISMATCH,
           "tensor 'b' has 60 bytes, the kernel needs 84 for M=5,N=7,K=3");
  int64_t square[3] = {3, 3, 3};
  SysrtBuffer *inputs_shared[3] = {a, a, c};
  CHECK_OK(ctx, sysrt_launch(gemm, inputs_shared, 3, square, 3, NULL));

  SysrtLaunchOptions opt = {-1, 0, NULL, NULL, NULL};
  CHECK_ST(ctx, sysrt_launch(gemm, bufs, 3, sizes, 3, &opt), SYSRT_ERR_INVALID_ARGUMENT,
           "threads = -1");
  opt.threads = 5000;
  CHECK_ST(ctx, sysrt_launch(gemm, bufs, 3, sizes, 3, &opt), SYSRT_ERR_INVALID_ARGUMENT,
           "5000 threads; at most 1024");
  opt.threads = 0;
  opt.chunk = -2;
  CHECK_ST(ctx, sysrt_launch(gemm, bufs, 3, sizes, 3, &opt), SYSRT_ERR_INVALID_ARGUMENT,
           "chunk = -2");

  int64_t n = 4;
  CHECK_ST(ctx, sysrt_launch(neg, &c, 1, &n, 1, NULL), SYSRT_ERR_LAUNCH,
           "kernel 'sysk_negative' has -1 work items for N=4");
  /* a chunk out of memory: the launch fails, and on one thread no later chunk starts */
  SysrtKernel *oom;
  CHECK_OK(ctx, sysrt_kernel_get(mod, "sysk_oom", &oom));
  int64_t n20 = 20;
  SysrtBuffer *h = t_buffer(dev, NULL, 20 * 4);
  int32_t *hp;
  CHECK_OK(ctx, sysrt_buffer_map(h, (void **)&hp));
  memset(hp, 0, 20 * 4);
  SysrtLaunchOptions one = {1, 3, NULL, NULL, NULL};
  CHECK_ST(ctx, sysrt_launch(oom, &h, 1, &n20, 1, &one), SYSRT_ERR_OUT_OF_MEMORY,
           "kernel 'sysk_oom': out of memory for its work buffers (threads: 1, chunk: 3 work "
           "items)");
  int ran = 0;
  for (int i = 0; i < 20; i++)
    ran += hp[i];
  CHECK(ran == 3 && hp[0] && hp[2], "oom: %d items ran on one thread after the failed chunk", ran - 3);
  SysrtLaunchOptions two = {2, 2, NULL, NULL, NULL};
  CHECK_ST(ctx, sysrt_launch(oom, &h, 1, &n20, 1, &two), SYSRT_ERR_OUT_OF_MEMORY, NULL);
  CHECK_OK(ctx, sysrt_launch(gemm, bufs, 3, sizes, 3, NULL)); /* the pool still works */
  sysrt_buffer_destroy(h);
  SysrtBuffer *mxb[3] = {a, c, a};
  CHECK_ST(ctx, sysrt_launch(mx, mxb, 3, &n, 1, NULL), SYSRT_ERR_SIZE_MISMATCH, "tensor 'b'");

  /* a buffer of another context (another device) */
  SysrtContext *other;
  SysrtDevice *odev;
  CHECK_OK(ctx, sysrt_context_create(NULL, &other));
  CHECK_OK(other, sysrt_device_get(other, "host", &odev));
  SysrtBuffer *foreign = t_buffer(odev, NULL, 5 * 3 * 4);
  SysrtBuffer *mixed[3] = {foreign, b, c};
  CHECK_ST(ctx, sysrt_launch(gemm, mixed, 3, sizes, 3, NULL), SYSRT_ERR_INVALID_ARGUMENT,
           "the buffer for tensor 'a' is on host:0 (context");
  sysrt_context_destroy(other);

  /* a destroyed buffer */
  SysrtBuffer *gone = t_buffer(dev, NULL, 5 * 7 * 4);
  CHECK_OK(ctx, sysrt_buffer_destroy(gone));
  SysrtBuffer *stale[3] = {a, b, gone};
  CHECK_ST(ctx, sysrt_launch(gemm, stale, 3, sizes, 3, NULL), SYSRT_ERR_INVALID_HANDLE,
           "the buffer for tensor 'c' was destroyed");

  /* elapsed time and work items; the host has no device clock: its device time is the
     wall time */
  uint64_t ns = 0, dev_ns = 0;
  int64_t items = 0;
  SysrtLaunchOptions timed = {2, 0, &ns, &items, &dev_ns};
  CHECK_OK(ctx, sysrt_launch(gemm, bufs, 3, sizes, 3, &timed));
  CHECK(items == 2 * 2, "gemm 5x7 in 4x4 tiles: %lld work items, want 4", (long long)items);
  CHECK(ns > 0, "elapsed %llu ns", (unsigned long long)ns);
  CHECK(dev_ns == ns, "host device time %llu ns, wall time %llu ns", (unsigned long long)dev_ns,
        (unsigned long long)ns);

  /* sysrt_kernel_tensor_shape */
  int64_t dims[2];
  size_t bytes;
  CHECK_OK(ctx, sysrt_kernel_tensor_shape(conv, 0, nk, 2, dims, &bytes));
  CHECK(dims[0] == 46 && bytes == 184, "conv x: dims %lld bytes %zu", (long long)dims[0], bytes);
  CHECK_ST(ctx, sysrt_kernel_tensor_shape(conv, 3, nk, 2, dims, &bytes),
           SYSRT_ERR_INVALID_ARGUMENT, "has 3 tensors; asked for tensor 3");
  /* MX: the codes packed along the block axis padded to 32, then a byte per block */
  int64_t n37 = 37;
  CHECK_OK(ctx, sysrt_kernel_tensor_shape(mx, 0, &n37, 1, NULL, &bytes));
  CHECK(bytes == 64 / 2 + 2, "mxfp4e2m1 [37]: %zu bytes", bytes);
  CHECK_OK(ctx, sysrt_kernel_tensor_shape(mx, 2, &n37, 1, dims, &bytes));
  CHECK(dims[0] == 37 && dims[1] == 3 && bytes == 64 * 3 + 2 * 3, "mxint8 [37][3] by axis 0: %zu bytes",
        bytes);
  CHECK_ST(ctx, sysrt_kernel_tensor_shape(conv, 0, zero, 2, NULL, NULL),
           SYSRT_ERR_INVALID_ARGUMENT, "size K = 0");
  int64_t huge[3] = {INT64_MAX / 2, INT64_MAX / 2, 1};
  CHECK_ST(ctx, sysrt_kernel_tensor_shape(gemm, 2, huge, 3, NULL, &bytes),
           SYSRT_ERR_INVALID_ARGUMENT, "needs more bytes than fit in size_t");
  int64_t ovf[2] = {INT64_MAX, 2};
  CHECK_ST(ctx, sysrt_kernel_tensor_shape(conv, 0, ovf, 2, NULL, &bytes),
           SYSRT_ERR_INVALID_ARGUMENT, "dimension 0 (N + K - 1) overflows");

  sysrt_buffer_destroy(a);
  sysrt_buffer_destroy(b);
  sysrt_buffer_destroy(c);
}

int main(void) {
  t_begin("runtime.launch");
  SysrtContext *ctx;
  SysrtDevice *dev;
  SysrtModule *mod;
  if (sysrt_context_create(NULL, &ctx) || sysrt_device_get(ctx, "host", &dev)) {
    printf("no host device\n");
    return 1;
  }
  CHECK_OK(ctx, sysrt_module_from_symbols(dev, test_kernels,
                                          (int)(sizeof test_kernels / sizeof *test_kernels),
                                          &mod));
  if (!mod)
    return t_end();
  rt_test_kernels(ctx, dev, mod, "exe");
  test_hits(ctx, dev, mod);
  test_spread(ctx, dev, mod);
  test_concurrent(ctx, dev, mod);
  test_errors(ctx, dev, mod);
  CHECK(sysrt_context_destroy(ctx) == SYSRT_OK, "context destroy");
  return t_end();
}
