/*
 * The runtime's private header: the objects behind the public handles, the driver table,
 * and the functions the files share (prefix rt_; the host driver's are host_, in
 * host/host.h).
 *
 * The shape follows the OpenCL ICD loader and PoCL. runtime/api.c is the only door: every
 * public call checks its handles (a magic number in each object's header, turned into a
 * "destroyed" value on destroy) and its arguments, then dispatches through the device's
 * SysrtDriverOps. A driver therefore sees only live objects and checked arguments, and
 * reports failures with rt_err(), which records the message in the context.
 *
 * Memory: every runtime allocation goes through the context's allocator (rt_alloc). Objects
 * are freed on destroy except for their header-carrying shell, which waits in the context's
 * quarantine (the last SYSRT_QUARANTINE destroyed objects) so that a stale handle reads a
 * "destroyed" magic instead of freed memory. Kernel descriptions live in a per-kernel arena.
 */
#ifndef RT_H
#define RT_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "sysrt.h"

/* Functions shared between the runtime's files: hidden from the shared library's users. */
#if defined(__GNUC__)
#define RT_FUNC __attribute__((visibility("hidden")))
#else
#define RT_FUNC
#endif

/* ---- objects ---- */

/* Magic numbers of live objects; a destroyed one has RT_DEAD_BIT added. */
enum {
  RT_MAGIC_CONTEXT = 0x53724378, /* "SrCx" */
  RT_MAGIC_DEVICE = 0x53724476,  /* "SrDv" */
  RT_MAGIC_BUFFER = 0x53724266,  /* "SrBf" */
  RT_MAGIC_MODULE = 0x53724d64,  /* "SrMd" */
  RT_MAGIC_KERNEL = 0x53724b6e,  /* "SrKn" */
  RT_DEAD_BIT = 0x20000000
};

/* The header of every object. */
typedef struct RtObj {
  uint32_t magic;
  size_t size;               /* bytes of the whole allocation, for rt_free */
  SysrtContext *ctx;
  struct RtObj *prev, *next; /* the owner's list of live objects of this kind */
} RtObj;

typedef struct RtList {
  RtObj *head, *tail;
} RtList;

/* Bump allocation for things that die together (a kernel's parsed description). */
typedef struct RtArena {
  SysrtContext *ctx;
  struct RtChunk *chunks;
} RtArena;

typedef struct SysrtDriverOps SysrtDriverOps;

/* What a driver knows about one kind of device, once probed. */
typedef struct RtDriverState {
  int probed;
  int ndevices;               /* -1: the kind is unavailable (no driver, no vendor library) */
  char reason[256];
  SysrtDevice **devices; /* ndevices entries, opened on first use */
} RtDriverState;

/* The device kinds: ORDER DRIVER, see rt_drivers in api.c. */
#define RT_NDRIVERS 4

struct SysrtContext {
  RtObj obj;
  SysrtAllocator alloc;
  pthread_mutex_t mu;         /* the lists below, driver states, the quarantine */
  pthread_mutex_t err_mu;     /* err */
  RtDriverState drivers[RT_NDRIVERS];
  RtList buffers, modules;
  RtObj *quarantine[SYSRT_QUARANTINE];
  int nquarantine, quarantine_next;
  char err[1024];
};

struct SysrtDevice {
  RtObj obj;
  const SysrtDriverOps *ops;
  int index;
  char name[48];              /* "host:0" */
  int units;                  /* default parallelism, set by device_open */
  void *drv;                  /* the driver's state */
};

struct SysrtBuffer {
  RtObj obj;
  SysrtDevice *dev;
  size_t bytes;
  void *mem;                  /* what a launch passes to the kernel: a device address */
  void *host;                 /* the contents in this process, or NULL if not mappable */
  void *drv;
  int32_t exponent;           /* of its i16 codes (sysrt_buffer_set_exponent) */
};

/* What sysrt_module_load_* hands a driver. */
typedef enum RtImageKind {
  RT_IMAGE_SHARED,   /* ELF shared library: path */
  RT_IMAGE_OBJECT,   /* ELF relocatable object: data */
  RT_IMAGE_IR,       /* LLVM bitcode or IR text: data */
  RT_IMAGE_LLVM,     /* an LLVMModuleRef: llvm (borrowed) */
  RT_IMAGE_SYMBOLS,  /* functions of the program: symbols */
  RT_IMAGE_PTX,      /* PTX text (sysc build --target=ptx): data */
  RT_IMAGE_SPIRV     /* a SPIR-V module (sysc build --target=spirv): data */
} RtImageKind;

