/*
 * The OpenCL driver (rt.h's SysrtDriverOps, kind "opencl", target "spirv"): runs the
 * SPIR-V modules of `sysc build --target=spirv` on any OpenCL device.
 *
 * libOpenCL.so.1 (the ICD loader) is opened at run time and the few entry points the
 * driver calls are looked up by name, with their types declared here: nothing links
 * against OpenCL, and a machine without it reports "libOpenCL.so.1 not found".
 * Devices are those of every platform, in the loader's order.
 *
 * A module is built from its SPIR-V where the device takes SPIR-V (CL_DEVICE_IL_VERSION
 * names it: clCreateProgramWithIL). A device that takes only SPIR 1.2 (cl_khr_spir, as
 * PoCL 3.1 in Debian 12) gets the module translated by `llvm-spirv -r` (the
 * SPIRV-LLVM-Translator of the device compiler's LLVM: llvm-spirv-15 first;
 * $SYSRT_LLVM_SPIRV names another) into SPIR 1.2 bitcode, built with "-x spir". A
 * kernel whose lanes exchange by sub-group shuffles needs
 * cl_khr_subgroup_shuffle_relative: on a device without it the load fails with
 * SYSRT_ERR_UNSUPPORTED, saying to build with --gpu=generic.
 *
 * A launch sets the arguments (gpu.h), allocates the scratch buffer the spills need,
 * enqueues ceil(items / arrays per group) groups, and waits; the time is the event's
 * profiling interval.
 */
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpu.h"

extern char **environ;

/* ---- the OpenCL API, as much as used (Khronos cl.h names and values) ---- */

typedef int32_t cl_int;
typedef uint32_t cl_uint;
typedef uint64_t cl_ulong;
typedef cl_ulong cl_bitfield;
typedef struct _cl_platform_id *cl_platform_id;
typedef struct _cl_device_id *cl_device_id;
typedef struct _cl_context *cl_context;
typedef struct _cl_command_queue *cl_command_queue;
typedef struct _cl_mem *cl_mem;
typedef struct _cl_program *cl_program;
typedef struct _cl_kernel *cl_kernel;
typedef struct _cl_event *cl_event;

enum {
  CL_SUCCESS = 0,
  CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002,
  CL_DEVICE_NAME = 0x102B,
  CL_DEVICE_EXTENSIONS = 0x1030,
  CL_DEVICE_IL_VERSION = 0x105B,
  CL_PLATFORM_NAME = 0x0902,
  CL_PROGRAM_BUILD_LOG = 0x1183,
  CL_PROFILING_COMMAND_START = 0x1282,
  CL_PROFILING_COMMAND_END = 0x1283,
};
#define CL_DEVICE_TYPE_ALL 0xFFFFFFFFull
#define CL_MEM_READ_WRITE 1ull
#define CL_QUEUE_PROFILING_ENABLE 2ull

