/*
 * sysrt: the sysc runtime. Devices, buffers, compiled kernels, launches.
 *
 * A program creates a context, picks a device ("host" now; "cuda:0", "level-zero:0" and
 * "opencl:0" later, behind the same calls), creates buffers on it, loads a module that
 * holds compiled kernels (a shared library, an object file or LLVM IR built by `sysc
 * build`, an LLVM module built in process, or functions linked into the program), gets a
 * kernel by name and launches it with one buffer per tensor and one value per size.
 * docs/runtime.md is the guide: the kernel ABI, the description text, an example.
 *
 * Conventions of this header:
 * - Every object is an opaque handle with a create/destroy pair (devices and kernels are
 *   owned by their context and module and have no destroy). Destroying a context destroys
 *   everything created from it; destroying a module invalidates its kernels.
 * - Every call that can fail returns a SysrtStatus and never aborts, exits or prints. The
 *   details of the last failure on a context ("tensor 'b' has 120 bytes, the kernel needs
 *   2040 for N=17, K=30") are in sysrt_last_error(ctx).
 * - Every call checks its handles first. NULL is SYSRT_ERR_INVALID_HANDLE. A handle used
 *   after its destroy is detected (SYSRT_ERR_INVALID_HANDLE, "... was destroyed") while it
 *   is among the last SYSRT_QUARANTINE objects destroyed in its context; later it is
 *   undefined, as is any use of a destroyed context.
 * - Threads: independent contexts share nothing. Calls on one context may come from several
 *   threads, except that an object must not be destroyed while another thread uses it, and
 *   a buffer must not be written or read while a launch that uses it runs. Launches on one
 *   device are serialized. The last-error message is per context: with several threads
 *   failing on one context at once, the status codes are exact but the message is the
 *   latest one.
 * - The allocator hook (SysrtAllocator) serves the runtime's own memory and host buffers.
 *   LLVM's JIT, the dynamic loader and the thread library allocate on their own.
 * - Sizes and extents are int64_t; byte counts are size_t.
 */
#ifndef SYSRT_H
#define SYSRT_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && defined(SYSRT_SHARED)
#define SYSRT_API __declspec(dllexport)
#elif defined(__GNUC__)
#define SYSRT_API __attribute__((visibility("default")))
#else
#define SYSRT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The versions of the kernel description text this runtime reads ("sysc-kernel 3"; sysc
   writes the newest). Version 3 kernels may read the exponents of their i16 tensors after
   the sizes (sysrt_buffer_set_exponent); version 2 ones have no i16 tensors. Version 1
   kernels returned nothing from _run; they are refused (rebuild them). */
#define SYSRT_DESC_VERSION 3
#define SYSRT_DESC_VERSION_MIN 2
/* Largest tensor rank, number of size parameters and number of tensors of a kernel. */
#define SYSRT_MAX_RANK 8
#define SYSRT_MAX_SIZES 32
#define SYSRT_MAX_TENSORS 64
/* How many destroyed handles per context are still recognised as destroyed. */
#define SYSRT_QUARANTINE 64

/* ORDER STATUS: the name and message tables in runtime/api.c follow this order. */
typedef enum SysrtStatus {
  SYSRT_OK = 0,
  SYSRT_ERR_INVALID_ARGUMENT, /* NULL pointer, count or value out of range, wrong counts */
  SYSRT_ERR_INVALID_HANDLE,   /* NULL, destroyed or foreign handle */
  SYSRT_ERR_NO_DEVICE,        /* the driver is there but has no such device */
  SYSRT_ERR_NO_DRIVER,        /* the device kind is not built in or its library is missing */
  SYSRT_ERR_OUT_OF_MEMORY,    /* the allocator or the device refused */
  SYSRT_ERR_LOAD,             /* a module could not be read, loaded, compiled or linked */
  SYSRT_ERR_NO_KERNEL,        /* the module has no kernel of that name */
  SYSRT_ERR_BAD_DESC,         /* a kernel's description text is malformed */
  SYSRT_ERR_SIZE_MISMATCH,    /* a buffer is smaller than the kernel needs for the sizes */
  SYSRT_ERR_OUT_OF_RANGE,     /* a buffer access past its end; sizes past a kernel's 32-bit indexes */
  SYSRT_ERR_UNSUPPORTED,      /* valid, but not supported by this device or runtime yet */
  SYSRT_ERR_LAUNCH,           /* the kernel refused the launch (e.g. a negative work count) */
  SYSRT_STATUS_COUNT
} SysrtStatus;

