/*
 * run.c: `sysc run`, which runs a kernel on random data and checks the result.
 *
 *   --device=interp  the reference interpreter in the declared types, checked
 *                    against the same semantics in FP64 within the error bound below;
 *   --device=sim     the array simulator for each mapping, checked bit for bit
 *                    against the interpreter (the order of operations is the same).
 *
 * The FP32 bound (lang/README.md, "Checking results"): for an output c computed by a
 * chain of at most n roundings in a type with unit roundoff u,
 *   |c - c64| <= (n + 1) * u * m + u_out * |c64| + 2^-126,
 * where m is the same computation in FP64 on magnitudes (|inputs|, with subtraction
 * counted as addition): the classical running bound gamma_n * sum |terms|.
 */
#include "sysc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char run_usage[] =
	"usage: sysc run FILE.sys [--device=interp|sim] [--mapping NAME] [--kernel NAME]\n"
	"                [--size M=..,N=..] [--seed S]\n"
	"\n"
	"Runs kernels on random inputs (uniform in [-1, 1), quantized to each tensor's\n"
	"type) and checks the outputs:\n"
	"  --device=interp   the reference interpreter against FP64, within an FP32 error\n"
	"                    bound (see lang/README.md)\n"
	"  --device=sim      the array simulator, for each mapping, bit for bit against\n"
	"                    the interpreter (the default)\n"
	"Without --size, kernels run at their default sizes (those written in the kernel,\n"
	"else small odd sizes that are not multiples of tile sizes). Without --seed, a\n"
	"fresh seed is drawn and printed. Exits with status 1 on any mismatch.\n";

static double unit_roundoff(Type t)
{
	switch (t) {
	case TY_F32:
		return 0x1p-24;
	case TY_F16:
		return 0x1p-11;
	case TY_BF16:
		return 0x1p-8;
	case TY_FP8E4M3:
		return 0x1p-4;
	case TY_FP8E5M2:
		return 0x1p-3;
	default:
		return 0; /* exact, or values that only pass through */
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

/* The interpreter against FP64, within the bound. */
static bool run_interp(Arena *a, const Ure *u, const Sizes *sz, const TensorSet *in, TensorSet *out)
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
	if (!interp_run(u, sz, out, EVAL_TYPED, err, sizeof err) || !interp_run(u, sz, ref, EVAL_FP64, err, sizeof err)) {
		printf("  interp: %s\n", err);
		return false;
	}
	/* the magnitudes: FP64 on |inputs| with every subtraction an addition */
	bool ok = interp_run(u, sz, mag, EVAL_MAGNITUDE, err, sizeof err);
	if (!ok) {
		printf("  interp: %s\n", err);
		return false;
	}
	double uacc = 0;
	for (int v = 0; v < u->nvars; v++)
		if (unit_roundoff(u->vars[v].type) > uacc && u->vars[v].kind == VAR_COMPUTE)
			uacc = unit_roundoff(u->vars[v].type);
	int64_t points = domain_points(u, sz);
	Compare c = {0};
	for (int i = 0; i < out->n; i++) {
		if (out->t[i]->dir != TENSOR_OUT)
			continue;
		double uout = unit_roundoff(out->t[i]->type);
		int64_t n = points / (out->len[i] ? out->len[i] : 1) + u->nvars;
		for (int64_t k = 0; k < out->len[i]; k++) {
			double got = out->data[i][k], r = ref->data[i][k];
			double tol = (double)(n + 1) * uacc * mag->data[i][k] + uout * fabs(r) + 0x1p-126;
			diff(&c, got, r);
			if (!(fabs(got - r) <= tol) && !same_bits(got, r))
				c.bad++;
		}
	}
	report("interp vs fp64", &c, "outside the bound");
	return c.bad == 0;
}

static bool run_sim(Arena *a, Diag *d, const Ure *u, Mapping *m, const Sizes *sz, const TensorSet *in,
                    const TensorSet *want)
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
		for (int64_t k = 0; k < got->len[i]; k++) {
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

static uint64_t fresh_seed(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000003u) ^ (uint64_t)ts.tv_nsec;
}

int cmd_run(int argc, char **argv)
{
	Options o;
	int rc = drv_options("run", run_usage, argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	const char *device = o.device ? o.device : "sim";
	if (strcmp(device, "interp") != 0 && strcmp(device, "sim") != 0) {
		fprintf(stderr, "sysc run: error: unknown device '%s' (devices: interp, sim)\n", device);
		return 2;
	}
	Arena *a = arena_new();
	Diag d;
	Program *p = drv_load(a, &d, &o);
	if (!p) {
		arena_free(a);
		return 1;
	}
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
		if (!run_interp(a, u, &sz, in, want)) {
			ok = false;
			continue;
		}
		if (strcmp(device, "sim") != 0)
			continue;
		for (Mapping *m = p->mappings; m; m = m->next) {
			if (m->kernel != k || (o.mapping && strcmp(o.mapping, m->name) != 0))
				continue;
			mapped = true;
			ok &= run_sim(a, &d, u, m, &sz, in, want);
		}
	}
	if (!any) {
		fprintf(stderr, "sysc run: error: no kernel named '%s'\n", o.kernel ? o.kernel : "");
		ok = false;
	} else if (o.mapping && !mapped && strcmp(device, "sim") == 0) {
		fprintf(stderr, "sysc run: error: no mapping named '%s'\n", o.mapping);
		ok = false;
	}
	arena_free(a);
	return ok ? 0 : 1;
}
