/*
 * runtime.load: modules from files and memory on the host device. The kernels of kernels.c,
 * built by CMake as a shared library (dlopen), a stripped copy of it (kernels found one at a
 * time), an object file (ORC), and LLVM IR text and bitcode from clang when there is one, each
 * run against the references; an LLVM module built here with the C API; and every load
 * failure: missing file, not a module, truncated ELF, invalid IR, an object with an
 * unresolved symbol, a missing kernel, out of memory.
 *
 * Arguments are name=path: so, stripped, obj, unresolved, ll, bc (either may be "none"),
 * tmp (a directory for scratch files).
 */
#include <llvm-c/Core.h>

#include "rt_test.h"

static const char *arg(int argc, char **argv, const char *name) {
  size_t n = strlen(name);
  for (int i = 1; i < argc; i++)
    if (!strncmp(argv[i], name, n) && argv[i][n] == '=')
      return strcmp(argv[i] + n + 1, "none") ? argv[i] + n + 1 : NULL;
  return NULL;
}

static unsigned char *slurp(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *p = malloc((size_t)n + 1);
  *size = fread(p, 1, (size_t)n, f);
  fclose(f);
  return p;
}

static void spit(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(data, 1, size, f);
    fclose(f);
  }
}

static SysrtContext *ctx;
static SysrtDevice *dev;

/* Loads path and runs the kernels; origin is the build's tag. */
static void test_file(const char *path, const char *origin, int listed) {
  SysrtModule *mod = NULL;
  CHECK_OK(ctx, sysrt_module_load_file(dev, path, &mod));
  if (!mod)
    return;
  int n = -1;
  CHECK_OK(ctx, sysrt_module_kernel_count(mod, &n));
  CHECK(n == (listed ? 3 : 0), "%s: %d kernels listed", path, n);
  rt_test_kernels(ctx, dev, mod, origin);
  if (listed) {
    SysrtKernel *k;
    CHECK_OK(ctx, sysrt_kernel_find(mod, "conv1d", NULL, &k));
    CHECK_ST(ctx, sysrt_kernel_get(mod, "sysk_test_gemv", &k), SYSRT_ERR_NO_KERNEL,
             "has no kernel 'sysk_test_gemv' (sysk_test_gemv_count, sysk_test_gemv_run and "
             "sysk_test_gemv_desc); it has: sysk_test_conv1d, sysk_test_gemm, sysk_test_rev16");
  } else {
    SysrtKernel *k;
    CHECK_ST(ctx, sysrt_kernel_get(mod, "sysk_test_gemv", &k), SYSRT_ERR_NO_KERNEL,
             "(its symbol table is stripped: maybe more)");
    CHECK_OK(ctx, sysrt_module_kernel_count(mod, &n));
    CHECK(n == 3, "%s: %d kernels found one at a time", path, n);
  }
  CHECK_OK(ctx, sysrt_module_destroy(mod));
}

static void test_memory(const char *path, const char *name, const char *origin) {
  size_t size;
  unsigned char *data = slurp(path, &size);
  CHECK(data != NULL, "cannot read %s", path);
  if (!data)
    return;
  SysrtModule *mod = NULL;
  CHECK_OK(ctx, sysrt_module_load_memory(dev, data, size, name, &mod));
  memset(data, 0, size); /* the runtime must have copied it */
  free(data);
  if (mod)
    rt_test_kernels(ctx, dev, mod, origin);
  sysrt_module_destroy(mod);
}

/* ---- an LLVM module built with the C API: c[i] = a[i] + b[i], i32 ---- */

static const char capi_desc[] = "sysc-kernel 2\nkernel add\nmapping capi\ntarget host\nsize N\n"
                                "tensor a in i32 1 0:1\ntensor b in i32 1 0:1\n"
                                "tensor c out i32 1 0:1\n";

