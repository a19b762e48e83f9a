/*
 * Kernel descriptions: the `<sym>_desc` text a compiled kernel carries (docs/runtime.md,
 * "The description text"), parsed into an RtDesc, and the shapes and byte counts of its
 * tensors for given sizes.
 *
 * The text is lines of fields separated by spaces or tabs. The first non-empty line is
 * `sysc-kernel 3` (or 2); then `kernel`, `mapping` and `target` once each (only `kernel` is
 * required), one `size` line per size parameter (`size R 3` when the kernel was compiled
 * for that value only) and one `tensor` line per tensor. Lines
 * with another first word are skipped, so a newer compiler can add lines that this runtime
 * does not need. Parsing takes two passes, so that `tensor` lines may name sizes declared
 * below them: the first reads everything but the tensors, the second the tensors.
 *
 * Everything the parse produces lives in the kernel's arena. Nothing here prints; errors are
 * "line N: what" in the caller's buffer.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

/* ORDER TYPE: follows SysrtType. */
static const struct {
  const char *name;
  size_t size;
} types[SYSRT_TYPE_COUNT] = {
  {"f32", 4}, {"f16", 2}, {"bf16", 2}, {"fp8e4m3", 1}, {"fp8e5m2", 1},
  {"mxfp8e4m3", 0}, {"mxfp8e5m2", 0}, {"mxfp6e3m2", 0}, {"mxfp6e2m3", 0}, {"mxfp4e2m1", 0},
  {"mxint8", 0}, {"i16", 2}, {"i32", 4},
};

const char *sysrt_type_name(SysrtType type) {
  return (unsigned)type < SYSRT_TYPE_COUNT ? types[type].name : NULL;
}

size_t sysrt_type_size(SysrtType type) {
  return (unsigned)type < SYSRT_TYPE_COUNT ? types[type].size : 0;
}

#define MAX_FIELDS (5 + SYSRT_MAX_RANK + 1) /* one more to notice extra fields */

/* One line split into fields, which point into a NUL-separated copy. */
typedef struct Line {
  int no;
  int n;
  char *f[MAX_FIELDS];
  int extra; /* more fields than MAX_FIELDS */
} Line;

typedef struct Parser {
  RtArena *a;
  RtDesc *d;
  char *err;
  size_t errsize;
} Parser;

static SysrtStatus fail(Parser *p, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static SysrtStatus fail(Parser *p, int line, const char *fmt, ...) {
  int n = line > 0 ? snprintf(p->err, p->errsize, "line %d: ", line) : 0;
  if (n < 0 || (size_t)n >= p->errsize)
    n = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err + n, p->errsize - (size_t)n, fmt, ap);
  va_end(ap);
  return SYSRT_ERR_BAD_DESC;
}

static int is_ident(const char *s) {
  if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
    return 0;
  for (s++; *s; s++)
    if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
          (*s >= '0' && *s <= '9')))
      return 0;
  return 1;
}

/* Splits buf (one line, modified) into fields. */
static void split(char *buf, Line *l) {
  l->n = 0;
  l->extra = 0;
  char *s = buf;
  for (;;) {
    while (*s == ' ' || *s == '\t' || *s == '\r')
      *s++ = '\0';
    if (!*s)
      break;
    if (l->n == MAX_FIELDS) {
      l->extra = 1;
      break;
    }
    l->f[l->n++] = s;
    while (*s && *s != ' ' && *s != '\t' && *s != '\r')
      s++;
  }
}

/* A decimal int64 filling the whole of s. */
static int parse_i64(const char *s, int64_t *v) {
  if (!*s)
    return 0;
  char *end;
  errno = 0;
  long long x = strtoll(s, &end, 10);
  if (errno || *end || !((*s >= '0' && *s <= '9') || *s == '-' || *s == '+'))
    return 0;
  *v = (int64_t)x;
  return 1;
}