#define CL_FUNCS(X)                                                                              \
  X(cl_int, clGetPlatformIDs, (cl_uint, cl_platform_id *, cl_uint *))                            \
  X(cl_int, clGetPlatformInfo, (cl_platform_id, cl_uint, size_t, void *, size_t *))              \
  X(cl_int, clGetDeviceIDs, (cl_platform_id, cl_bitfield, cl_uint, cl_device_id *, cl_uint *))   \
  X(cl_int, clGetDeviceInfo, (cl_device_id, cl_uint, size_t, void *, size_t *))                  \
  X(cl_context, clCreateContext,                                                                 \
    (const intptr_t *, cl_uint, const cl_device_id *, void (*)(const char *, const void *, size_t, \
                                                               void *),                          \
     void *, cl_int *))                                                                          \
  X(cl_command_queue, clCreateCommandQueue, (cl_context, cl_device_id, cl_bitfield, cl_int *))   \
  X(cl_mem, clCreateBuffer, (cl_context, cl_bitfield, size_t, void *, cl_int *))                 \
  X(cl_int, clEnqueueWriteBuffer,                                                                \
    (cl_command_queue, cl_mem, cl_uint, size_t, size_t, const void *, cl_uint, const cl_event *, \
     cl_event *))                                                                                \
  X(cl_int, clEnqueueReadBuffer,                                                                 \
    (cl_command_queue, cl_mem, cl_uint, size_t, size_t, void *, cl_uint, const cl_event *,       \
     cl_event *))                                                                                \
  X(cl_int, clEnqueueFillBuffer,                                                                 \
    (cl_command_queue, cl_mem, const void *, size_t, size_t, size_t, cl_uint, const cl_event *,  \
     cl_event *))                                                                                \
  X(cl_program, clCreateProgramWithBinary,                                                       \
    (cl_context, cl_uint, const cl_device_id *, const size_t *, const unsigned char **, cl_int *, \
     cl_int *))                                                                                  \
  X(cl_int, clBuildProgram,                                                                      \
    (cl_program, cl_uint, const cl_device_id *, const char *, void (*)(cl_program, void *),       \
     void *))                                                                                    \
  X(cl_int, clGetProgramBuildInfo, (cl_program, cl_device_id, cl_uint, size_t, void *, size_t *)) \
  X(cl_kernel, clCreateKernel, (cl_program, const char *, cl_int *))                             \
  X(cl_int, clSetKernelArg, (cl_kernel, cl_uint, size_t, const void *))                          \
  X(cl_int, clEnqueueNDRangeKernel,                                                              \
    (cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *, const size_t *,       \
     cl_uint, const cl_event *, cl_event *))                                                     \
  X(cl_int, clWaitForEvents, (cl_uint, const cl_event *))                                        \
  X(cl_int, clGetEventProfilingInfo, (cl_event, cl_uint, size_t, void *, size_t *))              \
  X(cl_int, clFinish, (cl_command_queue))                                                        \
  X(cl_int, clReleaseEvent, (cl_event))                                                          \
  X(cl_int, clReleaseKernel, (cl_kernel))                                                        \
  X(cl_int, clReleaseProgram, (cl_program))                                                      \
  X(cl_int, clReleaseMemObject, (cl_mem))                                                        \
  X(cl_int, clReleaseCommandQueue, (cl_command_queue))                                           \
  X(cl_int, clReleaseContext, (cl_context))

typedef struct {
  void *lib;
#define X(ret, name, args) ret(*name) args;
  CL_FUNCS(X)
#undef X
  /* OpenCL 2.1, absent from older loaders */
  cl_program (*clCreateProgramWithIL)(cl_context, const void *, size_t, cl_int *);
} ClApi;

/* The library is loaded once per process and kept: ICDs do not unload cleanly. */
static ClApi cl;
static pthread_once_t cl_once = PTHREAD_ONCE_INIT;
static char cl_why[256];

