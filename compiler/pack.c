/*
 * pack.c: panels for the loop IR.
 *
 * requires: shuffle (which reads are loads of propagated inputs, with their shifts).
 * provides: lp->panels: the tensor reads that are the same for every lane but differ
 *           from one register row to the next (a[i][k] in the output-stationary GEMM).
 *           Read in place, each row needs its own address in the time loop; copied
 *           once per pass into panel[step][row], they are read from one pointer at
 *           constant offsets (the packing of A in a BLAS library). The copy is
 *           made again only when the loops around the array that the read depends on
 *           change (codegen keeps the key).
 */
#include "sysc.h"

#include <string.h>

static bool row_dependent(const LoopProg *lp, const Expr *e)
{
	if (lp->nrows < 2 || lower_access(lp, e->args) != ACC_UNIFORM)
		return false;
	for (int i = 0; i < lp->nregdims; i++)
		if (lower_access_along(lp, lp->regdim[i], e->args) != ACC_UNIFORM)
			return true;
	return false;
}

static void add_panel(LoopProg *lp, const Expr *e, const int64_t *d)
{
	static const int64_t zero[URE_MAXL];
	if (lp->npanels == LOOP_MAXPANELS || !row_dependent(lp, e) || lower_panel(lp, e, d) >= 0)
		return;
	lp->panels[lp->npanels].e = e;
	memcpy(lp->panels[lp->npanels].d, d ? d : zero, sizeof zero);
	lp->npanels++;
}

/* The broadcast reads of an equation, directly or through a propagated input. */
static void find(LoopProg *lp, const Expr *e)
{
	if (!e)
		return;
	if (e->kind == EX_INDEX) {
		add_panel(lp, e, NULL);
		return;
	}
	if (e->kind == EX_CALL && e->sym && e->sym->kind == SYM_REC) {
		for (int i = 0; i < lp->ndeps; i++) {
			const LoopDep *ld = &lp->deps[i];
			if (ld->dep->ref == e && lp->u->vars[ld->var].kind == VAR_PROPAGATE)
				add_panel(lp, lp->u->vars[ld->var].input, ld->dep->d);
		}
		return;
	}
	for (const Expr *a = e->args; a; a = a->next)
		find(lp, a);
	find(lp, e->a);
	find(lp, e->b);
	find(lp, e->c);
}

bool loop_pack(Arena *a, LoopProg *lp)
{
	(void)a;
	for (int v = 0; v < lp->u->nvars; v++)
		if (!lp->dead[v])
			find(lp, lp->u->vars[v].eqn->rhs);
	return true;
}
