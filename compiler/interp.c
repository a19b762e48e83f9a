/*
 * interp.c: the reference interpreter of the URE semantics, and the expression
 * evaluator that the array simulator shares with it.
 *
 * Semantics (lang/README.md, "Evaluation"):
 * - Values are kept as doubles that hold exact values of their type; tensors of
 *   narrow types (FP8, MX, BF16, ...) hold their decoded values.
 * - Arithmetic happens in the expression's type (sema): f32 operations round to f32
 *   after each operation, except that an addition with a product operand is one
 *   fused multiply-add (fmaf), as every backend computes it; i32 wraps modulo 2^32;
 *   index arithmetic is exact.
 * - A recurrence's value is rounded to its declared (or inferred) type; an output is
 *   rounded to its tensor's element type (RNE, saturating as numerics.md says).
 * - In FP64 mode nothing is rounded: the reference against which FP32 error is bounded.
 * The interpreter visits the domain in lexicographic order, which sema's rule that
 * offsets point to earlier points makes a valid order.
 */
#include "sysc.h"
#include "sysfmt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- tensors ---- */

TensorSet *tset_new(Arena *a, const Ure *u, const Sizes *sz)
{
	TensorSet *ts = ARENA_NEW(a, TensorSet);
	for (Tensor *t = u->k->tensors; t; t = t->next)
		ts->n++;
	ts->t = ARENA_ARRAY(a, Tensor *, ts->n + 1);
	ts->data = ARENA_ARRAY(a, double *, ts->n + 1);
	ts->len = ARENA_ARRAY(a, int64_t, ts->n + 1);
	ts->dims = arena_alloc(a, sizeof(int64_t[8]) * (size_t)(ts->n + 1));
	int i = 0;
	for (Tensor *t = u->k->tensors; t; t = t->next, i++) {
		ts->t[i] = t;
		int64_t n = 1;
		int d = 0;
		for (Expr *x = t->dims; x && d < 8; x = x->next, d++) {
			ts->dims[i][d] = aff_eval(aff_of_expr(x, u->k), sz);
			n *= ts->dims[i][d];
		}
		ts->len[i] = n;
		ts->data[i] = ARENA_ARRAY(a, double, n);
	}
	return ts;
}

int tset_index(const TensorSet *ts, const Tensor *t)
{
	for (int i = 0; i < ts->n; i++)
		if (ts->t[i] == t)
			return i;
	sysc_bug("tensor '%s' not in the set", t->name);
}

/* ---- evaluation ---- */

int64_t eval_index(const Eval *ev, const Expr *e, const int64_t *x)
{
	switch (e->kind) {
	case EX_INT:
		return e->ival;
	case EX_NAME:
		if (!e->sym)
			sysc_bug("unresolved name '%s'", e->name);
		return e->sym->kind == SYM_LOOP ? x[e->sym->index] : ev->sz->v[e->sym->index];
	case EX_UNARY:
		return -eval_index(ev, e->a, x);
	case EX_BINARY: {
		int64_t a = eval_index(ev, e->a, x), b = eval_index(ev, e->b, x);
		switch (e->op) {
		case OP_ADD:
			return a + b;
		case OP_SUB:
			return a - b;
		case OP_MUL:
			return a * b;
		case OP_DIV:
			return b ? a / b : 0;
		case OP_MOD:
			return b ? a % b : 0;
		default:
			break;
		}
	}
	/* fallthrough */
	default:
		sysc_bug("not an index expression");
	}
}

static double encode_decode(SysfmtFormat f, double v)
{
	uint32_t code;
	float r;
	sysfmt_encode(f, (float)v, NULL, &code);
	sysfmt_decode(f, code, &r);
	return r;
}

double round_to(Type t, double v)
{
	switch (t) {
	case TY_F32:
		return (float)v;
	case TY_F16:
		return sysfmt_f16_to_f32(sysfmt_f32_to_f16((float)v));
	case TY_BF16:
		return sysfmt_bf16_to_f32(sysfmt_f32_to_bf16((float)v));
	case TY_FP8E4M3:
		return encode_decode(SYSFMT_FP8_E4M3, v);
	case TY_FP8E5M2:
		return encode_decode(SYSFMT_FP8_E5M2, v);
	case TY_I32:
		return (double)(int32_t)(uint32_t)(int64_t)v;
	default:
		/* MX and i16 values only pass through recurrences unchanged (sema: arithmetic
		 * widens them), so they are already exact */
		return v;
	}
}