static void cl_load(void) {
  char err[200];
  void *lib = rt_lib_open("libOpenCL.so.1", err, sizeof err);
  if (!lib) {
    snprintf(cl_why, sizeof cl_why, "libOpenCL.so.1 not found (no OpenCL ICD loader)");
    return;
  }
#define X(ret, name, args)                                                                       \
  if (!(*(void **)&cl.name = rt_lib_sym(lib, #name))) {                                          \
    snprintf(cl_why, sizeof cl_why, "libOpenCL.so.1 lacks %s", #name);                           \
    return;                                                                                      \
  }
  CL_FUNCS(X)
#undef X
  *(void **)&cl.clCreateProgramWithIL = rt_lib_sym(lib, "clCreateProgramWithIL");
  cl.lib = lib;
}

/* Every device of every platform, in order. Returns the count (at most max). */
static int cl_devices(cl_device_id *out, int max) {
  cl_platform_id plats[16];
  cl_uint np = 0;
  if (cl.clGetPlatformIDs(16, plats, &np) != CL_SUCCESS)
    return 0;
  int n = 0;
  for (cl_uint p = 0; p < np && p < 16; p++) {
    cl_uint nd = 0;
    if (cl.clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, (cl_uint)(max - n), out + n, &nd) ==
        CL_SUCCESS)
      n += (int)nd;
  }
  return n;
}

enum { MAX_DEVICES = 64 };

typedef struct {
  cl_device_id id;
  cl_context ctx;
  cl_command_queue q;
  int il;        /* takes SPIR-V */
  int spir;      /* takes SPIR 1.2 (cl_khr_spir) */
  int shuffles;  /* cl_khr_subgroup_shuffle_relative */
  char name[128];
  pthread_mutex_t launch; /* launches on one device run one at a time */
} ClDevice;

typedef struct {
  cl_program prog;
  int nk;
  cl_kernel ks[SYSRT_MAX_TENSORS]; /* released with the program */
} ClModule;

typedef struct {
  cl_kernel k;
  GpuShape shape;
} ClKernel;

static int ocl_probe(SysrtContext *ctx, char *reason, size_t size) {
  (void)ctx;
  pthread_once(&cl_once, cl_load);
  if (!cl.lib) {
    snprintf(reason, size, "%s", cl_why);
    return -1;
  }
  cl_device_id ids[MAX_DEVICES];
  int n = cl_devices(ids, MAX_DEVICES);
  if (!n)
    snprintf(reason, size, "no OpenCL device (the ICD loader found no platform with one)");
  return n;
}

static int has_word(const char *list, const char *w) {
  size_t n = strlen(w);
  for (const char *p = strstr(list, w); p; p = strstr(p + 1, w))
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
      return 1;
  return 0;
}

static SysrtStatus ocl_device_open(SysrtDevice *dev) {
  SysrtContext *ctx = dev->obj.ctx;
  cl_device_id ids[MAX_DEVICES];
  int n = cl_devices(ids, MAX_DEVICES);
  if (dev->index >= n)
    return rt_err(ctx, SYSRT_ERR_NO_DEVICE, "opencl:%d is gone", dev->index);
  ClDevice *d = rt_alloc(ctx, sizeof *d);
  if (!d)
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory opening %s", dev->name);
  d->id = ids[dev->index];
  char ext[8192] = "", il[512] = "";
  cl.clGetDeviceInfo(d->id, CL_DEVICE_EXTENSIONS, sizeof ext - 1, ext, NULL);
  if (cl.clGetDeviceInfo(d->id, CL_DEVICE_IL_VERSION, sizeof il - 1, il, NULL) != CL_SUCCESS)
    il[0] = 0;
  cl.clGetDeviceInfo(d->id, CL_DEVICE_NAME, sizeof d->name - 1, d->name, NULL);
  d->il = strstr(il, "SPIR-V") != NULL && cl.clCreateProgramWithIL;
  d->spir = has_word(ext, "cl_khr_spir");
  d->shuffles = has_word(ext, "cl_khr_subgroup_shuffle_relative");
  cl_uint units = 1;
  cl.clGetDeviceInfo(d->id, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL);
  cl_int e;
  d->ctx = cl.clCreateContext(NULL, 1, &d->id, NULL, NULL, &e);
  if (d->ctx)
    d->q = cl.clCreateCommandQueue(d->ctx, d->id, CL_QUEUE_PROFILING_ENABLE, &e);
  if (!d->q) {
    if (d->ctx)
      cl.clReleaseContext(d->ctx);
    rt_free(ctx, d, sizeof *d);
    return rt_err(ctx, SYSRT_ERR_NO_DEVICE, "%s: no OpenCL context or queue (error %d)", dev->name,
                  e);
  }
  pthread_mutex_init(&d->launch, NULL);
  dev->drv = d;
  dev->units = (int)units;
  return SYSRT_OK;
}

static void ocl_device_close(SysrtDevice *dev) {
  ClDevice *d = dev->drv;
  if (!d)
    return;
  cl.clReleaseCommandQueue(d->q);
  cl.clReleaseContext(d->ctx);
  pthread_mutex_destroy(&d->launch);
  rt_free(dev->obj.ctx, d, sizeof *d);
  dev->drv = NULL;
}

/* ---- buffers ---- */

static SysrtStatus ocl_buffer_alloc(SysrtBuffer *buf) {
  ClDevice *d = buf->dev->drv;
  cl_int e;
  cl_mem m = cl.clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, buf->bytes, NULL, &e);
  if (!m)
    return rt_err(buf->obj.ctx, SYSRT_ERR_OUT_OF_MEMORY, "%s: cannot allocate %zu bytes (error %d)",
                  buf->dev->name, buf->bytes, e);
  unsigned char zero = 0;
  e = cl.clEnqueueFillBuffer(d->q, m, &zero, 1, 0, buf->bytes, 0, NULL, NULL);
  if (e == CL_SUCCESS)
    e = cl.clFinish(d->q);
  if (e != CL_SUCCESS) {
    cl.clReleaseMemObject(m);
    return rt_err(buf->obj.ctx, SYSRT_ERR_OUT_OF_MEMORY, "%s: cannot clear %zu bytes (error %d)",
                  buf->dev->name, buf->bytes, e);
  }
  buf->mem = m;
  buf->host = NULL;
  return SYSRT_OK;
}

static void ocl_buffer_free(SysrtBuffer *buf) {
  if (buf->mem)
    cl.clReleaseMemObject(buf->mem);
}

static SysrtStatus ocl_buffer_write(SysrtBuffer *buf, size_t offset, const void *src,
                                    size_t bytes) {
  ClDevice *d = buf->dev->drv;
  cl_int e = bytes ? cl.clEnqueueWriteBuffer(d->q, buf->mem, 1, offset, bytes, src, 0, NULL, NULL)
                   : CL_SUCCESS;
  return e == CL_SUCCESS ? SYSRT_OK
                         : rt_err(buf->obj.ctx, SYSRT_ERR_LAUNCH, "%s: writing a buffer failed (error %d)",
                                  buf->dev->name, e);
}

static SysrtStatus ocl_buffer_read(const SysrtBuffer *buf, size_t offset, void *dst,
                                   size_t bytes) {
  ClDevice *d = buf->dev->drv;
  cl_int e = bytes ? cl.clEnqueueReadBuffer(d->q, buf->mem, 1, offset, bytes, dst, 0, NULL, NULL)
                   : CL_SUCCESS;
  return e == CL_SUCCESS ? SYSRT_OK
                         : rt_err(buf->obj.ctx, SYSRT_ERR_LAUNCH, "%s: reading a buffer failed (error %d)",
                                  buf->dev->name, e);
}

/* ---- modules ---- */

/* SPIR-V -> SPIR 1.2 bitcode with `llvm-spirv -r`, through temporary files. */
static SysrtStatus to_spir(SysrtContext *ctx, const RtImage *img, unsigned char **out, size_t *size) {
  const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  char in[512], bc[520], errf[520], why[200] = "", how[96] = "";
  snprintf(in, sizeof in, "%s/sysrt-spirv-XXXXXX", tmp);
  int fd = mkstemp(in);
  if (fd < 0)
    return rt_err(ctx, SYSRT_ERR_LOAD, "cannot create a file in %s: %s", tmp, strerror(errno));
  snprintf(bc, sizeof bc, "%s.bc", in);
  snprintf(errf, sizeof errf, "%s.err", in);
  int ok = write(fd, img->data, img->size) == (ssize_t)img->size;
  close(fd);
  const char *tools[3] = {getenv("SYSRT_LLVM_SPIRV"), "llvm-spirv-15", "llvm-spirv"};
  int status = -1;
  const char *used = NULL;
  /* the first translator found decides (the later ones would truncate its messages) */
  for (int t = 0; t < 3 && ok && !used; t++) {
    const char *tool = tools[t];
    if (!tool)
      continue;
    char *argv[] = {(char *)tool, "-r", "--spirv-target-env=CL1.2", in, "-o", bc, NULL};
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 01 /* O_WRONLY */, 0);
    posix_spawn_file_actions_addopen(&fa, 2, errf, 01 | 0100 | 01000 /* O_WRONLY|O_CREAT|O_TRUNC */, 0600);
    if (posix_spawnp(&pid, tool, &fa, NULL, argv, environ) == 0) {
      pid_t w;
      while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
      used = tool;
      if (w != pid)
        snprintf(how, sizeof how, "waitpid: %s", strerror(errno));
      else if (WIFSIGNALED(status))
        snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
      else
        snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
      status = w == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    posix_spawn_file_actions_destroy(&fa);
  }
  unlink(in);
  FILE *ef = fopen(errf, "r");
  if (ef) { /* the tool's own first line, for the message */
    if (fgets(why, sizeof why, ef))
      why[strcspn(why, "\n")] = 0;
    fclose(ef);
  }
  unlink(errf);
  SysrtStatus st = SYSRT_OK;
  FILE *f = status == 0 ? fopen(bc, "rb") : NULL;
  if (!f) {
    st = rt_err(ctx, SYSRT_ERR_LOAD,
                used ? "'%s': %s -r could not translate it to SPIR 1.2 for this device (%s)"
                     : "'%s': this device takes SPIR 1.2, not SPIR-V, and no llvm-spirv-15 or "
                       "llvm-spirv (SYSRT_LLVM_SPIRV) was found to translate it",
                img->name, used, why[0] ? why : how);
  } else {
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *out = n > 0 ? rt_alloc(ctx, (size_t)n) : NULL;
    if (!*out || fread(*out, 1, (size_t)n, f) != (size_t)n) {
      st = rt_err(ctx, SYSRT_ERR_LOAD, "cannot read the SPIR translation of '%s'", img->name);
      if (*out)
        rt_free(ctx, *out, (size_t)n);
    } else {
      *size = (size_t)n;
    }
    fclose(f);
  }
  unlink(bc);
  return st;
}

static SysrtStatus ocl_load(SysrtModule *mod, const RtImage *img) {
  SysrtContext *ctx = mod->obj.ctx;
  SysrtDevice *dev = mod->dev;
  ClDevice *d = dev->drv;
  if (img->kind != RT_IMAGE_SPIRV)
    return rt_err(ctx, SYSRT_ERR_UNSUPPORTED,
                  "%s runs SPIR-V modules (sysc build --target=spirv); '%s' is not one", dev->name,
                  img->name);
  GpuKernelList kl;
  SysrtStatus st = gpu_kernels_read(ctx, img, 0, &kl);
  if (st)
    return st;
  for (int i = 0; i < kl.n && !st; i++)
    if (!strcmp(kl.shape[i].exchange, "subgroup") && !d->shuffles)
      st = rt_err(ctx, SYSRT_ERR_UNSUPPORTED,
                  "%s (%s) has no sub-group shuffles (cl_khr_subgroup_shuffle_relative), which "
                  "kernel '%s' of '%s' uses: build it with --target=spirv --gpu=generic",
                  dev->name, d->name, kl.shape[i].entry, img->name);
  ClModule *cm = st ? NULL : rt_alloc(ctx, sizeof *cm);
  if (!st && !cm)
    st = rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory loading '%s'", img->name);
  mod->drv = cm;
  cl_int e = CL_SUCCESS;
  const char *opts = "";
  if (!st && d->il) {
    cm->prog = cl.clCreateProgramWithIL(d->ctx, img->data, img->size, &e);
  } else if (!st && d->spir) {
    unsigned char *bc = NULL;
    size_t n = 0;
    st = to_spir(ctx, img, &bc, &n);
    if (!st) {
      const unsigned char *bins[1] = {bc};
      cm->prog = cl.clCreateProgramWithBinary(d->ctx, 1, &d->id, &n, bins, NULL, &e);
      rt_free(ctx, bc, n);
      opts = "-x spir -spir-std=1.2";
    }
  } else if (!st) {
    st = rt_err(ctx, SYSRT_ERR_UNSUPPORTED, "%s (%s) takes neither SPIR-V nor SPIR 1.2", dev->name,
                d->name);
  }
  if (!st && !cm->prog)
    st = rt_err(ctx, SYSRT_ERR_LOAD, "%s refused the program of '%s' (error %d)", dev->name,
                img->name, e);
  if (!st && (e = cl.clBuildProgram(cm->prog, 1, &d->id, opts, NULL, NULL)) != CL_SUCCESS) {
    char log[2048] = "";
    cl.clGetProgramBuildInfo(cm->prog, d->id, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
    st = rt_err(ctx, SYSRT_ERR_LOAD, "%s could not build '%s' (error %d): %s", dev->name, img->name,
                e, log);
  }
  for (int i = 0; i < kl.n && !st; i++) {
    ClKernel ck = {NULL, kl.shape[i]};
    ck.k = cl.clCreateKernel(cm->prog, kl.shape[i].entry, &e);
    if (!ck.k) {
      st = rt_err(ctx, SYSRT_ERR_LOAD, "'%s' has no entry point %s (error %d)", img->name,
                  kl.shape[i].entry, e);
      break;
    }
    if (cm->nk == SYSRT_MAX_TENSORS) {
      cl.clReleaseKernel(ck.k);
      st = rt_err(ctx, SYSRT_ERR_LOAD, "'%s' has more than %d kernels", img->name, cm->nk);
      break;
    }
    cm->ks[cm->nk++] = ck.k;
    st = rt_module_add_kernel(mod, kl.shape[i].entry, kl.desc[i], &ck, sizeof ck);
  }
  gpu_kernels_free(&kl);
  return st;
}

static void ocl_unload(SysrtModule *mod) {
  ClModule *cm = mod->drv;
  if (!cm)
    return;
  /* the kernels are gone: release their cl_kernels, then the program */
  for (int i = 0; i < cm->nk; i++)
    cl.clReleaseKernel(cm->ks[i]);
  if (cm->prog)
    cl.clReleaseProgram(cm->prog);
  rt_free(mod->obj.ctx, cm, sizeof *cm);
  mod->drv = NULL;
}

/* ---- launches ---- */

static SysrtStatus ocl_launch(SysrtKernel *k, void *const *mem, const int64_t *sizes,
                              const SysrtLaunchOptions *opt, int64_t *work_items) {
  SysrtContext *ctx = k->obj.ctx;
  SysrtDevice *dev = k->mod->dev;
  ClDevice *d = dev->drv;
  const ClKernel *ck = (const ClKernel *)k->drv;
  const GpuShape *s = &ck->shape;
  int64_t items, scratch_bytes;
  SysrtStatus st = gpu_shape_launch(k, s, sizes, &items, &scratch_bytes);
  *work_items = items;
  if (st != SYSRT_OK || items == 0)
    return st;
  pthread_mutex_lock(&d->launch);
  cl_int e = CL_SUCCESS;
  cl_mem scr = NULL;
  cl_uint a = 0;
  for (int t = 0; t < k->desc.info.ntensors && e == CL_SUCCESS; t++)
    e = cl.clSetKernelArg(ck->k, a++, sizeof(cl_mem), &mem[t]);
  for (int i = 0; i < k->desc.nargs && e == CL_SUCCESS; i++) /* sizes, i16 exponents */
    e = cl.clSetKernelArg(ck->k, a++, sizeof(int64_t), &sizes[i]);
  if (s->nscratch && e == CL_SUCCESS) {
    scr = cl.clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, (size_t)scratch_bytes, NULL, &e);
    if (scr)
      e = cl.clSetKernelArg(ck->k, a++, sizeof(cl_mem), &scr);
  }
  int64_t first = 0;
  if (e == CL_SUCCESS)
    e = cl.clSetKernelArg(ck->k, a++, sizeof first, &first);
  size_t groups = (size_t)((items + s->per_group - 1) / s->per_group);
  size_t local = (size_t)s->threads, global = groups * local;
  cl_event ev = NULL;
  if (e == CL_SUCCESS)
    e = cl.clEnqueueNDRangeKernel(d->q, ck->k, 1, NULL, &global, &local, 0, NULL, &ev);
  if (e == CL_SUCCESS)
    e = cl.clWaitForEvents(1, &ev);
  /* the queue profiles (device_open): the kernel's start and end on the device; where
     the device cannot say, the runtime reports the wall time */
  cl_ulong t[2] = {0, 0};
  if (e == CL_SUCCESS && opt->device_ns &&
      cl.clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof t[0], &t[0], NULL) == CL_SUCCESS &&
      cl.clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof t[1], &t[1], NULL) == CL_SUCCESS)
    *opt->device_ns = t[1] > t[0] ? t[1] - t[0] : 0;
  if (ev)
    cl.clReleaseEvent(ev);
  if (scr)
    cl.clReleaseMemObject(scr);
  pthread_mutex_unlock(&d->launch);
  if (e != CL_SUCCESS)
    return rt_err(ctx, SYSRT_ERR_LAUNCH, "%s: kernel '%s' failed (OpenCL error %d)", dev->name,
                  k->sym, e);
  return SYSRT_OK;
}

const SysrtDriverOps opencl_driver_ops = {
  .kind = "opencl",
  .target = "spirv",
  .unit = "compute unit",
  .probe = ocl_probe,
  .device_open = ocl_device_open,
  .device_close = ocl_device_close,
  .buffer_alloc = ocl_buffer_alloc,
  .buffer_free = ocl_buffer_free,
  .buffer_write = ocl_buffer_write,
  .buffer_read = ocl_buffer_read,
  .load = ocl_load,
  .find = NULL,
  .unload = ocl_unload,
  .launch = ocl_launch,
};
