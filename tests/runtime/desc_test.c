/*
 * runtime.desc: the kernel description text. Well-formed texts give the right kernel info
 * (names, types, ranks, shapes as text, extents for sizes); lines the runtime does not know
 * are skipped; every malformed text is SYSRT_ERR_BAD_DESC with the line and the reason, both
 * from sysrt_module_from_symbols and, for a module with one bad kernel among good ones, from
 * sysrt_kernel_get; a kernel for another target is SYSRT_ERR_UNSUPPORTED; and the bytes of
 * MX tensors are those the formats library lays out.
 */
#include "rt_test.h"
#include "sysfmt.h"

static int64_t count_one(const int64_t *sizes) {
  (void)sizes;
  return 1;
}
static int run_nothing(void *const *tensors, const int64_t *sizes, int64_t begin, int64_t end) {
  (void)tensors;
  (void)sizes;
  (void)begin;
  (void)end;
  return 0;
}

static SysrtContext *ctx;
static SysrtDevice *dev;

/* Loads desc as kernel "sysk_d" and expects `want`, and `msg` in the message. */
static void expect(const char *desc, SysrtStatus want, const char *msg, int line) {
  SysrtKernelSymbols s = {"sysk_d", count_one, run_nothing, desc};
  SysrtModule *mod = NULL;
  SysrtStatus got = sysrt_module_from_symbols(dev, &s, 1, &mod);
  const char *e = sysrt_last_error(ctx);
  T.checks++;
  if (got != want || (msg && !strstr(e, msg))) {
    if (T.fails++ < 30)
      printf("FAIL %s:%d: got %s (%s), want %s with \"%s\" for:\n%s\n", __FILE__, line,
             sysrt_status_name(got), e, sysrt_status_name(want), msg ? msg : "", desc);
  } else if (T.verbose && got) {
    printf("  %s\n", e);
  }
  sysrt_module_destroy(mod);
}
#define EXPECT_BAD(desc, msg) expect(desc, SYSRT_ERR_BAD_DESC, msg, __LINE__)
#define EXPECT_OK(desc) expect(desc, SYSRT_OK, NULL, __LINE__)

#define HEAD "sysc-kernel 2\nkernel k\n"

