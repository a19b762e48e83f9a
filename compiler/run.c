/*
 * run.c: `sysc run`, which runs a kernel on random data and checks the result.
 *
 *   --device=interp  the reference interpreter in the declared types, checked
 *                    against the same semantics in FP64 within the error bound below;
 *   --device=sim     the array simulator for each mapping, checked bit for bit
 *                    against the interpreter (the order of operations is the same).
 *
 * The FP32 bound (lang/README.md, "Checking results"): for an output c computed by a
 * chain of at most n roundings in a type with unit roundoff u and half-subnormal t,
 *   |c - c64| <= (n + 1) * (u * m + t) + u_out * |c64| + t_out + 2^-126,
 * where m is the same computation in FP64 on magnitudes (|inputs|, with subtraction
 * counted as addition): the classical running bound gamma_n * sum |terms|, with the
 * absolute error of roundings below the normals; c64 saturates where the output's
 * type does (FP8).
 */
#include "sysc.h"
#include "cpu/cpu.h"
#include "gpu/gpu.h"
#include "sysfmt.h"
#include "sysrt.h"


#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char run_usage[] =
	"usage: sysc run FILE.sys [--device=host|cuda|opencl|level-zero|sim|interp] [--mapping NAME]\n"
	"                [--kernel NAME] [--size M=..,N=..] [--specialize R=3,..] [--seed S]\n"
	"                [--bench N] [--threads N] [--[no-]stage-panels] [--index-bits=32|64]\n"
	"                [--max-registers=N] [--restrict]\n"
	"\n"
	"Runs kernels on random inputs (uniform in [-1, 1), quantized to each tensor's\n"
	"type) and checks the outputs:\n"
	"  --device=interp   the reference interpreter against FP64, within an FP32 error\n"
	"                    bound (see lang/README.md)\n"
	"  --device=sim      the array simulator, for each mapping, bit for bit against\n"
	"                    the interpreter\n"
	"  --device=host     each mapping compiled for this CPU through LLVM and run on\n"
	"                    its cores, bit for bit against the interpreter (the default);\n"
	"                    prints the time and GFLOP/s (the operations the spec writes\n"
	"                    per point, e.g. 4 for conv2d's three partial sums)\n"
	"  --device=cuda, opencl[:N], level-zero[:N]   a GPU of the runtime: each mapping\n"
	"                    compiled for it (PTX, SPIR-V), bit for bit against the\n"
	"                    interpreter (sysc devices lists them)\n"
	"  --bench N         (host) run N times and print the median and the spread\n"
	"  --threads N       (host) worker threads (default: all cores)\n"
	"  --specialize R=3  compile the kernels for these values of these sizes (constants\n"
	"                    that LLVM unrolls and folds); other values are refused\n"
	"  --[no-]stage-panels, --index-bits=32|64  (GPU devices) as for sysc build\n"
	"  --max-registers=N (cuda), --restrict (GPU devices) as for sysc build\n"
	"Without --size, kernels run at their default sizes (those written in the kernel,\n"
	"else small odd sizes that are not multiples of tile sizes). Without --seed, a\n"
	"fresh seed is drawn and printed. Exits with status 1 on any mismatch.\n";

/* A type's rounding: its unit roundoff, half its smallest subnormal (the error of a
 * rounding below the normals) and the number it saturates at (FP8, numerics.md §2). */
typedef struct {
	double u, tiny, max;
} Rounding;

static Rounding rounding_of(Type t)
{
	switch (t) {
	case TY_F32:
		return (Rounding){0x1p-24, 0x1p-150, INFINITY};
	case TY_F16:
		return (Rounding){0x1p-11, 0x1p-25, INFINITY};
	case TY_BF16:
		return (Rounding){0x1p-8, 0x1p-134, INFINITY};
	case TY_FP8E4M3:
		return (Rounding){0x1p-4, 0x1p-10, 448};
	case TY_FP8E5M2:
		return (Rounding){0x1p-3, 0x1p-17, 57344};
	default:
		return (Rounding){0, 0, INFINITY}; /* exact, or values that only pass through */
	}
}

typedef struct {
	int64_t n, bad;
	double max_abs, max_rel;
} Compare;

static bool same_bits(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return memcmp(&a, &b, sizeof a) == 0;
}

static void report(const char *what, const Compare *c, const char *how)
{
	printf("  %-28s %lld outputs, max abs err %.3g, max rel err %.3g, %lld %s: %s\n", what, (long long)c->n,
	       c->max_abs, c->max_rel, (long long)c->bad, how, c->bad ? "MISMATCH" : "ok");
}