static bool is_product(const Expr *e)
{
	return e->kind == EX_BINARY && e->op == OP_MUL && e->type == TY_F32;
}

double eval_expr(Eval *ev, const Expr *e, const int64_t *x)
{
	switch (e->kind) {
	case EX_INT:
		return (double)e->ival;
	case EX_FLOAT:
		return ev->magnitude ? fabs(e->fval) : ev->fp64 ? e->fval : (double)(float)e->fval;
	case EX_NAME:
		return (double)eval_index(ev, e, x);
	case EX_UNARY:
		if (e->op == OP_NOT)
			return eval_expr(ev, e->a, x) == 0;
		if (e->type == TY_INDEX)
			return (double)eval_index(ev, e, x);
		return ev->magnitude ? eval_expr(ev, e->a, x) : -eval_expr(ev, e->a, x);
	case EX_COND:
		return eval_expr(ev, e->a, x) != 0 ? eval_expr(ev, e->b, x) : eval_expr(ev, e->c, x);
	case EX_INDEX: {
		int ti = tset_index(ev->ts, e->sym->tensor);
		int64_t off = 0;
		int d = 0;
		for (const Expr *a = e->args; a; a = a->next, d++) {
			int64_t i = eval_index(ev, a, x);
			if (i < 0 || i >= ev->ts->dims[ti][d]) {
				if (!ev->fault[0])
					snprintf(ev->fault, sizeof ev->fault,
					         "with these sizes, index %d of '%s' reaches %lld, outside its extent %lld", d + 1,
					         e->name, (long long)i, (long long)ev->ts->dims[ti][d]);
				return 0;
			}
			off = off * ev->ts->dims[ti][d] + i;
		}
		return ev->ts->data[ti][off];
	}
	case EX_CALL: {
		if (e->sym && e->sym->kind == SYM_REC) {
			int64_t y[URE_MAXL];
			int i = 0;
			for (const Expr *a = e->args; a; a = a->next, i++)
				y[i] = eval_index(ev, a, x);
			return ev->read(ev, ure_var_index(ev->u, e->name), y);
		}
		double a = eval_expr(ev, e->args, x);
		double b = e->nargs > 1 ? eval_expr(ev, e->args->next, x) : 0;
		double r;
		if (strcmp(e->name, "abs") == 0)
			r = fabs(a);
		else if (strcmp(e->name, "max") == 0)
			r = a >= b || isnan(b) ? a : b;
		else
			r = a <= b || isnan(b) ? a : b;
		return r;
	}
	case EX_BINARY:
		break;
	}
	/* && and || evaluate their right side only when needed */
	if (e->op == OP_AND)
		return eval_expr(ev, e->a, x) != 0 && eval_expr(ev, e->b, x) != 0;
	if (e->op == OP_OR)
		return eval_expr(ev, e->a, x) != 0 || eval_expr(ev, e->b, x) != 0;
	if (!ev->fp64 && e->type == TY_F32 && e->op == OP_ADD && (is_product(e->a) || is_product(e->b))) {
		const Expr *p = is_product(e->a) ? e->a : e->b, *c = p == e->a ? e->b : e->a;
		float m1 = (float)eval_expr(ev, p->a, x), m2 = (float)eval_expr(ev, p->b, x);
		return fmaf(m1, m2, (float)eval_expr(ev, c, x));
	}
	double a = eval_expr(ev, e->a, x), b = eval_expr(ev, e->b, x);
	switch (e->op) {
	case OP_EQ:
		return a == b;
	case OP_NE:
		return a != b;
	case OP_LT:
		return a < b;
	case OP_LE:
		return a <= b;
	case OP_GT:
		return a > b;
	case OP_GE:
		return a >= b;
	default:
		break;
	}
	if (e->type == TY_INDEX)
		return (double)eval_index(ev, e, x);
	if (ev->fp64 || e->type != TY_F32) {
		double r;
		switch (e->op) {
		case OP_ADD:
			r = a + b;
			break;
		case OP_SUB:
			r = ev->magnitude ? a + b : a - b;
			break;
		case OP_MUL:
			r = a * b;
			break;
		case OP_DIV:
			r = a / b;
			break;
		default:
			r = fmod(a, b);
			break;
		}
		return ev->fp64 ? r : round_to(e->type, r);
	}
	float fa = (float)a, fb = (float)b;
	switch (e->op) {
	case OP_ADD:
		return fa + fb;
	case OP_SUB:
		return fa - fb;
	case OP_MUL:
		return fa * fb;
	case OP_DIV:
		return fa / fb;
	default:
		return fmodf(fa, fb);
	}
}

