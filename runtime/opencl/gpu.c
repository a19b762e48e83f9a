/*
 * What the GPU drivers share (gpu.h): the descriptions sysc embeds in PTX and SPIR-V
 * modules, and the launch shape in their gpu- lines. Nothing here talks to a device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"

/* ---- the launch shape ---- */

static const char *line_end(const char *s) {
  const char *e = strchr(s, '\n');
  return e ? e : s + strlen(s);
}

/* "c0:c1,c2,..." with nsizes coefficients into a (nsizes + 1 entries); the end in *end. */
static int affine(const char *s, int nsizes, int64_t *a, const char **end) {
  char *e;
  a[0] = strtoll(s, &e, 10);
  if (e == s || *e != ':')
    return 0;
  s = e + 1;
  for (int i = 0; i < nsizes; i++) {
    a[i + 1] = strtoll(s, &e, 10);
    if (e == s || (i + 1 < nsizes && *e != ','))
      return 0;
    s = e + (i + 1 < nsizes);
  }
  *end = s;
  return 1;
}

/* c0 + sum c_i * size_i, or -1 when negative or past int64 */
static int64_t eval(const int64_t *a, int nsizes, const int64_t *sizes) {
  int64_t v = a[0];
  for (int i = 0; i < nsizes; i++) {
    int64_t t;
    if (__builtin_mul_overflow(a[i + 1], sizes[i], &t) || __builtin_add_overflow(v, t, &v))
      return -1;
  }
  return v < 0 ? -1 : v;
}

SysrtStatus gpu_shape_parse(const char *desc, int nsizes, GpuShape *s, char *err,
                            size_t errsize) {
  memset(s, 0, sizeof *s);
  s->nsizes = nsizes;
  int line = 0;
  for (const char *p = desc; *p; p = *line_end(p) ? line_end(p) + 1 : line_end(p)) {
    line++;
    const char *e = line_end(p), *end = NULL;
    int ok = 1, n = 0;
    if (!strncmp(p, "gpu-entry ", 10)) {
      ok = sscanf(p, "gpu-entry %127s", s->entry) == 1;
    } else if (!strncmp(p, "gpu-group ", 10)) {
      ok = sscanf(p, "gpu-group %d %d", &s->threads, &s->per_group) == 2 && s->threads > 0 &&
           s->per_group > 0;
    } else if (!strncmp(p, "gpu-lanes ", 10)) {
      ok = sscanf(p, "gpu-lanes %d %d %15s", &s->lanes, &s->width, s->exchange) == 3;
    } else if (!strncmp(p, "gpu-items ", 10)) {
      ok = s->nitems < GPU_MAXITEMS &&
           sscanf(p, "gpu-items %lld %n", (long long *)&s->item_stride[s->nitems], &n) == 1 &&
           s->item_stride[s->nitems] > 0 &&
           affine(p + n, nsizes, s->item_ext[s->nitems], &end) && end == e;
      s->nitems += ok;
    } else if (!strncmp(p, "gpu-index32 ", 12)) {
      ok = !s->index32 && affine(p + 12, nsizes, s->index_bound, &end) && end == e;
      s->index32 = ok;
    } else if (!strncmp(p, "gpu-scratch ", 12)) {
      const char *q = strchr(p + 12, ' ');
      int k = s->nscratch;
      ok = k < GPU_MAXSCRATCH && q && q < e;
      while (ok && q < e && *q == ' ' && s->nfactors[k] < GPU_MAXFACTORS) {
        ok = affine(q + 1, nsizes, s->factor[k][s->nfactors[k]], &q);
        s->nfactors[k] += ok;
      }
      ok &= q == e;
      s->nscratch += ok;
    }
    if (!ok) {
      snprintf(err, errsize, "line %d: malformed '%.*s'", line, (int)(e - p), p);
      return SYSRT_ERR_BAD_DESC;
    }
  }
  if (!s->entry[0] || !s->threads || !s->lanes) {
    snprintf(err, errsize, "no gpu-entry, gpu-group or gpu-lanes line: not a GPU kernel");
    return SYSRT_ERR_BAD_DESC;
  }
  return SYSRT_OK;
}