static void diff(Compare *c, double got, double ref)
{
	double e = fabs(got - ref);
	if (isnan(e))
		e = same_bits(got, ref) ? 0 : INFINITY;
	if (e > c->max_abs)
		c->max_abs = e;
	if (ref != 0 && e / fabs(ref) > c->max_rel)
		c->max_rel = e / fabs(ref);
	c->n++;
}

/* Which output elements are checked: all of them, or a sample when the domain is
 * too large to run whole (the reference then computes each sampled element from
 * the points it depends on). */
enum { SAMPLE_ABOVE = 1 << 22, NSAMPLES = 256 };

typedef struct {
	bool sampled;
	int64_t *idx[64];
	int n[64];
} Check;

static int64_t nchecked(const Check *chk, const TensorSet *ts, int i)
{
	return chk->sampled ? chk->n[i] : ts->len[i];
}

static int64_t checked(const Check *chk, int i, int64_t k)
{
	return chk->sampled ? chk->idx[i][k] : k;
}

/* The reference values of the checked elements into ts, in the given mode. */
static bool reference(Arena *a, const Ure *u, const Sizes *sz, TensorSet *ts, EvalMode mode, const Check *chk,
                      char *err, size_t errlen)
{
	if (!chk->sampled)
		return interp_run(u, sz, ts, mode, err, errlen);
	for (int o = 0; o < u->nouts; o++) {
		int i = tset_index(ts, u->outs[o]->tensor);
		double *v = ARENA_ARRAY(a, double, chk->n[i]);
		if (!interp_sample(u, sz, ts, mode, u->outs[o], chk->idx[i], chk->n[i], v, err, errlen))
			return false;
		for (int k = 0; k < chk->n[i]; k++)
			ts->data[i][chk->idx[i][k]] = v[k];
	}
	return true;
}

/* The interpreter against FP64, within the bound. */
static bool run_interp(Arena *a, const Ure *u, const Sizes *sz, const TensorSet *in, TensorSet *out, const Check *chk)
{
	char err[256];
	TensorSet *ref = tset_new(a, u, sz), *mag = tset_new(a, u, sz);
	tset_copy_inputs(out, in);
	tset_copy_inputs(ref, in);
	tset_copy_inputs(mag, in);
	for (int i = 0; i < mag->n; i++)
		if (mag->t[i]->dir == TENSOR_IN)
			for (int64_t k = 0; k < mag->len[i]; k++)
				mag->data[i][k] = fabs(mag->data[i][k]);
	/* the magnitudes: FP64 on |inputs| with every subtraction an addition */
	if (!reference(a, u, sz, out, EVAL_TYPED, chk, err, sizeof err) ||
	    !reference(a, u, sz, ref, EVAL_FP64, chk, err, sizeof err) ||
	    !reference(a, u, sz, mag, EVAL_MAGNITUDE, chk, err, sizeof err)) {
		printf("  interp: %s\n", err);
		return false;
	}
	double uacc = 0, tacc = 0;
	for (int v = 0; v < u->nvars; v++)
		if (u->vars[v].kind == VAR_COMPUTE) {
			Rounding rv = rounding_of(u->vars[v].type);
			uacc = fmax(uacc, rv.u);
			tacc = fmax(tacc, rv.tiny);
		}
	int64_t points = domain_points(u, sz);
	Compare c = {0};
	for (int i = 0; i < out->n; i++) {
		if (out->t[i]->dir != TENSOR_OUT)
			continue;
		Rounding ro = rounding_of(out->t[i]->type);
		int64_t n = points / (out->len[i] ? out->len[i] : 1) + u->nvars;
		for (int64_t s = 0; s < nchecked(chk, out, i); s++) {
			int64_t k = checked(chk, i, s);
			double got = out->data[i][k], r = ref->data[i][k];
			r = r > ro.max ? ro.max : r < -ro.max ? -ro.max : r; /* NaN stays */
			double tol = (double)(n + 1) * (uacc * mag->data[i][k] + tacc) + ro.u * fabs(r) + ro.tiny + 0x1p-126;
			diff(&c, got, r);
			if (!(fabs(got - r) <= tol) && !same_bits(got, r))
				c.bad++;
		}
	}
	report(chk->sampled ? "interp vs fp64 (sampled)" : "interp vs fp64", &c, "outside the bound");
	return c.bad == 0;
}

