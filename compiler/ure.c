/*
 * ure.c: lowering a checked kernel to the URE IR, and the IR's text form
 * (`sysc emit --emit=ure`).
 *
 * The IR keeps what the later stages need and nothing of the syntax: the box
 * domain with affine bounds, one variable per recurrence with its type, the
 * dependence vectors (a reference A(i, j-1, k) in the equation of C is the
 * dependence C <- A with d = (0, 1, 0): C at x reads A at x - d), the outputs,
 * and an order in which the variables can be evaluated at one point.
 *
 * A recurrence of the form `guard ? a[f(x)] : V(x - d)` whose tensor index f does
 * not change along d carries one input element across the domain: V(x) = a[f(x)] at
 * every point. Such a variable is marked VAR_PROPAGATE; where a mapping cuts its
 * path (a tile border), the value can be read from memory again instead of being
 * passed on.
 */
#include "sysc.h"

#include <stdlib.h>
#include <string.h>

int ure_var_index(const Ure *u, const char *name)
{
	for (int i = 0; i < u->nvars; i++)
		if (strcmp(u->vars[i].name, name) == 0)
			return i;
	return -1;
}

/* The value of an integer expression of loop variables at x, with every size
 * parameter at 0: what offsets and invariance need, since both sides of a
 * comparison carry the same parameters. */
static int64_t eval_int(const Expr *e, const int64_t *x)
{
	static const Sizes zero_sizes;
	Eval ev = {.sz = &zero_sizes};
	return eval_index(&ev, e, x);
}

/* Whether every index of tensor read t stays the same when x moves by d. Indices
 * are affine (sema), so comparing the values at 0 and at d decides it, as long as
 * the parameters do not enter (they are zero here on both sides). */
static bool invariant_along(const Expr *t, const int64_t *d)
{
	int64_t zero[URE_MAXL] = {0};
	for (const Expr *a = t->args; a; a = a->next)
		if (eval_int(a, zero) != eval_int(a, d))
			return false;
	return true;
}

static void add_dep(Ure *u, int reader, const Expr *ref, int *cap, Arena *a)
{
	if (u->ndeps == *cap) {
		int ncap = *cap ? *cap * 2 : 16;
		UreDep *nd = ARENA_ARRAY(a, UreDep, ncap);
		if (u->ndeps)
			memcpy(nd, u->deps, sizeof(UreDep) * (size_t)u->ndeps);
		u->deps = nd;
		*cap = ncap;
	}
	UreDep *d = &u->deps[u->ndeps++];
	memset(d, 0, sizeof *d);
	d->var = ure_var_index(u, ref->name);
	d->reader = reader;
	d->ref = ref;
	int64_t zero[URE_MAXL] = {0};
	int i = 0;
	for (const Expr *x = ref->args; x && i < u->nloops; x = x->next, i++)
		d->d[i] = -eval_int(x, zero);
}

static void collect_deps(Ure *u, int reader, const Expr *e, int *cap, Arena *a)
{
	if (!e)
		return;
	if (e->kind == EX_CALL && e->sym && e->sym->kind == SYM_REC)
		add_dep(u, reader, e, cap, a);
	if (e->kind == EX_CALL && e->sym && e->sym->kind == SYM_REC)
		return; /* its arguments are indices */
	for (const Expr *x = e->args; x; x = x->next)
		collect_deps(u, reader, x, cap, a);
	collect_deps(u, reader, e->a, cap, a);
	collect_deps(u, reader, e->b, cap, a);
	collect_deps(u, reader, e->c, cap, a);
}

/* Recognises `c ? a[f(x)] : V(x - d)` (either way round) with f invariant along d. */
static void classify(Ure *u, int v)
{
	UreVar *var = &u->vars[v];
	const Expr *e = var->eqn->rhs;
	var->kind = VAR_COMPUTE;
	if (e->kind != EX_COND)
		return;
	const Expr *t = e->b, *r = e->c;
	if (t->kind != EX_INDEX) {
		t = e->c;
		r = e->b;
	}
	if (t->kind != EX_INDEX || r->kind != EX_CALL || !r->sym || r->sym->kind != SYM_REC ||
	    strcmp(r->name, var->name) != 0 || t->type != var->type)
		return;
	int64_t d[URE_MAXL] = {0}, zero[URE_MAXL] = {0};
	bool nonzero = false;
	int i = 0;
	for (const Expr *x = r->args; x && i < u->nloops; x = x->next, i++) {
		d[i] = -eval_int(x, zero);
		nonzero |= d[i] != 0;
	}
	if (!nonzero || !invariant_along(t, d))
		return;
	var->kind = VAR_PROPAGATE;
	var->input = t;
	memcpy(var->dir, d, sizeof d);
}