static void test_malformed(void) {
  EXPECT_BAD("", "empty description (want 'sysc-kernel 3' first)");
  EXPECT_BAD("\n  \n\t\n", "empty description");
  EXPECT_BAD("kernel k\n", "line 1: the first line must be 'sysc-kernel 3'");
  EXPECT_BAD("sysc-kernel\n", "line 1: the first line must be");
  EXPECT_BAD("sysc-kernel one\n", "line 1: the first line must be");
  EXPECT_BAD("sysc-kernel 1\nkernel k\n", "line 1: description version 1; this runtime reads "
                                          "versions 2 to 3 (rebuild the kernel with a matching sysc)");
  EXPECT_BAD("sysc-kernel 4\nkernel k\n", "line 1: description version 4; this runtime reads "
                                          "versions 2 to 3");
  EXPECT_BAD("sysc-kernel 2\n", "no 'kernel NAME' line");
  EXPECT_BAD("sysc-kernel 2\nmapping m\n", "no 'kernel NAME' line");
  EXPECT_BAD(HEAD "kernel k2\n", "line 3: 'kernel' given twice");
  EXPECT_BAD("sysc-kernel 2\nkernel\n", "line 2: want 'kernel NAME'");
  EXPECT_BAD("sysc-kernel 2\nkernel a b\n", "line 2: want 'kernel NAME'");
  EXPECT_BAD("sysc-kernel 2\nkernel 9lives\n", "want 'kernel NAME'");
  EXPECT_BAD(HEAD "mapping m\nmapping n\n", "line 4: 'mapping' given twice");
  EXPECT_BAD(HEAD "target\n", "line 3: want 'target NAME'");
  EXPECT_BAD(HEAD "size\n", "line 3: want 'size NAME'");
  EXPECT_BAD(HEAD "size N M\n", "want 'size NAME'");
  EXPECT_BAD(HEAD "size N-1\n", "want 'size NAME'");
  EXPECT_BAD(HEAD "size N\nsize N\n", "line 4: size 'N' declared twice");
  EXPECT_BAD(HEAD "size N 0\n", "line 3: want 'size NAME' or 'size NAME VALUE' (VALUE >= 1)");
  EXPECT_BAD(HEAD "size N -3\n", "want 'size NAME' or 'size NAME VALUE'");
  EXPECT_BAD(HEAD "size N 4 5\n", "want 'size NAME' or 'size NAME VALUE'");
  EXPECT_BAD(HEAD "tensor a in f32\n", "line 3: a tensor line is 'tensor NAME in|out TYPE RANK "
                                       "EXTENT...'");
  EXPECT_BAD(HEAD "size N\ntensor a inout f32 1 0:1\n",
             "line 4: tensor 'a': 'inout' is neither 'in' nor 'out'");
  EXPECT_BAD(HEAD "size N\ntensor a in f33 1 0:1\n", "line 4: tensor 'a': unknown element type "
                                                     "'f33'");
  EXPECT_BAD(HEAD "size N\ntensor a in f32 x 0:1\n", "tensor 'a': bad rank 'x' (0 to 8)");
  EXPECT_BAD(HEAD "size N\ntensor a in f32 9 0:1\n", "bad rank '9'");
  EXPECT_BAD(HEAD "size N\ntensor a in f32 -1 0:1\n", "bad rank '-1'");
  EXPECT_BAD(HEAD "size N\ntensor a in f32 2 0:1\n", "tensor 'a' has rank 2 but 1 extents");
  EXPECT_BAD(HEAD "size N\ntensor a in f32 1 0:1 0:1\n", "tensor 'a' has rank 1 but 2 extents");
  EXPECT_BAD(HEAD "size N\ntensor a in f32 1 0:1 0:1 0:1 0:1 0:1 0:1 0:1 0:1 0:1 0:1 0:1\n",
             "tensor 'a' has rank 1 but more than");
  EXPECT_BAD(HEAD "size N\ntensor a in f32 1 x:1\n", "tensor 'a' dimension 0: bad extent 'x:1'");
  EXPECT_BAD(HEAD "size N\ntensor a in f32 1 0:1,1\n",
             "tensor 'a' dimension 0: bad extent '0:1,1' (want c0:c1,...,c1, one coefficient per "
             "size)");
  EXPECT_BAD(HEAD "size N\nsize K\ntensor a in f32 1 0:1\n",
             "line 5: tensor 'a' dimension 0: extent '0:1' has 1 coefficients, the kernel has 2 "
             "sizes");
  EXPECT_BAD(HEAD "size N\ntensor a in f32 1 0\n", "extent '0' has 0 coefficients");
  EXPECT_BAD(HEAD "size N\ntensor a in f32 1 0:1,\n", "bad extent '0:1,'");
  EXPECT_BAD(HEAD "size N\ntensor a in f32 1 0:99999999999999999999\n", "bad extent");
  EXPECT_BAD(HEAD "size N\ntensor a in f32 1 0:1\ntensor a out f32 1 0:1\n",
             "line 5: tensor 'a' declared twice");
  EXPECT_BAD(HEAD "size N\ntensor N in f32 1 0:1\n", "tensor 'N' has the name of a size");
  EXPECT_BAD(HEAD "size N\ntensor 1a in f32 1 0:1\n", "bad tensor name '1a'");
  EXPECT_BAD(HEAD "tensor q in mxint8 1 64\nblock q 1\n", "line 4: tensor 'q' has no blocks along axis 1");
  EXPECT_BAD(HEAD "tensor q in f32 1 64\nblock q 0\n", "tensor 'q' has no blocks along axis 0");
  EXPECT_BAD(HEAD "block q 0\ntensor q in mxint8 1 64\n", "'block q': no such tensor above");
  EXPECT_BAD(HEAD "tensor q in mxint8 1 64\nblock q\n", "want 'block TENSOR AXIS'");

  char big[8192];
  snprintf(big, sizeof big, HEAD);
  for (int i = 0; i < SYSRT_MAX_SIZES + 1; i++)
    snprintf(big + strlen(big), sizeof big - strlen(big), "size S%d\n", i);
  EXPECT_BAD(big, "line 35: more than 32 sizes");
  snprintf(big, sizeof big, HEAD);
  for (int i = 0; i < SYSRT_MAX_TENSORS + 1; i++)
    snprintf(big + strlen(big), sizeof big - strlen(big), "tensor t%d in f32 0\n", i);
  EXPECT_BAD(big, "line 67: more than 64 tensors");
  char longline[6000];
  memset(longline, 'x', sizeof longline);
  memcpy(longline, HEAD "origin ", strlen(HEAD "origin "));
  longline[sizeof longline - 1] = '\0';
  EXPECT_BAD(longline, "line 3: line longer than 4095 bytes");
}