/* ORDER TYPE: the name and size tables in runtime/desc.c follow this order. The names are
   the ones of the description text and of sysc's element types. */
typedef enum SysrtType {
  SYSRT_F32,        /* "f32"  4 bytes */
  SYSRT_F16,        /* "f16"  2 bytes */
  SYSRT_BF16,       /* "bf16" 2 bytes */
  SYSRT_FP8_E4M3,   /* "fp8e4m3" 1 byte */
  SYSRT_FP8_E5M2,   /* "fp8e5m2" 1 byte */
  SYSRT_MXFP8_E4M3, /* "mxfp8e4m3": MX: codes, then scales (docs/runtime.md) */
  SYSRT_MXFP8_E5M2, /* "mxfp8e5m2" */
  SYSRT_MXFP6_E3M2, /* "mxfp6e3m2" */
  SYSRT_MXFP6_E2M3, /* "mxfp6e2m3" */
  SYSRT_MXFP4_E2M1, /* "mxfp4e2m1" */
  SYSRT_MXINT8,     /* "mxint8" */
  SYSRT_I16,        /* "i16"  2 bytes */
  SYSRT_I32,        /* "i32"  4 bytes */
  SYSRT_TYPE_COUNT
} SysrtType;

typedef struct SysrtContext SysrtContext;
typedef struct SysrtDevice SysrtDevice;
typedef struct SysrtBuffer SysrtBuffer;
typedef struct SysrtModule SysrtModule;
typedef struct SysrtKernel SysrtKernel;

/* The allocator hook. alloc returns `bytes` bytes aligned to `align` (a power of two, at
   most 4096) or NULL; free receives the same bytes. Both may be called from any thread
   that calls into the runtime and from none other. NULL in sysrt_context_create means
   the C library (aligned_alloc and free). */
typedef struct SysrtAllocator {
  void *(*alloc)(void *user, size_t bytes, size_t align);
  void (*free)(void *user, void *ptr, size_t bytes);
  void *user;
} SysrtAllocator;

/* ---- status and errors ---- */

/* "SYSRT_ERR_SIZE_MISMATCH"; "SYSRT_STATUS_?" for values outside the enum. */
SYSRT_API const char *sysrt_status_name(SysrtStatus status);
/* A sentence: "a buffer is smaller than the kernel needs". Never NULL. */
SYSRT_API const char *sysrt_status_str(SysrtStatus status);
/* The message of the last call on ctx that failed ("" if none has). Calls that succeed
   leave it alone. Valid until the next failure on ctx or its destroy. A NULL or invalid
   ctx gives a fixed text. Errors found on a handle whose context cannot be known (NULL,
   or never created) return SYSRT_ERR_INVALID_HANDLE without a message. */
SYSRT_API const char *sysrt_last_error(const SysrtContext *ctx);

/* ---- element types ---- */

/* "f32"; NULL outside the enum. */
SYSRT_API const char *sysrt_type_name(SysrtType type);
/* Bytes per element: 4, 2 or 1; 0 for the MX types (blocks of elements and a scale). */
SYSRT_API size_t sysrt_type_size(SysrtType type);

/* ---- contexts ---- */

/* Creates a context. alloc may be NULL; it is copied. Devices are probed lazily. */
SYSRT_API SysrtStatus sysrt_context_create(const SysrtAllocator *alloc, SysrtContext **out);
/* Destroys ctx and every device, buffer, module and kernel it owns. NULL is a no-op. */
SYSRT_API SysrtStatus sysrt_context_destroy(SysrtContext *ctx);

/* ---- device kinds (drivers) and devices ---- */

typedef struct SysrtDriverInfo {
  const char *kind;    /* "host", "cuda", "level-zero", "opencl" */
  int devices;         /* how many devices it has; 0 when unavailable */
  const char *reason;  /* why it has none ("not built into this runtime yet"); "" if some */
} SysrtDriverInfo;