Ure *ure_lower(Arena *a, Kernel *k)
{
	Ure *u = ARENA_NEW(a, Ure);
	u->k = k;
	for (Loop *l = k->loops; l && u->nloops < URE_MAXL; l = l->next) {
		u->loops[u->nloops] = l;
		u->bound[u->nloops++] = aff_of_expr(l->bound, k);
	}
	for (Eqn *e = k->eqns; e; e = e->next) {
		if (e->kind == EQ_REC)
			u->nvars++;
		else
			u->nouts++;
	}
	u->vars = ARENA_ARRAY(a, UreVar, u->nvars + 1);
	u->outs = ARENA_ARRAY(a, Eqn *, u->nouts + 1);
	int nv = 0, no = 0;
	for (Eqn *e = k->eqns; e; e = e->next) {
		if (e->kind == EQ_OUT) {
			u->outs[no++] = e;
			continue;
		}
		u->vars[nv].name = e->name;
		u->vars[nv].eqn = e;
		u->vars[nv].type = e->decl_type ? e->decl_type : e->type;
		nv++;
	}
	int cap = 0;
	for (int v = 0; v < u->nvars; v++)
		collect_deps(u, v, u->vars[v].eqn->rhs, &cap, a);
	for (int v = 0; v < u->nvars; v++)
		classify(u, v);

	/* order: a variable comes after every variable it reads at the same point
	 * (sema has ruled out cycles) */
	u->order = ARENA_ARRAY(a, int, u->nvars + 1);
	bool *done = ARENA_ARRAY(a, bool, u->nvars + 1);
	for (int n = 0; n < u->nvars;) {
		bool progress = false;
		for (int v = 0; v < u->nvars; v++) {
			if (done[v])
				continue;
			bool ready = true;
			for (int i = 0; i < u->ndeps; i++) {
				const UreDep *d = &u->deps[i];
				if (d->reader != v || d->var == v || done[d->var])
					continue;
				bool zero = true;
				for (int j = 0; j < u->nloops; j++)
					zero &= d->d[j] == 0;
				if (zero)
					ready = false;
			}
			if (ready) {
				done[v] = true;
				u->order[n++] = v;
				progress = true;
			}
		}
		if (!progress)
			sysc_bug("same-point cycle in kernel '%s' passed sema", k->name);
	}
	return u;
}

static void print_vec(Buf *b, const int64_t *d, int n)
{
	buf_printf(b, "(");
	for (int i = 0; i < n; i++)
		buf_printf(b, "%s%lld", i ? ", " : "", (long long)d[i]);
	buf_printf(b, ")");
}

void ure_print(Buf *b, const Ure *u)
{
	const Kernel *k = u->k;
	buf_printf(b, "ure %s(", k->name);
	for (const Ident *p = k->params; p; p = p->next)
		buf_printf(b, "%s%s", p->name, p->next ? ", " : "");
	buf_printf(b, ")\n  domain");
	for (int i = 0; i < u->nloops; i++) {
		buf_printf(b, " %s < ", u->loops[i]->name);
		aff_print(b, u->bound[i], k);
		buf_printf(b, "%s", i + 1 < u->nloops ? "," : "\n");
	}
	for (int v = 0; v < u->nvars; v++) {
		const UreVar *var = &u->vars[v];
		buf_printf(b, "  var %s: %s", var->name, type_name(var->type));
		if (var->kind == VAR_PROPAGATE) {
			buf_printf(b, " propagates ");
			ast_print_expr(b, var->input);
			buf_printf(b, " along ");
			print_vec(b, var->dir, u->nloops);
		}
		buf_printf(b, "\n    = ");
		ast_print_expr(b, var->eqn->rhs);
		buf_printf(b, "\n");
		for (int i = 0; i < u->ndeps; i++) {
			const UreDep *d = &u->deps[i];
			if (d->reader != v)
				continue;
			buf_printf(b, "    dep %s ", u->vars[d->var].name);
			print_vec(b, d->d, u->nloops);
			buf_printf(b, "\n");
		}
	}
	for (int o = 0; o < u->nouts; o++) {
		const Eqn *e = u->outs[o];
		buf_printf(b, "  out %s", e->name);
		for (const Expr *x = e->lhs; x; x = x->next) {
			buf_printf(b, "[");
			ast_print_expr(b, x);
			buf_printf(b, "]");
		}
		buf_printf(b, ": %s = ", type_name(e->tensor->type));
		ast_print_expr(b, e->rhs);
		buf_printf(b, "\n");
	}
	buf_printf(b, "  order");
	for (int v = 0; v < u->nvars; v++)
		buf_printf(b, " %s", u->vars[u->order[v]].name);
	buf_printf(b, "\n");
}