static bool run_sim(Arena *a, Diag *d, const Ure *u, Mapping *m, const Sizes *sz, const TensorSet *in,
                    const TensorSet *want, const Check *chk)
{
	char err[512];
	Map *mp = map_build(a, d, u, m);
	if (!mp) {
		printf("  sim %-24s the mapping is not legal (see above)\n", m->name);
		return false;
	}
	TensorSet *got = tset_new(a, u, sz);
	tset_copy_inputs(got, in);
	if (!sim_run(mp, sz, got, err, sizeof err)) {
		printf("  sim %-24s FAILED: %s\n", m->name, err);
		return false;
	}
	Compare c = {0};
	for (int i = 0; i < got->n; i++) {
		if (got->t[i]->dir != TENSOR_OUT)
			continue;
		for (int64_t s = 0; s < nchecked(chk, got, i); s++) {
			int64_t k = checked(chk, i, s);
			diff(&c, got->data[i][k], want->data[i][k]);
			if (!same_bits(got->data[i][k], want->data[i][k]))
				c.bad++;
		}
	}
	char what[128];
	snprintf(what, sizeof what, "sim %s vs interp", m->name);
	report(what, &c, "not bit-identical");
	return c.bad == 0;
}

/* ---- the host device, through the runtime ---- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* A device of the runtime: host, or a GPU (cuda, opencl, level-zero[:N]), whose
 * mappings come from its target's backend (gpu/device.c). */
