/*
 * The public API: every sysrt_ call enters here, checks its handles and arguments, and
 * dispatches to the device's driver through its SysrtDriverOps (rt.h). The checks are the
 * ICD loader's: a handle is live if its header carries the magic number of its kind;
 * destroy turns the number into a "destroyed" one and parks the shell in the context's
 * quarantine, so a stale handle is recognised (for the last SYSRT_QUARANTINE destroys)
 * instead of read as freed memory.
 *
 * The file also owns what every driver shares: the context and its allocator, the error
 * message, arenas, the driver table, the device list, module loading up to the driver (the
 * file is read and recognised here), the kernel table of a module, and the launch checks
 * (counts, sizes, extents, buffer sizes, aliasing), so that a driver's launch only runs.
 *
 * Locking: ctx->mu guards the context's lists, driver states and quarantine; ctx->err_mu the
 * message. Neither is held while a driver loads, copies or launches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rt.h"

/* ---- status names ---- */

/* ORDER STATUS */
static const char *const status_names[SYSRT_STATUS_COUNT] = {
  "SYSRT_OK",
  "SYSRT_ERR_INVALID_ARGUMENT",
  "SYSRT_ERR_INVALID_HANDLE",
  "SYSRT_ERR_NO_DEVICE",
  "SYSRT_ERR_NO_DRIVER",
  "SYSRT_ERR_OUT_OF_MEMORY",
  "SYSRT_ERR_LOAD",
  "SYSRT_ERR_NO_KERNEL",
  "SYSRT_ERR_BAD_DESC",
  "SYSRT_ERR_SIZE_MISMATCH",
  "SYSRT_ERR_OUT_OF_RANGE",
  "SYSRT_ERR_UNSUPPORTED",
  "SYSRT_ERR_LAUNCH",
};

/* ORDER STATUS */
static const char *const status_texts[SYSRT_STATUS_COUNT] = {
  "success",
  "invalid argument",
  "invalid handle (NULL, destroyed or not of this kind)",
  "no such device",
  "no driver for this kind of device",
  "out of memory",
  "the module could not be loaded",
  "no such kernel in the module",
  "malformed kernel description",
  "a buffer is smaller than the kernel needs",
  "access past the end of a buffer",
  "not supported by this device or runtime",
  "the kernel refused the launch",
};

const char *sysrt_status_name(SysrtStatus status) {
  return (unsigned)status < SYSRT_STATUS_COUNT ? status_names[status] : "SYSRT_STATUS_?";
}

const char *sysrt_status_str(SysrtStatus status) {
  return (unsigned)status < SYSRT_STATUS_COUNT ? status_texts[status] : "unknown status";
}

/* ---- memory ---- */

static void *default_alloc(void *user, size_t bytes, size_t align) {
  (void)user;
  void *p = NULL;
  if (align < sizeof(void *))
    align = sizeof(void *);
  return posix_memalign(&p, align, bytes) ? NULL : p;
}

static void default_free(void *user, void *ptr, size_t bytes) {
  (void)user;
  (void)bytes;
  free(ptr);
}

void *rt_alloc_aligned(SysrtContext *ctx, size_t bytes, size_t align) {
  void *p = ctx->alloc.alloc(ctx->alloc.user, bytes ? bytes : 1, align);
  if (p)
    memset(p, 0, bytes);
  return p;
}

void *rt_alloc(SysrtContext *ctx, size_t bytes) {
  return rt_alloc_aligned(ctx, bytes, _Alignof(max_align_t));
}

void rt_free(SysrtContext *ctx, void *p, size_t bytes) {
  if (p)
    ctx->alloc.free(ctx->alloc.user, p, bytes ? bytes : 1);
}

static char *ctx_strdup(SysrtContext *ctx, const char *s) {
  size_t n = strlen(s) + 1;
  char *d = rt_alloc(ctx, n);
  if (d)
    memcpy(d, s, n);
  return d;
}

static void ctx_strfree(SysrtContext *ctx, char *s) {
  if (s)
    rt_free(ctx, s, strlen(s) + 1);
}

typedef struct RtChunk {
  struct RtChunk *next;
  size_t size, used;
  max_align_t data[];
} RtChunk;

void *rt_arena_alloc(RtArena *a, size_t bytes) {
  size_t align = _Alignof(max_align_t);
  bytes = (bytes + align - 1) & ~(align - 1);
  RtChunk *c = a->chunks;
  if (!c || c->size - c->used < bytes) {
    size_t size = bytes > 4096 ? bytes : 4096;
    c = rt_alloc(a->ctx, sizeof *c + size);
    if (!c)
      return NULL;
    c->size = size;
    c->next = a->chunks;
    a->chunks = c;
  }
  void *p = (char *)c->data + c->used;
  c->used += bytes;
  return p;
}

