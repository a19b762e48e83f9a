/*
 * test_enum.c: unit tests of enum_designs, the search space of `sysc mappings`.
 * For GEMM it checks the list against an independent brute force over the same
 * bounds (the dependences are unit vectors, so causality and locality are easy to
 * state directly), then that every design passes spacetime.c's own checks, that no
 * two are the same transform, that the order is the documented cost order, and the
 * numbers of the output-stationary design at 16 x 16 x 16 worked out by hand.
 */
#include "sysc.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const char gemm[] =
	"kernel gemm(M, N, K) {\n"
	"  in a: f32[M][K]; in b: f32[K][N]; out c: f32[M][N];\n"
	"  for i < M, j < N, k < K;\n"
	"  A(i, j, k) = j == 0 ? a[i][k] : A(i, j-1, k);\n"
	"  B(i, j, k) = i == 0 ? b[k][j] : B(i-1, j, k);\n"
	"  C(i, j, k) : f32 = (k == 0 ? 0.0 : C(i, j, k-1)) + A(i, j, k) * B(i, j, k);\n"
	"  c[i][j] = C(i, j, K-1);\n"
	"}\n";

static const char conv1d_rev[] =
	"kernel conv1d_rev(N, K) {\n"
	"  in x: f32[N + K - 1]; in w: f32[K]; out y: f32[N];\n"
	"  for i < N, k < K;\n"
	"  W(i, k) = i == 0 ? w[K-1 - k] : W(i-1, k);\n"
	"  X(i, k) = i == 0 || k == 0 ? x[i + K-1 - k] : X(i-1, k-1);\n"
	"  Y(i, k) : f32 = (k == 0 ? 0.0 : Y(i, k-1)) + W(i, k) * X(i, k);\n"
	"  y[i] = Y(i, K-1);\n"
	"}\n";

static const char bmm[] =
	"kernel bmm(L, M, N, K) {\n"
	"  in a: f32[L][M][K]; in b: f32[L][K][N]; out c: f32[L][M][N];\n"
	"  for l < L, i < M, j < N, k < K;\n"
	"  A(l, i, j, k) = j == 0 ? a[l][i][k] : A(l, i, j-1, k);\n"
	"  B(l, i, j, k) = i == 0 ? b[l][k][j] : B(l, i-1, j, k);\n"
	"  C(l, i, j, k) : f32 = (k == 0 ? 0.0 : C(l, i, j, k-1)) + A(l, i, j, k) * B(l, i, j, k);\n"
	"  c[l][i][j] = C(l, i, j, K-1);\n"
	"}\n";

/* The URE of the first kernel of src, or NULL if it does not check. */
static Ure *lower(Arena *a, const char *src)
{
	Diag d;
	diag_init(&d, stderr);
	int file = diag_add_file(&d, "t.sys", src, (int)strlen(src));
	Program *p = sysc_parse(a, &d, file);
	if (p->syntax_errors || !sema_check(a, &d, p) || !p->kernels)
		return NULL;
	return ure_lower(a, p->kernels);
}

static int64_t dot(const int64_t *x, const int64_t *y, int n)
{
	int64_t s = 0;
	for (int i = 0; i < n; i++)
		s += x[i] * y[i];
	return s;
}

static bool next_vec(int64_t *v, int n, int64_t lo, int64_t hi)
{
	for (int i = n - 1; i >= 0; i--) {
		if (v[i] < hi) {
			v[i]++;
			return true;
		}
		v[i] = lo;
	}
	return false;
}

static const Design *find(const Design *ds, int count, const int64_t *u, const int64_t *s, int n)
{
	for (int i = 0; i < count; i++)
		if (memcmp(ds[i].u, u, sizeof(int64_t) * (size_t)n) == 0 &&
		    memcmp(ds[i].sched, s, sizeof(int64_t) * (size_t)n) == 0)
			return &ds[i];
	return NULL;
}

/* GEMM's legal designs by brute force: deps e_j (A), e_i (B), e_k (C) are causal iff
 * every schedule entry is >= 1; with links 1 the displacement S e_x has entries in
 * -1..1 for every canonical S, so every unimodular candidate is local. */
static int brute_gemm(int maxc, const Design *ds, int count)
{
	int legal = 0;
	int64_t u[3] = {-1, -1, -1};
	do {
		int first = 0;
		while (first < 3 && u[first] == 0)
			first++;
		if (first == 3 || u[first] < 0)
			continue;
		int64_t s[3] = {0, 0, 0};
		do {
			int64_t su = dot(s, u, 3);
			if (s[0] < 1 || s[1] < 1 || s[2] < 1 || (su != 1 && su != -1))
				continue;
			legal++;
			CHECK(find(ds, count, u, s, 3) != NULL);
		} while (next_vec(s, 3, 0, maxc));
	} while (next_vec(u, 3, -1, 1));
	return legal;
}