/* extent = c0:c1,c2,...,cP with P = nsizes ("c0" alone when there are no sizes). */
static SysrtStatus parse_extent(Parser *p, int line, const char *tensor, int dim,
                                const char *text, int64_t *coef) {
  int nsizes = p->d->info.nsizes;
  char tmp[512];
  size_t len = strlen(text);
  if (len >= sizeof tmp)
    return fail(p, line, "tensor '%s' dimension %d: extent too long", tensor, dim);
  memcpy(tmp, text, len + 1);
  char *colon = strchr(tmp, ':');
  if (colon)
    *colon = '\0';
  if (!parse_i64(tmp, &coef[0]))
    return fail(p, line, "tensor '%s' dimension %d: bad extent '%s' (want c0:c1,...,c%d)",
                tensor, dim, text, nsizes);
  int n = 0;
  if (colon && colon[1]) {
    char *s = colon + 1;
    for (;;) {
      char *comma = strchr(s, ',');
      if (comma)
        *comma = '\0';
      if (n == nsizes || !parse_i64(s, &coef[1 + n]))
        return fail(p, line,
                    "tensor '%s' dimension %d: bad extent '%s' (want c0:c1,...,c%d, one "
                    "coefficient per size)",
                    tensor, dim, text, nsizes);
      n++;
      if (!comma)
        break;
      s = comma + 1;
    }
  }
  if (n != nsizes)
    return fail(p, line,
                "tensor '%s' dimension %d: extent '%s' has %d coefficients, the kernel has %d "
                "sizes",
                tensor, dim, text, n, nsizes);
  return SYSRT_OK;
}

/* The affine form as text: "N + K - 1", "2*M", "0". */
static void format_affine(const RtDesc *d, const int64_t *coef, char *buf, size_t size) {
  size_t n = 0;
  int first = 1;
#define PUT(...)                                                                               \
  do {                                                                                         \
    int k_ = snprintf(buf + n, size - n, __VA_ARGS__);                                         \
    if (k_ > 0)                                                                                \
      n = (size_t)k_ < size - n ? n + (size_t)k_ : size - 1;                                   \
  } while (0)
  buf[0] = '\0';
  for (int j = 0; j < d->info.nsizes; j++) {
    int64_t c = coef[1 + j];
    if (c == 0)
      continue;
    const char *sign = c < 0 ? (first ? "-" : " - ") : (first ? "" : " + ");
    uint64_t mag = c < 0 ? (uint64_t)0 - (uint64_t)c : (uint64_t)c;
    if (mag == 1)
      PUT("%s%s", sign, d->size_names[j]);
    else
      PUT("%s%llu*%s", sign, (unsigned long long)mag, d->size_names[j]);
    first = 0;
  }
  if (first)
    PUT("%lld", (long long)coef[0]);
  else if (coef[0] != 0)
    PUT(" %c %llu", coef[0] < 0 ? '-' : '+',
        (unsigned long long)(coef[0] < 0 ? (uint64_t)0 - (uint64_t)coef[0] : (uint64_t)coef[0]));
#undef PUT
}