char *rt_arena_strndup(RtArena *a, const char *s, size_t n) {
  char *d = rt_arena_alloc(a, n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

void rt_arena_free(RtArena *a) {
  for (RtChunk *c = a->chunks, *next; c; c = next) {
    next = c->next;
    rt_free(a->ctx, c, sizeof *c + c->size);
  }
  a->chunks = NULL;
}

/* ---- errors ---- */

SysrtStatus rt_verr(SysrtContext *ctx, SysrtStatus st, const char *fmt, va_list ap) {
  if (!ctx)
    return st;
  pthread_mutex_lock(&ctx->err_mu);
  vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
  size_t n = strlen(ctx->err); /* LLVM's messages end in newlines */
  while (n && (ctx->err[n - 1] == '\n' || ctx->err[n - 1] == ' '))
    ctx->err[--n] = '\0';
  pthread_mutex_unlock(&ctx->err_mu);
  return st;
}

SysrtStatus rt_err(SysrtContext *ctx, SysrtStatus st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  rt_verr(ctx, st, fmt, ap);
  va_end(ap);
  return st;
}

const char *sysrt_last_error(const SysrtContext *ctx) {
  if (!ctx || ctx->obj.magic != RT_MAGIC_CONTEXT)
    return "invalid context handle (NULL or destroyed)";
  return ctx->err;
}

/* ---- objects and handles ---- */

static void *obj_new(SysrtContext *ctx, size_t size, uint32_t magic) {
  RtObj *o = rt_alloc(ctx, size);
  if (o) {
    o->magic = magic;
    o->size = size;
    o->ctx = ctx;
  }
  return o;
}

static void list_add(RtList *l, RtObj *o) {
  o->prev = l->tail;
  o->next = NULL;
  if (l->tail)
    l->tail->next = o;
  else
    l->head = o;
  l->tail = o;
}

static void list_remove(RtList *l, RtObj *o) {
  if (o->prev)
    o->prev->next = o->next;
  else
    l->head = o->next;
  if (o->next)
    o->next->prev = o->prev;
  else
    l->tail = o->prev;
  o->prev = o->next = NULL;
}

/* Marks o destroyed and parks it in the quarantine, freeing the oldest parked shell when
   it is full. With free_now (the context is going) it is freed at once. */
static void obj_kill(RtObj *o, int free_now) {
  SysrtContext *ctx = o->ctx;
  o->magic |= RT_DEAD_BIT;
  if (free_now) {
    rt_free(ctx, o, o->size);
    return;
  }
  pthread_mutex_lock(&ctx->mu);
  RtObj *old = NULL;
  if (ctx->nquarantine < SYSRT_QUARANTINE) {
    ctx->quarantine[ctx->nquarantine++] = o;
  } else {
    old = ctx->quarantine[ctx->quarantine_next];
    ctx->quarantine[ctx->quarantine_next] = o;
    ctx->quarantine_next = (ctx->quarantine_next + 1) % SYSRT_QUARANTINE;
  }
  pthread_mutex_unlock(&ctx->mu);
  if (old)
    rt_free(ctx, old, old->size);
}

/* SYSRT_OK if h is a live object with this magic. A destroyed one gets a message in its
   context; NULL and foreign pointers cannot. */
static SysrtStatus check(const void *h, uint32_t magic, const char *what, const char *dead) {
  const RtObj *o = h;
  if (!o)
    return SYSRT_ERR_INVALID_HANDLE;
  if (o->magic == magic)
    return SYSRT_OK;
  if (o->magic == (magic | RT_DEAD_BIT))
    return rt_err(o->ctx, SYSRT_ERR_INVALID_HANDLE, "%s handle used after %s", what, dead);
  return SYSRT_ERR_INVALID_HANDLE;
}

#define CHECK(h, magic, what, dead)                                                            \
  do {                                                                                         \
    SysrtStatus st_ = check(h, magic, what, dead);                                             \
    if (st_)                                                                                   \
      return st_;                                                                              \
  } while (0)
#define CHECK_CONTEXT(c) CHECK(c, RT_MAGIC_CONTEXT, "context", "sysrt_context_destroy")
#define CHECK_DEVICE(d) CHECK(d, RT_MAGIC_DEVICE, "device", "its context was destroyed")
#define CHECK_BUFFER(b) CHECK(b, RT_MAGIC_BUFFER, "buffer", "sysrt_buffer_destroy")
#define CHECK_MODULE(m) CHECK(m, RT_MAGIC_MODULE, "module", "sysrt_module_destroy")
#define CHECK_KERNEL(k) CHECK(k, RT_MAGIC_KERNEL, "kernel", "its module was destroyed")

/* An out pointer: NULL is an argument error. */
#define NEED(ctx, p, name)                                                                     \
  do {                                                                                         \
    if (!(p))                                                                                  \
      return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT, "%s: %s is NULL", __func__, name);       \
  } while (0)

/* ---- drivers ---- */

/* ORDER DRIVER: the device kinds, in the order sysrt_devices lists them. A kind whose ops are
   NULL is not built in; `reason` says so. GPU drivers join here as <kind>_driver_ops. */
static const struct {
  const char *kind;
  const SysrtDriverOps *ops;
  const char *reason;
} rt_drivers[RT_NDRIVERS] = {
  {"host", &host_driver_ops, NULL},
  {"cuda", &cuda_driver_ops, NULL},
  {"level-zero", &level0_driver_ops, NULL},
  {"opencl", &opencl_driver_ops, NULL},
};

int sysrt_driver_count(void) {
  return RT_NDRIVERS;
}

/* Probes driver i once. Under ctx->mu. Only running out of memory fails, and is not kept:
   the next call probes again. */
static SysrtStatus probe_locked(SysrtContext *ctx, int i) {
  RtDriverState *ds = &ctx->drivers[i];
  if (ds->probed)
    return SYSRT_OK;
  const SysrtDriverOps *ops = rt_drivers[i].ops;
  if (!ops) {
    ds->probed = 1;
    ds->ndevices = -1;
    snprintf(ds->reason, sizeof ds->reason, "%s", rt_drivers[i].reason);
    return SYSRT_OK;
  }
  int n = ops->probe(ctx, ds->reason, sizeof ds->reason);
  if (n > 0) {
    ds->devices = rt_alloc(ctx, sizeof *ds->devices * (size_t)n);
    if (!ds->devices)
      return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory probing %s devices",
                    rt_drivers[i].kind);
    ds->reason[0] = '\0';
  } else if (!ds->reason[0]) {
    snprintf(ds->reason, sizeof ds->reason, n < 0 ? "unavailable" : "no devices");
  }
  ds->ndevices = n;
  ds->probed = 1;
  return SYSRT_OK;
}

static SysrtStatus probe_all(SysrtContext *ctx) {
  SysrtStatus st = SYSRT_OK;
  pthread_mutex_lock(&ctx->mu);
  for (int i = 0; i < RT_NDRIVERS && !st; i++)
    st = probe_locked(ctx, i);
  pthread_mutex_unlock(&ctx->mu);
  return st;
}

/* Device `index` of driver i, opened on first use. Under ctx->mu. */
static SysrtStatus open_device_locked(SysrtContext *ctx, int i, int index, SysrtDevice **out) {
  RtDriverState *ds = &ctx->drivers[i];
  const char *kind = rt_drivers[i].kind;
  SysrtStatus st = probe_locked(ctx, i);
  if (st)
    return st;
  if (ds->ndevices < 0)
    return rt_err(ctx, SYSRT_ERR_NO_DRIVER, "no %s devices: %s", kind, ds->reason);
  if (index >= ds->ndevices && ds->ndevices == 0)
    return rt_err(ctx, SYSRT_ERR_NO_DEVICE, "no device '%s:%d': %s", kind, index, ds->reason);
  if (index >= ds->ndevices && ds->ndevices == 1)
    return rt_err(ctx, SYSRT_ERR_NO_DEVICE, "no device '%s:%d': %s has 1 device (%s:0)", kind,
                  index, kind, kind);
  if (index >= ds->ndevices)
    return rt_err(ctx, SYSRT_ERR_NO_DEVICE, "no device '%s:%d': %s has %d devices (%s:0 to %s:%d)",
                  kind, index, kind, ds->ndevices, kind, kind, ds->ndevices - 1);
  if (!ds->devices[index]) {
    SysrtDevice *dev = obj_new(ctx, sizeof *dev, RT_MAGIC_DEVICE);
    if (!dev)
      return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory opening %s:%d", kind, index);
    dev->ops = rt_drivers[i].ops;
    dev->index = index;
    dev->units = 1;
    snprintf(dev->name, sizeof dev->name, "%s:%d", kind, index);
    st = dev->ops->device_open(dev);
    if (st) {
      rt_free(ctx, dev, dev->obj.size);
      return st;
    }
    ds->devices[index] = dev;
  }
  *out = ds->devices[index];
  return SYSRT_OK;
}