/* The documented cost order, spelled out independently of enum_compare. */
static int cost_order(const Design *x, const Design *y)
{
	int64_t kx[] = {(int64_t)x->cost, x->pes, x->regs_per_pe, x->peak, x->words};
	int64_t ky[] = {(int64_t)y->cost, y->pes, y->regs_per_pe, y->peak, y->words};
	for (int i = 0; i < 5; i++)
		if (kx[i] != ky[i])
			return kx[i] < ky[i] ? -1 : 1;
	for (int i = 0; i < x->n; i++)
		if (x->u[i] != y->u[i])
			return x->u[i] < y->u[i] ? -1 : 1;
	for (int i = 0; i < x->n; i++)
		if (x->sched[i] != y->sched[i])
			return x->sched[i] < y->sched[i] ? -1 : 1;
	return 0;
}

static void test_gemm_list(void)
{
	Arena *a = arena_new();
	Ure *u = lower(a, gemm);
	CHECK(u != NULL);
	if (!u)
		return;
	char err[256];
	for (int maxc = 2; maxc <= 3; maxc++) {
		EnumOptions o = {.max_coef = maxc};
		Design *ds;
		int count = enum_designs(a, u, &o, &ds, err, sizeof err);
		/* the hand counts of tests/enum/gemm.test */
		CHECK(count == (maxc == 2 ? 33 : 84));
		CHECK(brute_gemm(maxc, ds, count) == count);
		for (int i = 0; i < count; i++) {
			const Design *d = &ds[i];
			CHECK(d->n == 3);
			/* canonical projection, schedule within bounds, unimodular */
			int first = 0;
			while (first < 3 && d->u[first] == 0)
				first++;
			CHECK(first < 3 && d->u[first] == 1);
			for (int c = 0; c < 3; c++)
				CHECK(d->sched[c] >= 0 && d->sched[c] <= maxc);
			CHECK(dot(d->sched, d->u, 3) == 1 || dot(d->sched, d->u, 3) == -1);
			/* spacetime.c's checks on a Map built here from u and the schedule */
			Map *mp = ARENA_NEW(a, Map);
			mp->u = u;
			mp->links = 1;
			mp->nloops = 3;
			mp->n = 3;
			mp->nspace = 2;
			for (int l = 0; l < 3; l++) {
				mp->loops[l] = (MapLoop){.name = u->loops[l]->name, .orig = l, .stride = 1, .st = l};
				mp->st[l] = l;
				mp->dim[l] = "d";
			}
			CHECK(st_space_from_projection(3, d->u, mp->T));
			memcpy(mp->T[2], d->sched, sizeof mp->T[2]);
			for (int r = 0; r < 3; r++)
				for (int c = 0; c < 3; c++)
					CHECK(mp->T[r][c] == d->T[r][c]);
			CHECK(mat_inverse_unimodular(3, mp->T, mp->Tinv));
			char why[256] = "";
			CHECK(map_check_deps(mp, NULL, (SrcLoc){0}, (SrcLoc){0}, why, sizeof why));
			CHECK(why[0] == 0);
			Map *em = enum_map(a, u, d);
			CHECK(em != NULL && map_check_deps(em, NULL, (SrcLoc){0}, (SrcLoc){0}, why, sizeof why));
			/* no copies: the same transform up to the sign of u, or of a space row */
			for (int j = 0; j < i; j++) {
				const Design *e = &ds[j];
				bool same_u = memcmp(d->u, e->u, sizeof d->u) == 0, neg_u = true;
				for (int c = 0; c < 3; c++)
					neg_u &= d->u[c] == -e->u[c];
				CHECK(!((same_u || neg_u) && memcmp(d->sched, e->sched, sizeof d->sched) == 0));
				bool same_t = true;
				for (int r = 0; r < 3; r++) {
					bool eq = true, neg = true;
					for (int c = 0; c < 3; c++) {
						eq &= d->T[r][c] == e->T[r][c];
						neg &= d->T[r][c] == -e->T[r][c];
					}
					same_t &= eq || (r < 2 && neg);
				}
				CHECK(!same_t);
			}
			/* sorted by the documented order, strictly */
			if (i > 0) {
				CHECK(cost_order(&ds[i - 1], d) < 0);
				CHECK(enum_compare(&ds[i - 1], d) < 0);
			}
		}
	}
	arena_free(a);
}

