/*
 * The CUDA driver (rt.h's SysrtDriverOps, kind "cuda", target "ptx"): runs the PTX of
 * `sysc build --target=ptx` on NVIDIA GPUs through the CUDA driver API.
 *
 * libcuda.so.1 is opened at run time (the ICD loader's way) and the entry points used
 * are looked up by their versioned names, with the few types declared here: sysc
 * builds and runs on machines without CUDA, where the probe says "libcuda.so.1 not
 * found", and on machines with the library but no GPU, where cuInit's error is the
 * reason. Each device uses its primary context, made current around every call.
 *
 * The driver JIT-compiles the PTX when the module loads (cuModuleLoadDataEx, with its
 * error log in the message); a launch passes the arguments of gpu.h (tensor addresses,
 * sizes, scratch, first work item), runs ceil(items / arrays per block) blocks, in
 * several launches should that pass the grid's limit, and waits; asked for the device's
 * time, it records events around the grids (where the driver lacks them, or they fail,
 * the runtime reports the wall time instead).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../opencl/gpu.h"

/* ---- the CUDA driver API, as much as used (cuda.h names and values) ---- */

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;

enum {
  CUDA_SUCCESS = 0,
  CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
  CU_JIT_ERROR_LOG_BUFFER = 5,
  CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6,
};

#define CU_FUNCS(X)                                                                              \
  X(cuInit, "cuInit", (unsigned))                                                                \
  X(cuDeviceGetCount, "cuDeviceGetCount", (int *))                                               \
  X(cuDeviceGet, "cuDeviceGet", (CUdevice *, int))                                               \
  X(cuDeviceGetName, "cuDeviceGetName", (char *, int, CUdevice))                                 \
  X(cuDeviceGetAttribute, "cuDeviceGetAttribute", (int *, int, CUdevice))                        \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", (CUcontext *, CUdevice))               \
  X(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", (CUdevice))                       \
  X(cuCtxPushCurrent, "cuCtxPushCurrent_v2", (CUcontext))                                        \
  X(cuCtxPopCurrent, "cuCtxPopCurrent_v2", (CUcontext *))                                        \
  X(cuCtxSynchronize, "cuCtxSynchronize", (void))                                                \
  X(cuMemAlloc, "cuMemAlloc_v2", (CUdeviceptr *, size_t))                                        \
  X(cuMemFree, "cuMemFree_v2", (CUdeviceptr))                                                    \
  X(cuMemsetD8, "cuMemsetD8_v2", (CUdeviceptr, unsigned char, size_t))                           \
  X(cuMemcpyHtoD, "cuMemcpyHtoD_v2", (CUdeviceptr, const void *, size_t))                        \
  X(cuMemcpyDtoH, "cuMemcpyDtoH_v2", (void *, CUdeviceptr, size_t))                              \
  X(cuModuleLoadDataEx, "cuModuleLoadDataEx", (CUmodule *, const void *, unsigned, int *, void **)) \
  X(cuModuleGetFunction, "cuModuleGetFunction", (CUfunction *, CUmodule, const char *))          \
  X(cuModuleUnload, "cuModuleUnload", (CUmodule))                                                \
  X(cuLaunchKernel, "cuLaunchKernel",                                                            \
    (CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream,  \
     void **, void **))                                                                          \
  X(cuGetErrorName, "cuGetErrorName", (CUresult, const char **))

static struct {
  void *lib;
#define X(field, sym, args) CUresult (*field) args;
  CU_FUNCS(X)
#undef X
  /* events, where the driver has them all: launches then report the device's time */
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
  CUresult (*cuEventDestroy)(CUevent);
  int events;
  CUresult init; /* cuInit's result */
} cu;
static pthread_once_t cu_once = PTHREAD_ONCE_INIT;
static char cu_why[256];

static const char *cu_err(CUresult r) {
  const char *s = NULL;
  if (!cu.cuGetErrorName || cu.cuGetErrorName(r, &s) != CUDA_SUCCESS || !s)
    return "CUDA error";
  return s;
}