static SysrtStatus open_device(SysrtContext *ctx, int i, int index, SysrtDevice **out) {
  pthread_mutex_lock(&ctx->mu);
  SysrtStatus st = open_device_locked(ctx, i, index, out);
  pthread_mutex_unlock(&ctx->mu);
  return st;
}

SysrtStatus sysrt_driver_info(SysrtContext *ctx, int index, SysrtDriverInfo *out) {
  CHECK_CONTEXT(ctx);
  NEED(ctx, out, "out");
  if (index < 0 || index >= RT_NDRIVERS)
    return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT, "driver index %d: there are %d kinds",
                  index, RT_NDRIVERS);
  pthread_mutex_lock(&ctx->mu);
  SysrtStatus st = probe_locked(ctx, index);
  if (st) {
    pthread_mutex_unlock(&ctx->mu);
    return st;
  }
  RtDriverState *ds = &ctx->drivers[index];
  out->kind = rt_drivers[index].kind;
  out->devices = ds->ndevices > 0 ? ds->ndevices : 0;
  out->reason = ds->reason;
  pthread_mutex_unlock(&ctx->mu);
  return SYSRT_OK;
}

SysrtStatus sysrt_devices(SysrtContext *ctx, char *buf, size_t cap, size_t *len) {
  CHECK_CONTEXT(ctx);
  if (!buf && cap)
    return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT, "sysrt_devices: buf is NULL, cap %zu", cap);
  SysrtStatus st = probe_all(ctx);
  if (st)
    return st;
  size_t n = 0;
  char line[512];
  if (cap)
    buf[0] = '\0';
  for (int i = 0; i < RT_NDRIVERS; i++) {
    RtDriverState *ds = &ctx->drivers[i];
    int k = 0;
    if (ds->ndevices <= 0) {
      k = snprintf(line, sizeof line, "%-11s %s\n", rt_drivers[i].kind, ds->reason);
    } else {
      k = snprintf(line, sizeof line, "%-11s %d device%s\n", rt_drivers[i].kind,
                   ds->ndevices, ds->ndevices == 1 ? "" : "s");
    }
    for (int d = 0; d < ds->ndevices; d++) {
      SysrtDevice *dev;
      int used = k > 0 ? k : 0;
      if (open_device(ctx, i, d, &dev) == SYSRT_OK)
        k = used + snprintf(line + used, sizeof line - (size_t)used, "  %-9s %d %s%s\n",
                            dev->name, dev->units, dev->ops->unit, dev->units == 1 ? "" : "s");
      else
        k = used + snprintf(line + used, sizeof line - (size_t)used, "  %s:%d   %s\n",
                            rt_drivers[i].kind, d, sysrt_last_error(ctx));
      if ((size_t)k >= sizeof line)
        k = (int)sizeof line - 1;
    }
    if (k < 0)
      continue;
    if (n < cap)
      snprintf(buf + n, cap - n, "%s", line);
    n += (size_t)k;
  }
  if (len)
    *len = n;
  return SYSRT_OK;
}

SysrtStatus sysrt_device_count(SysrtContext *ctx, int *count) {
  CHECK_CONTEXT(ctx);
  NEED(ctx, count, "count");
  SysrtStatus st = probe_all(ctx);
  if (st)
    return st;
  int n = 0;
  for (int i = 0; i < RT_NDRIVERS; i++)
    n += ctx->drivers[i].ndevices > 0 ? ctx->drivers[i].ndevices : 0;
  *count = n;
  return SYSRT_OK;
}

SysrtStatus sysrt_device_at(SysrtContext *ctx, int index, SysrtDevice **out) {
  CHECK_CONTEXT(ctx);
  NEED(ctx, out, "out");
  SysrtStatus st = probe_all(ctx);
  if (st)
    return st;
  int base = 0;
  for (int i = 0; i < RT_NDRIVERS; i++) {
    int n = ctx->drivers[i].ndevices > 0 ? ctx->drivers[i].ndevices : 0;
    if (index >= base && index < base + n)
      return open_device(ctx, i, index - base, out);
    base += n;
  }
  return rt_err(ctx, SYSRT_ERR_NO_DEVICE, "device index %d: there %s %d device%s", index,
                base == 1 ? "is" : "are", base, base == 1 ? "" : "s");
}

SysrtStatus sysrt_device_get(SysrtContext *ctx, const char *spec, SysrtDevice **out) {
  CHECK_CONTEXT(ctx);
  NEED(ctx, out, "out");
  if (!spec || !*spec) {
    const char *env = getenv("SYSRT_DEVICE");
    if (env && *env)
      return sysrt_device_get(ctx, env, out);
    return sysrt_device_at(ctx, 0, out);
  }
  const char *colon = strchr(spec, ':');
  size_t klen = colon ? (size_t)(colon - spec) : strlen(spec);
  int index = 0;
  if (colon) {
    const char *s = colon + 1;
    long v = 0;
    if (!*s)
      return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT,
                    "device '%s': want KIND or KIND:INDEX, like host or cuda:0", spec);
    for (; *s; s++) {
      if (*s < '0' || *s > '9' || v > 1000000)
        return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT,
                      "device '%s': want KIND or KIND:INDEX, like host or cuda:0", spec);
      v = v * 10 + (*s - '0');
    }
    index = (int)v;
  }
  for (int i = 0; i < RT_NDRIVERS; i++)
    if (strlen(rt_drivers[i].kind) == klen && !strncmp(rt_drivers[i].kind, spec, klen))
      return open_device(ctx, i, index, out);
  return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT,
                "unknown device kind '%.*s' (kinds: host, cuda, level-zero, opencl)", (int)klen,
                spec);
}

const char *sysrt_device_name(const SysrtDevice *dev) {
  return dev && dev->obj.magic == RT_MAGIC_DEVICE ? dev->name : NULL;
}

SysrtStatus sysrt_device_info(const SysrtDevice *dev, SysrtDeviceInfo *out) {
  CHECK_DEVICE(dev);
  NEED(dev->obj.ctx, out, "out");
  out->kind = dev->ops->kind;
  out->name = dev->name;
  out->target = dev->ops->target;
  out->index = dev->index;
  out->units = dev->units;
  out->mappable = dev->ops->buffer_write == NULL;
  return SYSRT_OK;
}

/* ---- contexts ---- */

