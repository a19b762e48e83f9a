/*
 * The Level Zero driver (rt.h's SysrtDriverOps, kind "level-zero", target "spirv"):
 * runs the SPIR-V of `sysc build --target=spirv` on Intel GPUs.
 *
 * libze_loader.so.1 is opened at run time; the types come from level_zero/ze_api.h
 * (Debian's libze-dev), and without that header the driver is built as a stub that
 * says so. zeInit(GPU only) comes first, and when it fails the driver stops there
 * with its result as the reason: with no Intel GPU, going on into zeDriverGet can
 * crash some loaders.
 *
 * Each device gets a context and a synchronous immediate command list: copies and
 * launches are complete when their append returns. A module is zeModuleCreate on the
 * SPIR-V (the build log in the message on failure); a launch sets the group size and
 * the arguments of gpu.h and appends ceil(items / arrays per group) groups, with an
 * event signalled at the end of the kernel.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../opencl/gpu.h"

#if defined(__has_include)
#if __has_include(<level_zero/ze_api.h>)
#define HAVE_ZE 1
#endif
#endif

#ifdef HAVE_ZE
#include <level_zero/ze_api.h>

#define ZE_FUNCS(X)                                                                              \
  X(zeInit, (ze_init_flags_t))                                                                   \
  X(zeDriverGet, (uint32_t *, ze_driver_handle_t *))                                             \
  X(zeDeviceGet, (ze_driver_handle_t, uint32_t *, ze_device_handle_t *))                         \
  X(zeDeviceGetProperties, (ze_device_handle_t, ze_device_properties_t *))                       \
  X(zeContextCreate, (ze_driver_handle_t, const ze_context_desc_t *, ze_context_handle_t *))     \
  X(zeContextDestroy, (ze_context_handle_t))                                                     \
  X(zeCommandListCreateImmediate,                                                                \
    (ze_context_handle_t, ze_device_handle_t, const ze_command_queue_desc_t *,                   \
     ze_command_list_handle_t *))                                                                \
  X(zeCommandListDestroy, (ze_command_list_handle_t))                                            \
  X(zeCommandListAppendMemoryCopy,                                                               \
    (ze_command_list_handle_t, void *, const void *, size_t, ze_event_handle_t, uint32_t,        \
     ze_event_handle_t *))                                                                       \
  X(zeCommandListAppendMemoryFill,                                                               \
    (ze_command_list_handle_t, void *, const void *, size_t, size_t, ze_event_handle_t,          \
     uint32_t, ze_event_handle_t *))                                                             \
  X(zeCommandListAppendLaunchKernel,                                                             \
    (ze_command_list_handle_t, ze_kernel_handle_t, const ze_group_count_t *, ze_event_handle_t,  \
     uint32_t, ze_event_handle_t *))                                                             \
  X(zeMemAllocDevice,                                                                            \
    (ze_context_handle_t, const ze_device_mem_alloc_desc_t *, size_t, size_t,                    \
     ze_device_handle_t, void **))                                                               \
  X(zeMemFree, (ze_context_handle_t, void *))                                                    \
  X(zeModuleCreate,                                                                              \
    (ze_context_handle_t, ze_device_handle_t, const ze_module_desc_t *, ze_module_handle_t *,    \
     ze_module_build_log_handle_t *))                                                            \
  X(zeModuleDestroy, (ze_module_handle_t))                                                       \
  X(zeModuleBuildLogGetString, (ze_module_build_log_handle_t, size_t *, char *))                 \
  X(zeModuleBuildLogDestroy, (ze_module_build_log_handle_t))                                     \
  X(zeKernelCreate, (ze_module_handle_t, const ze_kernel_desc_t *, ze_kernel_handle_t *))        \
  X(zeKernelDestroy, (ze_kernel_handle_t))                                                       \
  X(zeKernelSetGroupSize, (ze_kernel_handle_t, uint32_t, uint32_t, uint32_t))                    \
  X(zeKernelSetArgumentValue, (ze_kernel_handle_t, uint32_t, size_t, const void *))              \
  X(zeEventPoolCreate,                                                                           \
    (ze_context_handle_t, const ze_event_pool_desc_t *, uint32_t, ze_device_handle_t *,          \
     ze_event_pool_handle_t *))                                                                  \
  X(zeEventPoolDestroy, (ze_event_pool_handle_t))                                                \
  X(zeEventCreate, (ze_event_pool_handle_t, const ze_event_desc_t *, ze_event_handle_t *))       \
  X(zeEventDestroy, (ze_event_handle_t))                                                         \
  X(zeEventHostSynchronize, (ze_event_handle_t, uint64_t))                                       \
  X(zeEventHostReset, (ze_event_handle_t))

static struct {
  void *lib;
#define X(name, args) ze_result_t (*name) args;
  ZE_FUNCS(X)
#undef X
  ze_result_t init;
} ze;
static pthread_once_t ze_once = PTHREAD_ONCE_INIT;
static char ze_why[256];

static void ze_load(void) {
  char err[200];
  void *lib = rt_lib_open("libze_loader.so.1", err, sizeof err);
  if (!lib) {
    snprintf(ze_why, sizeof ze_why, "libze_loader.so.1 not found (no Level Zero loader)");
    return;
  }
#define X(name, args)                                                                            \
  if (!(*(void **)&ze.name = rt_lib_sym(lib, #name))) {                                          \
    snprintf(ze_why, sizeof ze_why, "libze_loader.so.1 lacks %s", #name);                        \
    return;                                                                                      \
  }
  ZE_FUNCS(X)
#undef X
  ze.init = ze.zeInit(ZE_INIT_FLAG_GPU_ONLY);
  ze.lib = lib;
}

enum { MAX_DEVICES = 64 };

/* Every GPU of every driver; only after a successful zeInit. */
static int ze_devices(ze_driver_handle_t *drv, ze_device_handle_t *out, int max) {
  uint32_t nd = 0;
  ze_driver_handle_t drivers[8];
  if (ze.zeDriverGet(&nd, NULL) != ZE_RESULT_SUCCESS)
    return 0;
  if (nd > 8)
    nd = 8;
  if (ze.zeDriverGet(&nd, drivers) != ZE_RESULT_SUCCESS)
    return 0;
  int n = 0;
  for (uint32_t i = 0; i < nd && n < max; i++) {
    uint32_t c = 0;
    if (ze.zeDeviceGet(drivers[i], &c, NULL) != ZE_RESULT_SUCCESS)
      continue;
    if (c > (uint32_t)(max - n))
      c = (uint32_t)(max - n);
    if (ze.zeDeviceGet(drivers[i], &c, out + n) != ZE_RESULT_SUCCESS)
      continue;
    for (uint32_t k = 0; k < c; k++)
      drv[n + (int)k] = drivers[i];
    n += (int)c;
  }
  return n;
}