/* The number of device kinds this runtime knows of (available or not). */
SYSRT_API int sysrt_driver_count(void);
/* Probes kind `index` (once per context) and describes it. Strings live as long as ctx. */
SYSRT_API SysrtStatus sysrt_driver_info(SysrtContext *ctx, int index, SysrtDriverInfo *out);
/* Writes a human-readable table of the kinds and their devices, or of why a kind has none,
   to buf (NUL-terminated, truncated to cap bytes). *len (may be NULL) receives the length
   of the whole text, so a second call with cap > *len gets all of it. buf may be NULL
   when cap is 0. This is what `sysc devices` prints. */
SYSRT_API SysrtStatus sysrt_devices(SysrtContext *ctx, char *buf, size_t cap, size_t *len);

/* The number of available devices of every kind. */
SYSRT_API SysrtStatus sysrt_device_count(SysrtContext *ctx, int *count);
/* Device `index` of the available devices, in the order of sysrt_devices. */
SYSRT_API SysrtStatus sysrt_device_at(SysrtContext *ctx, int index, SysrtDevice **out);
/* A device by spec: "kind" or "kind:index" ("host", "cuda:1"). NULL or "" means the
   SYSRT_DEVICE environment variable if set, else the first available device. Unknown kind:
   SYSRT_ERR_INVALID_ARGUMENT; kind without a driver: SYSRT_ERR_NO_DRIVER (with the
   reason); index past the last device: SYSRT_ERR_NO_DEVICE. The same spec gives the same
   handle; devices are owned by ctx. */
SYSRT_API SysrtStatus sysrt_device_get(SysrtContext *ctx, const char *spec, SysrtDevice **out);

typedef struct SysrtDeviceInfo {
  const char *kind;    /* "host" */
  const char *name;    /* "host:0" */
  const char *target;  /* the `target` kernels for it declare in their description: "host" */
  int index;           /* among the devices of its kind */
  int units;           /* parallel units: threads a launch uses by default on the host */
  int mappable;        /* 1 if sysrt_buffer_map gives a pointer into the buffer itself */
} SysrtDeviceInfo;

/* "host:0"; NULL for an invalid handle. */
SYSRT_API const char *sysrt_device_name(const SysrtDevice *dev);
/* Strings live as long as the device's context. */
SYSRT_API SysrtStatus sysrt_device_info(const SysrtDevice *dev, SysrtDeviceInfo *out);

/* ---- buffers ---- */

/* Creates a buffer of `bytes` (>= 1) bytes on dev, filled with zeros, 64-byte aligned. */
SYSRT_API SysrtStatus sysrt_buffer_create(SysrtDevice *dev, size_t bytes, SysrtBuffer **out);
/* NULL is a no-op. A mapping ends with the buffer. */
SYSRT_API SysrtStatus sysrt_buffer_destroy(SysrtBuffer *buf);
/* The size given at creation; 0 for an invalid handle. */
SYSRT_API size_t sysrt_buffer_size(const SysrtBuffer *buf);
/* Copies bytes from src into the buffer at offset; SYSRT_ERR_OUT_OF_RANGE past its end.
   Returns when the copy is done. */
SYSRT_API SysrtStatus sysrt_buffer_write(SysrtBuffer *buf, size_t offset, const void *src,
                                         size_t bytes);
/* Copies bytes from the buffer at offset into dst. */
SYSRT_API SysrtStatus sysrt_buffer_read(const SysrtBuffer *buf, size_t offset, void *dst,
                                        size_t bytes);
/* A pointer to the buffer's contents in this process, where the device allows it (host:
   always; the pointer stays the same until destroy and unmap is a no-op). Portable code
   unmaps before launching with the buffer. SYSRT_ERR_UNSUPPORTED where not mappable. */
SYSRT_API SysrtStatus sysrt_buffer_map(SysrtBuffer *buf, void **ptr);
SYSRT_API SysrtStatus sysrt_buffer_unmap(SysrtBuffer *buf);
/* The shared exponent Es of the INT16 dynamic fixed point codes q the buffer holds: a
   kernel reads its element as q * 2^Es, rounded to FP32 (numerics.md §8). Read where the
   buffer is an i16 tensor of a launch; 0 until set. |exponent| <= 1000, else
   SYSRT_ERR_INVALID_ARGUMENT. */