SysrtStatus sysrt_context_create(const SysrtAllocator *alloc, SysrtContext **out) {
  if (!out)
    return SYSRT_ERR_INVALID_ARGUMENT;
  *out = NULL;
  SysrtAllocator a = {default_alloc, default_free, NULL};
  if (alloc) {
    if (!alloc->alloc || !alloc->free)
      return SYSRT_ERR_INVALID_ARGUMENT;
    a = *alloc;
  }
  SysrtContext *ctx = a.alloc(a.user, sizeof *ctx, _Alignof(max_align_t));
  if (!ctx)
    return SYSRT_ERR_OUT_OF_MEMORY;
  memset(ctx, 0, sizeof *ctx);
  ctx->alloc = a;
  if (pthread_mutex_init(&ctx->mu, NULL)) {
    a.free(a.user, ctx, sizeof *ctx);
    return SYSRT_ERR_OUT_OF_MEMORY;
  }
  if (pthread_mutex_init(&ctx->err_mu, NULL)) {
    pthread_mutex_destroy(&ctx->mu);
    a.free(a.user, ctx, sizeof *ctx);
    return SYSRT_ERR_OUT_OF_MEMORY;
  }
  ctx->obj.magic = RT_MAGIC_CONTEXT;
  ctx->obj.size = sizeof *ctx;
  ctx->obj.ctx = ctx;
  *out = ctx;
  return SYSRT_OK;
}

static void module_free(SysrtModule *mod, int free_now);
static void buffer_free(SysrtBuffer *buf, int free_now);

SysrtStatus sysrt_context_destroy(SysrtContext *ctx) {
  if (!ctx)
    return SYSRT_OK;
  CHECK_CONTEXT(ctx);
  while (ctx->modules.head) {
    SysrtModule *m = (SysrtModule *)ctx->modules.head;
    list_remove(&ctx->modules, &m->obj);
    module_free(m, 1);
  }
  while (ctx->buffers.head) {
    SysrtBuffer *b = (SysrtBuffer *)ctx->buffers.head;
    list_remove(&ctx->buffers, &b->obj);
    buffer_free(b, 1);
  }
  for (int i = 0; i < RT_NDRIVERS; i++) {
    RtDriverState *ds = &ctx->drivers[i];
    for (int d = 0; d < ds->ndevices; d++) {
      SysrtDevice *dev = ds->devices[d];
      if (dev) {
        dev->ops->device_close(dev);
        obj_kill(&dev->obj, 1);
      }
    }
    if (ds->ndevices > 0)
      rt_free(ctx, ds->devices, sizeof *ds->devices * (size_t)ds->ndevices);
  }
  for (int i = 0; i < ctx->nquarantine; i++)
    rt_free(ctx, ctx->quarantine[i], ctx->quarantine[i]->size);
  pthread_mutex_destroy(&ctx->mu);
  pthread_mutex_destroy(&ctx->err_mu);
  ctx->obj.magic |= RT_DEAD_BIT;
  SysrtAllocator a = ctx->alloc;
  a.free(a.user, ctx, sizeof *ctx);
  return SYSRT_OK;
}

/* ---- buffers ---- */

SysrtStatus sysrt_buffer_create(SysrtDevice *dev, size_t bytes, SysrtBuffer **out) {
  CHECK_DEVICE(dev);
  SysrtContext *ctx = dev->obj.ctx;
  NEED(ctx, out, "out");
  *out = NULL;
  if (bytes == 0)
    return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT, "sysrt_buffer_create: 0 bytes");
  SysrtBuffer *buf = obj_new(ctx, sizeof *buf, RT_MAGIC_BUFFER);
  if (!buf)
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory for a buffer handle");
  buf->dev = dev;
  buf->bytes = bytes;
  SysrtStatus st = dev->ops->buffer_alloc(buf);
  if (st) {
    rt_free(ctx, buf, buf->obj.size);
    return st;
  }
  pthread_mutex_lock(&ctx->mu);
  list_add(&ctx->buffers, &buf->obj);
  pthread_mutex_unlock(&ctx->mu);
  *out = buf;
  return SYSRT_OK;
}

static void buffer_free(SysrtBuffer *buf, int free_now) {
  buf->dev->ops->buffer_free(buf);
  obj_kill(&buf->obj, free_now);
}

SysrtStatus sysrt_buffer_destroy(SysrtBuffer *buf) {
  if (!buf)
    return SYSRT_OK;
  CHECK_BUFFER(buf);
  SysrtContext *ctx = buf->obj.ctx;
  pthread_mutex_lock(&ctx->mu);
  list_remove(&ctx->buffers, &buf->obj);
  pthread_mutex_unlock(&ctx->mu);
  buffer_free(buf, 0);
  return SYSRT_OK;
}

size_t sysrt_buffer_size(const SysrtBuffer *buf) {
  return buf && buf->obj.magic == RT_MAGIC_BUFFER ? buf->bytes : 0;
}

static SysrtStatus check_range(const SysrtBuffer *buf, const char *what, size_t offset,
                               const void *p, size_t bytes) {
  SysrtContext *ctx = buf->obj.ctx;
  if (!p && bytes)
    return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT, "sysrt_buffer_%s: NULL pointer for %zu bytes",
                  what, bytes);
  if (offset > buf->bytes || bytes > buf->bytes - offset)
    return rt_err(ctx, SYSRT_ERR_OUT_OF_RANGE,
                  "sysrt_buffer_%s of %zu bytes at offset %zu goes past the end of a %zu-byte "
                  "buffer",
                  what, bytes, offset, buf->bytes);
  return SYSRT_OK;
}

SysrtStatus sysrt_buffer_write(SysrtBuffer *buf, size_t offset, const void *src, size_t bytes) {
  CHECK_BUFFER(buf);
  SysrtStatus st = check_range(buf, "write", offset, src, bytes);
  if (st || !bytes)
    return st;
  if (buf->dev->ops->buffer_write)
    return buf->dev->ops->buffer_write(buf, offset, src, bytes);
  memcpy((char *)buf->host + offset, src, bytes);
  return SYSRT_OK;
}

SysrtStatus sysrt_buffer_read(const SysrtBuffer *buf, size_t offset, void *dst, size_t bytes) {
  CHECK_BUFFER(buf);
  SysrtStatus st = check_range(buf, "read", offset, dst, bytes);
  if (st || !bytes)
    return st;
  if (buf->dev->ops->buffer_read)
    return buf->dev->ops->buffer_read(buf, offset, dst, bytes);
  memcpy(dst, (const char *)buf->host + offset, bytes);
  return SYSRT_OK;
}

SysrtStatus sysrt_buffer_map(SysrtBuffer *buf, void **ptr) {
  CHECK_BUFFER(buf);
  NEED(buf->obj.ctx, ptr, "ptr");
  if (!buf->host)
    return rt_err(buf->obj.ctx, SYSRT_ERR_UNSUPPORTED,
                  "buffers on %s cannot be mapped; use sysrt_buffer_read and _write",
                  buf->dev->name);
  *ptr = buf->host;
  return SYSRT_OK;
}

