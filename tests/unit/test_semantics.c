/*
 * test_semantics.c: the URE semantics against cases worked out by hand: the integer
 * matrix helpers of space-time transforms, the interpreter on small GEMM and
 * convolution inputs, its rounding rules (fused multiply-add, narrow accumulators),
 * and the simulator agreeing with it.
 */
#include "sysc.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	Arena *arena;
	Diag diag;
	Program *prog;
	char *out;
	size_t outlen;
	FILE *f;
} Spec;

static bool load(Spec *s, const char *src)
{
	memset(s, 0, sizeof *s);
	s->arena = arena_new();
	s->f = open_memstream(&s->out, &s->outlen);
	diag_init(&s->diag, s->f);
	s->diag.color = false;
	int file = diag_add_file(&s->diag, "t.sys", src, (int)strlen(src));
	s->prog = sysc_parse(s->arena, &s->diag, file);
	bool ok = s->prog->syntax_errors == 0 && sema_check(s->arena, &s->diag, s->prog);
	fflush(s->f);
	if (!ok)
		fprintf(stderr, "%s\n", s->out);
	return ok;
}

static void unload(Spec *s)
{
	fclose(s->f);
	free(s->out);
	arena_free(s->arena);
}

static void test_matrices(void)
{
	int64_t m[URE_MAXL][URE_MAXL] = {{1, 0, 0}, {0, 1, 0}, {1, 1, 1}}, inv[URE_MAXL][URE_MAXL];
	CHECK(mat_det(3, m) == 1);
	CHECK(mat_inverse_unimodular(3, m, inv));
	/* T^-1 of the output-stationary transform: k = t - i - j */
	CHECK(inv[0][0] == 1 && inv[1][1] == 1 && inv[2][0] == -1 && inv[2][1] == -1 && inv[2][2] == 1);
	int64_t h[URE_MAXL][URE_MAXL] = {{2, 1}, {1, 1}};
	CHECK(mat_det(2, h) == 1);
	CHECK(mat_inverse_unimodular(2, h, inv) && inv[0][0] == 1 && inv[0][1] == -1 && inv[1][0] == -1 && inv[1][1] == 2);
	int64_t two[URE_MAXL][URE_MAXL] = {{2, 0}, {0, 1}};
	CHECK(mat_det(2, two) == 2 && !mat_inverse_unimodular(2, two, inv));
	int64_t z[URE_MAXL][URE_MAXL] = {{0, 1, 2}, {0, 3, 4}, {0, 5, 6}};
	CHECK(mat_det(3, z) == 0);
	int64_t p[URE_MAXL][URE_MAXL] = {{0, 1, 0}, {1, 0, 0}, {0, 0, 1}}; /* a row swap */
	CHECK(mat_det(3, p) == -1);

	int64_t S[URE_MAXL][URE_MAXL];
	int64_t u1[] = {0, 0, 1}, u2[] = {1, -1}, u3[] = {2, 3};
	CHECK(st_space_from_projection(3, u1, S) && S[0][0] == 1 && S[0][2] == 0 && S[1][1] == 1 && S[1][2] == 0);
	CHECK(st_space_from_projection(2, u2, S) && S[0][0] == 1 && S[0][1] == 1); /* (1, 1) . (1, -1) = 0 */
	CHECK(!st_space_from_projection(2, u3, S));
}

static const char gemm[] =
	"kernel gemm(M, N, K) {\n"
	"  in a: f32[M][K]; in b: f32[K][N]; out c: f32[M][N];\n"
	"  for i < M, j < N, k < K;\n"
	"  A(i, j, k) = j == 0 ? a[i][k] : A(i, j-1, k);\n"
	"  B(i, j, k) = i == 0 ? b[k][j] : B(i-1, j, k);\n"
	"  C(i, j, k) : f32 = (k == 0 ? 0.0 : C(i, j, k-1)) + A(i, j, k) * B(i, j, k);\n"
	"  c[i][j] = C(i, j, K-1);\n"
	"}\n"
	"mapping os of gemm {\n"
	"  tile i by 2, k by 2;\n"
	"  spacetime (ii, j, ki) project (0, 0, 1) schedule (1, 1, 1);\n"
	"  lanes j; registers ii;\n"
	"}\n";

static Sizes sizes3(int64_t a, int64_t b, int64_t c)
{
	Sizes sz = {{a, b, c}};
	return sz;
}