static SysrtStatus parse_tensor(Parser *p, const Line *l, int t) {
  RtDesc *d = p->d;
  int line = l->no;
  if (l->n < 5)
    return fail(p, line, "a tensor line is 'tensor NAME in|out TYPE RANK EXTENT...'");
  const char *name = l->f[1];
  if (!is_ident(name))
    return fail(p, line, "bad tensor name '%s'", name);
  for (int i = 0; i < t; i++)
    if (!strcmp(d->tensors[i].name, name))
      return fail(p, line, "tensor '%s' declared twice", name);
  for (int i = 0; i < d->info.nsizes; i++)
    if (!strcmp(d->size_names[i], name))
      return fail(p, line, "tensor '%s' has the name of a size", name);
  int out;
  if (!strcmp(l->f[2], "in"))
    out = 0;
  else if (!strcmp(l->f[2], "out"))
    out = 1;
  else
    return fail(p, line, "tensor '%s': '%s' is neither 'in' nor 'out'", name, l->f[2]);
  int type = 0;
  while (type < SYSRT_TYPE_COUNT && strcmp(types[type].name, l->f[3]))
    type++;
  if (type == SYSRT_TYPE_COUNT)
    return fail(p, line, "tensor '%s': unknown element type '%s'", name, l->f[3]);
  int64_t rank;
  if (!parse_i64(l->f[4], &rank) || rank < 0 || rank > SYSRT_MAX_RANK)
    return fail(p, line, "tensor '%s': bad rank '%s' (0 to %d)", name, l->f[4],
                SYSRT_MAX_RANK);
  if (l->extra || l->n != 5 + rank)
    return fail(p, line, "tensor '%s' has rank %d but %s%d extents", name, (int)rank,
                l->extra ? "more than " : "", l->n - 5);

  int np = d->info.nsizes + 1;
  int64_t *coef = rt_arena_alloc(p->a, sizeof *coef * (size_t)(rank ? rank * np : 1));
  if (!coef)
    return SYSRT_ERR_OUT_OF_MEMORY;
  char shape[1024] = "[", part[256];
  for (int k = 0; k < rank; k++) {
    SysrtStatus st = parse_extent(p, line, name, k, l->f[5 + k], coef + k * np);
    if (st)
      return st;
    format_affine(d, coef + k * np, part, sizeof part);
    size_t len = strlen(shape);
    snprintf(shape + len, sizeof shape - len, "%s%s", k ? ", " : "", part);
  }
  size_t len = strlen(shape);
  snprintf(shape + len, sizeof shape - len, "]");

  SysrtTensorInfo *ti = &d->tensors[t];
  ti->name = rt_arena_strndup(p->a, name, strlen(name));
  ti->shape = rt_arena_strndup(p->a, shape, strlen(shape));
  if (!ti->name || !ti->shape)
    return SYSRT_ERR_OUT_OF_MEMORY;
  ti->output = out;
  ti->type = (SysrtType)type;
  ti->rank = (int)rank;
  d->coef[t] = coef;
  d->block_axis[t] = sysrt_type_size(ti->type) ? -1 : (int)rank - 1;
  return SYSRT_OK;
}

/* block NAME AXIS: after the MX tensor's line */
static SysrtStatus parse_block(Parser *p, const Line *l, int t) {
  RtDesc *d = p->d;
  int64_t axis;
  if (l->n != 3 || !parse_i64(l->f[2], &axis))
    return fail(p, l->no, "want 'block TENSOR AXIS'");
  for (int i = 0; i < t; i++)
    if (!strcmp(d->tensors[i].name, l->f[1])) {
      if (d->block_axis[i] < 0 || axis < 0 || axis >= d->tensors[i].rank)
        return fail(p, l->no, "tensor '%s' has no blocks along axis %s", l->f[1], l->f[2]);
      d->block_axis[i] = (int)axis;
      return SYSRT_OK;
    }
  return fail(p, l->no, "'block %s': no such tensor above", l->f[1]);
}

/* kernel NAME | mapping NAME | target NAME */
static SysrtStatus parse_name(Parser *p, const Line *l, const char **slot) {
  if (*slot)
    return fail(p, l->no, "'%s' given twice", l->f[0]);
  if (l->n != 2 || !is_ident(l->f[1]))
    return fail(p, l->no, "want '%s NAME'", l->f[0]);
  *slot = rt_arena_strndup(p->a, l->f[1], strlen(l->f[1]));
  return *slot ? SYSRT_OK : SYSRT_ERR_OUT_OF_MEMORY;
}

/* Pass one (tensors == 0): the header, names and sizes, counting tensor lines.
   Pass two: the tensor lines. */