SysrtStatus sysrt_buffer_unmap(SysrtBuffer *buf) {
  CHECK_BUFFER(buf);
  return SYSRT_OK;
}

SysrtStatus sysrt_buffer_set_exponent(SysrtBuffer *buf, int32_t exponent) {
  CHECK_BUFFER(buf);
  if (exponent < -1000 || exponent > 1000)
    return rt_err(buf->obj.ctx, SYSRT_ERR_INVALID_ARGUMENT,
                  "sysrt_buffer_set_exponent: %d; the exponent of i16 codes lies in -1000..1000",
                  (int)exponent);
  buf->exponent = exponent;
  return SYSRT_OK;
}

/* ---- modules ---- */

SysrtStatus rt_module_add_kernel(SysrtModule *mod, const char *sym, const char *desc,
                                 const void *data, size_t size) {
  SysrtContext *ctx = mod->obj.ctx;
  SysrtKernel *k = obj_new(ctx, sizeof *k + size, RT_MAGIC_KERNEL);
  if (!k)
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory for kernel '%s'", sym);
  k->mod = mod;
  k->arena.ctx = ctx;
  if (size)
    memcpy(k->drv, data, size);
  k->sym = rt_arena_strndup(&k->arena, sym, strlen(sym));
  k->desc_text = rt_arena_strndup(&k->arena, desc, strlen(desc));
  SysrtStatus st = SYSRT_OK;
  if (k->sym && k->desc_text) {
    char err[512];
    k->desc.info.symbol = k->sym;
    st = rt_desc_parse(&k->arena, k->desc_text, &k->desc, err, sizeof err);
    k->desc.info.symbol = k->sym;
    k->desc.info.desc = k->desc_text;
    if (st == SYSRT_ERR_BAD_DESC) {
      k->desc_status = st;
      k->desc_err = rt_arena_strndup(&k->arena, err, strlen(err));
      st = k->desc_err ? SYSRT_OK : SYSRT_ERR_OUT_OF_MEMORY;
    }
  } else {
    st = SYSRT_ERR_OUT_OF_MEMORY;
  }
  if (st) {
    rt_arena_free(&k->arena);
    rt_free(ctx, k, k->obj.size);
    return rt_err(ctx, st, "out of memory for kernel '%s'", sym);
  }
  list_add(&mod->kernels, &k->obj);
  mod->nkernels++;
  return SYSRT_OK;
}

static void module_free(SysrtModule *mod, int free_now) {
  SysrtContext *ctx = mod->obj.ctx;
  while (mod->kernels.head) {
    SysrtKernel *k = (SysrtKernel *)mod->kernels.head;
    list_remove(&mod->kernels, &k->obj);
    rt_arena_free(&k->arena);
    obj_kill(&k->obj, free_now);
  }
  mod->dev->ops->unload(mod);
  ctx_strfree(ctx, mod->name);
  obj_kill(&mod->obj, free_now);
}

static SysrtStatus module_create(SysrtDevice *dev, const RtImage *img, SysrtModule **out) {
  SysrtContext *ctx = dev->obj.ctx;
  SysrtModule *mod = obj_new(ctx, sizeof *mod, RT_MAGIC_MODULE);
  if (!mod || !(mod->name = ctx_strdup(ctx, img->name))) {
    rt_free(ctx, mod, sizeof *mod);
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory loading '%s'", img->name);
  }
  mod->dev = dev;
  mod->listed = 1;
  SysrtStatus st = dev->ops->load(mod, img);
  if (st) {
    module_free(mod, 0);
    return st;
  }
  pthread_mutex_lock(&ctx->mu);
  list_add(&ctx->modules, &mod->obj);
  pthread_mutex_unlock(&ctx->mu);
  *out = mod;
  return SYSRT_OK;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcmp(s + n - m, suffix);
}

/* What the bytes are: an ELF shared library or object, LLVM bitcode, or (by name) IR text. */
static SysrtStatus classify(SysrtContext *ctx, const unsigned char *p, size_t n,
                            const char *name, RtImageKind *kind) {
  if (n >= 4 && !memcmp(p, "\177ELF", 4)) {
    if (n < 18)
      return rt_err(ctx, SYSRT_ERR_LOAD, "'%s' is a truncated ELF file (%zu bytes)", name, n);
    unsigned type = p[5] == 2 ? (unsigned)p[16] << 8 | p[17] : (unsigned)p[17] << 8 | p[16];
    if (type == 1) {
      *kind = RT_IMAGE_OBJECT;
      return SYSRT_OK;
    }
    if (type == 3) {
      *kind = RT_IMAGE_SHARED;
      return SYSRT_OK;
    }
    return rt_err(ctx, SYSRT_ERR_LOAD,
                  "'%s' is an ELF file of type %u, neither a shared library nor an object file",
                  name, type);
  }
  if (n >= 4 && (!memcmp(p, "BC\xC0\xDE", 4) || !memcmp(p, "\xDE\xC0\x17\x0B", 4))) {
    *kind = RT_IMAGE_IR;
    return SYSRT_OK;
  }
  if (n >= 20 && p[0] == 0x03 && p[1] == 0x02 && p[2] == 0x23 && p[3] == 0x07) {
    *kind = RT_IMAGE_SPIRV; /* the SPIR-V magic number, little-endian */
    return SYSRT_OK;
  }
  int ptx = ends_with(name, ".ptx"); /* or PTX text: a line `.version X.Y` near the start */
  for (size_t i = 0; !ptx && i + 9 < n && i < 65536; i++)
    ptx = (i == 0 || p[i - 1] == '\n') && !memcmp(p + i, ".version ", 9);
  if (ptx) {
    *kind = RT_IMAGE_PTX;
    return SYSRT_OK;
  }
  if (ends_with(name, ".ll")) {
    *kind = RT_IMAGE_IR;
    return SYSRT_OK;
  }
  return rt_err(ctx, SYSRT_ERR_LOAD,
                "'%s' is not an ELF shared library or object file, LLVM bitcode, or LLVM IR "
                "text (a name ending in .ll)",
                name);
}

