/*
 * test_front.c: unit tests of the scanner, parser and sema through their C API.
 * Each case parses a spec from a string and checks the AST or the count and text
 * of the diagnostics; the lit tests in tests/diag pin the exact messages.
 */
#include "sysc.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	Arena *arena;
	Diag diag;
	Program *prog;
	char *out; /* what the diagnostics printed */
	size_t outlen;
	bool ok;
} Run;

static Run run(const char *src)
{
	Run r = {0};
	r.arena = arena_new();
	FILE *f = open_memstream(&r.out, &r.outlen);
	diag_init(&r.diag, f);
	r.diag.color = false;
	int file = diag_add_file(&r.diag, "t.sys", src, (int)strlen(src));
	r.prog = sysc_parse(r.arena, &r.diag, file);
	r.ok = r.prog->syntax_errors == 0 && sema_check(r.arena, &r.diag, r.prog) && r.diag.nerrors == 0;
	fclose(f);
	return r;
}

static void done(Run *r)
{
	arena_free(r->arena);
	free(r->out);
}

static bool says(const Run *r, const char *text)
{
	return r->out && strstr(r->out, text) != NULL;
}

static const char gemm[] =
	"kernel gemm(M, N, K) {\n"
	"  in a: f32[M][K]; in b: f32[K][N]; out c: f32[M][N];\n"
	"  for i < M, j < N, k < K;\n"
	"  A(i, j, k) = j == 0 ? a[i][k] : A(i, j-1, k);\n"
	"  B(i, j, k) = i == 0 ? b[k][j] : B(i-1, j, k);\n"
	"  C(i, j, k) : f32 = (k == 0 ? 0 : C(i, j, k-1)) + A(i, j, k) * B(i, j, k);\n"
	"  c[i][j] = C(i, j, K-1);\n"
	"}\n"
	"mapping os of gemm {\n"
	"  tile i by 16, j by 8 as (jt, jl);\n"
	"  spacetime (ii, jl, k) project (0, 0, 1) schedule (1, 1, 1);\n"
	"  lanes jl; registers ii; parallel io, jt;\n"
	"}\n";

static void test_gemm_ast(void)
{
	Run r = run(gemm);
	CHECK(r.ok);
	Kernel *k = r.prog->kernels;
	CHECK(k && strcmp(k->name, "gemm") == 0);
	CHECK(k->nparams == 3 && k->nloops == 3);
	CHECK(k->tensors && k->tensors->type == TY_F32 && k->tensors->rank == 2);
	CHECK(k->tensors->next->next->dir == TENSOR_OUT);
	int neq = 0;
	for (Eqn *e = k->eqns; e; e = e->next)
		neq++;
	CHECK(neq == 4);
	Eqn *a = k->eqns;
	CHECK(a->kind == EQ_REC && a->type == TY_F32 && a->rhs->kind == EX_COND);
	Eqn *c = a->next->next;
	CHECK(c->decl_type == TY_F32 && c->rhs->kind == EX_BINARY && c->rhs->op == OP_ADD);
	CHECK(c->next->kind == EQ_OUT && c->next->tensor == k->tensors->next->next);
	Mapping *m = r.prog->mappings;
	CHECK(m && m->kernel == k);
	CHECK(m->clauses->kind == CL_TILE && m->clauses->tiles->next->names != NULL);
	CHECK(m->clauses->next->kind == CL_SPACETIME && m->clauses->next->project->n == 3);
	done(&r);
}

static void test_locations(void)
{
	Run r = run(gemm);
	Eqn *c = r.prog->kernels->eqns->next->next;
	int line, col;
	diag_linecol(&r.diag, 0, c->loc.start, &line, &col);
	CHECK(line == 6 && col == 3);
	diag_linecol(&r.diag, 0, c->rhs->loc.start, &line, &col);
	CHECK(line == 6 && col == 22);
	done(&r);
}

static void test_precedence(void)
{
	Run r = run("kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N;\n"
	            "  Y(i) = -a[i] * 2 + 3 * a[i] - 1 > 0 || i == 0 && i < 2 ? 1 : 2;\n"
	            "  y[i] = Y(i); }\n");
	CHECK(r.ok);
	Buf b = {0};
	ast_print_expr(&b, r.prog->kernels->eqns->rhs);
	CHECK(strcmp(b.data, "-a[i] * 2 + 3 * a[i] - 1 > 0 || i == 0 && i < 2 ? 1 : 2") == 0);
	Expr *e = r.prog->kernels->eqns->rhs;
	CHECK(e->kind == EX_COND && e->a->op == OP_OR && e->a->b->op == OP_AND);
	buf_free(&b);
	done(&r);
}