static void test_gemm_numbers(void)
{
	Arena *a = arena_new();
	Ure *u = lower(a, gemm);
	if (!u)
		return;
	Sizes sz = {{16, 16, 16}};
	EnumOptions o = {.sizes = &sz};
	Design *ds;
	char err[256];
	int count = enum_designs(a, u, &o, &ds, err, sizeof err);
	CHECK(count == 33);
	const int64_t uo[3] = {0, 0, 1}, so[3] = {1, 1, 1};
	const Design *d = find(ds, count, uo, so, 3);
	CHECK(d != NULL);
	if (!d)
		return;
	/* output stationary on 16 x 16 PEs: C stays, A moves along j, B along i */
	CHECK(d == &ds[0]); /* ties with u = e_i and e_j at these sizes; u (0, 0, 1) sorts first */
	CHECK(d->pext[0] == 16 && d->pext[1] == 16 && d->pes == 256);
	CHECK(d->steps == 46);      /* i + j + k runs 0..45 */
	CHECK(d->passes == 1 && d->points == 4096);
	CHECK(d->util > 0.3478 && d->util < 0.3479); /* 4096 / (256 * 46) */
	CHECK(d->regs_per_pe == 6); /* A, B, C, and one register on each of three links */
	CHECK(d->words == 768);     /* a and b enter once, c leaves once: 3 x 256 */
	/* at step 15: a[i][k] with i + k = 15 (16), b[k][j] with j + k = 15 (16), c[0][0] */
	CHECK(d->peak == 33);
	CHECK(d->cost == 46.0);
	CHECK(strcmp(d->dim[0], "i") == 0 && strcmp(d->dim[1], "j") == 0 && strcmp(d->dim[2], "t") == 0);
	CHECK(!d->named);
	Buf b = {0};
	enum_write_mapping(&b, u, d, "os");
	CHECK(b.data && strcmp(b.data, "mapping os of gemm {\n"
	                                "  spacetime (i, j, k) project (0, 0, 1) schedule (1, 1, 1);\n"
	                                "  lanes i;\n"
	                                "  registers j;\n"
	                                "}\n") == 0);
	buf_free(&b);
	/* u = (1, -1, 0): rows (1, 1, 0) and (0, 0, 1), named s0 and k */
	const int64_t u2[3] = {1, -1, 0}, s2[3] = {1, 2, 1};
	const Design *d2 = find(ds, count, u2, s2, 3);
	CHECK(d2 && !d2->named && strcmp(d2->dim[0], "s0") == 0 && strcmp(d2->dim[1], "k") == 0);
	arena_free(a);
}

/* Appends each design's block to src and checks that sema and map_build accept it
 * and build the same transform, with the same names. Returns the designs checked. */
static int round_trip(const char *src, const EnumOptions *o, int *named)
{
	Arena *a = arena_new();
	Ure *u = lower(a, src);
	CHECK(u != NULL);
	if (!u)
		return 0;
	Design *ds;
	char err[256];
	int count = enum_designs(a, u, o, &ds, err, sizeof err);
	for (int i = 0; i < count; i++) {
		Buf b = {0};
		buf_printf(&b, "%s", src);
		enum_write_mapping(&b, u, &ds[i], "m");
		*named += ds[i].named;
		Arena *a2 = arena_new();
		Diag d;
		char *out = NULL;
		size_t outlen = 0;
		FILE *f = open_memstream(&out, &outlen); /* the diagnostics, shown on failure */
		diag_init(&d, f);
		int file = diag_add_file(&d, "t.sys", b.data, (int)b.len);
		Program *p = sysc_parse(a2, &d, file);
		bool ok = p->syntax_errors == 0 && sema_check(a2, &d, p) && p->mappings;
		Map *mp = ok ? map_build(a2, &d, ure_lower(a2, p->mappings->kernel), p->mappings) : NULL;
		fflush(f);
		CHECK(mp != NULL);
		if (!mp)
			fprintf(stderr, "not accepted:\n%s%s", b.data, out ? out : "");
		for (int r = 0; mp && r < ds[i].n; r++) {
			CHECK(strcmp(mp->dim[r], ds[i].dim[r]) == 0);
			for (int c = 0; c < ds[i].n; c++)
				CHECK(mp->T[r][c] == ds[i].T[r][c]);
		}
		fclose(f);
		free(out);
		arena_free(a2);
		buf_free(&b);
	}
	arena_free(a);
	return count;
}