static void test_wellformed(void) {
  /* extra fields the runtime skips; CRLF, tabs and blank lines; sizes after tensors; rank 0 */
  EXPECT_OK("\n\nsysc-kernel 2\r\nkernel k\r\n\tsize   N\t\n\nfuture line with fields\n"
            "tensor s out i32 0\ntile N 4\n");
  EXPECT_OK(HEAD "tensor y out f32 2 0:1,0 -1:1,1\nsize N\nsize K\n");
  EXPECT_OK(HEAD "tensor y out f32 1 5\n");  /* no sizes: c0 alone */
  EXPECT_OK(HEAD "tensor y out f32 1 5:\n"); /* or c0 and an empty list */
  EXPECT_OK("sysc-kernel 3\nkernel k\ntensor q in i16 1 5\n"); /* the newest version */
  EXPECT_OK("sysc-kernel 3\nkernel k\ntensor q in mxfp8e5m2 2 5 64\nblock q 0\n");
  EXPECT_OK(HEAD); /* no tensors, no sizes: allowed */

  static const char desc[] =
      "sysc-kernel 2\n"
      "kernel conv2d\n"
      "mapping weight_stationary\n"
      "target host\n"
      "size K\nsize C\nsize H\nsize W\nsize R\nsize S\n"
      "tensor x in bf16 3 0:0,1,0,0,0,0 -1:0,0,1,0,1,0 -1:0,0,0,1,0,1\n"
      "tensor w in fp8e4m3 4 0:1,0,0,0,0,0 0:0,1,0,0,0,0 0:0,0,0,0,1,0 0:0,0,0,0,0,1\n"
      "tensor b in i16 1 3:2,0,0,0,0,0\n"
      "tensor y out f16 3 0:1,0,0,0,0,0 0:0,0,1,0,0,0 7:0,0,0,-1,0,0\n";
  SysrtKernelSymbols s = {"sysk_conv2d_weight_stationary", count_one, run_nothing, desc};
  SysrtModule *mod;
  SysrtKernel *k;
  SysrtKernelInfo info;
  CHECK_OK(ctx, sysrt_module_from_symbols(dev, &s, 1, &mod));
  CHECK_OK(ctx, sysrt_kernel_find(mod, "conv2d", "weight_stationary", &k));
  CHECK_OK(ctx, sysrt_kernel_info(k, &info));
  CHECK(!strcmp(info.symbol, "sysk_conv2d_weight_stationary") && !strcmp(info.kernel, "conv2d") &&
            !strcmp(info.mapping, "weight_stationary") && !strcmp(info.target, "host"),
        "names %s %s %s %s", info.symbol, info.kernel, info.mapping, info.target);
  CHECK(info.nsizes == 6 && !strcmp(info.size_names[0], "K") && !strcmp(info.size_names[5], "S"),
        "sizes");
  CHECK(info.ntensors == 4 && info.desc && !strcmp(info.desc, desc), "tensors, desc");
  static const struct {
    const char *name;
    int output;
    SysrtType type;
    int rank;
    const char *shape;
  } want[4] = {
    {"x", 0, SYSRT_BF16, 3, "[C, H + R - 1, W + S - 1]"},
    {"w", 0, SYSRT_FP8_E4M3, 4, "[K, C, R, S]"},
    {"b", 0, SYSRT_I16, 1, "[2*K + 3]"},
    {"y", 1, SYSRT_F16, 3, "[K, H, -W + 7]"},
  };
  for (int t = 0; t < 4; t++) {
    const SysrtTensorInfo *ti = &info.tensors[t];
    CHECK(!strcmp(ti->name, want[t].name) && ti->output == want[t].output &&
              ti->type == want[t].type && ti->rank == want[t].rank &&
              !strcmp(ti->shape, want[t].shape),
          "tensor %d: %s %d %s %d %s", t, ti->name, ti->output, sysrt_type_name(ti->type),
          ti->rank, ti->shape);
  }
  int64_t sizes[6] = {4, 3, 10, 6, 3, 2}, dims[8];
  size_t bytes;
  CHECK_OK(ctx, sysrt_kernel_tensor_shape(k, 0, sizes, 6, dims, &bytes));
  CHECK(dims[0] == 3 && dims[1] == 12 && dims[2] == 7 && bytes == 3 * 12 * 7 * 2,
        "x: %lld %lld %lld, %zu bytes", (long long)dims[0], (long long)dims[1],
        (long long)dims[2], bytes);
  CHECK_OK(ctx, sysrt_kernel_tensor_shape(k, 1, sizes, 6, dims, &bytes));
  CHECK(bytes == 4 * 3 * 3 * 2, "w: %zu bytes (fp8)", bytes);
  CHECK_OK(ctx, sysrt_kernel_tensor_shape(k, 2, sizes, 6, dims, &bytes));
  CHECK(dims[0] == 11 && bytes == 22, "b: %lld, %zu bytes", (long long)dims[0], bytes);
  CHECK_OK(ctx, sysrt_kernel_tensor_shape(k, 3, sizes, 6, dims, &bytes));
  CHECK(dims[2] == 1 && bytes == 4 * 10 * 1 * 2, "y: %lld, %zu bytes", (long long)dims[2], bytes);
  sizes[3] = 7; /* W = 7: y's last extent is 0 */
  CHECK_ST(ctx, sysrt_kernel_tensor_shape(k, 3, sizes, 6, dims, &bytes),
           SYSRT_ERR_INVALID_ARGUMENT,
           "tensor 'y' dimension 2 has extent -W + 7 = 0 for K=4,C=3,H=10,W=7,R=3,S=2; extents "
           "must be >= 1");
  sysrt_module_destroy(mod);
}

