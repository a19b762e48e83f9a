/*
 * What the three GPU drivers (cuda/, level0/, opencl/) share, prefix gpu_: finding the
 * kernels' description texts inside a PTX or SPIR-V module, and reading the launch
 * shape that sysc adds to each (docs/backends.md, "The kernel ABI"):
 *
 *   gpu-entry NAME           the entry point
 *   gpu-group THREADS ARRAYS threads per group (block, work-group), arrays it runs
 *   gpu-lanes L WIDTH HOW    lanes of an array, threads per array, how they exchange
 *                            (warp, subgroup, local)
 *   gpu-items STRIDE EXTENT  one per parallel loop: the work items are the product of
 *                            ceil(EXTENT / STRIDE), EXTENT an affine form of the sizes
 *   gpu-scratch NAME EXTENT...  a spill buffer: the product of the extents, in floats,
 *                            per work item
 *   gpu-index32 BOUND        the kernel indexes in 32 bits: a launch needs every tensor,
 *                            the scratch, the threads and BOUND (an affine form of the
 *                            sizes) below 2^31
 *
 * The entry takes the tensors' device addresses, each size as a 64-bit integer, the
 * scratch buffer's address when there are gpu-scratch lines, and the first work item.
 */
#ifndef RT_GPU_H
#define RT_GPU_H

#include "../rt.h"

enum { GPU_MAXITEMS = 16, GPU_MAXSCRATCH = 16, GPU_MAXFACTORS = 16 };

typedef struct GpuShape {
  char entry[128];
  int threads, per_group, lanes, width;
  char exchange[16];
  int nsizes;
  int nitems;
  int64_t item_stride[GPU_MAXITEMS];
  int64_t item_ext[GPU_MAXITEMS][SYSRT_MAX_SIZES + 1];
  int nscratch;
  int nfactors[GPU_MAXSCRATCH];
  int64_t factor[GPU_MAXSCRATCH][GPU_MAXFACTORS][SYSRT_MAX_SIZES + 1];
  int index32;
  int64_t index_bound[SYSRT_MAX_SIZES + 1];
} GpuShape;

/* Reads the gpu- lines of a description with nsizes size lines. SYSRT_ERR_BAD_DESC with
   a message in err when they are missing or malformed. */
RT_FUNC SysrtStatus gpu_shape_parse(const char *desc, int nsizes, GpuShape *s, char *err,
                                    size_t errsize);
/* The work items of a launch of k with these sizes (set even when they overflow), and
   the bytes of scratch they need together (0 when none). SYSRT_ERR_LAUNCH, with the
   message in k's context, when either does not fit in 64 bits; SYSRT_ERR_OUT_OF_RANGE
   when a kernel of 32-bit indexes cannot take these sizes. */
RT_FUNC SysrtStatus gpu_shape_launch(SysrtKernel *k, const GpuShape *s, const int64_t *sizes,
                                     int64_t *items, int64_t *scratch_bytes);

/* Calls add(user, text) for each description in a module and returns the first status
   add returns that is not SYSRT_OK, or SYSRT_OK. PTX: the `//! ` comment lines, a
   description ending at a bare `//!`. SPIR-V: the OpString literals that begin with
   "sysc-kernel". */
typedef SysrtStatus (*GpuDescFn)(void *user, const char *text);
RT_FUNC SysrtStatus gpu_ptx_descs(SysrtContext *ctx, const char *text, size_t size, GpuDescFn add,
                                  void *user);
RT_FUNC SysrtStatus gpu_spirv_descs(SysrtContext *ctx, const void *data, size_t size, GpuDescFn add,
                                    void *user);

/* The kernels of a module and their shapes, as the GPU drivers keep them. */
typedef struct GpuKernelList {
  SysrtContext *ctx;
  int n;
  char **desc;      /* the texts, from rt_alloc */
  GpuShape *shape;
} GpuKernelList;
/* Collects the descriptions of a PTX (ptx != 0) or SPIR-V image; SYSRT_ERR_LOAD when there
   are none, SYSRT_ERR_BAD_DESC for a malformed gpu- line. */
RT_FUNC SysrtStatus gpu_kernels_read(SysrtContext *ctx, const RtImage *img, int ptx,
                                     GpuKernelList *out);
RT_FUNC void gpu_kernels_free(GpuKernelList *l);

#endif
