/*
 * util.c: the arena, text buffers, file reading and internal-bug reports.
 *
 * The arena is a list of large chunks; allocation bumps a pointer. Compiler memory
 * is freed in one go with the arena (chibicc and QBE never free single nodes either).
 */
#include "sysc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void sysc_bug_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "sysc: internal error at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

enum { CHUNK = 64 * 1024 };

typedef struct Chunk {
	struct Chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
} Chunk;

struct Arena {
	Chunk *head;
};

static void *xcalloc(size_t n)
{
	void *p = calloc(1, n);
	if (!p) {
		fprintf(stderr, "sysc: out of memory (%zu bytes)\n", n);
		exit(2);
	}
	return p;
}

Arena *arena_new(void)
{
	return xcalloc(sizeof(Arena));
}

void arena_free(Arena *a)
{
	if (!a)
		return;
	for (Chunk *c = a->head, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	free(a);
}

void *arena_alloc(Arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	Chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK ? n : CHUNK;
		c = xcalloc(sizeof(Chunk) + cap);
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *arena_strdup(Arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(Arena *a, const char *fmt, ...)
{
	Buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	char *s = arena_strndup(a, b.data ? b.data : "", b.len);
	buf_free(&b);
	return s;
}

void buf_vprintf(Buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		sysc_bug("bad format '%s'", fmt);
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d) {
			fprintf(stderr, "sysc: out of memory\n");
			exit(2);
		}
		b->data = d;
		b->cap = cap;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(Buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_free(Buf *b)
{
	free(b->data);
	*b = (Buf){0};
}

char *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *s = malloc(cap);
	for (;;) {
		if (!s) {
			errno = ENOMEM;
			break;
		}
		n += fread(s + n, 1, cap - n - 1, f);
		if (n < cap - 1)
			break;
		cap *= 2;
		char *t = realloc(s, cap);
		if (!t)
			free(s);
		s = t;
	}
	int err = ferror(f);
	if (f != stdin)
		fclose(f);
	if (!s || err) {
		free(s);
		if (err)
			errno = EIO;
		return NULL;
	}
	s[n] = 0;
	if (len)
		*len = n;
	return s;
}

bool write_file(const char *path, const void *data, size_t n)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	if (!f)
		return false;
	errno = 0;
	bool ok = !n || fwrite(data, 1, n, f) == n;
	ok &= f == stdout ? fflush(f) == 0 : fclose(f) == 0;
	if (!ok && !errno)
		errno = EIO;
	return ok;
}
