/*
 * interchange.c: sequential loops moved inside the time loop.
 *
 * requires: shuffle (links and spills).
 * provides: lp->inner: the loops around the array that now run inside each time
 *           step (for t, for the inner loops, every PE computes one point);
 *           LoopDep.carry for the spills along them that become registers;
 *           lp->carried and lp->pins: which variables keep a register across inner
 *           iterations, and at which points it takes a new value.
 *
 * A pass of the array per iteration of a sequential loop keeps nothing in registers
 * from one pass to the next: a value that flows along that loop goes through a spill
 * buffer (conv2d's partial sums along r and s). Running the innermost sequential
 * loops inside each time step instead computes the same points in the same PEs,
 * only in another order, and the value flows inside the PE.
 *
 * A variable's register then holds the last value it took at a point where its pins
 * hold: the conjuncts `l == e` of its equation's outermost guard on inner loops (Pr
 * is only meaningful at s == S-1, O at r == R-1 && s == S-1). A read of V at x - d
 * is that register when
 *   - d = one step of inner loop j (a former spill), the read's own guards imply
 *     every pin of V, j is not pinned, and every inner loop inside j is: no point
 *     of V with its pins lies between x - d and x;
 *   - d is a link in time (a delay of whole time steps): every inner loop is pinned
 *     and the read's guards imply the pins, so the value at the end of a step is the
 *     one the link carries.
 * The longest suffix of the sequential loops for which every dependence is one of
 * these (or stays a link or a spill of the outer loops) moves inside, when that
 * turns at least one spill into a register.
 *
 * A mapping's `step` clause names the inner loops itself; legality has then made
 * every value that stays in a pass the one its PE computed just before, which
 * shuffle made a carry: registers written at every point, no pins.
 */
#include "sysc.h"

#include <string.h>

/* A conjunct `loop == affine in the sizes`. */
typedef struct {
	int loop;
	Affine at;
	const Expr *e;
} Pin;

enum { MAXPINS = 16 };

/* field by field: the struct's padding after `ok` is not initialised */
static bool aff_equal(Affine x, Affine y)
{
	return x.ok && y.ok && x.c0 == y.c0 && memcmp(x.coef, y.coef, sizeof x.coef) == 0;
}

static void conjuncts(const Kernel *k, const Expr *c, Pin *out, int *n)
{
	if (c->kind == EX_BINARY && c->op == OP_AND) {
		conjuncts(k, c->a, out, n);
		conjuncts(k, c->b, out, n);
		return;
	}
	if (c->kind != EX_BINARY || c->op != OP_EQ || *n == MAXPINS)
		return;
	for (int side = 0; side < 2; side++) {
		const Expr *l = side ? c->b : c->a, *v = side ? c->a : c->b;
		if (l->kind != EX_NAME || !l->sym || l->sym->kind != SYM_LOOP)
			continue;
		Affine at = aff_of_expr(v, k);
		if (at.ok)
			out[(*n)++] = (Pin){l->sym->index, at, c};
	}
}

/* The conjuncts of the conditions whose then-branch holds `ref` inside e. */
static bool path(const Kernel *k, const Expr *e, const Expr *ref, Pin *out, int *n)
{
	if (!e)
		return false;
	if (e == ref)
		return true;
	if (e->kind == EX_COND) {
		int n0 = *n;
		conjuncts(k, e->a, out, n);
		if (path(k, e->b, ref, out, n))
			return true;
		*n = n0;
		return path(k, e->a, ref, out, n) || path(k, e->c, ref, out, n);
	}
	for (const Expr *a = e->args; a; a = a->next)
		if (path(k, a, ref, out, n))
			return true;
	return path(k, e->a, ref, out, n) || path(k, e->b, ref, out, n) || path(k, e->c, ref, out, n);
}

typedef struct {
	bool inner[URE_MAXL]; /* kernel loops */
	int order[URE_MAXL];  /* position among the inner loops, outermost 0 */
	Pin pins[64][MAXPINS];
	int npins[64];
} Plan;

static bool pinned(const Plan *p, int v, int loop)
{
	for (int i = 0; i < p->npins[v]; i++)
		if (p->pins[v][i].loop == loop)
			return true;
	return false;
}

