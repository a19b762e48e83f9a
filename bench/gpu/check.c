/*
 * check.c: gpu_check, `sysc run --device=KIND` for machines without LLVM (the GPU
 * machine): it runs a prebuilt module (PTX or SPIR-V from `sysc build`) through the
 * runtime (sysrt.h: the cuda or opencl driver, the host driver stubbed out) and checks
 * every mapping of every kernel against the reference interpreter, compiled in:
 *   - bit for bit against the interpreter in the declared types (EVAL_TYPED), and
 *   - the largest relative error against the interpreter in FP64 (EVAL_FP64), the
 *     double-precision reference.
 * Large domains are checked on 256 sampled elements per output, each computed from
 * the points it depends on (interp_sample), as sysc run does.
 *
 *   gpu_check [--device=cuda] [--bench N] [--seed S] FILE.sys MODULE [SIZES]
 *
 * Prints one line per mapping; exits 1 on any mismatch, 77 when the device is missing.
 */
#include "sysc.h"
#include "sysrt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { SAMPLE_ABOVE = 1 << 22, NSAMPLES = 256 };

static bool same_bits(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return memcmp(&a, &b, sizeof a) == 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *device = "cuda", *spec = NULL, *module = NULL, *sizes_spec = NULL;
	int bench = 1;
	uint64_t seed = 12345;
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--device=", 9))
			device = argv[i] + 9;
		else if (!strcmp(argv[i], "--bench") && i + 1 < argc)
			bench = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (!spec)
			spec = argv[i];
		else if (!module)
			module = argv[i];
		else
			sizes_spec = argv[i];
	}
	if (!spec || !module) {
		fprintf(stderr, "usage: gpu_check [--device=cuda] [--bench N] [--seed S] FILE.sys MODULE [SIZES]\n");
		return 2;
	}
	if (bench < 1 || bench > 64)
		bench = 1;
	SysrtContext *rt;
	SysrtDevice *dev;
	SysrtModule *mod;
	sysrt_context_create(NULL, &rt);
	if (sysrt_device_get(rt, device, &dev) != SYSRT_OK) {
		printf("%s: skipped: %s\n", device, sysrt_last_error(rt));
		return 77;
	}
	if (sysrt_module_load_file(dev, module, &mod) != SYSRT_OK) {
		printf("%s: %s\n", device, sysrt_last_error(rt));
		return 1;
	}
	Arena *a = arena_new();
	Diag d;
	diag_init(&d, stderr);
	size_t len;
	char *text = read_file(spec, &len);
	if (!text) {
		fprintf(stderr, "gpu_check: cannot read %s\n", spec);
		return 2;
	}
	d.arena = a;
	Program *p = sysc_parse(a, &d, diag_add_file(&d, spec, arena_strndup(a, text, len), (int)len));
	if (p->syntax_errors || !sema_check(a, &d, p))
		return 1;
	bool ok = true;
	for (Kernel *k = p->kernels; k; k = k->next) {
		Ure *u = ure_lower(a, k);
		Sizes sz;
		char err[512];
		if (!ure_parse_sizes(u, sizes_spec ? sizes_spec : "", &sz, err, sizeof err)) {
			/* the sizes name another kernel's parameters: this kernel at its defaults */
			if (!ure_default_sizes(u, &sz, err, sizeof err)) {
				printf("%s: %s\n", k->name, err);
				ok = false;
				continue;
			}
		}
		Buf sb = {0};
		ure_print_sizes(&sb, u, &sz);
		TensorSet *in = tset_new(a, u, &sz), *want = tset_new(a, u, &sz), *ref = tset_new(a, u, &sz);
		inputs_random(in, seed);
		tset_copy_inputs(want, in);
		tset_copy_inputs(ref, in);
		/* the elements checked: all, or a sample of large outputs */
		bool sampled = domain_points(u, &sz) > SAMPLE_ABOVE;
		int64_t *idx[64] = {0};
		int nidx[64] = {0};
		uint64_t r = seed ^ 0x5DEECE66Dull;
		for (int i = 0; i < in->n && i < 64; i++) {
			if (in->t[i]->dir != TENSOR_OUT)
				continue;
			nidx[i] = !sampled || in->len[i] < NSAMPLES ? (int)in->len[i] : NSAMPLES;
			idx[i] = ARENA_ARRAY(a, int64_t, nidx[i]);
			for (int s = 0; s < nidx[i]; s++) {
				r = r * 6364136223846793005ull + 1442695040888963407ull;
				idx[i][s] = !sampled ? s : s == 0 ? 0 : s == 1 ? in->len[i] - 1 : (int64_t)((r >> 17) % (uint64_t)in->len[i]);
			}
		}
		if (!sampled) {
			if (!interp_run(u, &sz, want, EVAL_TYPED, err, sizeof err) || !interp_run(u, &sz, ref, EVAL_FP64, err, sizeof err)) {
				printf("%s: interp: %s\n", k->name, err);
				ok = false;
				continue;
			}
		} else {
			for (int o = 0; o < u->nouts; o++) {
				int i = tset_index(in, u->outs[o]->tensor);
				double *v = ARENA_ARRAY(a, double, nidx[i]), *w = ARENA_ARRAY(a, double, nidx[i]);
				if (!interp_sample(u, &sz, want, EVAL_TYPED, u->outs[o], idx[i], nidx[i], v, err, sizeof err) ||
				    !interp_sample(u, &sz, ref, EVAL_FP64, u->outs[o], idx[i], nidx[i], w, err, sizeof err)) {
					printf("%s: interp: %s\n", k->name, err);
					return 1;
				}
				for (int s = 0; s < nidx[i]; s++) {
					want->data[i][idx[i][s]] = v[s];
					ref->data[i][idx[i][s]] = w[s];
				}
			}
		}
		int64_t fl = 0;
		for (int v = 0; v < u->nvars; v++)
			fl += expr_flops(u->vars[v].eqn->rhs);
		double work = (double)fl * (double)domain_points(u, &sz);
		int64_t sizes[AFF_MAXP];
		for (int i = 0; i < k->nparams; i++)
			sizes[i] = sz.v[i];
		for (Mapping *m = p->mappings; m; m = m->next) {
			if (m->kernel != k)
				continue;
			SysrtKernel *kern;
			if (sysrt_kernel_find(mod, k->name, m->name, &kern) != SYSRT_OK) {
				printf("%-10s %-18s %-26s not in the module\n", device, k->name, m->name);
				continue;
			}
			SysrtBuffer *bufs[64];
			for (int i = 0; i < in->n; i++) {
				size_t bytes = inputs_bytes(in, i);
				void *f = malloc(bytes + 4);
				int32_t es = inputs_encode(in, i, f);
				if (sysrt_buffer_create(dev, bytes, &bufs[i]) || sysrt_buffer_write(bufs[i], 0, f, bytes) ||
				    sysrt_buffer_set_exponent(bufs[i], es)) {
					printf("buffer: %s\n", sysrt_last_error(rt));
					return 1;
				}
				free(f);
			}
			double times[64], calls[64];
			uint64_t ns = 0, dev_ns = 0;
			SysrtLaunchOptions lo = SYSRT_LAUNCH_OPTIONS_INIT;
			lo.elapsed_ns = &ns;
			lo.device_ns = &dev_ns; /* CUDA events, as the vendor libraries are timed */
			bool ran = true;
			for (int rep = 0; rep < bench && ran; rep++) {
				if (sysrt_launch(kern, bufs, in->n, sizes, k->nparams, &lo) != SYSRT_OK) {
					printf("%-10s %-18s %-26s launch failed: %s\n", device, k->name, m->name, sysrt_last_error(rt));
					ran = false;
				}
				times[rep] = (double)dev_ns * 1e-9;
				calls[rep] = (double)ns * 1e-9;
			}
			int64_t n = 0, bad = 0;
			double maxrel = 0;
			for (int i = 0; i < in->n && ran; i++) {
				if (in->t[i]->dir != TENSOR_OUT)
					continue;
				void *f = malloc(inputs_bytes(in, i) + 4);
				sysrt_buffer_read(bufs[i], 0, f, inputs_bytes(in, i));
				for (int s = 0; s < nidx[i]; s++) {
					int64_t e = idx[i][s];
					double got = inputs_decode(in->t[i]->type, f, e), w = want->data[i][e], x = ref->data[i][e];
					n++;
					bad += !same_bits(got, w);
					double rel = x != 0 ? fabs(got - x) / fabs(x) : fabs(got);
					if (rel > maxrel || isnan(rel))
						maxrel = rel;
				}
				free(f);
			}
			for (int i = 0; i < in->n; i++)
				sysrt_buffer_destroy(bufs[i]);
			if (!ran) {
				ok = false;
				continue;
			}
			qsort(times, (size_t)bench, sizeof times[0], cmp_double);
			qsort(calls, (size_t)bench, sizeof calls[0], cmp_double);
			double med = times[bench / 2];
			printf("%-10s %-18s %-26s %s%s: %lld outputs%s, %lld not bit-identical to interp: %s; max rel err vs fp64 %.2g; "
			       "%.3f ms (median of %d on the device; launch call %.3f ms), %.1f GFLOP/s\n",
			       device, k->name, m->name, sb.data ? sb.data : "", "", (long long)n, sampled ? " (sampled)" : "",
			       (long long)bad, bad ? "MISMATCH" : "ok", maxrel, med * 1e3, bench, calls[bench / 2] * 1e3,
			       work / med * 1e-9);
			ok &= bad == 0;
		}
		buf_free(&sb);
	}
	sysrt_module_destroy(mod);
	sysrt_context_destroy(rt);
	arena_free(a);
	return ok ? 0 : 1;
}