static void test_types(void)
{
	Run r = run("kernel k(N, K) { in a: mxfp8e4m3[N][K] (scale_rule = ceil); in b: bf16[K];\n"
	            "  in q: i16[K] (add_shift = 2); out y: f32[N]; for i < N, k < K;\n"
	            "  A(i, k) = a[i][k]; B(i, k) = i == 0 ? b[k] : B(i-1, k); Q(i, k) = q[k];\n"
	            "  Y(i, k) = (k == 0 ? 0 : Y(i, k-1)) + A(i, k) * B(i, k) + Q(i, k);\n"
	            "  y[i] = Y(i, K-1); }\n");
	CHECK(r.ok);
	Kernel *k = r.prog->kernels;
	CHECK(k->tensors->type == TY_MXFP8E4M3 && k->tensors->block_axis == 1 && k->tensors->scale_ceil);
	CHECK(k->tensors->next->next->add_shift == 2);
	Eqn *e = k->eqns;
	CHECK(e->type == TY_MXFP8E4M3);          /* a pass-through keeps the storage type */
	CHECK(e->next->type == TY_BF16);
	CHECK(e->next->next->type == TY_I16);
	CHECK(e->next->next->next->type == TY_F32); /* arithmetic widens */
	done(&r);
}

/* Inputs that must be rejected, each with a word of the expected message. */
static void test_errors(void)
{
	static const struct {
		const char *src, *msg;
	} cases[] = {
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; Y(i) = Y(i+1); y[i] = Y(i); }", "offset (+1)"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; Y(i) = Y(i-1) + a[i]; y[i] = Y(i); }", "reads outside the domain"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; Y(i) = a[i+1]; y[i] = Y(i); }", "past the last index"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; Y(i) = a[i-1]; y[i] = Y(i); }", "can be negative"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; Y(i) = a[i]; Y(i) = a[i]; y[i] = Y(i); }", "redefinition of 'Y'"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; Y(i) = Y(i); y[i] = Y(i); }", "itself at the same point"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; X(i) = Y(i); Y(i) = X(i); y[i] = Y(i); }", "through other recurrences"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; Y(i) = a[i]; a[i] = Y(i); y[i] = Y(i); }", "input tensor"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; Y(i) = y[i]; y[i] = Y(i); }", "cannot be read"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; Y(i) = a[i]; }", "never assigned"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; Y(i) = a[i] && a[i]; y[i] = Y(i); }", "must be a condition"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; Y(i) = a[i, i]; y[i] = Y(i); }", "unexpected ','"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; Y(i) = a[i][i]; y[i] = Y(i); }", "indexed with 2"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; Y(i) = b[i]; y[i] = Y(i); }", "undeclared tensor 'b'"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N] for i < N; }", "unexpected 'for'"},
		{"kernel k(N) { in a: f32[N]; /* open", "unterminated comment"},
		{"kernel k(N) { in a: f32[N] (block_axis = 0); out y: f32[N]; for i < N; Y(i) = a[i]; y[i] = Y(i); }", "takes no attributes"},
		{"kernel k(N) { in a: f32[N]; out y: f32[N]; for i < N; Y(i) = a[i]; y[i] = Y(i); }\n"
		 "mapping m of k { spacetime (i) project (1) schedule (1); lanes i; }", "at least two loops"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		Run r = run(cases[i].src);
		CHECK(!r.ok);
		if (!says(&r, cases[i].msg))
			fprintf(stderr, "case %zu: expected '%s' in:\n%s\n", i, cases[i].msg, r.out ? r.out : "");
		CHECK(says(&r, cases[i].msg));
		done(&r);
	}
}

/* Every prefix of a valid spec must fail cleanly, never crash. */
static void test_truncations(void)
{
	size_t n = strlen(gemm);
	size_t kernel_end = (size_t)(strstr(gemm, "}\nmapping") - gemm) + 1;
	for (size_t i = 0; i < n; i++) {
		char *s = malloc(i + 1);
		memcpy(s, gemm, i);
		s[i] = 0;
		Run r = run(s);
		/* valid: the empty program, the whole kernel, the whole text (each with or without its newline) */
		bool valid = i == 0 || i == kernel_end || i == kernel_end + 1 || i == n - 1;
		CHECK(r.ok == valid);
		done(&r);
		free(s);
	}
}

int main(void)
{
	test_gemm_ast();
	test_locations();
	test_precedence();
	test_types();
	test_errors();
	test_truncations();
	return test_main_end("unit.front");
}