static bool run_host(Arena *a, Diag *d, Program *p, const Ure *u, const Sizes *sz, const TensorSet *in,
                     const TensorSet *want, const Check *chk, const Options *o, int bench, int threads,
                     const char *device)
{
	SysrtContext *rt = NULL;
	SysrtDevice *dev = NULL;
	SysrtModule *module = NULL;
	SysrtStatus st = sysrt_context_create(NULL, &rt);
	if (st == SYSRT_OK)
		st = sysrt_device_get(rt, device, &dev);
	if (st != SYSRT_OK) {
		printf("  %s: %s\n", device, rt ? sysrt_last_error(rt) : sysrt_status_str(st));
		sysrt_context_destroy(rt);
		return false;
	}
	int nk = 0, failed = 0;
	double t0 = now_s(), tcompile;
	if (strcmp(device, "host") != 0) {
		module = gpu_load(a, d, p, u->k->name, o, rt, dev, &nk, &failed);
		tcompile = now_s() - t0;
		if (!module) {
			sysrt_context_destroy(rt);
			return false;
		}
	} else {
	/* the mappings compiled side by side into one object (cpu/object.c), which the
	 * runtime links */
	CpuJob *jobs;
	nk = cpu_jobs(a, d, p, u->k->name, o->mapping, o->specialize, &jobs, &failed);
	char msg[512], *obj = NULL;
	size_t len = 0;
	if (nk && !cpu_object(jobs, nk, 0, false, &obj, &len, msg, sizeof msg)) {
		printf("  host: %s\n", msg);
		nk = 0;
	}
	tcompile = now_s() - t0;
	if (!nk) {
		sysrt_context_destroy(rt);
		return false;
	}
	st = sysrt_module_load_memory(dev, obj, len, "kernels.o", &module);
	free(obj);
	if (st != SYSRT_OK) {
		printf("  host: the runtime refused the module: %s\n", rt ? sysrt_last_error(rt) : sysrt_status_str(st));
		sysrt_context_destroy(rt);
		return false;
	}
	}
	printf("  %s: %d kernel%s compiled in %.0f ms%s\n", device, nk, nk == 1 ? "" : "s", tcompile * 1e3,
	       failed ? " (some mappings could not be: see above)" : "");
	int64_t sizes[AFF_MAXP];
	for (int i = 0; i < u->k->nparams; i++)
		sizes[i] = sz->v[i];
	int64_t fl = 0;
	for (int v = 0; v < u->nvars; v++)
		fl += expr_flops(u->vars[v].eqn->rhs);
	double work = (double)fl * (double)domain_points(u, sz);
	bool ok = true;
	for (Mapping *m = p->mappings; m; m = m->next) {
		if (m->kernel != u->k || (o->mapping && strcmp(o->mapping, m->name) != 0))
			continue;
		Map *mp = map_build(a, d, u, m);
		if (!mp)
			continue;
		SysrtKernel *kern;
		if (sysrt_kernel_get(module, cpu_symbol(a, mp), &kern) != SYSRT_OK) {
			if (!failed) { /* else reported when it was compiled */
				printf("  %s %-23s not found: %s\n", device, m->name, sysrt_last_error(rt));
				ok = false;
			}
			continue;
		}
		/* buffers in each tensor's storage type: inputs from the random data (exact in
		 * their type), outputs poisoned with NaN */
		SysrtBuffer *bufs[64];
		int nb = 0;
		for (int i = 0; i < in->n && i < 64; i++, nb++) {
			size_t bytes = inputs_bytes(in, i);
			unsigned char *f = malloc(bytes + 4);
			int32_t es = inputs_encode(in, i, f);
			if (sysrt_buffer_create(dev, bytes, &bufs[i]) != SYSRT_OK || sysrt_buffer_write(bufs[i], 0, f, bytes) != SYSRT_OK ||
			    sysrt_buffer_set_exponent(bufs[i], es) != SYSRT_OK)
				sysc_bug("runtime buffer: %s", sysrt_last_error(rt));
			free(f);
		}
		double times[64], wall = 0;
		int reps = bench > 64 ? 64 : bench < 1 ? 1 : bench;
		SysrtLaunchOptions lo = SYSRT_LAUNCH_OPTIONS_INIT;
		uint64_t ns = 0, dev_ns = 0;
		lo.threads = threads;
		lo.elapsed_ns = &ns;
		lo.device_ns = &dev_ns; /* a GPU's own clock; the host's is the wall time */
		bool launched = true;
		for (int r = 0; r < reps && launched; r++) {
			if (sysrt_launch(kern, bufs, nb, sizes, u->k->nparams, &lo) != SYSRT_OK) {
				printf("  %s %-23s launch failed: %s\n", device, m->name, sysrt_last_error(rt));
				launched = ok = false;
			}
			times[r] = (double)dev_ns * 1e-9;
			wall = (double)ns * 1e-9;
		}
		if (!launched) {
			for (int i = 0; i < nb; i++)
				sysrt_buffer_destroy(bufs[i]);
			continue;
		}
		Compare c = {0};
		for (int i = 0; i < in->n; i++) {
			if (in->t[i]->dir != TENSOR_OUT)
				continue;
			size_t bytes = inputs_bytes(in, i);
			unsigned char *f = malloc(bytes + 4);
			sysrt_buffer_read(bufs[i], 0, f, bytes);
			for (int64_t s = 0; s < nchecked(chk, in, i); s++) {
				int64_t k = checked(chk, i, s);
				double got = inputs_decode(in->t[i]->type, f, k);
				diff(&c, got, want->data[i][k]);
				if (!same_bits(got, want->data[i][k]))
					c.bad++;
			}
			free(f);
		}
		char what[128];
		snprintf(what, sizeof what, "%s %s vs interp", device, m->name);
		report(what, &c, "not bit-identical");
		qsort(times, (size_t)reps, sizeof times[0], cmp_double);
		double med = times[reps / 2];
		char where[64];
		if (strcmp(device, "host") != 0)
			snprintf(where, sizeof where, "on the device (the last launch call: %.3f ms)", wall * 1e3);
		else
			snprintf(where, sizeof where, "on %d thread%s", threads, threads == 1 ? "" : "s");
		if (reps > 1)
			printf("    %d runs %s: median %.3f ms (min %.3f, max %.3f), %.2f GFLOP/s\n", reps, where, med * 1e3,
			       times[0] * 1e3, times[reps - 1] * 1e3, work / med * 1e-9);
		else
			printf("    %.3f ms %s, %.2f GFLOP/s\n", med * 1e3, where, work / med * 1e-9);
		ok &= c.bad == 0;
		for (int i = 0; i < nb; i++)
			sysrt_buffer_destroy(bufs[i]);
	}
	sysrt_module_destroy(module);
	sysrt_context_destroy(rt);
	return ok && !failed;
}

static uint64_t fresh_seed(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000003u) ^ (uint64_t)ts.tv_nsec;
}

