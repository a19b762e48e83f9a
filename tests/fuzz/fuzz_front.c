/*
 * fuzz_front.c: the libFuzzer target of the front end.
 *
 * One input is one .sys file: it is scanned, parsed, checked (when it parsed
 * cleanly) and dumped, in a fresh arena that is freed at the end, exactly the way
 * `sysc emit --emit=ast` drives the front end. Diagnostics go to /dev/null: only
 * crashes, hangs, leaks and sanitizer reports count. Built with clang and
 * -fsanitize=fuzzer it is the fuzzer (SYSC_FUZZ=ON); linked with replay_main.c it
 * replays a corpus under any compiler, which is how ctest runs it (fuzz.replay).
 * tests/fuzz/README.md says how to build and run it.
 */
#include "sysc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (size > (1u << 30)) /* the driver's limit too: locations are ints */
		return 0;
	if (!sink && !(sink = fopen("/dev/null", "w")))
		abort();
	/* the scanner wants a NUL after the last byte */
	char *text = malloc(size + 1);
	if (!text)
		abort();
	if (size)
		memcpy(text, data, size);
	text[size] = 0;

	Arena *a = arena_new();
	Diag d;
	diag_init(&d, sink);
	d.color = false;
	d.max_errors = 0; /* report every error: each goes through the source printer */
	int file = diag_add_file(&d, "fuzz.sys", text, (int)size);
	Program *p = sysc_parse(a, &d, file);
	if (p->syntax_errors == 0)
		sema_check(a, &d, p);
	Buf b = {0};
	ast_dump(&b, p, &d);
	buf_free(&b);
	arena_free(a);
	free(text);
	return 0;
}
