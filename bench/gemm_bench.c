/*
 * gemm_bench.c: FP32 GEMM from samples/gemm.sys (output-stationary mapping, compiled
 * by `sysc build` into this program, launched through the runtime) against OpenBLAS
 * sgemm, in one process, with the same number of threads for both, in rounds of one run
 * of each. Prints the median times and the median of the rounds' ratios. Usage: gemm_bench [N] [threads] [repeats]   (default 2048, all cores, 7)
 */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sysrt.h"

int64_t sysk_gemm_output_stationary_count(const int64_t *sizes);
int sysk_gemm_output_stationary_run(void *const *tensors, const int64_t *sizes, int64_t begin, int64_t end);
extern const char sysk_gemm_output_stationary_desc[];
void openblas_set_num_threads(int n);

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void check(SysrtContext *ctx, SysrtStatus st)
{
	if (st != SYSRT_OK) {
		fprintf(stderr, "gemm_bench: %s\n", ctx ? sysrt_last_error(ctx) : sysrt_status_str(st));
		exit(1);
	}
}

static void pause_ms(int ms)
{
	struct timespec t = {0, ms * 1000000L};
	nanosleep(&t, NULL);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2048;
	int threads = argc > 2 ? atoi(argv[2]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
	int reps = argc > 3 ? atoi(argv[3]) : 7;
	if (n < 1 || threads < 1 || threads > 64 || reps < 1 || reps > 100) {
		fprintf(stderr, "usage: gemm_bench [N] [threads 1..64] [repeats 1..100]\n");
		return 2;
	}
	size_t bytes = sizeof(float) * (size_t)n * (size_t)n;
	float *a = malloc(bytes), *b = malloc(bytes), *c = malloc(bytes), *ref = malloc(bytes);
	if (!a || !b || !c || !ref)
		return 1;
	srand(12345);
	for (size_t i = 0; i < (size_t)n * (size_t)n; i++) {
		a[i] = (float)rand() / (float)RAND_MAX * 2 - 1;
		b[i] = (float)rand() / (float)RAND_MAX * 2 - 1;
	}
	openblas_set_num_threads(threads);
	/* the kernel, linked into this program, launched by the runtime's thread pool */
	SysrtContext *ctx = NULL;
	SysrtDevice *dev;
	SysrtModule *mod;
	SysrtKernel *kern;
	SysrtBuffer *buf[3];
	check(NULL, sysrt_context_create(NULL, &ctx));
	check(ctx, sysrt_device_get(ctx, "host", &dev));
	const SysrtKernelSymbols syms[] = {SYSRT_KERNEL_SYMBOLS(sysk_gemm_output_stationary)};
	check(ctx, sysrt_module_from_symbols(dev, syms, 1, &mod));
	check(ctx, sysrt_kernel_get(mod, "sysk_gemm_output_stationary", &kern));
	for (int i = 0; i < 3; i++)
		check(ctx, sysrt_buffer_create(dev, bytes, &buf[i]));
	check(ctx, sysrt_buffer_write(buf[0], 0, a, bytes));
	check(ctx, sysrt_buffer_write(buf[1], 0, b, bytes));
	int64_t sizes[3] = {n, n, n};
	SysrtLaunchOptions lo = SYSRT_LAUNCH_OPTIONS_INIT;
	uint64_t ns;
	lo.threads = threads;
	lo.elapsed_ns = &ns;
	double ts[100], to[100], ratio[100];
	/* Rounds, so that both sides see the same machine (the speed of a virtual machine
	 * drifts over seconds): three runs of sysc, three of OpenBLAS, the middle time
	 * of each, then a pause that lets OpenBLAS's threads stop spinning (they would
	 * steal the cores from sysc). */
	check(ctx, sysrt_launch(kern, buf, 3, sizes, 3, &lo)); /* warm-up */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, ref, n);
	pause_ms(300);
	for (int r = 0; r < reps; r++) {
		double x[3], y[3];
		for (int k = 0; k < 3; k++) {
			check(ctx, sysrt_launch(kern, buf, 3, sizes, 3, &lo));
			x[k] = (double)ns * 1e-9;
		}
		for (int k = 0; k < 3; k++) {
			double t = now();
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, ref, n);
			y[k] = now() - t;
		}
		qsort(x, 3, sizeof x[0], cmp);
		qsort(y, 3, sizeof y[0], cmp);
		ts[r] = x[1];
		to[r] = y[1];
		ratio[r] = to[r] / ts[r];
		if (getenv("GEMM_BENCH_VERBOSE"))
			fprintf(stderr, "round %d: sysc %.2f ms, OpenBLAS %.2f ms\n", r, ts[r] * 1e3, to[r] * 1e3);
		pause_ms(300);
	}
	check(ctx, sysrt_buffer_read(buf[2], 0, c, bytes));
	double err = 0;
	for (size_t i = 0; i < (size_t)n * (size_t)n; i++)
		err = fmax(err, fabs((double)c[i] - ref[i]) / (fabs((double)ref[i]) + 1));
	qsort(ts, (size_t)reps, sizeof ts[0], cmp);
	qsort(to, (size_t)reps, sizeof to[0], cmp);
	qsort(ratio, (size_t)reps, sizeof ratio[0], cmp);
	double flop = 2.0 * n * n * (double)n;
	printf("sgemm %dx%dx%d, %d threads, median of %d rounds\n", n, n, n, threads, reps);
	printf("  sysc output_stationary  %8.2f ms  %7.1f GFLOP/s\n", ts[reps / 2] * 1e3, flop / ts[reps / 2] * 1e-9);
	printf("  OpenBLAS sgemm          %8.2f ms  %7.1f GFLOP/s\n", to[reps / 2] * 1e3, flop / to[reps / 2] * 1e-9);
	printf("  ratio sysc / OpenBLAS   %8.1f %% (rounds: %.1f to %.1f %%)\n", 100 * ratio[reps / 2], 100 * ratio[0],
	       100 * ratio[reps - 1]);
	printf("  max relative difference %.2g\n", err);
	for (int i = 0; i < 3; i++)
		sysrt_buffer_destroy(buf[i]);
	sysrt_module_destroy(mod);
	sysrt_context_destroy(ctx);
	free(a);
	free(b);
	free(c);
	free(ref);
	return err < 1e-3 ? 0 : 1;
}
