/*
 * test_spv.c: the check of the SPIR-V words LLVM writes (spv_duplicate_id, spv/binary.c).
 * Inputs/conv1d_rev-dup-id.spv is a module LLVM 22's SPIR-V backend wrote for
 * samples/conv1d.sys's conv1d_rev (--gpu=generic) inside `sysc run --device=opencl`, about
 * once in 40 runs: a label has the id of a type (35), spirv-val rejects it and
 * llvm-spirv 15 aborts on it. Inputs/conv1d_rev.spv is the same kernel as usually written.
 *
 *   test_spv DIR   (the Inputs directory)
 */
#include "gpu/gpu.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static size_t slurp(const char *dir, const char *name, uint32_t *w, size_t max)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return 0;
	}
	size_t n = fread(w, 4, max, f);
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	static uint32_t w[1 << 16];
	const char *dir = argc > 1 ? argv[1] : ".";
	size_t n = slurp(dir, "conv1d_rev-dup-id.spv", w, 1 << 16);
	CHECK(n > 5 && spv_duplicate_id(w, n) == 35);
	n = slurp(dir, "conv1d_rev.spv", w, 1 << 16);
	CHECK(n > 5 && spv_duplicate_id(w, n) == 0);

	/* by hand: OpTypeInt %1 32 0, OpTypePointer %2 Workgroup %1, then OpLabel %2 */
	uint32_t m[] = {0x07230203u, 0x00010400u, 0, 4, 0, 4u << 16 | 21, 1, 32, 0, 4u << 16 | 32, 2, 4, 1,
	                2u << 16 | 248, 2};
	size_t mn = sizeof m / sizeof *m;
	CHECK(spv_duplicate_id(m, mn) == 2);
	m[14] = 3; /* the label gets an id of its own */
	CHECK(spv_duplicate_id(m, mn) == 0);
	/* OpName %1 and OpDecorate %1 name the id again without defining it */
	uint32_t d[] = {0x07230203u, 0x00010400u, 0, 2, 0, 3u << 16 | 5, 1, 0x61, 3u << 16 | 71, 1, 44,
	                4u << 16 | 21, 1, 32, 0};
	CHECK(spv_duplicate_id(d, sizeof d / sizeof *d) == 0);
	return test_main_end("unit.spv");
}