/* Reads a whole file with ctx's allocator. */
static SysrtStatus read_file(SysrtContext *ctx, const char *path, unsigned char **data,
                             size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return rt_err(ctx, SYSRT_ERR_LOAD, "cannot open '%s': %s", path, strerror(errno));
  long n = -1;
  struct stat sb;
  if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode))
    errno = EISDIR;
  else if (fseek(f, 0, SEEK_END) == 0)
    n = ftell(f);
  if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
    int e = errno;
    fclose(f);
    return rt_err(ctx, SYSRT_ERR_LOAD, "cannot read '%s': %s", path, strerror(e));
  }
  if ((unsigned long)n > (1ul << 30)) {
    fclose(f);
    return rt_err(ctx, SYSRT_ERR_LOAD, "'%s' is larger than 1 GiB", path);
  }
  unsigned char *p = rt_alloc(ctx, (size_t)n + 1);
  if (!p) {
    fclose(f);
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory reading '%s'", path);
  }
  size_t got = fread(p, 1, (size_t)n, f);
  int bad = ferror(f);
  fclose(f);
  if (bad || got != (size_t)n) {
    rt_free(ctx, p, (size_t)n + 1);
    return rt_err(ctx, SYSRT_ERR_LOAD, "cannot read '%s'", path);
  }
  *data = p;
  *size = (size_t)n;
  return SYSRT_OK;
}

SysrtStatus sysrt_module_load_file(SysrtDevice *dev, const char *path, SysrtModule **out) {
  CHECK_DEVICE(dev);
  SysrtContext *ctx = dev->obj.ctx;
  NEED(ctx, out, "out");
  *out = NULL;
  NEED(ctx, path, "path");
  unsigned char *data = NULL;
  size_t size = 0;
  SysrtStatus st = read_file(ctx, path, &data, &size);
  if (st)
    return st;
  RtImage img = {.name = path, .path = path, .data = data, .size = size};
  st = classify(ctx, data, size, path, &img.kind);
  if (!st)
    st = module_create(dev, &img, out);
  rt_free(ctx, data, size + 1);
  return st;
}

SysrtStatus sysrt_module_load_memory(SysrtDevice *dev, const void *data, size_t bytes,
                                     const char *name, SysrtModule **out) {
  CHECK_DEVICE(dev);
  SysrtContext *ctx = dev->obj.ctx;
  NEED(ctx, out, "out");
  *out = NULL;
  NEED(ctx, data, "data");
  if (!name)
    name = "<memory>";
  RtImage img = {.name = name, .data = data, .size = bytes};
  SysrtStatus st = classify(ctx, data, bytes, name, &img.kind);
  if (st)
    return st;
  if (img.kind == RT_IMAGE_SHARED)
    return rt_err(ctx, SYSRT_ERR_UNSUPPORTED,
                  "'%s' is a shared library: load it from a file with sysrt_module_load_file",
                  name);
  return module_create(dev, &img, out);
}

SysrtStatus sysrt_module_load_llvm(SysrtDevice *dev, void *llvm_module, SysrtModule **out) {
  CHECK_DEVICE(dev);
  SysrtContext *ctx = dev->obj.ctx;
  NEED(ctx, out, "out");
  *out = NULL;
  NEED(ctx, llvm_module, "llvm_module");
  RtImage img = {.kind = RT_IMAGE_LLVM, .name = "<llvm module>", .llvm = llvm_module};
  return module_create(dev, &img, out);
}

static SysrtKernel *kernel_lookup(const SysrtModule *mod, const char *sym) {
  for (RtObj *o = mod->kernels.head; o; o = o->next)
    if (!strcmp(((SysrtKernel *)o)->sym, sym))
      return (SysrtKernel *)o;
  return NULL;
}

SysrtStatus sysrt_module_from_symbols(SysrtDevice *dev, const SysrtKernelSymbols *kernels,
                                      int count, SysrtModule **out) {
  CHECK_DEVICE(dev);
  SysrtContext *ctx = dev->obj.ctx;
  NEED(ctx, out, "out");
  *out = NULL;
  NEED(ctx, kernels, "kernels");
  if (count < 1)
    return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT, "sysrt_module_from_symbols: count %d", count);
  for (int i = 0; i < count; i++) {
    const SysrtKernelSymbols *s = &kernels[i];
    const char *missing = !s->name ? "name" : !s->count ? "count" : !s->run ? "run"
                                                          : !s->desc ? "desc" : NULL;
    if (missing)
      return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT, "kernels[%d] (%s): %s is NULL", i,
                    s->name ? s->name : "?", missing);
  }
  RtImage img = {.kind = RT_IMAGE_SYMBOLS, .name = "<symbols>", .symbols = kernels,
                 .nsymbols = count};
  SysrtModule *mod;
  SysrtStatus st = module_create(dev, &img, &mod);
  if (st)
    return st;
  for (RtObj *o = mod->kernels.head; o; o = o->next) {
    SysrtKernel *k = (SysrtKernel *)o;
    if (k->desc_status) {
      st = rt_err(ctx, k->desc_status, "kernel '%s': malformed description: %s", k->sym,
                  k->desc_err);
      sysrt_module_destroy(mod);
      return st;
    }
  }
  *out = mod;
  return SYSRT_OK;
}

SysrtStatus sysrt_module_destroy(SysrtModule *mod) {
  if (!mod)
    return SYSRT_OK;
  CHECK_MODULE(mod);
  SysrtContext *ctx = mod->obj.ctx;
  pthread_mutex_lock(&ctx->mu);
  list_remove(&ctx->modules, &mod->obj);
  pthread_mutex_unlock(&ctx->mu);
  module_free(mod, 0);
  return SYSRT_OK;
}

SysrtStatus sysrt_module_kernel_count(const SysrtModule *mod, int *count) {
  CHECK_MODULE(mod);
  NEED(mod->obj.ctx, count, "count");
  *count = mod->nkernels;
  return SYSRT_OK;
}

SysrtStatus sysrt_module_kernel_name(const SysrtModule *mod, int index, const char **name) {
  CHECK_MODULE(mod);
  NEED(mod->obj.ctx, name, "name");
  if (index < 0 || index >= mod->nkernels)
    return rt_err(mod->obj.ctx, SYSRT_ERR_INVALID_ARGUMENT,
                  "kernel index %d: module '%s' has %d kernel%s", index, mod->name, mod->nkernels,
                  mod->nkernels == 1 ? "" : "s");
  pthread_mutex_lock(&mod->obj.ctx->mu);
  const RtObj *o = mod->kernels.head;
  for (int i = 0; i < index; i++)
    o = o->next;
  *name = ((const SysrtKernel *)o)->sym;
  pthread_mutex_unlock(&mod->obj.ctx->mu);
  return SYSRT_OK;
}

/* ---- kernels ---- */

/* ", it has: a, b" or ", it has no kernels", into buf. */
static void list_kernels(const SysrtModule *mod, int by_mapping, char *buf, size_t size) {
  size_t n = 0;
  int i = 0;
  buf[0] = '\0';
  for (const RtObj *o = mod->kernels.head; o; o = o->next, i++) {
    const SysrtKernel *k = (const SysrtKernel *)o;
    int w;
    if (by_mapping && !k->desc_status)
      w = snprintf(buf + n, size - n, "%s%s/%s (%s)", i ? ", " : "", k->desc.info.kernel,
                   k->desc.info.mapping, k->sym);
    else
      w = snprintf(buf + n, size - n, "%s%s", i ? ", " : "", k->sym);
    if (w < 0 || (size_t)w >= size - n) {
      if (size > 5)
        memcpy(buf + size - 5, "...", 4);
      return;
    }
    n += (size_t)w;
  }
  if (!mod->nkernels)
    snprintf(buf, size, "none");
}