static SysrtStatus pass(Parser *p, const char *text, int second) {
  RtDesc *d = p->d;
  int no = 0, seen_header = 0, t = 0;
  char buf[4096];
  for (const char *s = text; *s;) {
    const char *e = strchr(s, '\n');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    no++;
    if (len >= sizeof buf)
      return fail(p, no, "line longer than %zu bytes", sizeof buf - 1);
    memcpy(buf, s, len);
    buf[len] = '\0';
    s += len + (e != NULL);
    Line l = {.no = no};
    split(buf, &l);
    if (l.n == 0)
      continue;
    if (!seen_header) {
      int64_t v;
      if (strcmp(l.f[0], "sysc-kernel") || l.n != 2 || !parse_i64(l.f[1], &v))
        return fail(p, no, "the first line must be 'sysc-kernel %d'", SYSRT_DESC_VERSION);
      if (v < SYSRT_DESC_VERSION_MIN || v > SYSRT_DESC_VERSION)
        return fail(p, no, "description version %s; this runtime reads versions %d to %d (rebuild "
                    "the kernel with a matching sysc)", l.f[1], SYSRT_DESC_VERSION_MIN,
                    SYSRT_DESC_VERSION);
      seen_header = 1;
      continue;
    }
    SysrtStatus st = SYSRT_OK;
    const char *kw = l.f[0];
    if (!strcmp(kw, "tensor")) {
      if (second)
        st = parse_tensor(p, &l, t);
      else if (t == SYSRT_MAX_TENSORS)
        st = fail(p, no, "more than %d tensors", SYSRT_MAX_TENSORS);
      t++;
    } else if (second) {
      if (!strcmp(kw, "block"))
        st = parse_block(p, &l, t);
      if (st)
        return st;
      continue;
    } else if (!strcmp(kw, "kernel")) {
      st = parse_name(p, &l, &d->info.kernel);
    } else if (!strcmp(kw, "mapping")) {
      st = parse_name(p, &l, &d->info.mapping);
    } else if (!strcmp(kw, "target")) {
      st = parse_name(p, &l, &d->info.target);
    } else if (!strcmp(kw, "size")) {
      int64_t fixed = 0;
      if (l.n < 2 || l.n > 3 || !is_ident(l.f[1]) || (l.n == 3 && (!parse_i64(l.f[2], &fixed) || fixed < 1)))
        return fail(p, no, "want 'size NAME' or 'size NAME VALUE' (VALUE >= 1)");
      if (d->info.nsizes == SYSRT_MAX_SIZES)
        return fail(p, no, "more than %d sizes", SYSRT_MAX_SIZES);
      for (int i = 0; i < d->info.nsizes; i++)
        if (!strcmp(d->size_names[i], l.f[1]))
          return fail(p, no, "size '%s' declared twice", l.f[1]);
      char *name = rt_arena_strndup(p->a, l.f[1], strlen(l.f[1]));
      if (!name)
        return SYSRT_ERR_OUT_OF_MEMORY;
      d->size_fixed[d->info.nsizes] = fixed;
      d->size_names[d->info.nsizes++] = name;
    }
    /* other lines: for later versions of the compiler; skipped */
    if (st)
      return st;
  }
  if (!seen_header)
    return fail(p, 0, "empty description (want 'sysc-kernel %d' first)", SYSRT_DESC_VERSION);
  if (!second)
    d->info.ntensors = t;
  return SYSRT_OK;
}

SysrtStatus rt_desc_parse(RtArena *a, const char *text, RtDesc *d, char *err, size_t errsize) {
  Parser p = {a, d, err, errsize};
  const char *symbol = d->info.symbol;
  memset(d, 0, sizeof *d);
  d->info.symbol = symbol;
  err[0] = '\0';
  d->size_names = rt_arena_alloc(a, sizeof *d->size_names * SYSRT_MAX_SIZES);
  d->size_fixed = rt_arena_alloc(a, sizeof *d->size_fixed * SYSRT_MAX_SIZES);
  if (!d->size_names || !d->size_fixed)
    return SYSRT_ERR_OUT_OF_MEMORY;
  SysrtStatus st = pass(&p, text, 0);
  if (st)
    return st;
  if (!d->info.kernel)
    return fail(&p, 0, "no 'kernel NAME' line");
  int nt = d->info.ntensors;
  d->tensors = rt_arena_alloc(a, sizeof *d->tensors * (size_t)(nt ? nt : 1));
  d->coef = rt_arena_alloc(a, sizeof *d->coef * (size_t)(nt ? nt : 1));
  d->block_axis = rt_arena_alloc(a, sizeof *d->block_axis * (size_t)(nt ? nt : 1));
  if (!d->tensors || !d->coef || !d->block_axis)
    return SYSRT_ERR_OUT_OF_MEMORY;
  st = pass(&p, text, 1);
  if (st)
    return st;
  if (!d->info.mapping)
    d->info.mapping = "";
  if (!d->info.target)
    d->info.target = "";
  d->info.size_names = d->size_names;
  d->info.tensors = d->tensors;
  d->nargs = d->info.nsizes;
  for (int t = 0; t < nt; t++)
    d->nargs += d->tensors[t].type == SYSRT_I16;
  return SYSRT_OK;
}