SYSRT_API SysrtStatus sysrt_buffer_set_exponent(SysrtBuffer *buf, int32_t exponent);

/* ---- modules ---- */

/* The kernel ABI (docs/runtime.md): a kernel `sym` is sym_count, sym_run and sym_desc. */
typedef int64_t (*SysrtCountFn)(const int64_t *sizes);
/* Runs work items begin .. end-1; 0, or 1 when the kernel could not allocate its work
   buffers (the launch then fails with SYSRT_ERR_OUT_OF_MEMORY). */
typedef int (*SysrtRunFn)(void *const *tensors, const int64_t *sizes, int64_t begin,
                          int64_t end);

/* Loads a module from a file. The type comes from the contents: an ELF shared library
   (dlopen), an ELF relocatable object (linked by the JIT), LLVM bitcode (compiled by the
   JIT) or, for a name ending in ".ll", LLVM IR text. Missing or unreadable file, unknown
   contents, link or compile errors: SYSRT_ERR_LOAD. Kernels whose description is malformed
   are reported by sysrt_kernel_get, not here. */
SYSRT_API SysrtStatus sysrt_module_load_file(SysrtDevice *dev, const char *path,
                                             SysrtModule **out);
/* The same from memory: an object file, bitcode, or IR text (when `name` ends in ".ll").
   The runtime copies what it needs; data may be freed on return. name (may be NULL) is
   used in messages. Shared libraries must come from a file (SYSRT_ERR_UNSUPPORTED). */
SYSRT_API SysrtStatus sysrt_module_load_memory(SysrtDevice *dev, const void *data,
                                               size_t bytes, const char *name,
                                               SysrtModule **out);
/* Compiles an LLVM module built in this process (an LLVMModuleRef, passed as void * so that
   this header needs no LLVM). The module is borrowed: the runtime verifies it and compiles
   a copy in its own LLVM context, so the caller keeps it and its LLVMContext, may dispose
   of them as soon as this returns, and must not use that LLVMContext from another thread
   during the call. Invalid IR: SYSRT_ERR_LOAD with the verifier's message. */
SYSRT_API SysrtStatus sysrt_module_load_llvm(SysrtDevice *dev, void *llvm_module,
                                             SysrtModule **out);

/* A kernel linked into the program, for sysrt_module_from_symbols. */
typedef struct SysrtKernelSymbols {
  const char *name;     /* "sysk_gemm_output_stationary" */
  SysrtCountFn count;
  SysrtRunFn run;
  const char *desc;     /* the description text */
} SysrtKernelSymbols;
/* SYSRT_KERNEL_SYMBOLS(sysk_gemm_output_stationary) after declaring the three symbols. */
#define SYSRT_KERNEL_SYMBOLS(sym) {#sym, sym##_count, sym##_run, sym##_desc}

/* A module of kernels linked into the program (host devices only). The names and texts are
   copied; the functions must stay callable as long as the module lives. Each description is
   parsed here: a malformed one fails the call with SYSRT_ERR_BAD_DESC. */
SYSRT_API SysrtStatus sysrt_module_from_symbols(SysrtDevice *dev,
                                                const SysrtKernelSymbols *kernels, int count,
                                                SysrtModule **out);
/* Unloads the module; its kernels become invalid. NULL is a no-op. */
SYSRT_API SysrtStatus sysrt_module_destroy(SysrtModule *mod);
/* The kernels the module holds (symbols with all of _count, _run and _desc). A stripped
   shared library may hold kernels it cannot list; sysrt_kernel_get still finds them. */
SYSRT_API SysrtStatus sysrt_module_kernel_count(const SysrtModule *mod, int *count);
/* The symbol of kernel `index`; the string lives as long as the module. */
SYSRT_API SysrtStatus sysrt_module_kernel_name(const SysrtModule *mod, int index,
                                               const char **name);

/* ---- kernels ---- */

/* The kernel `sym` ("sysk_gemm_output_stationary"). Absent: SYSRT_ERR_NO_KERNEL, and the
   message lists what the module has. Malformed description: SYSRT_ERR_BAD_DESC. A kernel
   for another target than the device's: SYSRT_ERR_UNSUPPORTED. The handle is owned by the
   module; getting it twice gives the same handle. */