/* The kernel if its description is usable on mod's device. */
static SysrtStatus kernel_usable(SysrtKernel *k, SysrtKernel **out) {
  SysrtModule *mod = k->mod;
  SysrtContext *ctx = mod->obj.ctx;
  if (k->desc_status)
    return rt_err(ctx, k->desc_status, "kernel '%s' in '%s': malformed description: %s",
                  k->sym, mod->name, k->desc_err);
  const char *target = k->desc.info.target;
  if (*target && strcmp(target, mod->dev->ops->target))
    return rt_err(ctx, SYSRT_ERR_UNSUPPORTED,
                  "kernel '%s' in '%s' is compiled for target %s; %s runs target %s", k->sym,
                  mod->name, target, mod->dev->name, mod->dev->ops->target);
  *out = k;
  return SYSRT_OK;
}

SysrtStatus sysrt_kernel_get(SysrtModule *mod, const char *sym, SysrtKernel **out) {
  CHECK_MODULE(mod);
  SysrtContext *ctx = mod->obj.ctx;
  NEED(ctx, out, "out");
  *out = NULL;
  NEED(ctx, sym, "sym");
  /* ctx->mu: find may append to the module's kernels while other threads read them. */
  pthread_mutex_lock(&ctx->mu);
  SysrtKernel *k = kernel_lookup(mod, sym);
  if (!k && mod->dev->ops->find && mod->dev->ops->find(mod, sym) == SYSRT_OK)
    k = kernel_lookup(mod, sym);
  if (k) {
    pthread_mutex_unlock(&ctx->mu);
    return kernel_usable(k, out);
  }
  char has[640], hint[160] = "";
  list_kernels(mod, 0, has, sizeof has);
  for (RtObj *o = mod->kernels.head; o; o = o->next) {
    SysrtKernel *c = (SysrtKernel *)o;
    if (!c->desc_status && !strcmp(c->desc.info.kernel, sym)) {
      snprintf(hint, sizeof hint, "; sysrt_kernel_find(mod, \"%s\", mapping) looks kernels up by "
               "kernel and mapping names", sym);
      break;
    }
  }
  pthread_mutex_unlock(&ctx->mu);
  return rt_err(ctx, SYSRT_ERR_NO_KERNEL, "module '%s' has no kernel '%s' (%s_count, %s_run and "
                "%s_desc); it has: %s%s%s",
                mod->name, sym, sym, sym, sym, has,
                mod->listed ? "" : " (its symbol table is stripped: maybe more)", hint);
}

SysrtStatus sysrt_kernel_find(SysrtModule *mod, const char *kernel, const char *mapping,
                              SysrtKernel **out) {
  CHECK_MODULE(mod);
  SysrtContext *ctx = mod->obj.ctx;
  NEED(ctx, out, "out");
  *out = NULL;
  NEED(ctx, kernel, "kernel");
  SysrtKernel *found = NULL;
  int matches = 0;
  char has[640];
  pthread_mutex_lock(&ctx->mu);
  for (RtObj *o = mod->kernels.head; o; o = o->next) {
    SysrtKernel *k = (SysrtKernel *)o;
    if (k->desc_status || strcmp(k->desc.info.kernel, kernel) ||
        (mapping && strcmp(k->desc.info.mapping, mapping)))
      continue;
    const char *target = k->desc.info.target;
    if (*target && strcmp(target, mod->dev->ops->target))
      continue;
    if (!found)
      found = k;
    matches++;
  }
  list_kernels(mod, 1, has, sizeof has);
  pthread_mutex_unlock(&ctx->mu);
  if (!found)
    return rt_err(ctx, SYSRT_ERR_NO_KERNEL,
                  "module '%s' has no kernel %s%s%s for %s; it has: %s", mod->name, kernel,
                  mapping ? " mapped by " : "", mapping ? mapping : "", mod->dev->name, has);
  if (matches > 1 && !mapping)
    return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT,
                  "module '%s' has %d mappings of kernel %s; name one: %s", mod->name, matches,
                  kernel, has);
  return kernel_usable(found, out);
}

SysrtStatus sysrt_kernel_info(const SysrtKernel *k, SysrtKernelInfo *out) {
  CHECK_KERNEL(k);
  NEED(k->obj.ctx, out, "out");
  *out = k->desc.info;
  return SYSRT_OK;
}

/* The counts and the sizes (>= 1) of a launch or a shape query. */
static SysrtStatus check_sizes(const SysrtKernel *k, const int64_t *sizes, int nsizes) {
  SysrtContext *ctx = k->obj.ctx;
  const RtDesc *d = &k->desc;
  if (nsizes != d->info.nsizes || (!sizes && nsizes)) {
    char names[256] = "";
    size_t n = 0;
    for (int j = 0; j < d->info.nsizes && n < sizeof names; j++) {
      int w = snprintf(names + n, sizeof names - n, "%s%s", j ? ", " : "", d->size_names[j]);
      n += w > 0 ? (size_t)w : 0;
    }
    if (!sizes && nsizes)
      return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT, "kernel '%s': sizes is NULL", k->sym);
    return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT, "kernel '%s' takes %d size%s (%s), got %d",
                  k->sym, d->info.nsizes, d->info.nsizes == 1 ? "" : "s", names, nsizes);
  }
  for (int j = 0; j < nsizes; j++) {
    if (sizes[j] < 1)
      return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT,
                    "kernel '%s': size %s = %lld; sizes must be >= 1", k->sym, d->size_names[j],
                    (long long)sizes[j]);
    if (d->size_fixed[j] && sizes[j] != d->size_fixed[j])
      return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT,
                    "kernel '%s' was compiled for %s = %lld only (sysc --specialize), not %lld", k->sym,
                    d->size_names[j], (long long)d->size_fixed[j], (long long)sizes[j]);
  }
  return SYSRT_OK;
}

SysrtStatus sysrt_kernel_tensor_shape(const SysrtKernel *k, int tensor, const int64_t *sizes,
                                      int nsizes, int64_t *dims, size_t *bytes) {
  CHECK_KERNEL(k);
  SysrtContext *ctx = k->obj.ctx;
  if (tensor < 0 || tensor >= k->desc.info.ntensors)
    return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT, "kernel '%s' has %d tensors; asked for tensor %d",
                  k->sym, k->desc.info.ntensors, tensor);
  SysrtStatus st = check_sizes(k, sizes, nsizes);
  if (st)
    return st;
  char err[512];
  st = rt_desc_shape(&k->desc, tensor, sizes, dims, bytes, err, sizeof err);
  return st ? rt_err(ctx, st, "kernel '%s': %s", k->sym, err) : SYSRT_OK;
}