/* ---- sizes ---- */

bool ure_sizes_valid(const Ure *u, const Sizes *sz, char *err, size_t errlen)
{
	const Kernel *k = u->k;
	for (int i = 0; i < u->nloops; i++)
		if (aff_eval(u->bound[i], sz) < 1) {
			snprintf(err, errlen, "loop '%s' would run %lld times with these sizes", u->loops[i]->name,
			         (long long)aff_eval(u->bound[i], sz));
			return false;
		}
	for (const Tensor *t = k->tensors; t; t = t->next)
		for (const Expr *d = t->dims; d; d = d->next) {
			int64_t n = aff_eval(aff_of_expr(d, k), sz);
			if (n < 1 || n > ((int64_t)1 << 40)) {
				snprintf(err, errlen, "tensor '%s' would have extent %lld with these sizes", t->name, (long long)n);
				return false;
			}
		}
	return true;
}

bool ure_default_sizes(const Ure *u, Sizes *sz, char *err, size_t errlen)
{
	/* odd, and not multiples of the usual tile sizes */
	static const int64_t pick[] = {13, 11, 17, 7, 9, 5, 19, 3};
	memset(sz, 0, sizeof *sz);
	int i = 0;
	for (const Ident *p = u->k->params; p && i < AFF_MAXP; p = p->next, i++)
		sz->v[i] = p->value ? p->value : pick[i % 8];
	if (ure_sizes_valid(u, sz, err, errlen))
		return true;
	size_t n = strlen(err);
	snprintf(err + n, errlen - n, "; give sizes with --size (e.g. --size %s=8)", u->k->params ? u->k->params->name : "N");
	return false;
}

bool ure_parse_sizes(const Ure *u, const char *spec, Sizes *sz, char *err, size_t errlen)
{
	return ure_parse_assignments(u, spec, sz, err, errlen) && ure_sizes_valid(u, sz, err, errlen);
}

bool ure_parse_assignments(const Ure *u, const char *spec, Sizes *sz, char *err, size_t errlen)
{
	const char *s = spec;
	while (*s) {
		const char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "expected NAME=VALUE in '%s'", s);
			return false;
		}
		int i = 0;
		const Ident *p = u->k->params;
		for (; p; p = p->next, i++)
			if (strlen(p->name) == (size_t)(eq - s) && strncmp(p->name, s, (size_t)(eq - s)) == 0)
				break;
		if (!p) {
			snprintf(err, errlen, "kernel '%s' has no size '%.*s'", u->k->name, (int)(eq - s), s);
			return false;
		}
		char *end;
		long long v = strtoll(eq + 1, &end, 10);
		if (end == eq + 1 || (*end && *end != ',') || v < 1 || v > (1 << 30)) {
			snprintf(err, errlen, "size %s needs a value from 1 to 2^30", p->name);
			return false;
		}
		sz->v[i] = v;
		s = *end ? end + 1 : end;
	}
	return true;
}

void ure_print_sizes(Buf *b, const Ure *u, const Sizes *sz)
{
	int i = 0;
	for (const Ident *p = u->k->params; p; p = p->next, i++)
		buf_printf(b, "%s%s=%lld", i ? "," : "", p->name, (long long)sz->v[i]);
}