static LLVMModuleRef build_add(LLVMContextRef lc, int broken) {
  LLVMModuleRef m = LLVMModuleCreateWithNameInContext("capi", lc);
  LLVMTypeRef i32 = LLVMInt32TypeInContext(lc), i64 = LLVMInt64TypeInContext(lc);
  LLVMTypeRef ptr = LLVMPointerTypeInContext(lc, 0);
  LLVMBuilderRef b = LLVMCreateBuilderInContext(lc);

  /* const char sysk_capi_add_desc[] */
  LLVMValueRef text = LLVMConstStringInContext2(lc, capi_desc, strlen(capi_desc), 0);
  LLVMValueRef desc = LLVMAddGlobal(m, LLVMTypeOf(text), "sysk_capi_add_desc");
  LLVMSetInitializer(desc, text);
  LLVMSetGlobalConstant(desc, 1);

  /* int64_t count(const int64_t *sizes) { return sizes[0]; } */
  LLVMTypeRef count_ty = LLVMFunctionType(i64, &ptr, 1, 0);
  LLVMValueRef count = LLVMAddFunction(m, "sysk_capi_add_count", count_ty);
  LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(lc, count, "entry"));
  LLVMValueRef n = LLVMBuildLoad2(b, i64, LLVMGetParam(count, 0), "n");
  if (!broken) /* without the ret the block has no terminator: the verifier must say so */
    LLVMBuildRet(b, n);

  /* int run(void *const *t, const int64_t *sizes, int64_t begin, int64_t end) */
  LLVMTypeRef run_params[4] = {ptr, ptr, i64, i64};
  LLVMValueRef run =
      LLVMAddFunction(m, "sysk_capi_add_run", LLVMFunctionType(LLVMInt32TypeInContext(lc),
                                                               run_params, 4, 0));
  LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(lc, run, "entry");
  LLVMBasicBlockRef loop = LLVMAppendBasicBlockInContext(lc, run, "loop");
  LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(lc, run, "done");
  LLVMValueRef t = LLVMGetParam(run, 0), begin = LLVMGetParam(run, 2), end = LLVMGetParam(run, 3);
  LLVMPositionBuilderAtEnd(b, entry);
  LLVMValueRef base[3];
  for (int i = 0; i < 3; i++) {
    LLVMValueRef idx = LLVMConstInt(i64, (unsigned long long)i, 0);
    base[i] = LLVMBuildLoad2(b, ptr, LLVMBuildGEP2(b, ptr, t, &idx, 1, ""), "");
  }
  LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, begin, end, ""), loop, done);
  LLVMPositionBuilderAtEnd(b, loop);
  LLVMValueRef i = LLVMBuildPhi(b, i64, "i");
  LLVMValueRef x = LLVMBuildLoad2(b, i32, LLVMBuildGEP2(b, i32, base[0], &i, 1, ""), "");
  LLVMValueRef y = LLVMBuildLoad2(b, i32, LLVMBuildGEP2(b, i32, base[1], &i, 1, ""), "");
  LLVMBuildStore(b, LLVMBuildAdd(b, x, y, "sum"), LLVMBuildGEP2(b, i32, base[2], &i, 1, ""));
  LLVMValueRef next = LLVMBuildAdd(b, i, LLVMConstInt(i64, 1, 0), "next");
  LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, next, end, ""), loop, done);
  LLVMValueRef in_vals[2] = {begin, next};
  LLVMBasicBlockRef in_blocks[2] = {entry, loop};
  LLVMAddIncoming(i, in_vals, in_blocks, 2);
  LLVMPositionBuilderAtEnd(b, done);
  LLVMBuildRet(b, LLVMConstInt(LLVMInt32TypeInContext(lc), 0, 0));
  LLVMDisposeBuilder(b);
  return m;
}