void eval_point(Eval *ev, const int64_t *x, void (*store)(Eval *ev, int var, const int64_t *x, double v))
{
	for (int i = 0; i < ev->u->nvars; i++) {
		int v = ev->u->order[i];
		const UreVar *var = &ev->u->vars[v];
		double r = eval_expr(ev, var->eqn->rhs, x);
		store(ev, v, x, ev->fp64 ? r : round_to(var->type, r));
	}
}

void eval_outputs(Eval *ev)
{
	const Ure *u = ev->u;
	for (int o = 0; o < u->nouts; o++) {
		const Eqn *e = u->outs[o];
		int ti = tset_index(ev->ts, e->tensor);
		int rank = e->tensor->rank;
		int var[URE_MAXL], dim = 0;
		for (const Expr *l = e->lhs; l; l = l->next)
			var[dim++] = l->sym->index;
		int64_t x[URE_MAXL] = {0};
		for (int64_t n = 0; n < ev->ts->len[ti]; n++) {
			int64_t rem = n;
			for (int d = rank - 1; d >= 0; d--) {
				x[var[d]] = rem % ev->ts->dims[ti][d];
				rem /= ev->ts->dims[ti][d];
			}
			double r = eval_expr(ev, e->rhs, x);
			ev->ts->data[ti][n] = ev->fp64 ? r : round_to(e->tensor->type, r);
		}
	}
}

/* ---- the interpreter ---- */

typedef struct {
	int64_t npoints;
	int64_t ext[URE_MAXL];
	double *vals; /* [var][point] */
} Store;

int64_t domain_points(const Ure *u, const Sizes *sz)
{
	int64_t n = 1;
	for (int i = 0; i < u->nloops; i++) {
		int64_t e = aff_eval(u->bound[i], sz);
		if (e > 0 && n > INT64_MAX / e)
			return INT64_MAX;
		n *= e;
	}
	return n;
}

static int64_t linear(const Store *s, const Ure *u, const int64_t *x)
{
	int64_t off = 0;
	for (int i = 0; i < u->nloops; i++) {
		if (x[i] < 0 || x[i] >= s->ext[i])
			sysc_bug("read outside the domain");
		off = off * s->ext[i] + x[i];
	}
	return off;
}

static double store_read(Eval *ev, int var, const int64_t *x)
{
	Store *s = ev->ctx;
	return s->vals[(int64_t)var * s->npoints + linear(s, ev->u, x)];
}

static void store_write(Eval *ev, int var, const int64_t *x, double v)
{
	Store *s = ev->ctx;
	s->vals[(int64_t)var * s->npoints + linear(s, ev->u, x)] = v;
}

bool interp_run(const Ure *u, const Sizes *sz, TensorSet *ts, EvalMode mode, char *err, size_t errlen)
{
	Store s = {0};
	s.npoints = domain_points(u, sz);
	if (s.npoints > ((int64_t)1 << 28) / (u->nvars ? u->nvars : 1)) {
		snprintf(err, errlen, "the domain has %lld points: too many for the interpreter (limit %lld values)",
		         (long long)s.npoints, (long long)1 << 28);
		return false;
	}
	for (int i = 0; i < u->nloops; i++)
		s.ext[i] = aff_eval(u->bound[i], sz);
	s.vals = calloc((size_t)(s.npoints * u->nvars) + 1, sizeof(double));
	if (!s.vals) {
		snprintf(err, errlen, "out of memory for %lld points", (long long)s.npoints);
		return false;
	}
	Eval ev = {.u = u, .sz = sz, .ts = ts, .fp64 = mode != EVAL_TYPED, .magnitude = mode == EVAL_MAGNITUDE,
	           .read = store_read, .ctx = &s};
	int64_t x[URE_MAXL] = {0};
	for (int64_t p = 0; p < s.npoints && !ev.fault[0]; p++) {
		eval_point(&ev, x, store_write);
		for (int i = u->nloops - 1; i >= 0; i--) {
			if (++x[i] < s.ext[i])
				break;
			x[i] = 0;
		}
	}
	if (!ev.fault[0])
		eval_outputs(&ev);
	free(s.vals);
	if (ev.fault[0]) {
		snprintf(err, errlen, "%s", ev.fault);
		return false;
	}
	return true;
}