typedef struct RtImage {
  RtImageKind kind;
  const char *name;           /* for messages: the path, or "<memory>" */
  const char *path;
  const void *data;
  size_t size;
  void *llvm;
  const SysrtKernelSymbols *symbols;
  int nsymbols;
} RtImage;

struct SysrtModule {
  RtObj obj;
  SysrtDevice *dev;
  char *name;                 /* the file name, for messages */
  RtList kernels;             /* in the order the driver added them */
  int nkernels;
  int listed;                 /* 0 if the driver could not list all kernels (stripped) */
  void *drv;
};

/* A kernel's parsed description (runtime/desc.c). coef[t][d] is an affine form over the
   sizes: coef[0] + coef[1]*size0 + ... (nsizes + 1 entries). */
typedef struct RtDesc {
  SysrtKernelInfo info;       /* symbol is filled by the module */
  SysrtTensorInfo *tensors;   /* info.tensors */
  const char **size_names;
  int64_t *size_fixed;        /* the value a size was compiled for (`size R 3`), or 0 */
  int64_t **coef;             /* [ntensors][rank * (nsizes + 1)] */
  int *block_axis;            /* MX tensors: the axis of their blocks of 32 (a `block`
                                 line, else the last); -1 for the others */
  int nargs;                  /* the sizes, then the exponent of each i16 tensor: what a
                                 launch passes the kernel after its tensors */
} RtDesc;

struct SysrtKernel {
  RtObj obj;
  SysrtModule *mod;
  char *sym;
  char *desc_text;            /* a copy of the text */
  RtArena arena;              /* sym, desc_text, desc */
  SysrtStatus desc_status;    /* SYSRT_OK, or why the description cannot be used */
  char *desc_err;             /* the message for desc_status */
  RtDesc desc;
  max_align_t drv[];          /* the driver's per-kernel data (rt_module_add_kernel) */
};

/* ---- drivers ---- */

/*
 * One table per device kind. api.c calls these with checked handles and arguments, never
 * two at once on one buffer or module, and with no runtime lock held (a driver may take
 * its own). Each returns SYSRT_OK or the status of rt_err(ctx, ...), which it has called
 * to say why. Entries the kind does not support may be NULL where noted.
 */
struct SysrtDriverOps {
  const char *kind;           /* "host": the spec prefix of its devices */
  const char *target;         /* the desc `target` its kernels have: "host" */
  const char *unit;           /* what SysrtDevice.units counts: "thread", "SM" */

  /* How many devices this kind has in this process. -1 when the kind cannot work here (the
     vendor library is missing: "libcuda.so.1 not found") and 0 when it works but has no
     device, both with `reason` filled. Called once per context, under the context's lock:
     must not call back into the public API. Loads the vendor library lazily (rt_lib_open). */
  int (*probe)(SysrtContext *ctx, char *reason, size_t reason_size);
  /* Opens device dev->index: sets dev->drv, dev->units. Called once, under the context's lock.
     device_close undoes it when the context is destroyed, after every buffer and module of the
     context is gone. */
  SysrtStatus (*device_open)(SysrtDevice *dev);
  void (*device_close)(SysrtDevice *dev);

  /* Allocates buf->bytes zeroed bytes: sets buf->mem, buf->host (NULL if not mappable) and
     buf->drv. buffer_free releases them; it cannot fail. */
  SysrtStatus (*buffer_alloc)(SysrtBuffer *buf);
  void (*buffer_free)(SysrtBuffer *buf);
  /* Copies in or out; the range is checked. NULL where buf->host is always set: api.c then
     uses memcpy. Called from any thread; concurrent calls touch disjoint buffers or only read. */
  SysrtStatus (*buffer_write)(SysrtBuffer *buf, size_t offset, const void *src, size_t bytes);
  SysrtStatus (*buffer_read)(const SysrtBuffer *buf, size_t offset, void *dst, size_t bytes);