SYSRT_API SysrtStatus sysrt_kernel_get(SysrtModule *mod, const char *sym, SysrtKernel **out);
/* The kernel whose description says `kernel <kernel>` and `mapping <mapping>`. mapping may
   be NULL when the module has one mapping of that kernel; else SYSRT_ERR_INVALID_ARGUMENT
   and the message lists the mappings. */
SYSRT_API SysrtStatus sysrt_kernel_find(SysrtModule *mod, const char *kernel,
                                        const char *mapping, SysrtKernel **out);

typedef struct SysrtTensorInfo {
  const char *name;   /* "a" */
  int output;         /* 1 for `out` tensors */
  SysrtType type;
  int rank;
  const char *shape;  /* the extents as text: "[M, K]", "[N + K - 1]" */
} SysrtTensorInfo;

typedef struct SysrtKernelInfo {
  const char *symbol;              /* "sysk_gemm_output_stationary" */
  const char *kernel;              /* "gemm" */
  const char *mapping;             /* "output_stationary"; "" if not given */
  const char *target;              /* "host"; "" if not given */
  int nsizes;                      /* size parameters, in launch order */
  const char *const *size_names;   /* "M", "N", "K" */
  int ntensors;                    /* tensors, in launch order */
  const SysrtTensorInfo *tensors;
  const char *desc;                /* the description text itself */
} SysrtKernelInfo;

/* Everything lives as long as the kernel's module. */
SYSRT_API SysrtStatus sysrt_kernel_info(const SysrtKernel *k, SysrtKernelInfo *out);
/* The extents (dims, `rank` entries; may be NULL) and the bytes (may be NULL) of tensor
   `tensor` for these sizes. Sizes < 1, extents < 1 or overflow: SYSRT_ERR_INVALID_ARGUMENT;
   MX tensors: the codes and the scales (docs/runtime.md). */
SYSRT_API SysrtStatus sysrt_kernel_tensor_shape(const SysrtKernel *k, int tensor,
                                                const int64_t *sizes, int nsizes,
                                                int64_t *dims, size_t *bytes);

/* ---- launches ---- */

/* A zeroed struct (SYSRT_LAUNCH_OPTIONS_INIT) or a NULL pointer means the defaults. */
typedef struct SysrtLaunchOptions {
  int threads;          /* host: threads that run work items, the caller's included. 0: the
                           SYSRT_NUM_THREADS environment variable, else the online CPUs */
  int64_t chunk;        /* host: work items taken at a time; 0: chosen from the count */
  uint64_t *elapsed_ns; /* if not NULL, receives the launch's wall time in nanoseconds */
  int64_t *work_items;  /* if not NULL, receives the kernel's work-item count */
  uint64_t *device_ns;  /* if not NULL, receives the kernel's own time on the device in
                           nanoseconds, without the launch call around it: CUDA events
                           (cuda), the queue's profiling (opencl); where a driver has no
                           such clock (host, level-zero), the wall time */
} SysrtLaunchOptions;

#define SYSRT_LAUNCH_OPTIONS_INIT {0, 0, NULL, NULL, NULL}

/* Runs kernel k over all of its work items and returns when they are done. tensors holds
   one buffer per tensor of the kernel, in its order, and sizes one value per size
   parameter. Checked first, each with its own message: every handle; the counts; every
   size >= 1 and every extent >= 1; each buffer on k's device and at least as large as its
   tensor needs (else SYSRT_ERR_SIZE_MISMATCH); no buffer both an output and another
   tensor. A kernel whose count is negative: SYSRT_ERR_LAUNCH. A GPU kernel of 32-bit
   indexes (sysc build's default) where a tensor has 2^31 elements or more:
   SYSRT_ERR_OUT_OF_RANGE. */
SYSRT_API SysrtStatus sysrt_launch(SysrtKernel *k, SysrtBuffer *const *tensors, int ntensors,
                                   const int64_t *sizes, int nsizes,
                                   const SysrtLaunchOptions *opt);

#ifdef __cplusplus
}
#endif

#endif
