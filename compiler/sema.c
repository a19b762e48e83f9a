/*
 * sema.c: semantic analysis of a parsed spec.
 *
 * Per kernel, in order: names (one scope per kernel: parameters, tensors, loops and
 * recurrences share it), tensor shapes and attributes, the domain, the equations
 * (single assignment, the uniform-offset rule, reads that stay inside the domain,
 * tensor indices inside their extents, types), then the mappings. Every check is
 * phrased in the spec's terms and keeps going after an error.
 *
 * Boundary reasoning: a reference such as A(i, j-1, k) is legal only where j >= 1.
 * While walking `c ? x : y`, the facts that c (or its negation) gives about loop
 * variables narrow each variable's range, so `j == 0 ? a[i][k] : A(i, j-1, k)` checks
 * and an unguarded `A(i, j-1, k)` is reported. Ranges are affine in the size
 * parameters (affine.c), so extents like N + K - 1 are compared symbolically.
 */
#include "sysc.h"

#include <string.h>

enum { MAXSYMS = 512, MAXLOOPS = 16 };

/* What is known about loop variable v at a point: lo[v] <= v <= hi[v]. */
typedef struct {
	Affine lo[MAXLOOPS], hi[MAXLOOPS];
} Facts;

typedef struct {
	Arena *arena;
	Diag *diag;
	Program *prog;
	Kernel *k;
	Sym *syms[MAXSYMS];
	int nsyms;
	Loop *loops[MAXLOOPS];
	int nloops;
	/* the equation being checked */
	Eqn *eqn;
	bool bound[MAXLOOPS]; /* EQ_OUT: loop variables bound by the left side */
	bool changed;         /* type inference made progress */
	bool report;          /* report errors (off during type-inference passes) */
	int in_args;          /* inside the indices of a reference: they report loops themselves */
	Eqn *seen[MAXSYMS];   /* same_point_refs: recurrences already searched for the target */
	int nseen;
} Sema;

/* ---- symbols ---- */

static Sym *lookup(Sema *s, const char *name)
{
	for (int i = 0; i < s->nsyms; i++)
		if (strcmp(s->syms[i]->name, name) == 0)
			return s->syms[i];
	return NULL;
}

static const char *sym_what(SymKind k)
{
	switch (k) {
	case SYM_PARAM:
		return "size parameter";
	case SYM_TENSOR:
		return "tensor";
	case SYM_LOOP:
		return "loop variable";
	case SYM_REC:
		return "recurrence";
	case SYM_BUILTIN:
		return "builtin function";
	}
	return "name";
}

static bool is_builtin(const char *name, int *arity);

static Sym *declare(Sema *s, SymKind kind, const char *name, SrcLoc loc)
{
	Sym *old = lookup(s, name);
	int arity;
	if (is_builtin(name, &arity)) {
		diag_error(s->diag, loc, "'%s' is a builtin function and cannot be redefined", name);
		return NULL;
	}
	if (old) {
		diag_error(s->diag, loc, "redefinition of '%s'", name);
		diag_note(s->diag, old->loc, "previous definition of %s '%s' is here", sym_what(old->kind), name);
		return NULL;
	}
	if (s->nsyms == MAXSYMS) {
		diag_error(s->diag, loc, "too many names in one kernel (the limit is %d)", MAXSYMS);
		return NULL;
	}
	Sym *sym = ARENA_NEW(s->arena, Sym);
	sym->kind = kind;
	sym->name = name;
	sym->loc = loc;
	s->syms[s->nsyms++] = sym;
	return sym;
}