static void test_llvm_module(void) {
  LLVMContextRef lc = LLVMContextCreate();
  LLVMModuleRef m = build_add(lc, 0);
  SysrtModule *mod = NULL;
  CHECK_OK(ctx, sysrt_module_load_llvm(dev, m, &mod));
  /* the runtime compiled a copy: ours can go at once */
  LLVMDisposeModule(m);
  LLVMContextDispose(lc);
  SysrtKernel *k = NULL;
  CHECK_OK(ctx, sysrt_kernel_find(mod, "add", "capi", &k));
  if (k) {
    int64_t n = 1001;
    int32_t a[1001], bb[1001], want[1001];
    for (int i = 0; i < n; i++) {
      a[i] = (int32_t)(t_rand64() >> 34);
      bb[i] = (int32_t)(t_rand64() >> 34);
      want[i] = a[i] + bb[i];
    }
    SysrtBuffer *bufs[3] = {t_buffer(dev, a, sizeof a), t_buffer(dev, bb, sizeof bb),
                            t_buffer(dev, NULL, sizeof want)};
    static const int threads[3] = {1, 2, 7};
    for (int i = 0; i < 3; i++)
      t_launch_compare(ctx, k, bufs, 3, &n, 1, threads[i], 2, want, sizeof want, "capi add");
    for (int i = 0; i < 3; i++)
      sysrt_buffer_destroy(bufs[i]);
  }
  sysrt_module_destroy(mod);

  lc = LLVMContextCreate();
  m = build_add(lc, 1);
  CHECK_ST(ctx, sysrt_module_load_llvm(dev, m, &mod), SYSRT_ERR_LOAD,
           "invalid LLVM module: Basic Block in function 'sysk_capi_add_count' does not have "
           "terminator");
  CHECK(mod == NULL, "no module after a failure");
  LLVMDisposeModule(m);
  LLVMContextDispose(lc);
  CHECK_ST(ctx, sysrt_module_load_llvm(dev, NULL, &mod), SYSRT_ERR_INVALID_ARGUMENT,
           "llvm_module is NULL");
}

/* ---- load failures ---- */