typedef struct {
  ze_driver_handle_t driver;
  ze_device_handle_t dev;
  ze_context_handle_t ctx;
  ze_command_list_handle_t list;
  ze_event_pool_handle_t pool;
  ze_event_handle_t done;
  pthread_mutex_t mu; /* the command list: one user at a time */
} ZeDevice;

typedef struct {
  ze_module_handle_t mod;
  int nk;
  ze_kernel_handle_t ks[SYSRT_MAX_TENSORS];
} ZeModule;

typedef struct {
  ze_kernel_handle_t k;
  GpuShape shape;
} ZeKernel;

/* Intel's Level Zero GPU driver dlopens WSL's libdxcore with RTLD_DEEPBIND, which
   AddressSanitizer cannot run with: it stops the process. A sanitized build of the
   runtime (the test suite's) therefore does not load the loader at all. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

static int l0_probe(SysrtContext *ctx, char *reason, size_t size) {
  (void)ctx;
#ifdef SANITIZED
  snprintf(reason, size, "not probed in a build with AddressSanitizer (the Intel driver's "
           "dlopen with RTLD_DEEPBIND cannot run under it)");
  return -1;
#endif
  pthread_once(&ze_once, ze_load);
  if (!ze.lib) {
    snprintf(reason, size, "%s", ze_why);
    return -1;
  }
  if (ze.init != ZE_RESULT_SUCCESS) {
    snprintf(reason, size, "zeInit failed (result 0x%x): no Intel GPU or no Level Zero GPU driver",
             (unsigned)ze.init);
    return -1;
  }
  ze_driver_handle_t drv[MAX_DEVICES];
  ze_device_handle_t devs[MAX_DEVICES];
  int n = ze_devices(drv, devs, MAX_DEVICES);
  if (!n)
    snprintf(reason, size, "no Level Zero GPU");
  return n;
}

static SysrtStatus l0_device_open(SysrtDevice *dev) {
  SysrtContext *ctx = dev->obj.ctx;
  ze_driver_handle_t drv[MAX_DEVICES];
  ze_device_handle_t devs[MAX_DEVICES];
  int n = ze_devices(drv, devs, MAX_DEVICES);
  if (dev->index >= n)
    return rt_err(ctx, SYSRT_ERR_NO_DEVICE, "level-zero:%d is gone", dev->index);
  ZeDevice *d = rt_alloc(ctx, sizeof *d);
  if (!d)
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory opening %s", dev->name);
  d->driver = drv[dev->index];
  d->dev = devs[dev->index];
  ze_context_desc_t cd = {.stype = ZE_STRUCTURE_TYPE_CONTEXT_DESC};
  ze_command_queue_desc_t qd = {.stype = ZE_STRUCTURE_TYPE_COMMAND_QUEUE_DESC,
                                .mode = ZE_COMMAND_QUEUE_MODE_SYNCHRONOUS,
                                .priority = ZE_COMMAND_QUEUE_PRIORITY_NORMAL};
  ze_event_pool_desc_t pd = {.stype = ZE_STRUCTURE_TYPE_EVENT_POOL_DESC,
                             .flags = ZE_EVENT_POOL_FLAG_HOST_VISIBLE, .count = 1};
  ze_event_desc_t ed = {.stype = ZE_STRUCTURE_TYPE_EVENT_DESC, .index = 0,
                        .signal = ZE_EVENT_SCOPE_FLAG_HOST, .wait = ZE_EVENT_SCOPE_FLAG_HOST};
  ze_result_t r = ze.zeContextCreate(d->driver, &cd, &d->ctx);
  if (r == ZE_RESULT_SUCCESS)
    r = ze.zeCommandListCreateImmediate(d->ctx, d->dev, &qd, &d->list);
  if (r == ZE_RESULT_SUCCESS)
    r = ze.zeEventPoolCreate(d->ctx, &pd, 1, &d->dev, &d->pool);
  if (r == ZE_RESULT_SUCCESS)
    r = ze.zeEventCreate(d->pool, &ed, &d->done);
  if (r != ZE_RESULT_SUCCESS) {
    if (d->pool)
      ze.zeEventPoolDestroy(d->pool);
    if (d->list)
      ze.zeCommandListDestroy(d->list);
    if (d->ctx)
      ze.zeContextDestroy(d->ctx);
    rt_free(ctx, d, sizeof *d);
    return rt_err(ctx, SYSRT_ERR_NO_DEVICE, "%s: cannot open it (result 0x%x)", dev->name,
                  (unsigned)r);
  }
  ze_device_properties_t props = {.stype = ZE_STRUCTURE_TYPE_DEVICE_PROPERTIES};
  dev->units = 1;
  if (ze.zeDeviceGetProperties(d->dev, &props) == ZE_RESULT_SUCCESS)
    dev->units = (int)(props.numSlices * props.numSubslicesPerSlice);
  pthread_mutex_init(&d->mu, NULL);
  dev->drv = d;
  return SYSRT_OK;
}

static void l0_device_close(SysrtDevice *dev) {
  ZeDevice *d = dev->drv;
  if (!d)
    return;
  ze.zeEventDestroy(d->done);
  ze.zeEventPoolDestroy(d->pool);
  ze.zeCommandListDestroy(d->list);
  ze.zeContextDestroy(d->ctx);
  pthread_mutex_destroy(&d->mu);
  rt_free(dev->obj.ctx, d, sizeof *d);
  dev->drv = NULL;
}

static SysrtStatus l0_buffer_alloc(SysrtBuffer *buf) {
  ZeDevice *d = buf->dev->drv;
  ze_device_mem_alloc_desc_t md = {.stype = ZE_STRUCTURE_TYPE_DEVICE_MEM_ALLOC_DESC};
  void *p = NULL;
  unsigned char zero = 0;
  pthread_mutex_lock(&d->mu);
  ze_result_t r = ze.zeMemAllocDevice(d->ctx, &md, buf->bytes, 64, d->dev, &p);
  if (r == ZE_RESULT_SUCCESS &&
      (r = ze.zeCommandListAppendMemoryFill(d->list, p, &zero, 1, buf->bytes, NULL, 0, NULL)) !=
          ZE_RESULT_SUCCESS)
    ze.zeMemFree(d->ctx, p);
  pthread_mutex_unlock(&d->mu);
  if (r != ZE_RESULT_SUCCESS)
    return rt_err(buf->obj.ctx, SYSRT_ERR_OUT_OF_MEMORY, "%s: cannot allocate %zu bytes (0x%x)",
                  buf->dev->name, buf->bytes, (unsigned)r);
  buf->mem = p;
  buf->host = NULL;
  return SYSRT_OK;
}

static void l0_buffer_free(SysrtBuffer *buf) {
  ZeDevice *d = buf->dev->drv;
  ze.zeMemFree(d->ctx, buf->mem);
}

static SysrtStatus copy(const SysrtBuffer *buf, void *dst, const void *src, size_t bytes) {
  ZeDevice *d = buf->dev->drv;
  pthread_mutex_lock(&d->mu);
  ze_result_t r = bytes ? ze.zeCommandListAppendMemoryCopy(d->list, dst, src, bytes, NULL, 0, NULL)
                        : ZE_RESULT_SUCCESS;
  pthread_mutex_unlock(&d->mu);
  return r == ZE_RESULT_SUCCESS ? SYSRT_OK
                                 : rt_err(buf->obj.ctx, SYSRT_ERR_LAUNCH, "%s: a copy failed (0x%x)",
                                          buf->dev->name, (unsigned)r);
}

static SysrtStatus l0_buffer_write(SysrtBuffer *buf, size_t offset, const void *src, size_t bytes) {
  return copy(buf, (char *)buf->mem + offset, src, bytes);
}

static SysrtStatus l0_buffer_read(const SysrtBuffer *buf, size_t offset, void *dst, size_t bytes) {
  return copy(buf, dst, (const char *)buf->mem + offset, bytes);
}

static SysrtStatus l0_load(SysrtModule *mod, const RtImage *img) {
  SysrtContext *ctx = mod->obj.ctx;
  SysrtDevice *dev = mod->dev;
  ZeDevice *d = dev->drv;
  if (img->kind != RT_IMAGE_SPIRV)
    return rt_err(ctx, SYSRT_ERR_UNSUPPORTED,
                  "%s runs SPIR-V modules (sysc build --target=spirv); '%s' is not one", dev->name,
                  img->name);
  GpuKernelList kl;
  SysrtStatus st = gpu_kernels_read(ctx, img, 0, &kl);
  if (st)
    return st;
  ZeModule *zm = rt_alloc(ctx, sizeof *zm);
  if (!zm) {
    gpu_kernels_free(&kl);
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory loading '%s'", img->name);
  }
  mod->drv = zm;
  ze_module_desc_t md = {.stype = ZE_STRUCTURE_TYPE_MODULE_DESC,
                         .format = ZE_MODULE_FORMAT_IL_SPIRV,
                         .inputSize = img->size,
                         .pInputModule = img->data,
                         .pBuildFlags = ""};
  ze_module_build_log_handle_t log = NULL;
  ze_result_t r = ze.zeModuleCreate(d->ctx, d->dev, &md, &zm->mod, &log);
  if (r != ZE_RESULT_SUCCESS) {
    char text[2048] = "";
    size_t n = sizeof text;
    if (log)
      ze.zeModuleBuildLogGetString(log, &n, text);
    zm->mod = NULL;
    st = rt_err(ctx, SYSRT_ERR_LOAD, "%s could not build '%s' (0x%x): %s", dev->name, img->name,
                (unsigned)r, text);
  }
  if (log)
    ze.zeModuleBuildLogDestroy(log);
  for (int i = 0; i < kl.n && !st; i++) {
    ZeKernel zk = {NULL, kl.shape[i]};
    ze_kernel_desc_t kd = {.stype = ZE_STRUCTURE_TYPE_KERNEL_DESC, .pKernelName = kl.shape[i].entry};
    if (zm->nk == SYSRT_MAX_TENSORS || ze.zeKernelCreate(zm->mod, &kd, &zk.k) != ZE_RESULT_SUCCESS) {
      st = rt_err(ctx, SYSRT_ERR_LOAD, "'%s': no kernel %s", img->name, kl.shape[i].entry);
      break;
    }
    zm->ks[zm->nk++] = zk.k;
    st = rt_module_add_kernel(mod, kl.shape[i].entry, kl.desc[i], &zk, sizeof zk);
  }
  gpu_kernels_free(&kl);
  return st;
}

static void l0_unload(SysrtModule *mod) {
  ZeModule *zm = mod->drv;
  if (!zm)
    return;
  for (int i = 0; i < zm->nk; i++)
    ze.zeKernelDestroy(zm->ks[i]);
  if (zm->mod)
    ze.zeModuleDestroy(zm->mod);
  rt_free(mod->obj.ctx, zm, sizeof *zm);
  mod->drv = NULL;
}

static SysrtStatus l0_launch(SysrtKernel *k, void *const *mem, const int64_t *sizes,
                             const SysrtLaunchOptions *opt, int64_t *work_items) {
  (void)opt;
  SysrtContext *ctx = k->obj.ctx;
  SysrtDevice *dev = k->mod->dev;
  ZeDevice *d = dev->drv;
  const ZeKernel *zk = (const ZeKernel *)k->drv;
  const GpuShape *s = &zk->shape;
  int64_t items, scratch_bytes;
  SysrtStatus st = gpu_shape_launch(k, s, sizes, &items, &scratch_bytes);
  *work_items = items;
  if (st != SYSRT_OK || items == 0)
    return st;
  int64_t groups = (items + s->per_group - 1) / s->per_group;
  if (groups > 0xffffffffll)
    return rt_err(ctx, SYSRT_ERR_LAUNCH, "kernel '%s': %lld groups", k->sym, (long long)groups);
  pthread_mutex_lock(&d->mu);
  uint32_t a = 0;
  ze_result_t r = ze.zeKernelSetGroupSize(zk->k, (uint32_t)s->threads, 1, 1);
  for (int t = 0; t < k->desc.info.ntensors && r == ZE_RESULT_SUCCESS; t++)
    r = ze.zeKernelSetArgumentValue(zk->k, a++, sizeof(void *), &mem[t]);
  for (int i = 0; i < k->desc.nargs && r == ZE_RESULT_SUCCESS; i++) /* sizes, i16 exponents */
    r = ze.zeKernelSetArgumentValue(zk->k, a++, sizeof(int64_t), &sizes[i]);
  void *scr = NULL;
  if (s->nscratch && r == ZE_RESULT_SUCCESS) {
    ze_device_mem_alloc_desc_t md = {.stype = ZE_STRUCTURE_TYPE_DEVICE_MEM_ALLOC_DESC};
    r = ze.zeMemAllocDevice(d->ctx, &md, (size_t)scratch_bytes, 64, d->dev, &scr);
    if (r == ZE_RESULT_SUCCESS)
      r = ze.zeKernelSetArgumentValue(zk->k, a++, sizeof scr, &scr);
  }
  int64_t first = 0;
  if (r == ZE_RESULT_SUCCESS)
    r = ze.zeKernelSetArgumentValue(zk->k, a++, sizeof first, &first);
  ze_group_count_t gc = {(uint32_t)groups, 1, 1};
  if (r == ZE_RESULT_SUCCESS)
    r = ze.zeCommandListAppendLaunchKernel(d->list, zk->k, &gc, d->done, 0, NULL);
  if (r == ZE_RESULT_SUCCESS)
    r = ze.zeEventHostSynchronize(d->done, UINT64_MAX);
  ze.zeEventHostReset(d->done);
  if (scr)
    ze.zeMemFree(d->ctx, scr);
  pthread_mutex_unlock(&d->mu);
  if (r != ZE_RESULT_SUCCESS)
    return rt_err(ctx, SYSRT_ERR_LAUNCH, "%s: kernel '%s' failed (0x%x)", dev->name, k->sym,
                  (unsigned)r);
  return SYSRT_OK;
}

const SysrtDriverOps level0_driver_ops = {
  .kind = "level-zero",
  .target = "spirv",
  .unit = "sub-slice",
  .probe = l0_probe,
  .device_open = l0_device_open,
  .device_close = l0_device_close,
  .buffer_alloc = l0_buffer_alloc,
  .buffer_free = l0_buffer_free,
  .buffer_write = l0_buffer_write,
  .buffer_read = l0_buffer_read,
  .load = l0_load,
  .find = NULL,
  .unload = l0_unload,
  .launch = l0_launch,
};

#else /* no level_zero/ze_api.h */

static int l0_probe(SysrtContext *ctx, char *reason, size_t size) {
  (void)ctx;
  snprintf(reason, size, "not built into this runtime (level_zero/ze_api.h was missing)");
  return -1;
}

const SysrtDriverOps level0_driver_ops = {
  .kind = "level-zero",
  .target = "spirv",
  .unit = "sub-slice",
  .probe = l0_probe,
};

#endif