/* Levenshtein distance, for "did you mean" hints. */
static int edit_distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	if (la > 32 || lb > 32)
		return 99;
	int d[33][33];
	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++)
		for (int j = 1; j <= lb; j++) {
			int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

static void undeclared(Sema *s, SrcLoc loc, const char *name, const char *what)
{
	const char *best = NULL;
	int bd = 3;
	for (int i = 0; i < s->nsyms; i++) {
		int dd = edit_distance(name, s->syms[i]->name);
		if (dd < bd && dd < (int)strlen(name)) {
			bd = dd;
			best = s->syms[i]->name;
		}
	}
	if (best)
		diag_error(s->diag, loc, "use of undeclared %s '%s'; did you mean '%s'?", what, name, best);
	else
		diag_error(s->diag, loc, "use of undeclared %s '%s'", what, name);
}

/* ---- affine index forms: params plus loop variables ---- */

typedef struct {
	Affine p;                /* the parameter part, with the constant */
	int64_t lv[MAXLOOPS];    /* coefficients of loop variables */
	bool ok;
} Index;

static Index index_of(Sema *s, const Expr *e)
{
	Index r;
	memset(&r, 0, sizeof r);
	r.p = aff_const(0);
	switch (e->kind) {
	case EX_INT:
		r.p = aff_const(e->ival);
		r.ok = true;
		return r;
	case EX_NAME:
		if (e->sym && e->sym->kind == SYM_LOOP) {
			r.lv[e->sym->index] = 1;
			r.ok = true;
			return r;
		}
		r.p = aff_of_expr(e, s->k);
		r.ok = r.p.ok;
		return r;
	case EX_UNARY:
		if (e->op == OP_NEG) {
			r = index_of(s, e->a);
			r.p = aff_scale(r.p, -1);
			r.ok = r.ok && r.p.ok;
			for (int i = 0; i < MAXLOOPS; i++)
				r.ok &= !__builtin_mul_overflow(r.lv[i], -1, &r.lv[i]);
		}
		return r;
	case EX_BINARY: {
		Index x = index_of(s, e->a), y = index_of(s, e->b);
		if (!x.ok || !y.ok)
			return r;
		bool xc = aff_is_const(x.p), yc = aff_is_const(y.p);
		bool xl = false, yl = false;
		for (int i = 0; i < MAXLOOPS; i++) {
			xl |= x.lv[i] != 0;
			yl |= y.lv[i] != 0;
		}
		if (e->op == OP_ADD || e->op == OP_SUB) {
			int64_t sg = e->op == OP_ADD ? 1 : -1;
			r.p = aff_add(x.p, aff_scale(y.p, sg));
			r.ok = r.p.ok;
			for (int i = 0; i < MAXLOOPS; i++) {
				int64_t t;
				r.ok &= !__builtin_mul_overflow(sg, y.lv[i], &t) && !__builtin_add_overflow(x.lv[i], t, &r.lv[i]);
			}
		} else if (e->op == OP_MUL && ((xc && !xl) || (yc && !yl))) {
			Index v = xc && !xl ? y : x;
			int64_t c = xc && !xl ? x.p.c0 : y.p.c0;
			r.p = aff_scale(v.p, c);
			r.ok = r.p.ok;
			for (int i = 0; i < MAXLOOPS; i++)
				r.ok &= !__builtin_mul_overflow(v.lv[i], c, &r.lv[i]);
		}
		return r;
	}
	default:
		return r;
	}
}

static bool index_has_loops(const Index *x)
{
	for (int i = 0; i < MAXLOOPS; i++)
		if (x->lv[i])
			return true;
	return false;
}

/* The least and greatest value of x under the facts. */
static void index_range(const Sema *s, const Index *x, const Facts *f, Affine *min, Affine *max)
{
	*min = x->p;
	*max = x->p;
	for (int i = 0; i < s->nloops; i++) {
		int64_t c = x->lv[i];
		if (!c)
			continue;
		Affine lo = aff_scale(f->lo[i], c), hi = aff_scale(f->hi[i], c);
		*min = aff_add(*min, c > 0 ? lo : hi);
		*max = aff_add(*max, c > 0 ? hi : lo);
	}
}

static char *aff_str(Sema *s, Affine a)
{
	Buf b = {0};
	aff_print(&b, a, s->k);
	char *r = arena_strdup(s->arena, b.data);
	buf_free(&b);
	return r;
}

static char *expr_str(Sema *s, const Expr *e)
{
	Buf b = {0};
	ast_print_expr(&b, e);
	char *r = arena_strdup(s->arena, b.data);
	buf_free(&b);
	return r;
}

/* ---- guard facts ---- */

static void facts_init(Sema *s, Facts *f)
{
	for (int i = 0; i < s->nloops; i++) {
		f->lo[i] = aff_const(0);
		f->hi[i] = aff_sub(aff_of_expr(s->loops[i]->bound, s->k), aff_const(1));
	}
}

/* Tightens a bound: keeps the new one when it is provably tighter (or the old one is unknown). */
static void tighten_hi(Affine *hi, Affine v)
{
	if (!v.ok)
		return;
	if (!hi->ok || aff_nonneg(aff_sub(*hi, v)) == 1)
		*hi = v;
}

static void tighten_lo(Affine *lo, Affine v)
{
	if (!v.ok)
		return;
	if (!lo->ok || aff_nonneg(aff_sub(v, *lo)) == 1)
		*lo = v;
}

static bool aff_eq(Affine a, Affine b)
{
	Affine d = aff_sub(a, b);
	return d.ok && aff_is_const(d) && d.c0 == 0;
}

static Op flip(Op op)
{
	switch (op) {
	case OP_LT:
		return OP_GT;
	case OP_LE:
		return OP_GE;
	case OP_GT:
		return OP_LT;
	case OP_GE:
		return OP_LE;
	default:
		return op;
	}
}

static Op negate(Op op)
{
	switch (op) {
	case OP_EQ:
		return OP_NE;
	case OP_NE:
		return OP_EQ;
	case OP_LT:
		return OP_GE;
	case OP_LE:
		return OP_GT;
	case OP_GT:
		return OP_LE;
	case OP_GE:
		return OP_LT;
	default:
		return OP_NONE;
	}
}

/* One comparison `x op y`, with x = v + c and y affine in the parameters. */
static void learn_cmp(Sema *s, Facts *f, Op op, const Expr *x, const Expr *y)
{
	Index ix = index_of(s, x), iy = index_of(s, y);
	if (!ix.ok || !iy.ok)
		return;
	if (!index_has_loops(&ix)) {
		Index t = ix;
		ix = iy;
		iy = t;
		op = flip(op);
	}
	int v = -1;
	for (int i = 0; i < s->nloops; i++) {
		if (ix.lv[i] == 0)
			continue;
		if (v >= 0 || ix.lv[i] != 1)
			return;
		v = i;
	}
	if (v < 0 || index_has_loops(&iy))
		return;
	Affine e = aff_sub(iy.p, ix.p); /* v op e */
	switch (op) {
	case OP_EQ:
		tighten_lo(&f->lo[v], e);
		tighten_hi(&f->hi[v], e);
		break;
	case OP_NE:
		if (aff_eq(e, f->lo[v]))
			f->lo[v] = aff_add(f->lo[v], aff_const(1));
		else if (aff_eq(e, f->hi[v]))
			f->hi[v] = aff_sub(f->hi[v], aff_const(1));
		break;
	case OP_LT:
		tighten_hi(&f->hi[v], aff_sub(e, aff_const(1)));
		break;
	case OP_LE:
		tighten_hi(&f->hi[v], e);
		break;
	case OP_GT:
		tighten_lo(&f->lo[v], aff_add(e, aff_const(1)));
		break;
	case OP_GE:
		tighten_lo(&f->lo[v], e);
		break;
	default:
		break;
	}
}

/* Adds to f what holds where condition c evaluates to `truth`. */
static void learn(Sema *s, Facts *f, const Expr *c, bool truth)
{
	if (c->kind == EX_UNARY && c->op == OP_NOT) {
		learn(s, f, c->a, !truth);
		return;
	}
	if (c->kind != EX_BINARY)
		return;
	if ((c->op == OP_AND && truth) || (c->op == OP_OR && !truth)) {
		learn(s, f, c->a, truth);
		learn(s, f, c->b, truth);
		return;
	}
	if (c->op == OP_AND || c->op == OP_OR)
		return; /* a disjunction gives no fact about one variable */
	Op op = truth ? c->op : negate(c->op);
	if (op != OP_NONE)
		learn_cmp(s, f, op, c->a, c->b);
}

/* ---- expressions ---- */

/* The type of a binary arithmetic result. */
static Type join(Type a, Type b)
{
	if (a == TY_NONE || b == TY_NONE)
		return a == TY_NONE ? b : a;
	if (a == TY_INDEX)
		return type_arith(b);
	if (b == TY_INDEX)
		return type_arith(a);
	a = type_arith(a);
	b = type_arith(b);
	if (a == b)
		return a;
	return TY_F32; /* an integer mixed with a real computes in f32 */
}

static bool is_builtin(const char *name, int *arity)
{
	static const struct {
		const char *name;
		int arity;
	} b[] = {{"max", 2}, {"min", 2}, {"abs", 1}};
	for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
		if (strcmp(b[i].name, name) == 0) {
			*arity = b[i].arity;
			return true;
		}
	return false;
}

static void check_expr(Sema *s, Expr *e, const Facts *f);

static bool want_cond(Sema *s, const Expr *e, const char *what)
{
	if (e->type != TY_BOOL && e->type != TY_NONE) {
		if (s->report)
			diag_error(s->diag, e->loc, "%s must be a condition (a comparison such as 'k == 0'), not a value of type %s",
			           what, type_name(e->type));
		return false;
	}
	return true;
}

static bool want_value(Sema *s, const Expr *e, const char *what)
{
	if (e->type == TY_BOOL) {
		if (s->report)
			diag_error(s->diag, e->loc, "%s must be a number, not a condition", what);
		return false;
	}
	return true;
}

/* A recurrence reference A(args): the uniform-offset rule and the domain bounds. */
static void check_rec_ref(Sema *s, Expr *e, const Facts *f)
{
	Eqn *def = e->sym->eqn;
	e->type = def->decl_type ? def->decl_type : def->type;
	if (!s->report)
		return;
	if (e->nargs != s->nloops) {
		diag_error(s->diag, e->loc, "recurrence '%s' takes %d indices (one per loop of the domain), not %d",
		           e->name, s->nloops, e->nargs);
		return;
	}
	int64_t off[MAXLOOPS] = {0};
	Index ix[MAXLOOPS];
	bool ok = true;
	int i = 0;
	for (Expr *a = e->args; a; a = a->next, i++) {
		ix[i] = index_of(s, a);
		Loop *l = s->loops[i];
		if (s->eqn->kind == EQ_OUT && !s->bound[i]) {
			/* the output takes one fixed point along loops its left side does not bind */
			if (!ix[i].ok || index_has_loops(&ix[i])) {
				diag_error(s->diag, a->loc,
				           "index %d of '%s' must be a fixed point such as '%s - 1': loop '%s' is not an index of output '%s'",
				           i + 1, e->name, expr_str(s, l->bound), l->name, s->eqn->name);
				ok = false;
				continue;
			}
			Affine hi = aff_sub(aff_of_expr(l->bound, s->k), aff_const(1));
			if (aff_nonneg(ix[i].p) == 0 || aff_nonneg(aff_sub(hi, ix[i].p)) == 0) {
				diag_error(s->diag, a->loc, "index %s of '%s' lies outside the domain: loop '%s' runs from 0 to %s",
				           expr_str(s, a), e->name, l->name, aff_str(s, hi));
				ok = false;
			}
			continue;
		}
		bool var_here = ix[i].ok && ix[i].lv[i] == 1 && aff_is_const(ix[i].p);
		for (int j = 0; j < s->nloops; j++)
			if (j != i && ix[i].lv[j])
				var_here = false;
		if (!var_here) {
			diag_error(s->diag, a->loc,
			           "index %d of '%s' must be '%s' plus or minus a constant (recurrences are uniform): found '%s'",
			           i + 1, e->name, l->name, expr_str(s, a));
			ok = false;
			continue;
		}
		off[i] = ix[i].p.c0;
	}
	if (!ok)
		return;
	if (s->eqn->kind == EQ_OUT) {
		/* an output element reads its recurrence at its own indices */
		i = 0;
		for (Expr *a = e->args; a; a = a->next, i++)
			if (s->bound[i] && off[i] != 0) {
				diag_error(s->diag, a->loc, "output '%s' must read '%s' at its own index '%s', not '%s'",
				           s->eqn->name, e->name, s->loops[i]->name, expr_str(s, a));
				return;
			}
		return;
	}
	/* offsets must point to earlier points in the loop order */
	int first = -1;
	for (int j = 0; j < s->nloops; j++)
		if (off[j]) {
			first = j;
			break;
		}
	if (first >= 0 && off[first] > 0) {
		Buf b = {0};
		buf_printf(&b, "(");
		for (int j = 0; j < s->nloops; j++)
			buf_printf(&b, "%s%s%lld", j ? ", " : "", off[j] > 0 ? "+" : "", (long long)off[j]);
		buf_printf(&b, ")");
		Buf order = {0};
		for (int j = 0; j < s->nloops; j++)
			buf_printf(&order, "%s%s", j ? ", " : "", s->loops[j]->name);
		diag_error(s->diag, e->loc,
		           "recurrence '%s' is referenced at offset %s: offsets must point to earlier points (in the loop order %s)",
		           e->name, b.data, order.data);
		buf_free(&b);
		buf_free(&order);
		return;
	}
	if (first < 0 && def == s->eqn) {
		diag_error(s->diag, e->loc, "recurrence '%s' refers to itself at the same point", e->name);
		return;
	}
	/* the read must stay inside the domain where this point is evaluated */
	for (i = 0; i < s->nloops; i++) {
		Loop *l = s->loops[i];
		Affine lo = aff_add(f->lo[i], ix[i].p), hi = aff_add(f->hi[i], ix[i].p);
		Affine top = aff_sub(aff_of_expr(l->bound, s->k), aff_const(1));
		if (off[i] < 0 && aff_nonneg(lo) != 1)
			diag_error(s->diag, e->loc,
			           "'%s' reads outside the domain when %s < %llu; guard it, e.g. '%s < %llu ? ... : %s'",
			           expr_str(s, e), l->name, 0 - (unsigned long long)off[i], l->name,
			           0 - (unsigned long long)off[i], expr_str(s, e));
		else if (off[i] > 0 && aff_nonneg(aff_sub(top, hi)) != 1)
			diag_error(s->diag, e->loc,
			           "'%s' reads outside the domain when %s > %s - %llu; guard it with a condition on %s",
			           expr_str(s, e), l->name, expr_str(s, l->bound), (unsigned long long)off[i] + 1, l->name);
	}
}

/* A tensor element a[...]: an input, with every index inside its extent. */
static void check_tensor_ref(Sema *s, Expr *e, const Facts *f)
{
	Tensor *t = e->sym->tensor;
	e->type = t->type;
	if (!s->report)
		return;
	t->used = true;
	if (t->dir == TENSOR_OUT) {
		diag_error(s->diag, e->loc, "output tensor '%s' cannot be read; refer to the recurrence that computes it",
		           t->name);
		return;
	}
	if (e->nargs != t->rank) {
		diag_error(s->diag, e->loc, "'%s' has %d dimension%s but is indexed with %d", t->name, t->rank,
		           t->rank == 1 ? "" : "s", e->nargs);
		return;
	}
	int d = 0;
	Expr *ext = t->dims;
	for (Expr *a = e->args; a; a = a->next, ext = ext->next, d++) {
		Index ix = index_of(s, a);
		if (!ix.ok) {
			diag_error(s->diag, a->loc,
			           "index '%s' of '%s' must be an affine expression of loop variables and sizes",
			           expr_str(s, a), t->name);
			continue;
		}
		if (s->eqn->kind == EQ_OUT)
			for (int i = 0; i < s->nloops; i++)
				if (ix.lv[i] && !s->bound[i]) {
					diag_error(s->diag, a->loc, "loop '%s' is not an index of output '%s'", s->loops[i]->name,
					           s->eqn->name);
					return;
				}
		Affine min, max, top = aff_sub(aff_of_expr(ext, s->k), aff_const(1));
		index_range(s, &ix, f, &min, &max);
		if (aff_nonneg(min) == 0)
			diag_error(s->diag, a->loc, "index '%s' of '%s' can be negative (as low as %s)", expr_str(s, a),
			           t->name, aff_str(s, min));
		else if (aff_nonneg(aff_sub(top, max)) == 0)
			diag_error(s->diag, a->loc,
			           "index '%s' of '%s' can reach %s, past the last index %s of dimension %d", expr_str(s, a),
			           t->name, aff_str(s, max), aff_str(s, top), d + 1);
	}
}

static void check_expr(Sema *s, Expr *e, const Facts *f)
{
	switch (e->kind) {
	case EX_INT:
		e->type = TY_INDEX;
		return;
	case EX_FLOAT:
		e->type = TY_F32;
		return;
	case EX_NAME: {
		Sym *sym = lookup(s, e->name);
		e->sym = sym;
		e->type = TY_INDEX;
		if (!sym) {
			if (s->report)
				undeclared(s, e->loc, e->name, "name");
			e->type = TY_NONE;
		} else if (sym->kind == SYM_LOOP) {
			if (s->eqn->kind == EQ_OUT && !s->bound[sym->index] && s->report && !s->in_args)
				diag_error(s->diag, e->loc, "loop '%s' is not an index of output '%s'", e->name, s->eqn->name);
		} else if (sym->kind != SYM_PARAM) {
			if (s->report)
				diag_error(s->diag, e->loc, "%s '%s' needs %s", sym_what(sym->kind), e->name,
				           sym->kind == SYM_TENSOR ? "indices: write it as name[i]..." : "its indices: write it as name(i, ...)");
			e->type = TY_NONE;
		}
		return;
	}
	case EX_UNARY:
		check_expr(s, e->a, f);
		if (e->op == OP_NOT) {
			want_cond(s, e->a, "the operand of '!'");
			e->type = TY_BOOL;
		} else {
			want_value(s, e->a, "the operand of '-'");
			e->type = e->a->type == TY_INDEX ? TY_INDEX : join(e->a->type, TY_NONE);
		}
		return;
	case EX_BINARY:
		check_expr(s, e->a, f);
		check_expr(s, e->b, f);
		switch (e->op) {
		case OP_AND:
		case OP_OR:
			want_cond(s, e->a, "each operand of '&&' and '||'");
			want_cond(s, e->b, "each operand of '&&' and '||'");
			e->type = TY_BOOL;
			return;
		case OP_EQ:
		case OP_NE:
		case OP_LT:
		case OP_LE:
		case OP_GT:
		case OP_GE:
			want_value(s, e->a, "a compared operand");
			want_value(s, e->b, "a compared operand");
			e->type = TY_BOOL;
			return;
		default:
			want_value(s, e->a, "an arithmetic operand");
			want_value(s, e->b, "an arithmetic operand");
			e->type = e->a->type == TY_INDEX && e->b->type == TY_INDEX ? TY_INDEX : join(e->a->type, e->b->type);
			return;
		}
	case EX_COND: {
		check_expr(s, e->a, f);
		want_cond(s, e->a, "the condition of '?:'");
		Facts ft = *f, ff = *f;
		learn(s, &ft, e->a, true);
		learn(s, &ff, e->a, false);
		check_expr(s, e->b, &ft);
		check_expr(s, e->c, &ff);
		want_value(s, e->b, "each branch of '?:'");
		want_value(s, e->c, "each branch of '?:'");
		Type a = e->b->type, b = e->c->type;
		if (a == b || b == TY_NONE || b == TY_INDEX)
			e->type = a == TY_INDEX && b != TY_INDEX ? b : a;
		else if (a == TY_NONE || a == TY_INDEX)
			e->type = b;
		else
			e->type = join(a, b);
		return;
	}
	case EX_CALL: {
		int arity;
		Sym *sym = lookup(s, e->name);
		e->sym = sym;
		bool indices = sym && sym->kind == SYM_REC;
		s->in_args += indices;
		for (Expr *a = e->args; a; a = a->next)
			check_expr(s, a, f);
		s->in_args -= indices;
		if (!sym && is_builtin(e->name, &arity)) {
			if (e->nargs != arity) {
				if (s->report)
					diag_error(s->diag, e->loc, "'%s' takes %d argument%s, not %d", e->name, arity,
					           arity == 1 ? "" : "s", e->nargs);
				e->type = TY_NONE;
				return;
			}
			for (Expr *a = e->args; a; a = a->next)
				want_value(s, a, "an argument of a builtin");
			e->type = e->nargs == 2 ? join(e->args->type, e->args->next->type) : join(e->args->type, TY_NONE);
			return;
		}
		if (!sym) {
			if (s->report)
				undeclared(s, e->name_loc, e->name, "recurrence");
			return;
		}
		if (sym->kind == SYM_TENSOR) {
			if (s->report)
				diag_error(s->diag, e->loc, "'%s' is a tensor: index it with brackets, %s[...]", e->name, e->name);
			return;
		}
		if (sym->kind != SYM_REC) {
			if (s->report)
				diag_error(s->diag, e->loc, "%s '%s' is not a recurrence", sym_what(sym->kind), e->name);
			return;
		}
		check_rec_ref(s, e, f);
		return;
	}
	case EX_INDEX: {
		Sym *sym = lookup(s, e->name);
		e->sym = sym;
		s->in_args++;
		for (Expr *a = e->args; a; a = a->next) {
			check_expr(s, a, f);
			if (a->type != TY_INDEX && a->type != TY_NONE && s->report)
				diag_error(s->diag, a->loc, "a tensor index must be an integer expression of loop variables and sizes");
		}
		s->in_args--;
		if (!sym) {
			if (s->report)
				undeclared(s, e->name_loc, e->name, "tensor");
			return;
		}
		if (sym->kind != SYM_TENSOR) {
			if (s->report)
				diag_error(s->diag, e->loc, "%s '%s' is not a tensor%s", sym_what(sym->kind), e->name,
				           sym->kind == SYM_REC ? ": refer to a recurrence with parentheses, name(i, ...)" : "");
			return;
		}
		check_tensor_ref(s, e, f);
		return;
	}
	}
}

/* ---- kernel parts ---- */

static void check_extent(Sema *s, Expr *e, const char *what)
{
	for (Expr *x = e; x; x = x->next) {
		if (x->kind == EX_NAME || x->kind == EX_BINARY || x->kind == EX_UNARY || x->kind == EX_INT) {
			Affine a = aff_of_expr(x, s->k);
			if (!a.ok) {
				diag_error(s->diag, x->loc, "%s must be an integer expression of the size parameters", what);
				continue;
			}
			if (aff_nonneg(aff_sub(a, aff_const(1))) == 0)
				diag_error(s->diag, x->loc, "%s '%s' can be less than 1", what, expr_str(s, x));
		} else {
			diag_error(s->diag, x->loc, "%s must be an integer expression of the size parameters", what);
		}
		if (x->kind == EX_NAME) {
			Sym *sym = lookup(s, x->name);
			if (!sym)
				undeclared(s, x->loc, x->name, "size parameter");
			else if (sym->kind != SYM_PARAM)
				diag_error(s->diag, x->loc, "%s '%s' cannot be used as a size", sym_what(sym->kind), x->name);
		}
		if (what[0] == 'l') /* a loop bound: one expression, not a list */
			break;
	}
}

static void check_tensor(Sema *s, Tensor *t)
{
	check_extent(s, t->dims, "a tensor extent");
	t->block_axis = -1;
	if (type_is_mx(t->type)) {
		if (t->rank == 0)
			diag_error(s->diag, t->type_loc, "an MX tensor needs at least one dimension to block");
		t->block_axis = t->rank - 1;
	}
	if (t->type == TY_I16)
		t->add_shift = 0;
	for (Attr *a = t->attrs; a; a = a->next) {
		for (Attr *b = t->attrs; b != a; b = b->next)
			if (strcmp(a->key, b->key) == 0) {
				diag_error(s->diag, a->loc, "attribute '%s' is given twice", a->key);
				diag_note(s->diag, b->loc, "first given here");
			}
		int64_t v = 0;
		if (strcmp(a->key, "block_axis") == 0 && type_is_mx(t->type)) {
			if (!a->value || !const_int(a->value, &v) || v < 0 || v >= t->rank)
				diag_error(s->diag, a->loc, "block_axis must be a dimension of '%s', from 0 to %d", t->name,
				           t->rank - 1);
			else
				t->block_axis = (int)v;
		} else if (strcmp(a->key, "scale_rule") == 0 && type_is_mx(t->type)) {
			const char *r = a->value && a->value->kind == EX_NAME ? a->value->name : "";
			if (strcmp(r, "ocp") == 0)
				t->scale_ceil = false;
			else if (strcmp(r, "round_up") == 0 || strcmp(r, "ceil") == 0)
				t->scale_ceil = true;
			else
				diag_error(s->diag, a->loc, "scale_rule must be 'ocp' (the default) or 'round_up' (also written 'ceil')");
		} else if (strcmp(a->key, "add_shift") == 0 && t->type == TY_I16) {
			if (!a->value || !const_int(a->value, &v) || v < 0 || v > 14)
				diag_error(s->diag, a->loc, "add_shift must be an integer from 0 to 14");
			else
				t->add_shift = (int)v;
		} else {
			const char *valid = type_is_mx(t->type) ? "block_axis, scale_rule"
			                    : t->type == TY_I16 ? "add_shift"
			                                        : NULL;
			if (valid)
				diag_error(s->diag, a->loc, "unknown attribute '%s' for a tensor of type %s (valid: %s)", a->key,
				           type_name(t->type), valid);
			else
				diag_error(s->diag, a->loc, "a tensor of type %s takes no attributes", type_name(t->type));
		}
	}
}

/* The left side of an output equation: c[i][j] with distinct loop variables matching
 * the extents of c. */
static void check_output_lhs(Sema *s, Eqn *e)
{
	Sym *sym = lookup(s, e->name);
	memset(s->bound, 0, sizeof s->bound);
	if (!sym) {
		undeclared(s, e->name_loc, e->name, "tensor");
		return;
	}
	if (sym->kind != SYM_TENSOR) {
		diag_error(s->diag, e->name_loc, "%s '%s' is not a tensor; recurrences are written as %s(%s)",
		           sym_what(sym->kind), e->name, e->name, s->nloops ? s->loops[0]->name : "");
		return;
	}
	Tensor *t = sym->tensor;
	if (t->dir == TENSOR_IN) {
		diag_error(s->diag, e->name_loc, "cannot assign to input tensor '%s'", e->name);
		diag_note(s->diag, t->loc, "'%s' is declared 'in' here", e->name);
		return;
	}
	if (e->nlhs != t->rank) {
		diag_error(s->diag, e->loc, "'%s' has %d dimension%s but is indexed with %d", t->name, t->rank,
		           t->rank == 1 ? "" : "s", e->nlhs);
		return;
	}
	e->tensor = t;
	Expr *ext = t->dims;
	for (Expr *x = e->lhs; x; x = x->next, ext = ext->next) {
		Sym *v = x->kind == EX_NAME ? lookup(s, x->name) : NULL;
		if (!v || v->kind != SYM_LOOP) {
			diag_error(s->diag, x->loc, "each index of output '%s' must be a loop variable", t->name);
			continue;
		}
		x->sym = v;
		x->type = TY_INDEX;
		if (s->bound[v->index]) {
			diag_error(s->diag, x->loc, "loop '%s' indexes output '%s' twice", x->name, t->name);
			continue;
		}
		s->bound[v->index] = true;
		Affine want = aff_of_expr(s->loops[v->index]->bound, s->k), have = aff_of_expr(ext, s->k);
		if (want.ok && have.ok && !aff_eq(want, have)) {
			diag_error(s->diag, x->loc, "loop '%s' runs to %s but this dimension of '%s' has extent %s", x->name,
			           aff_str(s, want), t->name, aff_str(s, have));
			diag_note(s->diag, ext->loc, "the extent is declared here");
		}
	}
}

static void check_rec_lhs(Sema *s, Eqn *e)
{
	if (e->nlhs != s->nloops) {
		Buf b = {0};
		for (int j = 0; j < s->nloops; j++)
			buf_printf(&b, "%s%s", j ? ", " : "", s->loops[j]->name);
		diag_error(s->diag, e->loc, "recurrence '%s' is defined over the whole domain: write %s(%s)", e->name,
		           e->name, b.data);
		buf_free(&b);
		return;
	}
	int i = 0;
	for (Expr *x = e->lhs; x; x = x->next, i++) {
		if (x->kind != EX_NAME || strcmp(x->name, s->loops[i]->name) != 0) {
			Buf b = {0};
			for (int j = 0; j < s->nloops; j++)
				buf_printf(&b, "%s%s", j ? ", " : "", s->loops[j]->name);
			diag_error(s->diag, x->loc, "the left side of a recurrence lists the loop variables in order: %s(%s)",
			           e->name, b.data);
			buf_free(&b);
			return;
		}
		x->sym = lookup(s, x->name);
		x->type = TY_INDEX;
	}
}

/* Recurrences that read each other at the same point must not form a cycle. */
static bool same_point_refs(Sema *s, Expr *e, Eqn *target, int depth);

/* Searches each recurrence once per target: the paths through it were all tried the
 * first time (trying them again made the search exponential in the number of recurrences). */
static bool reads_at_zero(Sema *s, Eqn *from, Eqn *to, int depth)
{
	for (int i = 0; i < s->nseen; i++)
		if (s->seen[i] == from)
			return false;
	if (s->nseen < MAXSYMS)
		s->seen[s->nseen++] = from;
	return same_point_refs(s, from->rhs, to, depth);
}

static bool same_point_refs(Sema *s, Expr *e, Eqn *target, int depth)
{
	if (!e || depth > s->nsyms)
		return false;
	if (e->kind == EX_CALL && e->sym && e->sym->kind == SYM_REC) {
		bool zero = true;
		for (Expr *a = e->args; a; a = a->next) {
			Index ix = index_of(s, a);
			if (!ix.ok || !aff_is_const(ix.p) || ix.p.c0 != 0)
				zero = false;
		}
		/* a direct reference to itself is reported by check_rec_ref */
		if (zero && !(depth == 0 && e->sym->eqn == target)) {
			if (e->sym->eqn == target)
				return true;
			if (reads_at_zero(s, e->sym->eqn, target, depth + 1))
				return true;
		}
	}
	for (Expr *a = e->args; a; a = a->next)
		if (same_point_refs(s, a, target, depth))
			return true;
	return same_point_refs(s, e->a, target, depth) || same_point_refs(s, e->b, target, depth) ||
	       same_point_refs(s, e->c, target, depth);
}

static void check_kernel(Sema *s, Kernel *k)
{
	s->k = k;
	s->nsyms = 0;
	s->nloops = 0;
	if (k->nparams > AFF_MAXP)
		diag_error(s->diag, k->name_loc, "a kernel has at most %d size parameters", AFF_MAXP);
	int i = 0;
	for (Ident *p = k->params; p; p = p->next, i++) {
		Sym *sym = declare(s, SYM_PARAM, p->name, p->loc);
		if (sym)
			sym->index = i;
	}
	for (Tensor *t = k->tensors; t; t = t->next) {
		Sym *sym = declare(s, SYM_TENSOR, t->name, t->loc);
		if (sym)
			sym->tensor = t;
		check_tensor(s, t);
	}
	for (Loop *l = k->loops; l; l = l->next) {
		if (s->nloops == MAXLOOPS) {
			diag_error(s->diag, l->loc, "a domain has at most %d loops", MAXLOOPS);
			break;
		}
		Sym *sym = declare(s, SYM_LOOP, l->name, l->loc);
		if (sym)
			sym->index = s->nloops;
		s->loops[s->nloops++] = l;
		check_extent(s, l->bound, "loop bound");
	}
	if (!k->has_domain && k->eqns) {
		diag_error(s->diag, k->name_loc, "kernel '%s' has no iteration domain; declare one: for i < N, ...;", k->name);
		return;
	}
	for (Eqn *e = k->eqns; e; e = e->next) {
		if (e->kind != EQ_REC)
			continue;
		Sym *sym = declare(s, SYM_REC, e->name, e->name_loc);
		if (sym)
			sym->eqn = e;
		check_rec_lhs(s, e);
	}
	/* Types of recurrences without a declared type come from their right sides;
	 * pass-through recurrences refer to themselves, so iterate to a fixed point. */
	s->report = false;
	for (int pass = 0; pass < s->nsyms + 1; pass++) {
		s->changed = false;
		for (Eqn *e = k->eqns; e; e = e->next) {
			if (e->kind != EQ_REC || e->decl_type || !lookup(s, e->name) || lookup(s, e->name)->eqn != e)
				continue;
			Facts f;
			facts_init(s, &f);
			s->eqn = e;
			check_expr(s, e->rhs, &f);
			Type t = e->rhs->type == TY_INDEX ? TY_I32 : e->rhs->type;
			if (t != e->type && t != TY_NONE && t != TY_BOOL) {
				e->type = t;
				s->changed = true;
			}
		}
		if (!s->changed)
			break;
	}
	s->report = true;
	/* the checks proper */
	for (Eqn *e = k->eqns; e; e = e->next) {
		s->eqn = e;
		if (e->kind == EQ_OUT) {
			check_output_lhs(s, e);
			if (!e->tensor)
				continue;
			for (Eqn *o = k->eqns; o != e; o = o->next)
				if (o->kind == EQ_OUT && o->tensor == e->tensor) {
					diag_error(s->diag, e->name_loc, "output '%s' is assigned twice", e->name);
					diag_note(s->diag, o->name_loc, "first assigned here");
					break;
				}
		} else {
			Sym *sym = lookup(s, e->name);
			if (!sym || sym->eqn != e)
				continue;
		}
		Facts f;
		facts_init(s, &f);
		check_expr(s, e->rhs, &f);
		want_value(s, e->rhs, "the right side of an equation");
		if (e->kind == EQ_REC) {
			if (!e->decl_type && e->type == TY_NONE && e->rhs->type != TY_BOOL)
				diag_error(s->diag, e->name_loc, "cannot infer the type of recurrence '%s'; declare it: %s(...) : f32 = ...",
				           e->name, e->name);
			if (e->decl_type)
				e->type = e->decl_type;
			s->nseen = 0;
			if (same_point_refs(s, e->rhs, e, 0))
				diag_error(s->diag, e->name_loc, "recurrence '%s' depends on itself at the same point through other recurrences",
				           e->name);
		} else {
			e->type = e->tensor ? e->tensor->type : TY_NONE;
		}
	}
	for (Tensor *t = k->tensors; t; t = t->next) {
		if (t->dir == TENSOR_IN && !t->used)
			diag_warn(s->diag, t->loc, "input '%s' is never read", t->name);
		if (t->dir == TENSOR_OUT) {
			bool written = false;
			for (Eqn *e = k->eqns; e; e = e->next)
				written |= e->tensor == t;
			if (!written)
				diag_error(s->diag, t->loc, "output '%s' is never assigned; add an equation such as %s[...] = ...;",
				           t->name, t->name);
		}
	}
}

/* ---- mappings ---- */

enum { MAXMLOOPS = 32 };

/* The loops of a mapping as tiling reshapes them. */
typedef struct {
	const char *name[MAXMLOOPS];
	SrcLoc loc[MAXMLOOPS];
	bool in_st[MAXMLOOPS]; /* consumed by the space-time transform */
	int n;
	const char *dim[MAXMLOOPS]; /* space dims, then time dims */
	SrcLoc dim_loc[MAXMLOOPS];
	int nspace, ndims;
	bool dim_used[MAXMLOOPS];
	const Clause *st;
	bool st_ok; /* the transform checked out, so its dimension names are known */
} MapState;

static int find_name(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static bool name_free(Sema *s, MapState *m, const char *name, SrcLoc loc)
{
	if (find_name(m->name, m->n, name) >= 0 || find_name(m->dim, m->ndims, name) >= 0) {
		diag_error(s->diag, loc, "'%s' already names a loop or dimension of this mapping", name);
		return false;
	}
	Sym *sym = lookup(s, name);
	if (sym && sym->kind != SYM_LOOP) {
		diag_error(s->diag, loc, "'%s' already names a %s of kernel '%s'", name, sym_what(sym->kind), s->k->name);
		diag_note(s->diag, sym->loc, "declared here");
		return false;
	}
	return true;
}

static void no_such_loop(Sema *s, MapState *m, const char *name, SrcLoc loc)
{
	Buf b = {0};
	for (int i = 0; i < m->n; i++)
		if (m->name[i])
			buf_printf(&b, "%s%s", b.len ? ", " : "", m->name[i]);
	diag_error(s->diag, loc, "'%s' is not a loop of this mapping (loops: %s)", name, b.len ? b.data : "none");
	buf_free(&b);
}

static void map_tile(Sema *s, MapState *m, const Clause *c)
{
	for (Tiling *t = c->tiles; t; t = t->next) {
		int i = find_name(m->name, m->n, t->loop.name);
		if (i < 0) {
			no_such_loop(s, m, t->loop.name, t->loop.loc);
			continue;
		}
		int64_t size;
		if (!const_int(t->size, &size) || size < 2)
			diag_error(s->diag, t->size->loc, "a tile size must be an integer constant of at least 2");
		else if (size > (1 << 20))
			diag_error(s->diag, t->size->loc, "tile size %lld is too large", (long long)size);
		const char *outer, *inner;
		SrcLoc oloc = t->loop.loc, iloc = t->loop.loc;
		int nn = 0;
		for (Ident *id = t->names; id; id = id->next)
			nn++;
		if (t->names && nn != 2) {
			diag_error(s->diag, t->names->loc, "tiling makes two loops: name them as (outer, inner)");
			continue;
		}
		if (t->names) {
			outer = t->names->name;
			inner = t->names->next->name;
			oloc = t->names->loc;
			iloc = t->names->next->loc;
		} else {
			outer = arena_printf(s->arena, "%so", t->loop.name);
			inner = arena_printf(s->arena, "%si", t->loop.name);
		}
		const char *old = m->name[i];
		m->name[i] = NULL; /* the tiled loop gives way to its two parts */
		bool ok = name_free(s, m, outer, oloc) && name_free(s, m, inner, iloc);
		if (strcmp(outer, inner) == 0) {
			diag_error(s->diag, iloc, "the outer and inner loops of a tiling need different names");
			ok = false;
		}
		if (!ok || m->n + 1 >= MAXMLOOPS) {
			m->name[i] = old;
			continue;
		}
		/* outer loop takes the place, the inner one goes right after it */
		for (int j = m->n; j > i + 1; j--) {
			m->name[j] = m->name[j - 1];
			m->loc[j] = m->loc[j - 1];
		}
		m->name[i] = outer;
		m->loc[i] = oloc;
		m->name[i + 1] = inner;
		m->loc[i + 1] = iloc;
		m->n++;
	}
}

static bool row_ints(Sema *s, const Row *r, int n, int64_t *out, const char *what)
{
	if (r->n != n) {
		diag_error(s->diag, r->loc, "%s has %d entr%s but the transform covers %d loops", what, r->n,
		           r->n == 1 ? "y" : "ies", n);
		return false;
	}
	int i = 0;
	for (Expr *e = r->elems; e; e = e->next, i++)
		if (!const_int(e, &out[i])) {
			diag_error(s->diag, e->loc, "entries of %s must be integer constants", what);
			return false;
		} else if (out[i] < -(1 << 20) || out[i] > 1 << 20) {
			/* later stages multiply entries by sizes and by each other */
			diag_error(s->diag, e->loc, "entry %lld of %s is too large (the limit is 2^20 either way)",
			           (long long)out[i], what);
			return false;
		}
	return true;
}

/* The name a space row gets by default: the loop it selects when it is a unit vector. */
static const char *unit_row_name(MapState *m, const int *loops, const int64_t *row, int n)
{
	int at = -1;
	for (int i = 0; i < n; i++) {
		if (row[i] == 0)
			continue;
		if (row[i] != 1 || at >= 0)
			return NULL;
		at = i;
	}
	return at >= 0 ? m->name[loops[at]] : NULL;
}

static void map_spacetime(Sema *s, MapState *m, const Clause *c)
{
	if (m->st) {
		diag_error(s->diag, c->loc, "a mapping has one space-time transform");
		diag_note(s->diag, m->st->loc, "the first one is here");
		return;
	}
	m->st = c;
	int loops[MAXMLOOPS], n = 0;
	bool ok = true;
	for (Ident *id = c->names; id; id = id->next) {
		int i = find_name(m->name, m->n, id->name);
		if (i < 0) {
			no_such_loop(s, m, id->name, id->loc);
			ok = false;
			continue;
		}
		if (m->in_st[i]) {
			diag_error(s->diag, id->loc, "loop '%s' is listed twice", id->name);
			ok = false;
			continue;
		}
		m->in_st[i] = true;
		loops[n++] = i;
	}
	if (!ok)
		return;
	if (n < 2) {
		diag_error(s->diag, c->loc, "a space-time transform needs at least two loops: time and one or more space dimensions");
		return;
	}
	int64_t rows[MAXMLOOPS][MAXMLOOPS];
	int nspace = 0, ntime = 0;
	const char *names[MAXMLOOPS] = {0};
	if (c->project) {
		int64_t u[MAXMLOOPS], lam[MAXMLOOPS];
		if (!row_ints(s, c->project, n, u, "the projection vector") ||
		    !row_ints(s, c->schedule, n, lam, "the schedule vector"))
			return;
		int nz = 0, at = -1;
		for (int i = 0; i < n; i++)
			if (u[i]) {
				nz++;
				at = i;
			}
		if (nz == 0) {
			diag_error(s->diag, c->project->loc, "the projection vector cannot be zero");
			return;
		}
		nspace = n - 1;
		ntime = 1;
		(void)at;
		/* the space rows spacetime.c derives; unit rows are named after their loop */
		int64_t S[URE_MAXL][URE_MAXL];
		if (n <= URE_MAXL && st_space_from_projection(n, u, S))
			for (int i = 0; i < nspace; i++)
				names[i] = unit_row_name(m, loops, S[i], n);
	} else {
		for (Row *r = c->space; r; r = r->next, nspace++)
			if (nspace < MAXMLOOPS && !row_ints(s, r, n, rows[nspace], "a space row"))
				return;
		for (Row *r = c->time; r; r = r->next, ntime++)
			if (nspace + ntime < MAXMLOOPS && !row_ints(s, r, n, rows[nspace + ntime], "a time row"))
				return;
		if (nspace + ntime != n) {
			diag_error(s->diag, c->loc,
			           "the transform over %d loops needs %d rows in all (space rows, then time rows), not %d", n, n,
			           nspace + ntime);
			return;
		}
		if (ntime == 0 || nspace == 0) {
			diag_error(s->diag, c->loc, "a transform needs at least one space row and one time row");
			return;
		}
		for (int i = 0; i < nspace; i++)
			names[i] = unit_row_name(m, loops, rows[i], n);
	}
	/* names of the new dimensions: written, else defaulted */
	int nd = 0;
	for (Ident *id = c->dim_names; id; id = id->next)
		nd++;
	if (c->dim_names && nd != n) {
		diag_error(s->diag, c->dim_names->loc, "the transform makes %d dimensions (%d space, %d time), so it needs %d names",
		           n, nspace, ntime, n);
		return;
	}
	m->nspace = nspace;
	m->ndims = 0;
	Ident *id = c->dim_names;
	for (int i = 0; i < n; i++, id = id ? id->next : NULL) {
		const char *name;
		SrcLoc loc = c->loc;
		if (id) {
			name = id->name;
			loc = id->loc;
		} else if (i < nspace) {
			name = names[i] ? names[i] : arena_printf(s->arena, "s%d", i);
		} else {
			name = ntime == 1 ? "t" : arena_printf(s->arena, "t%d", i - nspace);
		}
		if (find_name(m->dim, m->ndims, name) >= 0) {
			diag_error(s->diag, loc, "dimension name '%s' is used twice", name);
			return;
		}
		if (id) {
			Sym *sym = lookup(s, name);
			int other = find_name(m->name, m->n, name);
			if (other >= 0 && !m->in_st[other]) {
				diag_error(s->diag, loc, "'%s' already names a loop outside the transform", name);
				return;
			}
			if (sym && sym->kind != SYM_LOOP) {
				diag_error(s->diag, loc, "'%s' already names a %s of kernel '%s'", name, sym_what(sym->kind), s->k->name);
				return;
			}
		}
		m->dim[m->ndims] = name;
		m->dim_loc[m->ndims++] = loc;
	}
	m->st_ok = true;
}

static void map_dims(Sema *s, MapState *m, const Clause *c)
{
	const char *what = c->kind == CL_LANES ? "lanes" : "registers";
	if (!m->st) {
		diag_error(s->diag, c->loc, "'%s' needs a 'spacetime' clause before it to define the space dimensions", what);
		return;
	}
	if (!m->st_ok)
		return;
	for (Ident *id = c->names; id; id = id->next) {
		int d = find_name(m->dim, m->nspace, id->name);
		if (d < 0) {
			Buf b = {0};
			for (int i = 0; i < m->nspace; i++)
				buf_printf(&b, "%s%s", i ? ", " : "", m->dim[i]);
			if (find_name(m->dim, m->ndims, id->name) >= 0)
				diag_error(s->diag, id->loc, "'%s' is the time dimension; only space dimensions (%s) go on %s",
				           id->name, b.data, what);
			else
				diag_error(s->diag, id->loc, "'%s' is not a space dimension of this mapping (space dimensions: %s)",
				           id->name, b.data);
			buf_free(&b);
			continue;
		}
		if (m->dim_used[d]) {
			diag_error(s->diag, id->loc, "space dimension '%s' is already assigned to lanes or registers", id->name);
			continue;
		}
		m->dim_used[d] = true;
	}
}

/* `parallel` and `step`: loops around the array. */
static void map_outer(Sema *s, MapState *m, const Clause *c)
{
	const char *what = c->kind == CL_PARALLEL ? "parallel" : "step";
	for (Ident *id = c->names; id; id = id->next) {
		int i = find_name(m->name, m->n, id->name);
		if (i < 0) {
			if (find_name(m->dim, m->ndims, id->name) >= 0)
				diag_error(s->diag, id->loc,
				           "'%s' is a dimension of the space-time transform; '%s' takes loops outside it", id->name,
				           what);
			else
				no_such_loop(s, m, id->name, id->loc);
			continue;
		}
		if (m->in_st[i])
			diag_error(s->diag, id->loc, "loop '%s' belongs to the space-time transform; '%s' takes loops outside it",
			           id->name, what);
	}
}

static void check_mapping(Sema *s, Mapping *mp)
{
	Kernel *k = NULL;
	for (Kernel *x = s->prog->kernels; x; x = x->next)
		if (strcmp(x->name, mp->kernel_name) == 0)
			k = x;
	if (!k) {
		const char *best = NULL;
		for (Kernel *x = s->prog->kernels; x; x = x->next)
			if (edit_distance(x->name, mp->kernel_name) <= 2)
				best = x->name;
		if (best)
			diag_error(s->diag, mp->kernel_loc, "no kernel named '%s'; did you mean '%s'?", mp->kernel_name, best);
		else
			diag_error(s->diag, mp->kernel_loc, "no kernel named '%s'", mp->kernel_name);
		return;
	}
	mp->kernel = k;
	for (Mapping *o = s->prog->mappings; o != mp; o = o->next)
		if (o->kernel == k && strcmp(o->name, mp->name) == 0) {
			diag_error(s->diag, mp->name_loc, "kernel '%s' already has a mapping named '%s'", k->name, mp->name);
			diag_note(s->diag, o->name_loc, "previous definition is here");
		}
	/* names of the kernel, for clashes with new loop names */
	s->k = k;
	s->nsyms = 0;
	for (Ident *p = k->params; p; p = p->next)
		if (!lookup(s, p->name))
			declare(s, SYM_PARAM, p->name, p->loc);
	for (Tensor *t = k->tensors; t; t = t->next)
		if (!lookup(s, t->name))
			declare(s, SYM_TENSOR, t->name, t->loc);
	for (Eqn *e = k->eqns; e; e = e->next)
		if (e->kind == EQ_REC && !lookup(s, e->name))
			declare(s, SYM_REC, e->name, e->name_loc);

	MapState m;
	memset(&m, 0, sizeof m);
	for (Loop *l = k->loops; l && m.n < MAXMLOOPS; l = l->next) {
		m.name[m.n] = l->name;
		m.loc[m.n++] = l->loc;
	}
	bool seen_links = false, seen_step = false;
	for (Clause *c = mp->clauses; c; c = c->next) {
		switch (c->kind) {
		case CL_TILE:
			if (m.st)
				diag_error(s->diag, c->loc, "tile before the 'spacetime' clause: it reshapes the loops the transform uses");
			else
				map_tile(s, &m, c);
			break;
		case CL_SPACETIME:
			map_spacetime(s, &m, c);
			break;
		case CL_LANES:
		case CL_REGISTERS:
			map_dims(s, &m, c);
			break;
		case CL_PARALLEL:
			map_outer(s, &m, c);
			break;
		case CL_STEP:
			if (seen_step)
				diag_error(s->diag, c->loc, "'step' is given twice");
			seen_step = true;
			map_outer(s, &m, c);
			break;
		case CL_LINKS: {
			int64_t v;
			if (seen_links)
				diag_error(s->diag, c->loc, "'links' is given twice");
			seen_links = true;
			if (!const_int(c->value, &v) || v < 1)
				diag_error(s->diag, c->value->loc, "the longest link must be an integer constant of at least 1");
			break;
		}
		}
	}
	if (!m.st)
		diag_error(s->diag, mp->name_loc, "mapping '%s' has no space-time transform; add a 'spacetime' clause",
		           mp->name);
	else {
		bool lanes = false;
		for (Clause *c = mp->clauses; c; c = c->next)
			lanes |= c->kind == CL_LANES;
		int free_dim = 0;
		while (free_dim < m.nspace - 1 && m.dim_used[free_dim])
			free_dim++;
		if (!lanes && m.st_ok)
			diag_error(s->diag, mp->name_loc, "mapping '%s' puts no space dimension on SIMD lanes; add 'lanes %s;'",
			           mp->name, m.dim[free_dim]);
	}
}

bool sema_check(Arena *a, Diag *d, Program *p)
{
	Sema s;
	memset(&s, 0, sizeof s);
	s.arena = a;
	s.diag = d;
	s.prog = p;
	s.report = true;
	int before = d->nerrors;
	for (Kernel *k = p->kernels; k; k = k->next) {
		for (Kernel *o = p->kernels; o != k; o = o->next)
			if (strcmp(o->name, k->name) == 0) {
				diag_error(d, k->name_loc, "redefinition of kernel '%s'", k->name);
				diag_note(d, o->name_loc, "previous definition is here");
			}
		check_kernel(&s, k);
	}
	for (Mapping *m = p->mappings; m; m = m->next)
		check_mapping(&s, m);
	return d->nerrors == before;
}
