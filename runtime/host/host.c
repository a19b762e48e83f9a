/*
 * The host driver: the CPU running this process, as device "host:0".
 *
 * Buffers are memory from the context's allocator, so they are mappable and need no copy
 * functions. Modules come in four forms: a shared library (dlopen through the OS seam in
 * os.c), an object file or LLVM IR (an ORC LLJIT per module, jit.c), or functions of the
 * program (sysrt_module_from_symbols). For each, load lists the module's symbols and keeps
 * every `X` that has X_count, X_run and X_desc, resolving all three at once; a stripped
 * shared library cannot be listed, and `find` then resolves names one at a time.
 *
 * A launch asks the kernel for its work-item count and hands [0, count) to the device's
 * thread pool (pool.c), whose threads and the caller's call X_run on disjoint chunks. The
 * default thread count is SYSRT_NUM_THREADS if set (1 to 1024), else the online CPUs; the
 * default chunk is SYSRT_CHUNK if set (items, 1 or more), else count / (16 * threads).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#include <sys/mman.h>

typedef struct HostDevice {
  HostPool *pool;
  int64_t chunk; /* SYSRT_CHUNK, or 0 */
} HostDevice;

/* A positive integer from the environment, at most max; 0 when unset or not one. */
static int64_t env_count(const char *name, int64_t max) {
  const char *env = getenv(name);
  if (!env || !*env)
    return 0;
  char *end;
  long long v = strtoll(env, &end, 10);
  return !*end && v >= 1 && v <= max ? v : 0;
}

typedef struct HostModule {
  void *lib;    /* a shared library, or */
  HostJit *jit; /* an object file or IR */
} HostModule;

/* The per-kernel data (SysrtKernel.drv). */
typedef struct HostKernel {
  SysrtCountFn count;
  SysrtRunFn run;
} HostKernel;

static int host_probe(SysrtContext *ctx, char *reason, size_t size) {
  (void)ctx;
  (void)reason;
  (void)size;
  return 1;
}

static SysrtStatus host_device_open(SysrtDevice *dev) {
  SysrtContext *ctx = dev->obj.ctx;
  HostDevice *hd = rt_alloc(ctx, sizeof *hd);
  if (!hd || !(hd->pool = host_pool_create(ctx))) {
    rt_free(ctx, hd, sizeof *hd);
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory opening %s", dev->name);
  }
  int64_t n = env_count("SYSRT_NUM_THREADS", HOST_MAX_THREADS);
  dev->units = n ? (int)n : rt_cpu_count();
  hd->chunk = env_count("SYSRT_CHUNK", INT64_MAX);
  dev->drv = hd;
  return SYSRT_OK;
}

static void host_device_close(SysrtDevice *dev) {
  HostDevice *hd = dev->drv;
  host_pool_destroy(hd->pool);
  rt_free(dev->obj.ctx, hd, sizeof *hd);
}

/* Tensors of 2 MiB and more are aligned to 2 MiB and asked for huge pages (a hint the
   kernel may ignore): a kernel that strides across the rows of a large matrix touches
   a new 4 KiB page at every row and would miss the TLB at every step. */
enum { HUGE_PAGE = 2u << 20 };

static SysrtStatus host_buffer_alloc(SysrtBuffer *buf) {
  SysrtContext *ctx = buf->obj.ctx;
  int huge = buf->bytes >= HUGE_PAGE;
  void *p = ctx->alloc.alloc(ctx->alloc.user, buf->bytes ? buf->bytes : 1, huge ? HUGE_PAGE : 64);
  if (!p)
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory for a %zu-byte buffer on %s",
                  buf->bytes, buf->dev->name);
#ifdef MADV_HUGEPAGE
  if (huge)
    madvise(p, (buf->bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE, MADV_HUGEPAGE);
#endif
  memset(p, 0, buf->bytes); /* after the advice: the first touch maps the pages */
  buf->mem = buf->host = p;
  return SYSRT_OK;
}

static void host_buffer_free(SysrtBuffer *buf) {
  rt_free(buf->obj.ctx, buf->mem, buf->bytes);
}

/* ---- modules ---- */

/* The symbol names of a module, collected from jit.c's listings. */
typedef struct Names {
  SysrtContext *ctx;
  char **v;
  size_t n, cap;
  int oom;
} Names;