  /* Loads an image into mod (sets mod->drv) and calls rt_module_add_kernel for every kernel
     in it, with the description text and the per-kernel data launch needs, and sets
     mod->listed = 0 if it could not list them all. Owns nothing of img after returning. A
     kind it cannot load: SYSRT_ERR_UNSUPPORTED. On failure, unload is still called. */
  SysrtStatus (*load)(SysrtModule *mod, const RtImage *img);
  /* For a symbol that load did not list (a stripped library): resolves it and calls
     rt_module_add_kernel, or returns SYSRT_ERR_NO_KERNEL without a message. Called under the
     context's lock (it appends to a published module): no public calls. May be NULL. */
  SysrtStatus (*find)(SysrtModule *mod, const char *sym);
  /* Releases mod->drv (NULL-safe). Called after the module's kernels are gone. */
  void (*unload)(SysrtModule *mod);

  /* Runs kernel k to completion. mem[i] is the buffer of tensor i (buf->mem); sizes are
     checked (count, >= 1, buffers large enough). Serializes launches on one device. Where
     opt->device_ns is set and the driver can time the device, it stores the kernels' own
     time there (else the wall time is reported). */
  SysrtStatus (*launch)(SysrtKernel *k, void *const *mem, const int64_t *sizes,
                        const SysrtLaunchOptions *opt, int64_t *work_items);
};

/* host/host.c */
RT_FUNC extern const SysrtDriverOps host_driver_ops;
/* cuda/cuda.c, level0/level0.c, opencl/opencl.c (docs/backends.md) */
RT_FUNC extern const SysrtDriverOps cuda_driver_ops;
RT_FUNC extern const SysrtDriverOps level0_driver_ops;
RT_FUNC extern const SysrtDriverOps opencl_driver_ops;

/* ---- api.c: contexts, memory, errors ---- */

/* Allocates from ctx's allocator; NULL on failure (the caller reports it). Zeroed. */
RT_FUNC void *rt_alloc(SysrtContext *ctx, size_t bytes);
RT_FUNC void *rt_alloc_aligned(SysrtContext *ctx, size_t bytes, size_t align);
RT_FUNC void rt_free(SysrtContext *ctx, void *p, size_t bytes);
/* Records a message for ctx and returns st. */
RT_FUNC SysrtStatus rt_err(SysrtContext *ctx, SysrtStatus st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
RT_FUNC SysrtStatus rt_verr(SysrtContext *ctx, SysrtStatus st, const char *fmt, va_list ap);
RT_FUNC void *rt_arena_alloc(RtArena *a, size_t bytes);
RT_FUNC char *rt_arena_strndup(RtArena *a, const char *s, size_t n);
RT_FUNC void rt_arena_free(RtArena *a);

/* Adds kernel `sym` with description `desc` to a loading module, copying both and the
   driver's `size` bytes of data. Parses the description: a malformed one is kept and
   reported by sysrt_kernel_get. Fails only for memory. */
RT_FUNC SysrtStatus rt_module_add_kernel(SysrtModule *mod, const char *sym, const char *desc,
                                         const void *data, size_t size);

/* ---- desc.c: kernel descriptions ---- */

/* Parses desc text into d, allocating from a. On failure returns SYSRT_ERR_BAD_DESC (or
   SYSRT_ERR_OUT_OF_MEMORY) with a message in err: "line 5: unknown element type 'f33'". */
RT_FUNC SysrtStatus rt_desc_parse(RtArena *a, const char *text, RtDesc *d, char *err,
                                  size_t errsize);
/* The extents and bytes of tensor t for sizes (all >= 1, nsizes entries): SYSRT_OK, or
   SYSRT_ERR_INVALID_ARGUMENT (an extent < 1, overflow) or SYSRT_ERR_UNSUPPORTED (MX types),
   with a message in err. dims and bytes may be NULL. */
RT_FUNC SysrtStatus rt_desc_shape(const RtDesc *d, int t, const int64_t *sizes, int64_t *dims,
                                  size_t *bytes, char *err, size_t errsize);
/* "M=13,N=11,K=17" into buf. */
RT_FUNC void rt_desc_format_sizes(const RtDesc *d, const int64_t *sizes, char *buf,
                                  size_t size);

/* ---- host/os.c: the operating-system seam (dynamic libraries, CPUs, time) ---- */

/* dlopen with RTLD_NOW | RTLD_LOCAL; NULL with the loader's message in err. */
RT_FUNC void *rt_lib_open(const char *path, char *err, size_t errsize);
RT_FUNC void *rt_lib_sym(void *lib, const char *name);
RT_FUNC void rt_lib_close(void *lib);
RT_FUNC int rt_cpu_count(void);
RT_FUNC uint64_t rt_now_ns(void);

#endif