static void test_interp_gemm(void)
{
	Spec s;
	CHECK(load(&s, gemm));
	Ure *u = ure_lower(s.arena, s.prog->kernels);
	CHECK(u->nvars == 3 && u->ndeps == 5);
	CHECK(u->vars[0].kind == VAR_PROPAGATE && u->vars[0].dir[1] == 1);
	CHECK(u->vars[2].kind == VAR_COMPUTE);
	Sizes sz = sizes3(2, 2, 3);
	TensorSet *ts = tset_new(s.arena, u, &sz);
	/* a = [[1 2 3] [4 5 6]], b = [[1 0] [0 1] [2 -1]]: c = [[7 -1] [16 -1]] */
	double a[] = {1, 2, 3, 4, 5, 6}, b[] = {1, 0, 0, 1, 2, -1};
	memcpy(ts->data[0], a, sizeof a);
	memcpy(ts->data[1], b, sizeof b);
	char err[256];
	CHECK(interp_run(u, &sz, ts, EVAL_TYPED, err, sizeof err));
	CHECK(ts->data[2][0] == 7 && ts->data[2][1] == -1 && ts->data[2][2] == 16 && ts->data[2][3] == -1);

	/* the simulator, through a mapping with partial tiles, agrees */
	Map *mp = map_build(s.arena, &s.diag, u, s.prog->mappings);
	CHECK(mp != NULL);
	TensorSet *t2 = tset_new(s.arena, u, &sz);
	memcpy(t2->data[0], a, sizeof a);
	memcpy(t2->data[1], b, sizeof b);
	CHECK(sim_run(mp, &sz, t2, err, sizeof err));
	CHECK(memcmp(t2->data[2], ts->data[2], 4 * sizeof(double)) == 0);

	/* C's dependence along k, tiled by 2: inside a tile, or from the previous tile */
	int64_t d[URE_MAXL] = {0, 0, 1}, inst[MAXINST][MAP_MAXL];
	CHECK(map_instances(mp, d, inst) == 2);
	unload(&s);
}

static void test_interp_conv1d(void)
{
	Spec s;
	CHECK(load(&s, "kernel conv1d(N, K) {\n"
	               "  in x: f32[N + K - 1]; in w: f32[K]; out y: f32[N];\n"
	               "  for i < N, k < K;\n"
	               "  W(i, k) = i == 0 ? w[k] : W(i-1, k);\n"
	               "  X(i, k) = i == 0 || k == K-1 ? x[i + k] : X(i-1, k+1);\n"
	               "  Y(i, k) : f32 = (k == 0 ? 0.0 : Y(i, k-1)) + W(i, k) * X(i, k);\n"
	               "  y[i] = Y(i, K-1);\n"
	               "}\n"));
	Ure *u = ure_lower(s.arena, s.prog->kernels);
	CHECK(u->vars[1].kind == VAR_PROPAGATE && u->vars[1].dir[0] == 1 && u->vars[1].dir[1] == -1);
	Sizes sz = {{3, 2}};
	TensorSet *ts = tset_new(s.arena, u, &sz);
	/* x = [1 2 3 4], w = [10 1]: y[i] = 10 x[i] + x[i+1] = [12 23 34] */
	double x[] = {1, 2, 3, 4}, w[] = {10, 1};
	memcpy(ts->data[0], x, sizeof x);
	memcpy(ts->data[1], w, sizeof w);
	char err[256];
	CHECK(interp_run(u, &sz, ts, EVAL_TYPED, err, sizeof err));
	CHECK(ts->data[2][0] == 12 && ts->data[2][1] == 23 && ts->data[2][2] == 34);
	unload(&s);
}

/* An addition of a product is one fused multiply-add; a bf16 recurrence rounds. */
static void test_rounding(void)
{
	Spec s;
	CHECK(load(&s, "kernel f(N) {\n"
	               "  in a: f32[N]; in b: f32[N]; in c: f32[N]; out y: f32[N]; out z: f32[N];\n"
	               "  for i < N;\n"
	               "  Y(i) : f32 = c[i] + a[i] * b[i];\n"
	               "  Z(i) : bf16 = a[i] + b[i];\n"
	               "  y[i] = Y(i); z[i] = Z(i);\n"
	               "}\n"));
	Ure *u = ure_lower(s.arena, s.prog->kernels);
	Sizes sz = {{1}};
	TensorSet *ts = tset_new(s.arena, u, &sz);
	ts->data[0][0] = 1 + 0x1p-23;
	ts->data[1][0] = 1 - 0x1p-23;
	ts->data[2][0] = -1;
	char err[256];
	CHECK(interp_run(u, &sz, ts, EVAL_TYPED, err, sizeof err));
	/* (1 + 2^-23)(1 - 2^-23) - 1 = -2^-46 exactly with one rounding; 0 with two */
	CHECK(ts->data[3][0] == -0x1p-46);
	/* bf16 keeps 8 significant bits: 1 + 2^-23 + 1 - 2^-23 = 2 */
	CHECK(ts->data[4][0] == 2);
	ts->data[1][0] = 0x1p-9;
	ts->data[0][0] = 1;
	CHECK(interp_run(u, &sz, ts, EVAL_TYPED, err, sizeof err));
	CHECK(ts->data[4][0] == 1); /* 1 + 2^-9 rounds to 1 in bf16 */
	CHECK(interp_run(u, &sz, ts, EVAL_FP64, err, sizeof err));
	CHECK(ts->data[4][0] == 1 + 0x1p-9); /* FP64 does not round */
	unload(&s);
}

int main(void)
{
	test_matrices();
	test_interp_gemm();
	test_interp_conv1d();
	test_rounding();
	return test_main_end("unit.semantics");
}
