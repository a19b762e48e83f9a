/*
 * Shared helpers of the runtime tests: a check counter with capped failure output, a seeded
 * PRNG (each run prints its seed; SYSRT_TEST_SEED=<n> replays one), status checks that also
 * match the error message, and rt_test_kernels(), which runs the kernels of kernels.h from a
 * module at odd sizes on 1, 2 and 7 threads against plain C references, bit for bit.
 */
#ifndef RT_TEST_H
#define RT_TEST_H

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sysrt.h"

typedef struct TState {
  const char *name;
  unsigned checks, fails;
  uint64_t seed, rng;
  int verbose;
} TState;

static TState T;

static inline void t_begin(const char *name) {
  T.name = name;
  const char *s = getenv("SYSRT_TEST_SEED");
  T.seed = s ? strtoull(s, NULL, 0) : ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
  T.rng = T.seed;
  T.verbose = getenv("SYSRT_TEST_VERBOSE") != NULL;
  printf("%s: seed %" PRIu64 " (SYSRT_TEST_SEED=%" PRIu64 " reproduces)\n", name, T.seed, T.seed);
}

static inline int t_end(void) {
  if (T.fails) {
    printf("%s: %u of %u checks FAILED (seed %" PRIu64 ")\n", T.name, T.fails, T.checks, T.seed);
    return 1;
  }
  printf("%s: %u checks passed\n", T.name, T.checks);
  return 0;
}