/* Whether the read of ld's reference implies every pin of its variable. */
static bool implies_pins(const LoopProg *lp, const Plan *p, const LoopDep *ld)
{
	const Kernel *k = lp->u->k;
	Pin ctx[MAXPINS];
	int n = 0;
	if (!path(k, lp->u->vars[ld->reader].eqn->rhs, ld->dep->ref, ctx, &n))
		return false;
	for (int i = 0; i < p->npins[ld->var]; i++) {
		bool found = false;
		for (int c = 0; c < n && !found; c++)
			found = ctx[c].loop == p->pins[ld->var][i].loop && aff_equal(ctx[c].at, p->pins[ld->var][i].at);
		if (!found)
			return false;
	}
	return true;
}

/* Whether the loops of mapped loops first.. (the sequential ones) can run inside the
 * time loop; counts the spills that become registers. */
static bool plan(const LoopProg *lp, int first, Plan *p, int *carries)
{
	const Map *mp = lp->mp;
	const Ure *u = lp->u;
	memset(p, 0, sizeof *p);
	int ninner = 0;
	for (int l = first; l < mp->nloops; l++) {
		const MapLoop *ml = &mp->loops[l];
		if (ml->st >= 0)
			continue;
		if (ml->parallel || ml->span || ml->stride != 1)
			return false;
		for (int m = 0; m < mp->nloops; m++)
			if (m != l && mp->loops[m].orig == ml->orig)
				return false; /* a tiled loop: keep it around the array */
		p->inner[ml->orig] = true;
		p->order[ml->orig] = ninner++;
	}
	if (!ninner)
		return false;
	for (int v = 0; v < u->nvars; v++) {
		const Expr *rhs = u->vars[v].eqn->rhs;
		if (rhs->kind != EX_COND)
			continue;
		Pin all[MAXPINS];
		int n = 0;
		conjuncts(u->k, rhs->a, all, &n);
		for (int i = 0; i < n; i++)
			if (p->inner[all[i].loop] && !pinned(p, v, all[i].loop))
				p->pins[v][p->npins[v]++] = all[i];
	}
	*carries = 0;
	for (int i = 0; i < lp->ndeps; i++) {
		const LoopDep *ld = &lp->deps[i];
		if (ld->spill && p->inner[ld->fold]) {
			if (ld->link || pinned(p, ld->var, ld->fold) || !implies_pins(lp, p, ld))
				return false;
			for (int j = 0; j < u->nloops; j++)
				if (p->inner[j] && p->order[j] > p->order[ld->fold] && !pinned(p, ld->var, j))
					return false;
			(*carries)++;
		} else if (ld->link) {
			for (int j = 0; j < u->nloops; j++)
				if (p->inner[j] && !pinned(p, ld->var, j))
					return false;
			if (!implies_pins(lp, p, ld))
				return false;
		}
	}
	return *carries > 0;
}

bool loop_interchange(Arena *a, LoopProg *lp)
{
	(void)a;
	const Map *mp = lp->mp;
	const Ure *u = lp->u;
	if (mp->nstep) {
		for (int l = 0; l < mp->nloops; l++)
			if (mp->loops[l].step)
				lp->inner[lp->ninner++] = l;
		return true;
	}
	Plan p;
	int carries = 0;
	int first = 0;
	for (; first < mp->nloops; first++)
		if (mp->loops[first].st < 0 && !mp->loops[first].parallel && plan(lp, first, &p, &carries))
			break;
	if (first == mp->nloops)
		return true;
	for (int l = first; l < mp->nloops; l++)
		if (mp->loops[l].st < 0)
			lp->inner[lp->ninner++] = l;
	for (int v = 0; v < u->nvars; v++) {
		lp->npins[v] = p.npins[v];
		for (int i = 0; i < p.npins[v]; i++)
			lp->pins[v][i] = p.pins[v][i].e;
		lp->spilled[v] = false;
	}
	for (int i = 0; i < lp->ndeps; i++) {
		LoopDep *ld = &lp->deps[i];
		if (ld->spill && p.inner[ld->fold]) {
			ld->spill = false;
			ld->carry = true;
			lp->carried[ld->var] = true;
		}
		if (ld->spill)
			lp->spilled[ld->var] = true;
		if (ld->link)
			lp->carried[ld->var] = true;
	}
	return true;
}