void rt_desc_format_sizes(const RtDesc *d, const int64_t *sizes, char *buf, size_t size) {
  size_t n = 0;
  buf[0] = '\0';
  for (int j = 0; j < d->info.nsizes && n < size; j++) {
    int k = snprintf(buf + n, size - n, "%s%s=%lld", j ? "," : "", d->size_names[j],
                     (long long)sizes[j]);
    if (k < 0)
      break;
    n += (size_t)k;
  }
  if (d->info.nsizes == 0)
    snprintf(buf, size, "no sizes");
}

static SysrtStatus too_big(const RtDesc *d, const SysrtTensorInfo *ti, const int64_t *sizes,
                           char *err, size_t errsize) {
  char sz[512];
  rt_desc_format_sizes(d, sizes, sz, sizeof sz);
  snprintf(err, errsize, "tensor '%s' %s needs more bytes than fit in size_t for %s", ti->name,
           ti->shape, sz);
  return SYSRT_ERR_INVALID_ARGUMENT;
}

SysrtStatus rt_desc_shape(const RtDesc *d, int t, const int64_t *sizes, int64_t *dims,
                          size_t *bytes, char *err, size_t errsize) {
  const SysrtTensorInfo *ti = &d->tensors[t];
  char sz[512];
  size_t elem = sysrt_type_size(ti->type);
  int mx = d->block_axis[t];
  /* MX: the codes, the block axis padded to 32 and packed along it (bits per code: FP6 6,
     FP4 4, else 8), then a byte per block */
  size_t bits = ti->type == SYSRT_MXFP4_E2M1                                    ? 4
                : ti->type == SYSRT_MXFP6_E3M2 || ti->type == SYSRT_MXFP6_E2M3 ? 6
                                                                               : 8;
  int np = d->info.nsizes + 1;
  size_t total = elem ? elem : 1, blocks = 1;
  for (int k = 0; k < ti->rank; k++) {
    const int64_t *c = d->coef[t] + k * np;
    int64_t e = c[0];
    int bad = 0;
    for (int j = 0; j < d->info.nsizes; j++) {
      int64_t term;
      bad |= __builtin_mul_overflow(c[1 + j], sizes[j], &term);
      bad |= __builtin_add_overflow(e, term, &e);
    }
    if (bad || e < 1) {
      char form[256];
      format_affine(d, c, form, sizeof form);
      rt_desc_format_sizes(d, sizes, sz, sizeof sz);
      if (bad)
        snprintf(err, errsize, "tensor '%s' dimension %d (%s) overflows for %s", ti->name, k,
                 form, sz);
      else
        snprintf(err, errsize,
                 "tensor '%s' dimension %d has extent %s = %lld for %s; extents must be >= 1",
                 ti->name, k, form, (long long)e, sz);
      return SYSRT_ERR_INVALID_ARGUMENT;
    }
    if (dims)
      dims[k] = e;
    int64_t nb = k == mx ? (e + 31) / 32 : e;
    if (k == mx)
      e = nb * 32;
    if ((uint64_t)e > SIZE_MAX || __builtin_mul_overflow(total, (size_t)e, &total) ||
        __builtin_mul_overflow(blocks, (size_t)nb, &blocks))
      return too_big(d, ti, sizes, err, errsize);
  }
  if (mx >= 0) {
    total = total / 8 * bits; /* the padded axis is a multiple of 32 codes */
    if (__builtin_add_overflow(total, blocks, &total))
      return too_big(d, ti, sizes, err, errsize);
  }
  if (bytes)
    *bytes = total;
  return SYSRT_OK;
}