static void test_failures(const char *so, const char *obj, const char *unresolved,
                          const char *tmp) {
  SysrtModule *mod = (SysrtModule *)1;
  char path[4096];
  CHECK_ST(ctx, sysrt_module_load_file(dev, "/nonexistent/kernels.so", &mod), SYSRT_ERR_LOAD,
           "cannot open '/nonexistent/kernels.so': No such file or directory");
  CHECK(mod == NULL, "no module after a failure");
  CHECK_ST(ctx, sysrt_module_load_file(dev, tmp, &mod), SYSRT_ERR_LOAD, "Is a directory");
  CHECK_ST(ctx, sysrt_module_load_file(dev, NULL, &mod), SYSRT_ERR_INVALID_ARGUMENT,
           "path is NULL");
  CHECK_ST(ctx, sysrt_module_load_file(dev, so, NULL), SYSRT_ERR_INVALID_ARGUMENT, "out is NULL");
  CHECK_ST(ctx, sysrt_module_load_file(NULL, so, &mod), SYSRT_ERR_INVALID_HANDLE, NULL);

  /* text named .so */
  snprintf(path, sizeof path, "%s/garbage.so", tmp);
  spit(path, "this is not a library\n", 22);
  CHECK_ST(ctx, sysrt_module_load_file(dev, path, &mod), SYSRT_ERR_LOAD,
           "is not an ELF shared library or object file, LLVM bitcode, or LLVM IR text");
  /* empty file */
  snprintf(path, sizeof path, "%s/empty.o", tmp);
  spit(path, "", 0);
  CHECK_ST(ctx, sysrt_module_load_file(dev, path, &mod), SYSRT_ERR_LOAD, "is not an ELF");

  /* the first 200 bytes of a real library and object */
  size_t size;
  unsigned char *data = slurp(so, &size);
  snprintf(path, sizeof path, "%s/truncated.so", tmp);
  spit(path, data, 200);
  CHECK_ST(ctx, sysrt_module_load_file(dev, path, &mod), SYSRT_ERR_LOAD,
           "cannot load shared library");
  CHECK_ST(ctx, sysrt_module_load_file(dev, "/proc/self/exe", &mod), SYSRT_ERR_LOAD,
           NULL); /* a PIE is ELF type 3 as well; dlopen refuses it */
  snprintf(path, sizeof path, "%s/tiny.so", tmp);
  spit(path, data, 10);
  CHECK_ST(ctx, sysrt_module_load_file(dev, path, &mod), SYSRT_ERR_LOAD,
           "is a truncated ELF file (10 bytes)");
  CHECK_ST(ctx, sysrt_module_load_memory(dev, data, size, "k.so", &mod), SYSRT_ERR_UNSUPPORTED,
           "'k.so' is a shared library: load it from a file");
  free(data);
  data = slurp(obj, &size);
  snprintf(path, sizeof path, "%s/truncated.o", tmp);
  spit(path, data, 200);
  CHECK_ST(ctx, sysrt_module_load_file(dev, path, &mod), SYSRT_ERR_LOAD, "cannot read object");
  CHECK_ST(ctx, sysrt_module_load_memory(dev, data, 100, NULL, &mod), SYSRT_ERR_LOAD,
           "cannot read object '<memory>'");
  CHECK_ST(ctx, sysrt_module_load_memory(dev, NULL, 100, NULL, &mod), SYSRT_ERR_INVALID_ARGUMENT,
           "data is NULL");
  data[16] = 2; /* ET_EXEC */
  CHECK_ST(ctx, sysrt_module_load_memory(dev, data, size, "x.o", &mod), SYSRT_ERR_LOAD,
           "'x.o' is an ELF file of type 2, neither a shared library nor an object file");
  free(data);

  /* bad IR */
  static const char bad_ir[] = "define i64 @f( {\n";
  snprintf(path, sizeof path, "%s/bad.ll", tmp);
  spit(path, bad_ir, strlen(bad_ir));
  CHECK_ST(ctx, sysrt_module_load_file(dev, path, &mod), SYSRT_ERR_LOAD, "cannot parse LLVM IR");
  static const char invalid_ir[] = "define i64 @f() {\n  ret i32 0\n}\n";
  CHECK_ST(ctx, sysrt_module_load_memory(dev, invalid_ir, strlen(invalid_ir), "inv.ll", &mod),
           SYSRT_ERR_LOAD, "inv.ll");
  static const char bad_bc[] = "BC\xC0\xDE garbage";
  CHECK_ST(ctx, sysrt_module_load_memory(dev, bad_bc, sizeof bad_bc, "bad.bc", &mod),
           SYSRT_ERR_LOAD, "cannot parse LLVM IR 'bad.bc'");
  /* valid IR without kernels: loads, and says it has none */
  static const char no_kernels[] = "define i64 @f() {\n  ret i64 0\n}\n";
  CHECK_OK(ctx, sysrt_module_load_memory(dev, no_kernels, strlen(no_kernels), "none.ll", &mod));
  SysrtKernel *k;
  CHECK_ST(ctx, sysrt_kernel_get(mod, "sysk_test_gemm", &k), SYSRT_ERR_NO_KERNEL,
           "module 'none.ll' has no kernel 'sysk_test_gemm' (sysk_test_gemm_count, "
           "sysk_test_gemm_run and sysk_test_gemm_desc); it has: none");
  sysrt_module_destroy(mod);
  /* IR whose kernel has a malformed description: the module loads, the kernel does not */
  static const char bad_desc_ir[] =
      "@sysk_b_desc = constant [20 x i8] c\"sysc-kernel 2\\0Asize \\00\"\n"
      "define i64 @sysk_b_count(ptr %s) {\n  ret i64 1\n}\n"
      "define i32 @sysk_b_run(ptr %t, ptr %s, i64 %b, i64 %e) {\n  ret i32 0\n}\n";
  CHECK_OK(ctx, sysrt_module_load_memory(dev, bad_desc_ir, strlen(bad_desc_ir), "bd.ll", &mod));
  CHECK_ST(ctx, sysrt_kernel_get(mod, "sysk_b", &k), SYSRT_ERR_BAD_DESC,
           "kernel 'sysk_b' in 'bd.ll': malformed description: line 2: want 'size NAME'");
  sysrt_module_destroy(mod);

  /* an object that references a symbol defined nowhere: the JIT cannot link it */
  if (unresolved)
    CHECK_ST(ctx, sysrt_module_load_file(dev, unresolved, &mod), SYSRT_ERR_LOAD,
             "sysrt_test_nowhere");
}