static void names_add(void *user, const char *name) {
  Names *s = user;
  if (s->oom)
    return;
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 64;
    char **v = rt_alloc(s->ctx, cap * sizeof *v);
    if (!v) {
      s->oom = 1;
      return;
    }
    if (s->n)
      memcpy(v, s->v, s->n * sizeof *v);
    rt_free(s->ctx, s->v, s->cap * sizeof *v);
    s->v = v;
    s->cap = cap;
  }
  size_t len = strlen(name) + 1;
  char *c = rt_alloc(s->ctx, len);
  if (!c) {
    s->oom = 1;
    return;
  }
  memcpy(c, name, len);
  s->v[s->n++] = c;
}

static void names_free(Names *s) {
  for (size_t i = 0; i < s->n; i++)
    rt_free(s->ctx, s->v[i], strlen(s->v[i]) + 1);
  rt_free(s->ctx, s->v, s->cap * sizeof *s->v);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int names_has(const Names *s, const char *name) {
  return bsearch(&name, s->v, s->n, sizeof *s->v, cmp_str) != NULL;
}

/* Resolves X_count, X_run and X_desc of kernel `sym` in mod. SYSRT_ERR_NO_KERNEL (no message)
   if one is missing from a library; a JIT's failure to link is SYSRT_ERR_LOAD. */
static SysrtStatus resolve(SysrtModule *mod, const char *sym, HostKernel *hk,
                           const char **desc) {
  HostModule *hm = mod->drv;
  static const char *const suffix[3] = {"_count", "_run", "_desc"};
  uintptr_t addr[3];
  char name[512];
  if (strlen(sym) + 8 > sizeof name)
    return SYSRT_ERR_NO_KERNEL;
  for (int i = 0; i < 3; i++) {
    snprintf(name, sizeof name, "%s%s", sym, suffix[i]);
    if (hm->lib) {
      addr[i] = (uintptr_t)rt_lib_sym(hm->lib, name);
      if (!addr[i])
        return SYSRT_ERR_NO_KERNEL;
    } else {
      SysrtStatus st = host_jit_lookup(hm->jit, name, &addr[i]);
      if (st)
        return st;
    }
  }
  hk->count = (SysrtCountFn)addr[0];
  hk->run = (SysrtRunFn)addr[1];
  *desc = (const char *)addr[2];
  return SYSRT_OK;
}

/* Adds every X of `names` that has X_count, X_run and X_desc. */
static SysrtStatus add_listed(SysrtModule *mod, Names *names) {
  SysrtContext *ctx = mod->obj.ctx;
  if (names->oom)
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory listing '%s'", mod->name);
  if (names->n)
    qsort(names->v, names->n, sizeof *names->v, cmp_str);
  char sym[512], other[520];
  for (size_t i = 0; i < names->n; i++) {
    const char *s = names->v[i];
    size_t len = strlen(s);
    if (len <= 5 || len - 5 >= sizeof sym || strcmp(s + len - 5, "_desc"))
      continue;
    memcpy(sym, s, len - 5);
    sym[len - 5] = '\0';
    snprintf(other, sizeof other, "%s_count", sym);
    if (!names_has(names, other))
      continue;
    snprintf(other, sizeof other, "%s_run", sym);
    if (!names_has(names, other))
      continue;
    HostKernel hk;
    const char *desc;
    SysrtStatus st = resolve(mod, sym, &hk, &desc);
    if (st == SYSRT_ERR_NO_KERNEL)
      continue; /* listed but not exported (a local symbol of a library) */
    if (st)
      return st;
    st = rt_module_add_kernel(mod, sym, desc, &hk, sizeof hk);
    if (st)
      return st;
  }
  return SYSRT_OK;
}

static SysrtStatus host_load(SysrtModule *mod, const RtImage *img) {
  SysrtContext *ctx = mod->obj.ctx;
  if (img->kind == RT_IMAGE_SYMBOLS) {
    for (int i = 0; i < img->nsymbols; i++) {
      const SysrtKernelSymbols *s = &img->symbols[i];
      HostKernel hk = {s->count, s->run};
      SysrtStatus st = rt_module_add_kernel(mod, s->name, s->desc, &hk, sizeof hk);
      if (st)
        return st;
    }
    return SYSRT_OK;
  }
  HostModule *hm = rt_alloc(ctx, sizeof *hm);
  if (!hm)
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory loading '%s'", mod->name);
  mod->drv = hm;
  Names names = {.ctx = ctx};
  SysrtStatus st = SYSRT_OK;
  switch (img->kind) {
  case RT_IMAGE_SHARED: {
    char err[512];
    hm->lib = rt_lib_open(img->path, err, sizeof err);
    if (!hm->lib)
      return rt_err(ctx, SYSRT_ERR_LOAD, "cannot load shared library '%s': %s", img->name, err);
    if (host_object_symbols(img->data, img->size, names_add, &names) == 0)
      mod->listed = 0;
    break;
  }
  case RT_IMAGE_OBJECT:
  case RT_IMAGE_IR:
  case RT_IMAGE_LLVM:
    st = host_jit_create(ctx, mod->name, &hm->jit);
    if (st)
      break;
    if (img->kind == RT_IMAGE_OBJECT)
      st = host_jit_add_object(hm->jit, img->data, img->size, names_add, &names);
    else if (img->kind == RT_IMAGE_IR)
      st = host_jit_add_ir(hm->jit, img->data, img->size, names_add, &names);
    else
      st = host_jit_add_llvm(hm->jit, img->llvm, names_add, &names);
    break;
  default:
    st = rt_err(ctx, SYSRT_ERR_UNSUPPORTED, "the host device cannot load '%s'", img->name);
  }
  if (!st)
    st = add_listed(mod, &names);
  names_free(&names);
  return st;
}

static SysrtStatus host_find(SysrtModule *mod, const char *sym) {
  HostModule *hm = mod->drv;
  if (!hm || !hm->lib) /* JIT modules and symbol modules are listed completely */
    return SYSRT_ERR_NO_KERNEL;
  HostKernel hk;
  const char *desc;
  SysrtStatus st = resolve(mod, sym, &hk, &desc);
  return st ? st : rt_module_add_kernel(mod, sym, desc, &hk, sizeof hk);
}

static void host_unload(SysrtModule *mod) {
  HostModule *hm = mod->drv;
  if (!hm)
    return;
  host_jit_destroy(hm->jit);
  rt_lib_close(hm->lib);
  rt_free(mod->obj.ctx, hm, sizeof *hm);
  mod->drv = NULL;
}

/* ---- launches ---- */

static SysrtStatus host_launch(SysrtKernel *k, void *const *mem, const int64_t *sizes,
                               const SysrtLaunchOptions *opt, int64_t *work_items) {
  SysrtDevice *dev = k->mod->dev;
  SysrtContext *ctx = k->obj.ctx;
  const HostKernel *hk = (const HostKernel *)k->drv;
  if (opt->threads > HOST_MAX_THREADS)
    return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT, "kernel '%s': %d threads; at most %d",
                  k->sym, opt->threads, HOST_MAX_THREADS);
  int64_t count = hk->count(sizes);
  *work_items = count;
  if (count < 0 || count > INT64_MAX / 4) {
    char sz[512];
    rt_desc_format_sizes(&k->desc, sizes, sz, sizeof sz);
    return rt_err(ctx, SYSRT_ERR_LAUNCH, "kernel '%s' has %lld work items for %s", k->sym,
                  (long long)count, sz);
  }
  if (count == 0)
    return SYSRT_OK;
  int64_t threads = opt->threads ? opt->threads : dev->units;
  if (threads > count)
    threads = count;
  int64_t chunk = opt->chunk ? opt->chunk : ((HostDevice *)dev->drv)->chunk;
  if (chunk == 0)
    chunk = count / (threads * 16) > 0 ? count / (threads * 16) : 1;
  if (chunk > count)
    chunk = count;
  HostJob job = {hk->run, mem, sizes, count, chunk, 0, 0};
  host_pool_run(((HostDevice *)dev->drv)->pool, &job, (int)threads);
  if (job.failed) /* its outputs are incomplete */
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY,
                  "kernel '%s': out of memory for its work buffers (threads: %lld, chunk: %lld "
                  "work items)", k->sym, (long long)threads, (long long)chunk);
  return SYSRT_OK;
}

const SysrtDriverOps host_driver_ops = {
  .kind = "host",
  .target = "host",
  .unit = "thread",
  .probe = host_probe,
  .device_open = host_device_open,
  .device_close = host_device_close,
  .buffer_alloc = host_buffer_alloc,
  .buffer_free = host_buffer_free,
  .buffer_write = NULL, /* mappable: api.c copies */
  .buffer_read = NULL,
  .load = host_load,
  .find = host_find,
  .unload = host_unload,
  .launch = host_launch,
};