/* The number of work items for these sizes; -1 on overflow. */
static int64_t shape_items(const GpuShape *s, const int64_t *sizes) {
  int64_t n = 1;
  for (int i = 0; i < s->nitems; i++) {
    int64_t e = eval(s->item_ext[i], s->nsizes, sizes);
    if (e < 0)
      return -1;
    e = (e + s->item_stride[i] - 1) / s->item_stride[i];
    if (e && n > INT64_MAX / e)
      return -1;
    n *= e;
  }
  return n;
}

/* The floats of scratch one work item needs (0 when none); -1 on overflow. */
static int64_t shape_scratch(const GpuShape *s, const int64_t *sizes) {
  int64_t total = 0;
  for (int k = 0; k < s->nscratch; k++) {
    int64_t n = 1;
    for (int f = 0; f < s->nfactors[k]; f++) {
      int64_t e = eval(s->factor[k][f], s->nsizes, sizes);
      if (e < 0 || (e && n > INT64_MAX / e))
        return -1;
      n *= e;
    }
    if (total > INT64_MAX - n)
      return -1;
    total += n;
  }
  return total;
}

/* A kernel of 32-bit indexes computes offsets into each tensor and the scratch, work
   item numbers, and coordinates and time steps below its bound. */
static SysrtStatus index32_fits(SysrtKernel *k, const GpuShape *s, const int64_t *sizes,
                                int64_t items, int64_t scratch) {
  const int64_t lim = INT64_C(1) << 31;
  const char *why = NULL;
  char what[96];
  SysrtKernelInfo info;
  sysrt_kernel_info(k, &info);
  for (int t = 0; t < info.ntensors && !why; t++) {
    int64_t dims[SYSRT_MAX_RANK], n = 1;
    /* the launch has checked the shapes: they fit in 64 bits */
    sysrt_kernel_tensor_shape(k, t, sizes, s->nsizes, dims, NULL);
    for (int d = 0; d < info.tensors[t].rank; d++)
      n *= dims[d];
    snprintf(what, sizeof what, "tensor '%s' has %lld elements", info.tensors[t].name, (long long)n);
    why = n >= lim ? what : NULL;
  }
  int64_t bound = eval(s->index_bound, s->nsizes, sizes);
  if (!why && scratch >= lim)
    why = "its scratch has 2^31 floats or more";
  else if (!why && items >= lim - s->per_group)
    why = "it has 2^31 work items";
  else if (!why && (bound < 0 || bound >= lim))
    why = "its loop coordinates and time steps reach 2^31";
  if (!why)
    return SYSRT_OK;
  return rt_err(k->obj.ctx, SYSRT_ERR_OUT_OF_RANGE,
                "kernel '%s' indexes in 32 bits (sysc build's default for GPUs) and %s at these "
                "sizes: build it with --index-bits=64", k->sym, why);
}

SysrtStatus gpu_shape_launch(SysrtKernel *k, const GpuShape *s, const int64_t *sizes,
                             int64_t *items, int64_t *scratch_bytes) {
  int64_t n = shape_items(s, sizes), per = shape_scratch(s, sizes);
  *items = n;
  *scratch_bytes = 0;
  if (n < 0 || per < 0 || (per && n > INT64_MAX / 4 / per))
    return rt_err(k->obj.ctx, SYSRT_ERR_LAUNCH, "kernel '%s': too many work items or too much scratch",
                  k->sym);
  *scratch_bytes = n * per * 4;
  return s->index32 ? index32_fits(k, s, sizes, n, n * per) : SYSRT_OK;
}

/* ---- descriptions inside modules ---- */

SysrtStatus gpu_ptx_descs(SysrtContext *ctx, const char *text, size_t size, GpuDescFn add,
                          void *user) {
  char *d = rt_alloc(ctx, size + 1);
  if (!d)
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory reading a PTX module");
  size_t n = 0;
  SysrtStatus st = SYSRT_OK;
  for (size_t i = 0; i < size && !st;) {
    size_t j = i;
    while (j < size && text[j] != '\n')
      j++;
    if (j - i >= 3 && !memcmp(text + i, "//!", 3)) {
      const char *l = text + i + 3;
      size_t len = j - i - 3;
      if (len && *l == ' ') {
        memcpy(d + n, l + 1, len - 1);
        n += len - 1;
        d[n++] = '\n';
      } else if (n) { /* a bare //! ends one */
        d[n] = 0;
        st = add(user, d);
        n = 0;
      }
    }
    i = j + 1;
  }
  if (!st && n) {
    d[n] = 0;
    st = add(user, d);
  }
  rt_free(ctx, d, size + 1);
  return st;
}