static void cu_load(void) {
  char err[200];
  void *lib = rt_lib_open("libcuda.so.1", err, sizeof err);
  if (!lib) {
    snprintf(cu_why, sizeof cu_why, "libcuda.so.1 not found (no NVIDIA driver)");
    return;
  }
#define X(field, sym, args)                                                                      \
  if (!(*(void **)&cu.field = rt_lib_sym(lib, sym))) {                                           \
    snprintf(cu_why, sizeof cu_why, "libcuda.so.1 lacks %s (a driver older than CUDA 4)", sym);  \
    return;                                                                                      \
  }
  CU_FUNCS(X)
#undef X
  *(void **)&cu.cuEventCreate = rt_lib_sym(lib, "cuEventCreate");
  *(void **)&cu.cuEventRecord = rt_lib_sym(lib, "cuEventRecord");
  if (!(*(void **)&cu.cuEventElapsedTime = rt_lib_sym(lib, "cuEventElapsedTime_v2")))
    *(void **)&cu.cuEventElapsedTime = rt_lib_sym(lib, "cuEventElapsedTime");
  *(void **)&cu.cuEventDestroy = rt_lib_sym(lib, "cuEventDestroy_v2");
  cu.events = cu.cuEventCreate && cu.cuEventRecord && cu.cuEventElapsedTime && cu.cuEventDestroy;
  cu.init = cu.cuInit(0);
  cu.lib = lib;
}

typedef struct {
  CUdevice dev;
  CUcontext ctx;
  pthread_mutex_t launch;
} CuDevice;

typedef struct {
  CUmodule mod;
} CuModule;

typedef struct {
  CUfunction f;
  GpuShape shape;
} CuKernel;

/* Makes dev's context current for the call; pop() undoes it. */
static void push(SysrtDevice *dev) {
  cu.cuCtxPushCurrent(((CuDevice *)dev->drv)->ctx);
}

static void pop(void) {
  CUcontext c;
  cu.cuCtxPopCurrent(&c);
}

static int cuda_probe(SysrtContext *ctx, char *reason, size_t size) {
  (void)ctx;
  pthread_once(&cu_once, cu_load);
  if (!cu.lib) {
    snprintf(reason, size, "%s", cu_why);
    return -1;
  }
  if (cu.init != CUDA_SUCCESS) {
    snprintf(reason, size, "no CUDA device: cuInit: %s", cu_err(cu.init));
    return 0;
  }
  int n = 0;
  if (cu.cuDeviceGetCount(&n) != CUDA_SUCCESS || n == 0) {
    snprintf(reason, size, "no CUDA device");
    return 0;
  }
  return n;
}

static SysrtStatus cuda_device_open(SysrtDevice *dev) {
  SysrtContext *ctx = dev->obj.ctx;
  CuDevice *d = rt_alloc(ctx, sizeof *d);
  if (!d)
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory opening %s", dev->name);
  CUresult r = cu.cuDeviceGet(&d->dev, dev->index);
  if (r == CUDA_SUCCESS)
    r = cu.cuDevicePrimaryCtxRetain(&d->ctx, d->dev);
  if (r != CUDA_SUCCESS) {
    rt_free(ctx, d, sizeof *d);
    return rt_err(ctx, SYSRT_ERR_NO_DEVICE, "%s: %s", dev->name, cu_err(r));
  }
  int sms = 1;
  cu.cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, d->dev);
  pthread_mutex_init(&d->launch, NULL);
  dev->drv = d;
  dev->units = sms;
  return SYSRT_OK;
}

static void cuda_device_close(SysrtDevice *dev) {
  CuDevice *d = dev->drv;
  if (!d)
    return;
  cu.cuDevicePrimaryCtxRelease(d->dev);
  pthread_mutex_destroy(&d->launch);
  rt_free(dev->obj.ctx, d, sizeof *d);
  dev->drv = NULL;
}

static SysrtStatus cuda_buffer_alloc(SysrtBuffer *buf) {
  CUdeviceptr p = 0;
  push(buf->dev);
  CUresult r = cu.cuMemAlloc(&p, buf->bytes);
  if (r == CUDA_SUCCESS && (r = cu.cuMemsetD8(p, 0, buf->bytes)) != CUDA_SUCCESS)
    cu.cuMemFree(p);
  pop();
  if (r != CUDA_SUCCESS)
    return rt_err(buf->obj.ctx, SYSRT_ERR_OUT_OF_MEMORY, "%s: cannot allocate %zu bytes: %s",
                  buf->dev->name, buf->bytes, cu_err(r));
  buf->mem = (void *)(uintptr_t)p;
  buf->host = NULL;
  return SYSRT_OK;
}