/* ---- sampled outputs, for domains too large to store ---- */

/* The values a sampled output needs, computed on demand and remembered: for GEMM
 * the K points of one output's chain. Propagated inputs are read where used. */
typedef struct {
	int64_t *keys; /* var * npoints + point + 1; 0: empty */
	double *vals;
	int64_t cap, n, npoints;
	int64_t ext[URE_MAXL];
} Memo;

static int64_t memo_key(const Memo *m, const Ure *u, int var, const int64_t *x)
{
	int64_t off = 0;
	for (int i = 0; i < u->nloops; i++)
		off = off * m->ext[i] + x[i];
	return (int64_t)var * m->npoints + off + 1;
}

static int64_t *memo_slot(Memo *m, int64_t key)
{
	uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
	for (int64_t i = (int64_t)(h >> 20) & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key || m->keys[i] == 0)
			return &m->keys[i];
}

static bool memo_grow(Memo *m)
{
	Memo old = *m;
	m->cap = old.cap ? old.cap * 2 : 1 << 16;
	m->keys = calloc((size_t)m->cap, sizeof(int64_t));
	m->vals = malloc(sizeof(double) * (size_t)m->cap);
	if (!m->keys || !m->vals)
		return false;
	for (int64_t i = 0; i < old.cap; i++)
		if (old.keys[i]) {
			int64_t *s = memo_slot(m, old.keys[i]);
			*s = old.keys[i];
			m->vals[s - m->keys] = old.vals[i];
		}
	free(old.keys);
	free(old.vals);
	return true;
}

static double demand_read(Eval *ev, int var, const int64_t *x)
{
	Memo *m = ev->ctx;
	const UreVar *v = &ev->u->vars[var];
	if (v->kind == VAR_PROPAGATE)
		return eval_expr(ev, v->input, x);
	int64_t key = memo_key(m, ev->u, var, x);
	int64_t *s = memo_slot(m, key);
	if (*s)
		return m->vals[s - m->keys];
	double r = eval_expr(ev, v->eqn->rhs, x);
	if (!ev->fp64)
		r = round_to(v->type, r);
	if (2 * (m->n + 1) > m->cap && !memo_grow(m))
		sysc_bug("out of memory");
	s = memo_slot(m, key);
	*s = key;
	m->vals[s - m->keys] = r;
	m->n++;
	return r;
}

bool interp_sample(const Ure *u, const Sizes *sz, TensorSet *ts, EvalMode mode, const Eqn *out, const int64_t *idx,
                   int n, double *vals, char *err, size_t errlen)
{
	Memo m = {0};
	m.npoints = domain_points(u, sz);
	for (int i = 0; i < u->nloops; i++)
		m.ext[i] = aff_eval(u->bound[i], sz);
	Eval ev = {.u = u, .sz = sz, .ts = ts, .fp64 = mode != EVAL_TYPED, .magnitude = mode == EVAL_MAGNITUDE,
	           .read = demand_read, .ctx = &m};
	int ti = tset_index(ts, out->tensor);
	int var[URE_MAXL], rank = 0;
	for (const Expr *l = out->lhs; l; l = l->next)
		var[rank++] = l->sym->index;
	bool ok = memo_grow(&m);
	for (int s = 0; s < n && ok && !ev.fault[0]; s++) {
		int64_t x[URE_MAXL] = {0}, rem = idx[s];
		for (int d = rank - 1; d >= 0; d--) {
			x[var[d]] = rem % ts->dims[ti][d];
			rem /= ts->dims[ti][d];
		}
		double r = eval_expr(&ev, out->rhs, x);
		vals[s] = ev.fp64 ? r : round_to(out->tensor->type, r);
		memset(m.keys, 0, sizeof(int64_t) * (size_t)m.cap); /* one output's cone at a time */
		m.n = 0;
	}
	free(m.keys);
	free(m.vals);
	if (!ok)
		snprintf(err, errlen, "out of memory");
	else if (ev.fault[0])
		snprintf(err, errlen, "%s", ev.fault);
	return ok && !ev.fault[0];
}