int cmd_run(int argc, char **argv)
{
	Options o;
	int bench = 1, threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;
	if (drv_take_count("run", &argc, argv, "--bench", &bench) < 0 ||
	    drv_take_count("run", &argc, argv, "--threads", &threads) < 0)
		return 2;
	int rc = drv_options("run", run_usage, argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	const char *device = o.device ? o.device : "host";
	size_t dk = strcspn(device, ":"); /* a GPU kind, with an optional :N */
	bool cuda = dk == 4 && !strncmp(device, "cuda", 4);
	bool gpu = cuda || (dk == 6 && !strncmp(device, "opencl", 6)) || (dk == 10 && !strncmp(device, "level-zero", 10));
	if (strcmp(device, "interp") != 0 && strcmp(device, "sim") != 0 && strcmp(device, "host") != 0 && !gpu) {
		fprintf(stderr, "sysc run: error: unknown device '%s' (devices: host, cuda, opencl, level-zero[:N], sim, "
		                "interp)\n", device);
		return 2;
	}
	if (o.stage >= 0 && !gpu) {
		fprintf(stderr, "sysc run: error: --%sstage-panels is for the GPU devices (cuda, opencl, level-zero)\n",
		        o.stage ? "" : "no-");
		return 2;
	}
	if (o.max_registers && !cuda) {
		fprintf(stderr, "sysc run: error: --max-registers is for the cuda device\n");
		return 2;
	}
	if (o.noalias && !gpu) {
		fprintf(stderr, "sysc run: error: --restrict is for the GPU devices (cuda, opencl, level-zero)\n");
		return 2;
	}
	if (o.index_bits && !gpu) {
		fprintf(stderr, "sysc run: error: --index-bits is for the GPU devices (cuda, opencl, level-zero)\n");
		return 2;
	}
	Arena *a = arena_new();
	Diag d;
	Program *p = drv_load(a, &d, &o);
	if (!p)
		return drv_failed(a, &d);
	uint64_t seed = o.has_seed ? o.seed : fresh_seed();
	bool ok = true, any = false, mapped = false;
	for (Kernel *k = p->kernels; k; k = k->next) {
		if (o.kernel && strcmp(o.kernel, k->name) != 0)
			continue;
		any = true;
		Ure *u = ure_lower(a, k);
		Sizes sz;
		if (!drv_sizes("run", u, &o, &sz)) {
			ok = false;
			continue;
		}
		Buf b = {0};
		ure_print_sizes(&b, u, &sz);
		printf("%s [%s] seed %llu\n", k->name, b.data ? b.data : "", (unsigned long long)seed);
		buf_free(&b);
		TensorSet *in = tset_new(a, u, &sz), *want = tset_new(a, u, &sz);
		inputs_random(in, seed);
		Check chk = {0};
		if (domain_points(u, &sz) > SAMPLE_ABOVE) {
			/* the first and last elements, and random ones */
			chk.sampled = true;
			uint64_t r = seed ^ 0x5DEECE66Dull;
			for (int i = 0; i < in->n && i < 64; i++) {
				if (in->t[i]->dir != TENSOR_OUT)
					continue;
				chk.n[i] = in->len[i] < NSAMPLES ? (int)in->len[i] : NSAMPLES;
				chk.idx[i] = ARENA_ARRAY(a, int64_t, chk.n[i]);
				for (int s = 0; s < chk.n[i]; s++) {
					r = r * 6364136223846793005ull + 1442695040888963407ull;
					chk.idx[i][s] = s == 0 ? 0 : s == 1 ? in->len[i] - 1 : (int64_t)((r >> 17) % (uint64_t)in->len[i]);
				}
			}
			printf("  (%lld points: checking %d sampled elements of each output)\n", (long long)domain_points(u, &sz),
			       NSAMPLES);
		}
		if (!run_interp(a, u, &sz, in, want, &chk)) {
			ok = false;
			mapped = true; /* its error is the one to report, not a missing mapping */
			continue;
		}
		if (strcmp(device, "host") == 0 || gpu) {
			ok &= run_host(a, &d, p, u, &sz, in, want, &chk, &o, bench, threads, device);
			mapped = true;
			continue;
		}
		if (strcmp(device, "sim") != 0)
			continue;
		for (Mapping *m = p->mappings; m; m = m->next) {
			if (m->kernel != k || (o.mapping && strcmp(o.mapping, m->name) != 0))
				continue;
			mapped = true;
			if (chk.sampled) {
				printf("  sim %-24s skipped: too large to simulate\n", m->name);
				continue;
			}
			ok &= run_sim(a, &d, u, m, &sz, in, want, &chk);
		}
	}
	if (!any) {
		fprintf(stderr, "sysc run: error: no kernel named '%s'\n", o.kernel ? o.kernel : "");
		ok = false;
	} else if (o.mapping && !mapped && strcmp(device, "interp") != 0) {
		fprintf(stderr, "sysc run: error: no mapping named '%s'\n", o.mapping);
		ok = false;
	}
	arena_free(a);
	return ok ? 0 : 1;
}