static void cuda_buffer_free(SysrtBuffer *buf) {
  push(buf->dev);
  cu.cuMemFree((CUdeviceptr)(uintptr_t)buf->mem);
  pop();
}

static SysrtStatus cuda_buffer_write(SysrtBuffer *buf, size_t offset, const void *src,
                                     size_t bytes) {
  push(buf->dev);
  CUresult r = bytes ? cu.cuMemcpyHtoD((CUdeviceptr)(uintptr_t)buf->mem + offset, src, bytes)
                     : CUDA_SUCCESS;
  pop();
  return r == CUDA_SUCCESS ? SYSRT_OK
                           : rt_err(buf->obj.ctx, SYSRT_ERR_LAUNCH, "%s: writing a buffer: %s",
                                    buf->dev->name, cu_err(r));
}

static SysrtStatus cuda_buffer_read(const SysrtBuffer *buf, size_t offset, void *dst,
                                    size_t bytes) {
  push(buf->dev);
  CUresult r = bytes ? cu.cuMemcpyDtoH(dst, (CUdeviceptr)(uintptr_t)buf->mem + offset, bytes)
                     : CUDA_SUCCESS;
  pop();
  return r == CUDA_SUCCESS ? SYSRT_OK
                           : rt_err(buf->obj.ctx, SYSRT_ERR_LAUNCH, "%s: reading a buffer: %s",
                                    buf->dev->name, cu_err(r));
}

static SysrtStatus cuda_load(SysrtModule *mod, const RtImage *img) {
  SysrtContext *ctx = mod->obj.ctx;
  SysrtDevice *dev = mod->dev;
  if (img->kind != RT_IMAGE_PTX)
    return rt_err(ctx, SYSRT_ERR_UNSUPPORTED,
                  "%s runs PTX (sysc build --target=ptx); '%s' is not PTX", dev->name, img->name);
  GpuKernelList kl;
  SysrtStatus st = gpu_kernels_read(ctx, img, 1, &kl);
  if (st)
    return st;
  CuModule *cm = rt_alloc(ctx, sizeof *cm);
  char *text = rt_alloc(ctx, img->size + 1); /* the driver wants the PTX NUL-terminated */
  if (!cm || !text) {
    rt_free(ctx, cm, sizeof *cm);
    rt_free(ctx, text, img->size + 1);
    gpu_kernels_free(&kl);
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory loading '%s'", img->name);
  }
  mod->drv = cm;
  memcpy(text, img->data, img->size);
  char log[4096] = "";
  int opts[2] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *vals[2] = {log, (void *)(uintptr_t)(sizeof log - 1)};
  push(dev);
  CUresult r = cu.cuModuleLoadDataEx(&cm->mod, text, 2, opts, vals);
  rt_free(ctx, text, img->size + 1);
  if (r != CUDA_SUCCESS) {
    cm->mod = NULL;
    st = rt_err(ctx, SYSRT_ERR_LOAD, "%s could not load the PTX of '%s': %s %s", dev->name,
                img->name, cu_err(r), log);
  }
  for (int i = 0; i < kl.n && !st; i++) {
    CuKernel ck = {NULL, kl.shape[i]};
    r = cu.cuModuleGetFunction(&ck.f, cm->mod, kl.shape[i].entry);
    if (r != CUDA_SUCCESS)
      st = rt_err(ctx, SYSRT_ERR_LOAD, "'%s' has no entry point %s: %s", img->name,
                  kl.shape[i].entry, cu_err(r));
    else
      st = rt_module_add_kernel(mod, kl.shape[i].entry, kl.desc[i], &ck, sizeof ck);
  }
  pop();
  gpu_kernels_free(&kl);
  return st;
}

static void cuda_unload(SysrtModule *mod) {
  CuModule *cm = mod->drv;
  if (!cm)
    return;
  if (cm->mod) {
    push(mod->dev);
    cu.cuModuleUnload(cm->mod);
    pop();
  }
  rt_free(mod->obj.ctx, cm, sizeof *cm);
  mod->drv = NULL;
}