/* A loop named t: projecting along x leaves the space row e_t, whose default name
 * would be the time dimension's; the block names them with `as (t, t_)`. */
static const char scan[] =
	"kernel scan(N, M) {\n"
	"  in a: f32[M]; out y: f32[N];\n"
	"  for t < N, x < M;\n"
	"  A(t, x) = t == 0 ? a[x] : A(t-1, x);\n"
	"  Y(t, x) : f32 = (x == 0 ? 0.0 : Y(t, x-1)) + A(t, x);\n"
	"  y[t] = Y(t, M-1);\n"
	"}\n";

static void test_written_blocks(void)
{
	int named = 0;
	CHECK(round_trip(gemm, &(EnumOptions){.max_coef = 3}, &named) == 84);
	CHECK(round_trip(gemm, &(EnumOptions){.nloops = 2, .loops = {2, 0}}, &named) > 0);
	CHECK(round_trip(conv1d_rev, &(EnumOptions){.links = 2}, &named) == 6);
	CHECK(named == 0);
	CHECK(round_trip(scan, &(EnumOptions){0}, &named) > 0);
	CHECK(named > 0);
	Arena *a = arena_new();
	Ure *u = lower(a, scan);
	Design *ds;
	char err[256];
	int count = u ? enum_designs(a, u, &(EnumOptions){0}, &ds, err, sizeof err) : 0;
	for (int i = 0; i < count; i++)
		if (ds[i].u[1] == 1) {
			CHECK(ds[i].named && strcmp(ds[i].dim[0], "t") == 0 && strcmp(ds[i].dim[1], "t_") == 0);
			Buf b = {0};
			enum_write_mapping(&b, u, &ds[i], "m");
			CHECK(strstr(b.data, " as (t, t_);\n  lanes t;\n") != NULL);
			buf_free(&b);
		}
	arena_free(a);
}

static void test_conv_and_options(void)
{
	Arena *a = arena_new();
	Ure *u = lower(a, conv1d_rev);
	CHECK(u != NULL);
	if (!u)
		return;
	char err[256];
	Design *ds;
	/* tests/enum/conv1d.test: 4 designs, 6 with coefficients up to 3; links 2 adds
	 * u = (1, -1) with schedules (1, 2) and (2, 1) */
	CHECK(enum_designs(a, u, &(EnumOptions){0}, &ds, err, sizeof err) == 4);
	CHECK(enum_designs(a, u, &(EnumOptions){.max_coef = 3}, &ds, err, sizeof err) == 6);
	CHECK(enum_designs(a, u, &(EnumOptions){.links = 2}, &ds, err, sizeof err) == 6);
	/* W2 (weights stay) is the cheapest: 11 PEs, 23 steps */
	CHECK(ds[0].u[0] == 1 && ds[0].u[1] == 0 && ds[0].sched[0] == 1 && ds[0].sched[1] == 1);
	CHECK(ds[0].pes == 11 && ds[0].steps == 23);
	/* bad options */
	CHECK(enum_designs(a, u, &(EnumOptions){.nloops = 1, .loops = {0}}, &ds, err, sizeof err) == -1);
	CHECK(enum_designs(a, u, &(EnumOptions){.nloops = 2, .loops = {1, 1}}, &ds, err, sizeof err) == -1);
	CHECK(strstr(err, "named twice") != NULL);
	CHECK(enum_designs(a, u, &(EnumOptions){.max_coef = 9}, &ds, err, sizeof err) == -1);
	/* loops in another order: the same designs with u and schedule permuted */
	CHECK(enum_designs(a, u, &(EnumOptions){.nloops = 2, .loops = {1, 0}}, &ds, err, sizeof err) == 4);

	Ure *b = lower(a, bmm);
	CHECK(b != NULL);
	if (b) {
		CHECK(enum_designs(a, b, &(EnumOptions){0}, &ds, err, sizeof err) == -1);
		CHECK(strstr(err, "4 loops are too many") != NULL);
		/* (i, j, k) of each batch: GEMM's 33, run once per l */
		int n = enum_designs(a, b, &(EnumOptions){.nloops = 3, .loops = {1, 2, 3}}, &ds, err, sizeof err);
		CHECK(n == 33);
		CHECK(n > 0 && ds[0].passes == 13); /* L at its default size */
	}
	arena_free(a);
}

int main(void)
{
	test_gemm_list();
	test_gemm_numbers();
	test_conv_and_options();
	test_written_blocks();
	return test_main_end("test_enum");
}