SysrtStatus gpu_spirv_descs(SysrtContext *ctx, const void *data, size_t size, GpuDescFn add,
                            void *user) {
  (void)ctx;
  const unsigned char *b = data;
  size_t nw = size / 4;
  SysrtStatus st = SYSRT_OK;
  for (size_t i = 5; i < nw && !st;) {
    uint32_t w;
    memcpy(&w, b + 4 * i, 4);
    unsigned wc = w >> 16, op = w & 0xffff;
    if (wc == 0 || i + wc > nw)
      break;
    /* OpString: id, then the literal: bytes in order, NUL-terminated (little-endian words) */
    const char *s = (const char *)(b + 4 * (i + 2));
    size_t max = 4 * (size_t)(wc - 2);
    if (op == 7 && wc > 2 && memchr(s, 0, max) && !strncmp(s, "sysc-kernel", 11))
      st = add(user, s);
    i += wc;
  }
  return st;
}

typedef struct {
  GpuKernelList *l;
  char err[512];
} Collect;

static SysrtStatus collect(void *user, const char *text) {
  Collect *c = user;
  GpuKernelList *l = c->l;
  char **desc = rt_alloc(l->ctx, sizeof *desc * (size_t)(l->n + 1));
  GpuShape *shape = rt_alloc(l->ctx, sizeof *shape * (size_t)(l->n + 1));
  size_t len = strlen(text) + 1;
  char *copy = rt_alloc(l->ctx, len);
  if (!desc || !shape || !copy) {
    rt_free(l->ctx, desc, sizeof *desc * (size_t)(l->n + 1));
    rt_free(l->ctx, shape, sizeof *shape * (size_t)(l->n + 1));
    rt_free(l->ctx, copy, len);
    return rt_err(l->ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory reading kernel descriptions");
  }
  memcpy(copy, text, len);
  int nsizes = 0;
  for (const char *p = text; *p; p = *line_end(p) ? line_end(p) + 1 : line_end(p))
    nsizes += !strncmp(p, "size ", 5);
  SysrtStatus st = gpu_shape_parse(text, nsizes, &shape[l->n], c->err, sizeof c->err);
  if (l->n) {
    memcpy(desc, l->desc, sizeof *desc * (size_t)l->n);
    memcpy(shape, l->shape, sizeof *shape * (size_t)l->n);
    rt_free(l->ctx, l->desc, sizeof *desc * (size_t)l->n);
    rt_free(l->ctx, l->shape, sizeof *shape * (size_t)l->n);
  }
  desc[l->n] = copy;
  l->desc = desc;
  l->shape = shape;
  l->n++;
  if (st)
    return rt_err(l->ctx, st, "a kernel's description is malformed: %s", c->err);
  return SYSRT_OK;
}

SysrtStatus gpu_kernels_read(SysrtContext *ctx, const RtImage *img, int ptx, GpuKernelList *out) {
  memset(out, 0, sizeof *out);
  out->ctx = ctx;
  Collect c = {out, ""};
  SysrtStatus st = ptx ? gpu_ptx_descs(ctx, img->data, img->size, collect, &c)
                       : gpu_spirv_descs(ctx, img->data, img->size, collect, &c);
  if (!st && !out->n)
    st = rt_err(ctx, SYSRT_ERR_LOAD,
                "'%s' holds no kernel descriptions: build it with sysc build --target=%s",
                img->name, ptx ? "ptx" : "spirv");
  if (st)
    gpu_kernels_free(out);
  return st;
}

void gpu_kernels_free(GpuKernelList *l) {
  for (int i = 0; i < l->n; i++)
    rt_free(l->ctx, l->desc[i], strlen(l->desc[i]) + 1);
  rt_free(l->ctx, l->desc, sizeof *l->desc * (size_t)l->n);
  rt_free(l->ctx, l->shape, sizeof *l->shape * (size_t)l->n);
  memset(l, 0, sizeof *l);
}