/* ---- out of memory during loads: reported, nothing leaked ---- */

typedef struct Counter {
  long live, calls, fail_at;
} Counter;

static void *count_alloc(void *user, size_t bytes, size_t align) {
  Counter *c = user;
  if (c->fail_at && ++c->calls >= c->fail_at)
    return NULL;
  void *p = NULL;
  if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, bytes))
    return NULL;
  c->live++;
  return p;
}

static void count_free(void *user, void *ptr, size_t bytes) {
  (void)bytes;
  ((Counter *)user)->live--;
  free(ptr);
}

static void test_out_of_memory(const char *path) {
  int done = 0;
  for (long n = 1; n < 300 && !done; n++) {
    Counter c = {0, 0, n};
    SysrtAllocator a = {count_alloc, count_free, &c};
    SysrtContext *oc;
    SysrtDevice *od;
    SysrtModule *mod;
    SysrtKernel *k;
    if (sysrt_context_create(&a, &oc))
      continue;
    SysrtStatus st = sysrt_device_get(oc, "host", &od);
    if (!st)
      st = sysrt_module_load_file(od, path, &mod);
    if (!st)
      st = sysrt_kernel_get(mod, "sysk_test_gemm", &k);
    if (!st)
      st = sysrt_module_destroy(mod);
    done = st == SYSRT_OK;
    CHECK(!st || st == SYSRT_ERR_OUT_OF_MEMORY, "%s, fail at %ld: %s: %s", path, n,
          sysrt_status_name(st), sysrt_last_error(oc));
    sysrt_context_destroy(oc);
    CHECK(c.live == 0, "%s, fail at %ld: %ld allocations leaked", path, n, c.live);
  }
  CHECK(done, "%s: never loaded under the failing allocator", path);
}

int main(int argc, char **argv) {
  t_begin("runtime.load");
  const char *so = arg(argc, argv, "so"), *stripped = arg(argc, argv, "stripped"),
             *obj = arg(argc, argv, "obj"), *unresolved = arg(argc, argv, "unresolved"),
             *ll = arg(argc, argv, "ll"), *bc = arg(argc, argv, "bc"),
             *tmp = arg(argc, argv, "tmp");
  if (!so || !obj || !tmp) {
    printf("usage: %s so=PATH obj=PATH tmp=DIR [stripped=PATH] [unresolved=PATH] [ll=PATH] "
           "[bc=PATH]\n", argv[0]);
    return 2;
  }
  if (sysrt_context_create(NULL, &ctx) || sysrt_device_get(ctx, "host", &dev)) {
    printf("no host device\n");
    return 1;
  }
  test_file(so, "so", 1);
  test_file(obj, "obj", 1);
  if (stripped)
    test_file(stripped, "so", 0);
  else
    printf("  no stripped library (no strip tool): skipped\n");
  if (ll) {
    test_file(ll, "ll", 1);
    test_memory(ll, "kernels.ll", "ll");
  } else {
    printf("  no clang for LLVM IR text: skipped\n");
  }
  if (bc) {
    test_file(bc, "bc", 1);
    test_memory(bc, NULL, "bc");
  }
  test_memory(obj, "kernels.o", "obj");
  test_llvm_module();
  test_failures(so, obj, unresolved, tmp);
  test_out_of_memory(so);
  test_out_of_memory(obj);
  CHECK(sysrt_context_destroy(ctx) == SYSRT_OK, "context destroy");
  return t_end();
}