static SysrtStatus cuda_launch(SysrtKernel *k, void *const *mem, const int64_t *sizes,
                               const SysrtLaunchOptions *opt, int64_t *work_items) {
  SysrtContext *ctx = k->obj.ctx;
  SysrtDevice *dev = k->mod->dev;
  CuDevice *d = dev->drv;
  const CuKernel *ck = (const CuKernel *)k->drv;
  const GpuShape *s = &ck->shape;
  int64_t items, scratch_bytes;
  SysrtStatus st = gpu_shape_launch(k, s, sizes, &items, &scratch_bytes);
  *work_items = items;
  if (st != SYSRT_OK || items == 0)
    return st;
  /* the arguments, by address */
  CUdeviceptr ptrs[SYSRT_MAX_TENSORS + 1];
  int64_t vals[SYSRT_MAX_SIZES + SYSRT_MAX_TENSORS];
  void *args[2 * SYSRT_MAX_TENSORS + SYSRT_MAX_SIZES + 2];
  int n = 0, nt = k->desc.info.ntensors, ns = k->desc.nargs;
  for (int t = 0; t < nt; t++) {
    ptrs[t] = (CUdeviceptr)(uintptr_t)mem[t];
    args[n++] = &ptrs[t];
  }
  for (int i = 0; i < ns; i++) { /* the sizes, then the i16 tensors' exponents */
    vals[i] = sizes[i];
    args[n++] = &vals[i];
  }
  pthread_mutex_lock(&d->launch);
  push(dev);
  CUresult r = CUDA_SUCCESS;
  ptrs[nt] = 0;
  if (s->nscratch) {
    r = cu.cuMemAlloc(&ptrs[nt], (size_t)scratch_bytes);
    args[n++] = &ptrs[nt];
  }
  int64_t first = 0;
  args[n++] = &first;
  /* events around the grids time the device when asked (the default stream runs in
     order); where they fail, the launch goes on and reports the wall time */
  CUevent ev[2] = {NULL, NULL};
  int timed = opt->device_ns && cu.events && r == CUDA_SUCCESS && cu.cuEventCreate(&ev[0], 0) == CUDA_SUCCESS &&
               cu.cuEventCreate(&ev[1], 0) == CUDA_SUCCESS && cu.cuEventRecord(ev[0], NULL) == CUDA_SUCCESS;
  int64_t groups = (items + s->per_group - 1) / s->per_group;
  for (int64_t g = 0; g < groups && r == CUDA_SUCCESS;) {
    int64_t now = groups - g < 0x7fffffff ? groups - g : 0x7fffffff; /* gridDim.x's limit */
    first = g * s->per_group;
    r = cu.cuLaunchKernel(ck->f, (unsigned)now, 1, 1, (unsigned)s->threads, 1, 1, 0, NULL, args, NULL);
    g += now;
  }
  timed = timed && r == CUDA_SUCCESS && cu.cuEventRecord(ev[1], NULL) == CUDA_SUCCESS;
  if (r == CUDA_SUCCESS)
    r = cu.cuCtxSynchronize();
  float ms = 0;
  if (timed && r == CUDA_SUCCESS && cu.cuEventElapsedTime(&ms, ev[0], ev[1]) == CUDA_SUCCESS)
    *opt->device_ns = (uint64_t)((double)ms * 1e6);
  for (int i = 0; i < 2; i++)
    if (ev[i])
      cu.cuEventDestroy(ev[i]);
  if (ptrs[nt])
    cu.cuMemFree(ptrs[nt]);
  pop();
  pthread_mutex_unlock(&d->launch);
  if (r != CUDA_SUCCESS)
    return rt_err(ctx, SYSRT_ERR_LAUNCH, "%s: kernel '%s' failed: %s", dev->name, k->sym,
                  cu_err(r));
  return SYSRT_OK;
}

const SysrtDriverOps cuda_driver_ops = {
  .kind = "cuda",
  .target = "ptx",
  .unit = "SM",
  .probe = cuda_probe,
  .device_open = cuda_device_open,
  .device_close = cuda_device_close,
  .buffer_alloc = cuda_buffer_alloc,
  .buffer_free = cuda_buffer_free,
  .buffer_write = cuda_buffer_write,
  .buffer_read = cuda_buffer_read,
  .load = cuda_load,
  .find = NULL,
  .unload = cuda_unload,
  .launch = cuda_launch,
};
