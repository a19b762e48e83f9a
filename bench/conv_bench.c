/*
 * conv_bench.c: FP32 2-D convolution from samples/conv2d.sys (its output-stationary
 * mapping, compiled by `sysc build` twice: for any filter size, and with
 * `--specialize R=3,S=3`) and from samples/conv3x3.sys (the same array summing in one
 * chain; the objects are loaded through the runtime) against oneDNN's
 * f32 forward convolution, in one process, with the same number of threads, on the
 * same plain layouts (img C x H x W, weights K x C x R x S, output K x P x Q; no
 * padding, stride 1). Prints medians and the ratios.
 * Usage: conv_bench [C=K] [P=Q] [threads] [repeats]   (default 64 56: N=1, 3x3)
 */
#include "sysrt.h"

#include <dnnl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifndef CONV_KERNELS
#define CONV_KERNELS "."
#endif

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void rt_check(SysrtContext *ctx, SysrtStatus st)
{
	if (st != SYSRT_OK) {
		fprintf(stderr, "conv_bench: %s\n", ctx ? sysrt_last_error(ctx) : sysrt_status_str(st));
		exit(1);
	}
}

static void dn_check(dnnl_status_t st, const char *what)
{
	if (st != dnnl_success) {
		fprintf(stderr, "conv_bench: oneDNN %s failed (%d)\n", what, (int)st);
		exit(1);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Runs kernel `entry` of object file `path` reps times on buf; its median, output in out. */
static double time_sysc(SysrtContext *ctx, SysrtDevice *dev, const char *path, const char *entry, SysrtBuffer **buf,
                        const int64_t *sizes, int nsizes, int threads, int reps, float *out, size_t bytes)
{
	SysrtModule *mod;
	SysrtKernel *kern;
	rt_check(ctx, sysrt_module_load_file(dev, path, &mod));
	rt_check(ctx, sysrt_kernel_get(mod, entry, &kern));
	SysrtLaunchOptions lo = SYSRT_LAUNCH_OPTIONS_INIT;
	uint64_t ns;
	lo.threads = threads;
	lo.elapsed_ns = &ns;
	double ts[100];
	rt_check(ctx, sysrt_buffer_write(buf[2], 0, out, bytes)); /* not the last kernel's result */
	rt_check(ctx, sysrt_launch(kern, buf, 3, sizes, nsizes, &lo));
	for (int r = 0; r < reps; r++) {
		rt_check(ctx, sysrt_launch(kern, buf, 3, sizes, nsizes, &lo));
		ts[r] = (double)ns * 1e-9;
	}
	rt_check(ctx, sysrt_buffer_read(buf[2], 0, out, bytes));
	sysrt_module_destroy(mod);
	qsort(ts, (size_t)reps, sizeof ts[0], cmp);
	return ts[reps / 2];
}

static double max_rel_diff(const float *out, const float *ref, size_t n)
{
	double err = 0;
	for (size_t i = 0; i < n; i++)
		err = fmax(err, fabs((double)out[i] - ref[i]) / (fabs((double)ref[i]) + 1));
	return err;
}

int main(int argc, char **argv)
{
	int64_t C = argc > 1 ? atoi(argv[1]) : 64, P = argc > 2 ? atoi(argv[2]) : 56;
	int threads = argc > 3 ? atoi(argv[3]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
	int reps = argc > 4 ? atoi(argv[4]) : 7;
	int64_t K = C, R = 3, S = 3, H = P + R - 1, W = P + S - 1, Q = P;
	if (C < 1 || P < 1 || threads < 1 || reps < 1 || reps > 100) {
		fprintf(stderr, "usage: conv_bench [C] [P] [threads] [repeats 1..100]\n");
		return 2;
	}
	size_t nimg = (size_t)(C * H * W), nwt = (size_t)(K * C * R * S), nout = (size_t)(K * P * Q);
	float *img = malloc(4 * nimg), *wt = malloc(4 * nwt), *out = malloc(4 * nout), *ref = malloc(4 * nout);
	float *out3 = calloc(nout, 4), *outc = calloc(nout, 4);
	srand(7);
	for (size_t i = 0; i < nimg; i++)
		img[i] = (float)rand() / (float)RAND_MAX * 2 - 1;
	for (size_t i = 0; i < nwt; i++)
		wt[i] = (float)rand() / (float)RAND_MAX * 2 - 1;

	/* sysc, through the runtime */
	SysrtContext *ctx = NULL;
	SysrtDevice *dev;
	SysrtBuffer *buf[3];
	rt_check(NULL, sysrt_context_create(NULL, &ctx));
	rt_check(ctx, sysrt_device_get(ctx, "host", &dev));
	size_t bytes[3] = {4 * nimg, 4 * nwt, 4 * nout};
	for (int i = 0; i < 3; i++)
		rt_check(ctx, sysrt_buffer_create(dev, bytes[i], &buf[i]));
	rt_check(ctx, sysrt_buffer_write(buf[0], 0, img, bytes[0]));
	rt_check(ctx, sysrt_buffer_write(buf[1], 0, wt, bytes[1]));
	int64_t sizes[6] = {K, C, H, W, R, S}, chain_sizes[5] = {1, K, C, P, Q};
	const char *conv2d = "sysk_conv2d_output_stationary";
	double ts = time_sysc(ctx, dev, CONV_KERNELS "/conv_kernels.o", conv2d, buf, sizes, 6, threads, reps, out, bytes[2]);
	double ts3 =
		time_sysc(ctx, dev, CONV_KERNELS "/conv_kernels_3x3.o", conv2d, buf, sizes, 6, threads, reps, out3, bytes[2]);
	/* conv3x3.sys: sizes N, K, C, P, Q; the same layouts for N = 1 */
	double tc = time_sysc(ctx, dev, CONV_KERNELS "/conv_kernels_chain.o", "sysk_conv3x3_output_stationary", buf,
	                      chain_sizes, 5, threads, reps, outc, bytes[2]);
	double to[100];

	/* oneDNN (threads from OMP_NUM_THREADS, set by the caller to the same count) */
	dnnl_engine_t eng;
	dnnl_stream_t stream;
	dn_check(dnnl_engine_create(&eng, dnnl_cpu, 0), "engine");
	dn_check(dnnl_stream_create(&stream, eng, dnnl_stream_default_flags), "stream");
	dnnl_memory_desc_t src_md, wei_md, dst_md;
	dnnl_dims_t src_d = {1, C, H, W}, wei_d = {K, C, R, S}, dst_d = {1, K, P, Q};
	dn_check(dnnl_memory_desc_init_by_tag(&src_md, 4, src_d, dnnl_f32, dnnl_nchw), "src desc");
	dn_check(dnnl_memory_desc_init_by_tag(&wei_md, 4, wei_d, dnnl_f32, dnnl_oihw), "weights desc");
	dn_check(dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_d, dnnl_f32, dnnl_nchw), "dst desc");
	dnnl_convolution_desc_t cd;
	dnnl_dims_t strides = {1, 1}, pad = {0, 0};
	dn_check(dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct, &src_md, &wei_md,
	                                            NULL, &dst_md, strides, pad, pad),
	         "convolution desc");
	dnnl_primitive_desc_t pd;
	dn_check(dnnl_primitive_desc_create(&pd, &cd, NULL, eng, NULL), "primitive desc");
	dnnl_primitive_t conv;
	dn_check(dnnl_primitive_create(&conv, pd), "primitive");
	dnnl_memory_t ms, mw, md;
	dn_check(dnnl_memory_create(&ms, &src_md, eng, img), "src");
	dn_check(dnnl_memory_create(&mw, &wei_md, eng, wt), "weights");
	dn_check(dnnl_memory_create(&md, &dst_md, eng, ref), "dst");
	dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, ms}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DST, md}};
	dn_check(dnnl_primitive_execute(conv, stream, 3, args), "execute");
	dnnl_stream_wait(stream);
	for (int r = 0; r < reps; r++) {
		double t = now();
		dnnl_primitive_execute(conv, stream, 3, args);
		dnnl_stream_wait(stream);
		to[r] = now() - t;
	}
	const char *impl = NULL;
	dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);

	double err = fmax(fmax(max_rel_diff(out, ref, nout), max_rel_diff(out3, ref, nout)), max_rel_diff(outc, ref, nout));
	qsort(to, (size_t)reps, sizeof to[0], cmp);
	double flop = 2.0 * (double)(K * P * Q) * (double)(C * R * S);
	printf("conv2d N=1 C=K=%lld %lldx%lld 3x3 (output %lldx%lld), %d threads, median of %d\n", (long long)C,
	       (long long)H, (long long)W, (long long)P, (long long)Q, threads, reps);
	printf("  sysc output_stationary           %8.3f ms  %7.1f GFLOP/s\n", ts * 1e3, flop / ts * 1e-9);
	printf("  sysc output_stationary, R=S=3    %8.3f ms  %7.1f GFLOP/s\n", ts3 * 1e3, flop / ts3 * 1e-9);
	printf("  sysc conv3x3.sys (one chain)     %8.3f ms  %7.1f GFLOP/s\n", tc * 1e3, flop / tc * 1e-9);
	printf("  oneDNN (%s)           %8.3f ms  %7.1f GFLOP/s\n", impl ? impl : "?", to[reps / 2] * 1e3,
	       flop / to[reps / 2] * 1e-9);
	printf("  ratio sysc / oneDNN              %8.1f %%\n", 100 * to[reps / 2] / ts);
	printf("  ratio sysc R=S=3 / oneDNN        %8.1f %%\n", 100 * to[reps / 2] / ts3);
	printf("  ratio sysc conv3x3 / oneDNN      %8.1f %%\n", 100 * to[reps / 2] / tc);
	printf("  max relative difference %.2g\n", err);
	dnnl_primitive_destroy(conv);
	dnnl_primitive_desc_destroy(pd);
	dnnl_memory_destroy(ms);
	dnnl_memory_destroy(mw);
	dnnl_memory_destroy(md);
	dnnl_stream_destroy(stream);
	dnnl_engine_destroy(eng);
	for (int i = 0; i < 3; i++)
		sysrt_buffer_destroy(buf[i]);
	sysrt_context_destroy(ctx);
	free(out3);
	free(outc);
	free(img);
	free(wt);
	free(out);
	free(ref);
	return err < 1e-3 ? 0 : 1;
}