/* ---- launches ---- */

/* The buffer of tensor t is live and on k's device. */
static SysrtStatus check_buffer(const SysrtKernel *k, int t, const SysrtBuffer *buf) {
  SysrtContext *ctx = k->obj.ctx;
  const SysrtTensorInfo *ti = &k->desc.tensors[t];
  if (!buf)
    return rt_err(ctx, SYSRT_ERR_INVALID_HANDLE, "kernel '%s': tensor '%s' (%d) is a NULL buffer",
                  k->sym, ti->name, t);
  if (buf->obj.magic == (RT_MAGIC_BUFFER | RT_DEAD_BIT))
    return rt_err(ctx, SYSRT_ERR_INVALID_HANDLE,
                  "kernel '%s': the buffer for tensor '%s' was destroyed", k->sym, ti->name);
  if (buf->obj.magic != RT_MAGIC_BUFFER)
    return rt_err(ctx, SYSRT_ERR_INVALID_HANDLE,
                  "kernel '%s': the buffer for tensor '%s' is not a buffer handle", k->sym,
                  ti->name);
  if (buf->dev != k->mod->dev)
    return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT,
                  "kernel '%s': the buffer for tensor '%s' is on %s (context %p), the kernel on "
                  "%s (context %p)",
                  k->sym, ti->name, buf->dev->name, (void *)buf->obj.ctx, k->mod->dev->name,
                  (void *)ctx);
  return SYSRT_OK;
}

/* The buffer of tensor t is large enough for these sizes. */
static SysrtStatus check_bytes(const SysrtKernel *k, int t, const SysrtBuffer *buf,
                               const int64_t *sizes) {
  SysrtContext *ctx = k->obj.ctx;
  const RtDesc *d = &k->desc;
  const SysrtTensorInfo *ti = &d->tensors[t];
  int64_t dims[SYSRT_MAX_RANK];
  size_t need;
  char err[512], sz[512];
  SysrtStatus st = rt_desc_shape(d, t, sizes, dims, &need, err, sizeof err);
  if (st)
    return rt_err(ctx, st, "kernel '%s': %s", k->sym, err);
  if (buf->bytes < need) {
    char ext[256] = "";
    size_t n = 0;
    for (int i = 0; i < ti->rank && n < sizeof ext; i++) {
      int w = snprintf(ext + n, sizeof ext - n, "%s%lld", i ? ", " : "", (long long)dims[i]);
      n += w > 0 ? (size_t)w : 0;
    }
    rt_desc_format_sizes(d, sizes, sz, sizeof sz);
    return rt_err(ctx, SYSRT_ERR_SIZE_MISMATCH,
                  "tensor '%s' has %zu bytes, the kernel needs %zu for %s (%s %s = [%s])",
                  ti->name, buf->bytes, need, sz, sysrt_type_name(ti->type), ti->shape, ext);
  }
  return SYSRT_OK;
}

SysrtStatus sysrt_launch(SysrtKernel *k, SysrtBuffer *const *tensors, int ntensors,
                         const int64_t *sizes, int nsizes, const SysrtLaunchOptions *opt) {
  CHECK_KERNEL(k);
  SysrtContext *ctx = k->obj.ctx;
  const RtDesc *d = &k->desc;
  SysrtLaunchOptions defaults = SYSRT_LAUNCH_OPTIONS_INIT;
  if (!opt)
    opt = &defaults;
  if (!tensors && ntensors)
    return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT, "kernel '%s': tensors is NULL", k->sym);
  if (ntensors != d->info.ntensors) {
    char names[512] = "";
    size_t n = 0;
    for (int t = 0; t < d->info.ntensors && n < sizeof names; t++) {
      int w = snprintf(names + n, sizeof names - n, "%s%s", t ? ", " : "", d->tensors[t].name);
      n += w > 0 ? (size_t)w : 0;
    }
    return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT, "kernel '%s' takes %d tensor%s (%s), got %d",
                  k->sym, d->info.ntensors, d->info.ntensors == 1 ? "" : "s", names, ntensors);
  }
  SysrtStatus st = check_sizes(k, sizes, nsizes);
  if (st)
    return st;
  if (opt->threads < 0 || opt->chunk < 0)
    return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT,
                  "kernel '%s': launch options threads = %d, chunk = %lld; both must be >= 0",
                  k->sym, opt->threads, (long long)opt->chunk);
  void *mem[SYSRT_MAX_TENSORS];
  for (int t = 0; t < ntensors; t++) {
    st = check_buffer(k, t, tensors[t]);
    if (st)
      return st;
    mem[t] = tensors[t]->mem;
    for (int u = 0; u < t; u++)
      if (tensors[u] == tensors[t] && (d->tensors[u].output || d->tensors[t].output))
        return rt_err(ctx, SYSRT_ERR_INVALID_ARGUMENT,
                      "kernel '%s': tensors '%s' and '%s' share one buffer, and %s is an output",
                      k->sym, d->tensors[u].name, d->tensors[t].name,
                      d->tensors[u].output ? d->tensors[u].name : d->tensors[t].name);
  }
  for (int t = 0; t < ntensors; t++) {
    st = check_bytes(k, t, tensors[t], sizes);
    if (st)
      return st;
  }
  /* the kernel's sizes, then the exponent of each i16 tensor, in tensor order (d->nargs) */
  int64_t args[SYSRT_MAX_SIZES + SYSRT_MAX_TENSORS];
  if (nsizes)
    memcpy(args, sizes, sizeof *sizes * (size_t)nsizes);
  int nargs = nsizes;
  for (int t = 0; t < ntensors; t++)
    if (d->tensors[t].type == SYSRT_I16)
      args[nargs++] = tensors[t]->exponent;
  int64_t items = 0;
  /* the driver fills device_ns where it can time the device (else it stays UINT64_MAX) */
  uint64_t dev_ns = UINT64_MAX;
  SysrtLaunchOptions o = *opt;
  o.device_ns = opt->device_ns ? &dev_ns : NULL;
  uint64_t t0 = rt_now_ns();
  st = k->mod->dev->ops->launch(k, mem, args, &o, &items);
  uint64_t t1 = rt_now_ns();
  if (st)
    return st;
  if (opt->elapsed_ns)
    *opt->elapsed_ns = t1 - t0;
  if (opt->device_ns)
    *opt->device_ns = dev_ns != UINT64_MAX ? dev_ns : t1 - t0;
  if (opt->work_items)
    *opt->work_items = items;
  return SYSRT_OK;
}
