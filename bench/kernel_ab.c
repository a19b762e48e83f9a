/*
 * kernel_ab.c: one kernel from several objects built by `sysc build` (a compiler
 * change before and after, say), timed in one process on the host device, in rounds:
 * each round runs every object's kernel three times and keeps the fastest, so the
 * drift of a shared machine hits all of them alike. Prints each object's median and
 * the median (and range) over the rounds of its speed relative to the first object.
 * Inputs are random; the outputs are compared with the first object's, bit for bit.
 * Usage: kernel_ab SYMBOL SIZES THREADS ROUNDS OBJ1 OBJ2 [OBJ...]
 *   e.g. kernel_ab sysk_gemm_output_stationary 2000,2000,2000 2 9 old.o new.o
 */
#include "sysrt.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAXOBJ = 8, MAXROUNDS = 64, MAXT = 16, MAXSIZES = 16 };

static SysrtContext *ctx;

static void check(SysrtStatus st)
{
	if (st != SYSRT_OK) {
		fprintf(stderr, "kernel_ab: %s\n", ctx ? sysrt_last_error(ctx) : sysrt_status_str(st));
		exit(1);
	}
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fprintf(stderr, "kernel_ab: out of memory (%zu bytes)\n", n);
		exit(1);
	}
	return p;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[MAXROUNDS];
	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof s[0], cmp);
	return s[n / 2];
}

int main(int argc, char **argv)
{
	if (argc < 7 || argc - 5 > MAXOBJ) {
		fprintf(stderr, "usage: kernel_ab SYMBOL SIZES THREADS ROUNDS OBJ1 OBJ2 [OBJ...] (at most %d objects)\n", MAXOBJ);
		return 2;
	}
	int64_t sizes[MAXSIZES];
	int nsizes = 0;
	for (const char *p = argv[2]; *p && nsizes < MAXSIZES; p += strcspn(p, ","), p += *p == ',')
		sizes[nsizes++] = atoll(p);
	int threads = atoi(argv[3]), rounds = atoi(argv[4]), nobj = argc - 5;
	if (rounds < 1 || rounds > MAXROUNDS) {
		fprintf(stderr, "kernel_ab: ROUNDS must be 1 to %d\n", MAXROUNDS);
		return 2;
	}
	SysrtDevice *dev;
	check(sysrt_context_create(NULL, &ctx));
	check(sysrt_device_get(ctx, "host", &dev));
	SysrtModule *mod[MAXOBJ];
	SysrtKernel *k[MAXOBJ];
	for (int i = 0; i < nobj; i++) {
		check(sysrt_module_load_file(dev, argv[5 + i], &mod[i]));
		check(sysrt_kernel_get(mod[i], argv[1], &k[i]));
	}
	SysrtKernelInfo info;
	check(sysrt_kernel_info(k[0], &info));
	if (info.ntensors > MAXT) {
		fprintf(stderr, "kernel_ab: more than %d tensors\n", MAXT);
		return 1;
	}
	/* random inputs, as bytes (the kernel's element types do not matter for timing,
	 * but a float pattern keeps f32 inputs finite: values in [-0.5, 0.5)) */
	SysrtBuffer *buf[MAXT];
	size_t bytes[MAXT];
	srand(7);
	for (int t = 0; t < info.ntensors; t++) {
		check(sysrt_kernel_tensor_shape(k[0], t, sizes, nsizes, NULL, &bytes[t]));
		check(sysrt_buffer_create(dev, bytes[t], &buf[t]));
		float *h = xmalloc(bytes[t] + 4);
		for (size_t e = 0; e < (bytes[t] + 3) / 4; e++)
			h[e] = (float)rand() / (float)RAND_MAX - 0.5f;
		check(sysrt_buffer_write(buf[t], 0, h, bytes[t]));
		free(h);
	}
	/* the outputs of the first object, then each other's against them */
	unsigned char *ref[MAXT] = {0};
	uint64_t ns;
	SysrtLaunchOptions lo = SYSRT_LAUNCH_OPTIONS_INIT;
	lo.threads = threads;
	lo.elapsed_ns = &ns;
	for (int i = 0; i < nobj; i++) {
		check(sysrt_launch(k[i], buf, info.ntensors, sizes, nsizes, &lo));
		for (int t = 0; t < info.ntensors; t++) {
			if (!info.tensors[t].output)
				continue;
			unsigned char *out = xmalloc(bytes[t]);
			check(sysrt_buffer_read(buf[t], 0, out, bytes[t]));
			if (i == 0)
				ref[t] = out;
			else {
				if (memcmp(out, ref[t], bytes[t]) != 0)
					printf("%s: output '%s' differs from %s's\n", argv[5 + i], info.tensors[t].name, argv[5]);
				free(out);
			}
		}
	}
	double ms[MAXOBJ][MAXROUNDS];
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < nobj; i++) {
			double best = 1e30;
			for (int rep = 0; rep < 3; rep++) {
				check(sysrt_launch(k[i], buf, info.ntensors, sizes, nsizes, &lo));
				if ((double)ns * 1e-6 < best)
					best = (double)ns * 1e-6;
			}
			ms[i][r] = best;
		}
	printf("%s, sizes %s, %d threads, %d rounds of best-of-3\n", argv[1], argv[2], threads, rounds);
	for (int i = 0; i < nobj; i++) {
		double speed[MAXROUNDS];
		for (int r = 0; r < rounds; r++)
			speed[r] = ms[0][r] / ms[i][r];
		qsort(speed, (size_t)rounds, sizeof speed[0], cmp);
		printf("  %-32s median %9.3f ms   speed against the first: %.3f (%.3f to %.3f)\n", argv[5 + i],
		       median(ms[i], rounds), speed[rounds / 2], speed[0], speed[rounds - 1]);
	}
	for (int t = 0; t < info.ntensors; t++)
		free(ref[t]);
	for (int t = 0; t < info.ntensors; t++)
		sysrt_buffer_destroy(buf[t]);
	for (int i = 0; i < nobj; i++)
		sysrt_module_destroy(mod[i]);
	sysrt_context_destroy(ctx);
	return 0;
}