/* A kernel compiled for one value of a size (sysc --specialize): other values are refused. */
static void test_specialized(void) {
  SysrtKernelSymbols s = {"sysk_sp", count_one, run_nothing,
                          HEAD "size M\nsize N 4\ntensor a out f32 1 0:1,1\n"};
  SysrtModule *mod;
  SysrtKernel *k;
  CHECK_OK(ctx, sysrt_module_from_symbols(dev, &s, 1, &mod));
  CHECK_OK(ctx, sysrt_kernel_get(mod, "sysk_sp", &k));
  int64_t sizes[2] = {3, 4}, dims[8];
  size_t bytes;
  CHECK_OK(ctx, sysrt_kernel_tensor_shape(k, 0, sizes, 2, dims, &bytes));
  CHECK(dims[0] == 7, "a: %lld", (long long)dims[0]);
  sizes[1] = 5;
  CHECK_ST(ctx, sysrt_kernel_tensor_shape(k, 0, sizes, 2, dims, &bytes), SYSRT_ERR_INVALID_ARGUMENT,
           "kernel 'sysk_sp' was compiled for N = 4 only (sysc --specialize), not 5");
  SysrtBuffer *b;
  CHECK_OK(ctx, sysrt_buffer_create(dev, 64, &b));
  CHECK_ST(ctx, sysrt_launch(k, &b, 1, sizes, 2, NULL), SYSRT_ERR_INVALID_ARGUMENT,
           "compiled for N = 4 only");
  sysrt_buffer_destroy(b);
  sysrt_module_destroy(mod);
}

/* A module with a good kernel, a malformed one and one for a GPU target: from_symbols refuses
   it as a whole; kernel_get on a mixed file module is tested in runtime.load. Here: targets. */
