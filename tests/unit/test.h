/*
 * test.h: a minimal self-checking test harness (after chibicc's test/test.h).
 * CHECK(cond) counts and reports failures; test_main_end() prints the summary line
 * and returns the exit status.
 */
#ifndef SYSC_TEST_H
#define SYSC_TEST_H

#include <stdio.h>

static int test_passed, test_failed;

#define CHECK(cond)                                                                   \
	do {                                                                              \
		if (cond) {                                                                   \
			test_passed++;                                                            \
		} else {                                                                      \
			test_failed++;                                                            \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                             \
	} while (0)

static inline int test_main_end(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, test_passed, test_failed);
	return test_failed != 0;
}

#endif
