/*
 * failalloc.c: an LD_PRELOAD library for tests. malloc and calloc of at least
 * SYSC_FAIL_ALLOC bytes fail with ENOMEM, as on a machine out of memory; everything
 * else goes to the C library. tests/runtime/oom.sh runs a compiled kernel under it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);

static size_t limit(void) {
  static size_t l = SIZE_MAX - 1; /* not read yet */
  if (l == SIZE_MAX - 1) {
    const char *s = getenv("SYSC_FAIL_ALLOC");
    l = s ? (size_t)strtoull(s, NULL, 10) : 0;
  }
  return l;
}

void *malloc(size_t n) {
  if (limit() && n >= limit()) {
    errno = ENOMEM;
    return NULL;
  }
  return __libc_malloc(n);
}

void *calloc(size_t n, size_t size) {
  if (limit() && size && n >= limit() / size) {
    errno = ENOMEM;
    return NULL;
  }
  return __libc_calloc(n, size);
}