static void test_targets(void) {
  SysrtKernelSymbols s[2] = {
    {"sysk_gpu", count_one, run_nothing, "sysc-kernel 2\nkernel g\nmapping m\ntarget nvptx\n"},
    {"sysk_cpu", count_one, run_nothing, "sysc-kernel 2\nkernel g\nmapping m\ntarget host\n"},
  };
  SysrtModule *mod;
  SysrtKernel *k;
  SysrtKernelInfo info;
  CHECK_OK(ctx, sysrt_module_from_symbols(dev, s, 2, &mod));
  CHECK_ST(ctx, sysrt_kernel_get(mod, "sysk_gpu", &k), SYSRT_ERR_UNSUPPORTED,
           "kernel 'sysk_gpu' in '<symbols>' is compiled for target nvptx; host:0 runs target "
           "host");
  CHECK_OK(ctx, sysrt_kernel_find(mod, "g", "m", &k)); /* finds the host one */
  CHECK_OK(ctx, sysrt_kernel_info(k, &info));
  CHECK(!strcmp(info.symbol, "sysk_cpu"), "found %s", info.symbol);
  CHECK_ST(ctx, sysrt_kernel_find(mod, "h", NULL, &k), SYSRT_ERR_NO_KERNEL,
           "has no kernel h for host:0; it has: g/m (sysk_gpu), g/m (sysk_cpu)");
  sysrt_module_destroy(mod);

  SysrtKernelSymbols two[2] = {
    {"sysk_a", count_one, run_nothing, "sysc-kernel 2\nkernel g\nmapping a\n"},
    {"sysk_b", count_one, run_nothing, "sysc-kernel 2\nkernel g\nmapping b\n"},
  };
  CHECK_OK(ctx, sysrt_module_from_symbols(dev, two, 2, &mod));
  CHECK_ST(ctx, sysrt_kernel_find(mod, "g", NULL, &k), SYSRT_ERR_INVALID_ARGUMENT,
           "has 2 mappings of kernel g; name one: g/a (sysk_a), g/b (sysk_b)");
  CHECK_OK(ctx, sysrt_kernel_find(mod, "g", "b", &k));
  CHECK_OK(ctx, sysrt_kernel_info(k, &info));
  CHECK(!strcmp(info.symbol, "sysk_b"), "found %s", info.symbol);
  sysrt_module_destroy(mod);

  SysrtKernelSymbols bad[2] = {
    {"sysk_fine", count_one, run_nothing, "sysc-kernel 2\nkernel g\n"},
    {"sysk_broken", count_one, run_nothing, "sysc-kernel 2\nkernel g\nsize N N\n"},
  };
  CHECK_ST(ctx, sysrt_module_from_symbols(dev, bad, 2, &mod), SYSRT_ERR_BAD_DESC,
           "kernel 'sysk_broken': malformed description: line 3: want 'size NAME'");
}

/* The bytes of MX tensors (codes packed along the block axis, then scales) against the
   formats library's sysfmt_mx_sizes, which lays them out: every MX type, random ranks,
   extents and block axes. */
static void test_mx_bytes(void) {
  static const struct {
    const char *name;
    SysfmtFormat f;
  } mx[] = {{"mxfp8e4m3", SYSFMT_MXFP8_E4M3}, {"mxfp8e5m2", SYSFMT_MXFP8_E5M2},
            {"mxfp6e3m2", SYSFMT_MXFP6_E3M2}, {"mxfp6e2m3", SYSFMT_MXFP6_E2M3},
            {"mxfp4e2m1", SYSFMT_MXFP4_E2M1}, {"mxint8", SYSFMT_MXINT8}};
  for (int i = 0; i < 60; i++) {
    SysfmtShape sh = {1 + (int)(t_rand64() % 3), 0, {0}};
    sh.axis = (int)(t_rand64() % (uint64_t)sh.rank);
    char desc[256], *p = desc;
    int type = (int)(t_rand64() % 6);
    p += sprintf(p, "sysc-kernel 3\nkernel k\ntensor t in %s %d", mx[type].name, sh.rank);
    for (int d = 0; d < sh.rank; d++) {
      sh.dims[d] = 1 + t_rand64() % 100;
      p += sprintf(p, " %zu", sh.dims[d]);
    }
    sprintf(p, "\nblock t %d\n", sh.axis);
    SysrtKernelSymbols s = {"sysk_mx", count_one, run_nothing, desc};
    SysrtModule *mod;
    SysrtKernel *k;
    size_t bytes = 0, codes = 0, scales = 0;
    CHECK_OK(ctx, sysrt_module_from_symbols(dev, &s, 1, &mod));
    CHECK_OK(ctx, sysrt_kernel_get(mod, "sysk_mx", &k));
    CHECK_OK(ctx, sysrt_kernel_tensor_shape(k, 0, NULL, 0, NULL, &bytes));
    sysfmt_mx_sizes(mx[type].f, &sh, NULL, &codes, &scales);
    CHECK(bytes == codes + scales, "%s: %zu bytes, the formats library %zu + %zu", desc, bytes, codes,
          scales);
    sysrt_module_destroy(mod);
  }
}

int main(void) {
  t_begin("runtime.desc");
  if (sysrt_context_create(NULL, &ctx) || sysrt_device_get(ctx, "host", &dev)) {
    printf("no host device\n");
    return 1;
  }
  test_malformed();
  test_wellformed();
  test_targets();
  test_specialized();
  test_mx_bytes();
  sysrt_context_destroy(ctx);
  return t_end();
}