/* splitmix64 */
static inline uint64_t t_rand64(void) {
  uint64_t z = (T.rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
/* uniform in [-1, 1) */
static inline float t_randf(void) {
  return (float)((double)(t_rand64() >> 11) * 0x1p-52 - 1.0);
}

#define CHECK(cond, ...)                                                                       \
  do {                                                                                         \
    T.checks++;                                                                                \
    if (!(cond) && T.fails++ < 30) {                                                           \
      printf("FAIL %s:%d: ", __FILE__, __LINE__);                                              \
      printf(__VA_ARGS__);                                                                     \
      printf("\n");                                                                            \
    }                                                                                          \
  } while (0)

/* call returns `want`; if `msg` is not NULL, ctx's last error contains it. */
#define CHECK_ST(ctx, call, want, msg)                                                         \
  do {                                                                                         \
    SysrtStatus got_ = (call);                                                                 \
    const char *m_ = (msg), *e_ = sysrt_last_error(ctx);                                       \
    CHECK(got_ == (want), "%s: got %s, want %s (last error: %s)", #call,                       \
          sysrt_status_name(got_), sysrt_status_name(want), e_);                               \
    if (m_)                                                                                    \
      CHECK(strstr(e_, m_) != NULL, "%s: message \"%s\" lacks \"%s\"", #call, e_, m_);         \
    if (T.verbose && got_ != SYSRT_OK)                                                         \
      printf("  %s -> %s: %s\n", #call, sysrt_status_name(got_), e_);                          \
  } while (0)

#define CHECK_OK(ctx, call) CHECK_ST(ctx, call, SYSRT_OK, NULL)

/* ---- the kernels of kernels.h against references ---- */

static inline SysrtBuffer *t_buffer(SysrtDevice *dev, const void *src, size_t bytes) {
  SysrtBuffer *b = NULL;
  if (sysrt_buffer_create(dev, bytes, &b) == SYSRT_OK && src)
    sysrt_buffer_write(b, 0, src, bytes);
  return b;
}

/* Launches k with `threads` and compares output tensor `out` (of the buffers) with want. */
static inline void t_launch_compare(SysrtContext *ctx, SysrtKernel *k, SysrtBuffer **bufs, int n,
                                    const int64_t *sizes, int nsizes, int threads, int out,
                                    const void *want, size_t bytes, const char *what) {
  SysrtLaunchOptions opt = SYSRT_LAUNCH_OPTIONS_INIT;
  int64_t items = -1;
  opt.threads = threads;
  opt.work_items = &items;
  /* clear the output so that a kernel that did nothing cannot pass */
  void *p;
  if (sysrt_buffer_map(bufs[out], &p) == SYSRT_OK)
    memset(p, 0xA5, bytes);
  CHECK_OK(ctx, sysrt_launch(k, bufs, n, sizes, nsizes, &opt));
  CHECK(items >= 1, "%s: work items %lld", what, (long long)items);
  void *got = malloc(bytes);
  CHECK_OK(ctx, sysrt_buffer_read(bufs[out], 0, got, bytes));
  CHECK(!memcmp(got, want, bytes), "%s on %d threads: output differs from the reference", what,
        threads);
  free(got);
}

static inline void t_gemm(SysrtContext *ctx, SysrtDevice *dev, SysrtKernel *k, int64_t M,
                          int64_t N, int64_t K) {
  size_t na = (size_t)(M * K), nb = (size_t)(K * N), nc = (size_t)(M * N);
  float *a = malloc(na * 4), *b = malloc(nb * 4), *c = malloc(nc * 4);
  for (size_t i = 0; i < na; i++)
    a[i] = t_randf();
  for (size_t i = 0; i < nb; i++)
    b[i] = t_randf();
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      float acc = 0.0f;
      for (int64_t kk = 0; kk < K; kk++)
        acc = fmaf(a[i * K + kk], b[kk * N + j], acc);
      c[i * N + j] = acc;
    }
  SysrtBuffer *bufs[3] = {t_buffer(dev, a, na * 4), t_buffer(dev, b, nb * 4),
                          t_buffer(dev, NULL, nc * 4)};
  int64_t sizes[3] = {M, N, K};
  char what[96];
  snprintf(what, sizeof what, "gemm M=%lld N=%lld K=%lld", (long long)M, (long long)N,
           (long long)K);
  static const int threads[3] = {1, 2, 7};
  for (int t = 0; t < 3; t++)
    t_launch_compare(ctx, k, bufs, 3, sizes, 3, threads[t], 2, c, nc * 4, what);
  for (int i = 0; i < 3; i++)
    sysrt_buffer_destroy(bufs[i]);
  free(a);
  free(b);
  free(c);
}

static inline void t_conv1d(SysrtContext *ctx, SysrtDevice *dev, SysrtKernel *k, int64_t N,
                            int64_t K) {
  size_t nx = (size_t)(N + K - 1), nw = (size_t)K, ny = (size_t)N;
  float *x = malloc(nx * 4), *w = malloc(nw * 4), *y = malloc(ny * 4);
  for (size_t i = 0; i < nx; i++)
    x[i] = t_randf();
  for (size_t i = 0; i < nw; i++)
    w[i] = t_randf();
  for (int64_t n = 0; n < N; n++) {
    float acc = 0.0f;
    for (int64_t kk = 0; kk < K; kk++)
      acc = fmaf(x[n + kk], w[kk], acc);
    y[n] = acc;
  }
  SysrtBuffer *bufs[3] = {t_buffer(dev, x, nx * 4), t_buffer(dev, w, nw * 4),
                          t_buffer(dev, NULL, ny * 4)};
  int64_t sizes[2] = {N, K};
  char what[96];
  snprintf(what, sizeof what, "conv1d N=%lld K=%lld", (long long)N, (long long)K);
  static const int threads[3] = {1, 2, 7};
  for (int t = 0; t < 3; t++)
    t_launch_compare(ctx, k, bufs, 3, sizes, 2, threads[t], 2, y, ny * 4, what);
  for (int i = 0; i < 3; i++)
    sysrt_buffer_destroy(bufs[i]);
  free(x);
  free(w);
  free(y);
}

static inline void t_rev16(SysrtContext *ctx, SysrtDevice *dev, SysrtKernel *k, int64_t N) {
  int16_t *x = malloc((size_t)N * 2), *y = malloc((size_t)N * 2);
  for (int64_t i = 0; i < N; i++)
    x[i] = (int16_t)(t_rand64() & 0x7fff);
  for (int64_t i = 0; i < N; i++)
    y[i] = (int16_t)(x[N - 1 - i] + 1);
  SysrtBuffer *bufs[2] = {t_buffer(dev, x, (size_t)N * 2), t_buffer(dev, NULL, (size_t)N * 2)};
  char what[64];
  snprintf(what, sizeof what, "rev16 N=%lld", (long long)N);
  static const int threads[3] = {1, 2, 7};
  for (int t = 0; t < 3; t++)
    t_launch_compare(ctx, k, bufs, 2, &N, 1, threads[t], 1, y, (size_t)N * 2, what);
  sysrt_buffer_destroy(bufs[0]);
  sysrt_buffer_destroy(bufs[1]);
  free(x);
  free(y);
}

/* Gets the kernels of kernels.h from mod, checks that their descriptions say `origin`, and
   runs them at odd sizes. */
static inline void rt_test_kernels(SysrtContext *ctx, SysrtDevice *dev, SysrtModule *mod,
                                   const char *origin) {
  static const char *const syms[3] = {"sysk_test_gemm", "sysk_test_conv1d", "sysk_test_rev16"};
  SysrtKernel *k[3] = {NULL, NULL, NULL};
  char tag[64];
  snprintf(tag, sizeof tag, "\norigin %s\n", origin);
  for (int i = 0; i < 3; i++) {
    CHECK_OK(ctx, sysrt_kernel_get(mod, syms[i], &k[i]));
    SysrtKernelInfo info;
    if (!k[i] || sysrt_kernel_info(k[i], &info) != SYSRT_OK) {
      CHECK(0, "%s: no kernel or info from the %s module", syms[i], origin);
      return;
    }
    CHECK(!strcmp(info.symbol, syms[i]), "symbol %s", info.symbol);
    CHECK(strstr(info.desc, tag) != NULL, "%s: description is not from the %s build:\n%s",
          syms[i], origin, info.desc);
  }
  t_gemm(ctx, dev, k[0], 13, 11, 17);
  t_gemm(ctx, dev, k[0], 37, 45, 19);
  t_gemm(ctx, dev, k[0], 1, 33, 5);
  t_gemm(ctx, dev, k[0], 31, 17, 1);
  t_conv1d(ctx, dev, k[1], 70, 9);
  t_conv1d(ctx, dev, k[1], 5, 13);
  t_conv1d(ctx, dev, k[1], 1, 1);
  t_rev16(ctx, dev, k[2], 1);
  t_rev16(ctx, dev, k[2], 333);
}

#endif
