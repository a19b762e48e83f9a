/*
 * shuffle.c: how values move between the PEs of the loop IR.
 *
 * requires: retime (the final schedule).
 * provides: lp->deps: every dependence as
 *   - a load, for a propagated input (each PE reads its tensor where it uses it);
 *   - the same point, computed just before in this step;
 *   - a link: the value computed tau steps ago by the PE drow register rows and
 *     dlane lanes back; a register rename along rows (unrolled), a lane shift along
 *     lanes, a delay line of tau registers in time;
 *   - a spill: a value from an earlier pass, through a buffer along one loop (a
 *     feeder reads it back at the start of the tile, a drainer writes it at its end);
 *   - with loops inside each time step (`step`), the point the PE computed just
 *     before (legality allows no other): its register (a carry, see interchange).
 *   and per variable the longest delay it is read with (lp->maxtau), and which
 *   variables are dead (lp->dead: propagated inputs that every reader loads).
 */
#include "sysc.h"

#include <string.h>

static bool expr_reads(const Expr *e, const char *var)
{
	if (!e)
		return false;
	if (e->kind == EX_CALL && e->sym && e->sym->kind == SYM_REC && strcmp(e->name, var) == 0)
		return true;
	for (const Expr *a = e->args; a; a = a->next)
		if (expr_reads(a, var))
			return true;
	return expr_reads(e->a, var) || expr_reads(e->b, var) || expr_reads(e->c, var);
}

bool loop_shuffle(Arena *a, LoopProg *lp)
{
	const Map *mp = lp->mp;
	const Ure *u = lp->u;
	/* the dependences */
	lp->deps = ARENA_ARRAY(a, LoopDep, u->ndeps + 1);
	for (int i = 0; i < u->ndeps; i++) {
		const UreDep *dep = &u->deps[i];
		LoopDep *ld = &lp->deps[lp->ndeps++];
		ld->var = dep->var;
		ld->reader = dep->reader;
		ld->dep = dep;
		if (u->vars[dep->var].kind == VAR_PROPAGATE)
			continue; /* read from its tensor where it is used */
		bool zero = true;
		for (int j = 0; j < u->nloops; j++)
			zero &= dep->d[j] == 0;
		if (zero)
			continue; /* this point, computed just before */
		int64_t w[URE_MAXL];
		int cnt;
		if (lower_intra_pass(mp, dep, w, &cnt)) {
			if (cnt > 1) {
				lp->why = "a dependence that crosses a tile inside the array";
				return false;
			}
			if (mp->nstep) {
				ld->carry = true;
				ld->fold = -1;
				lp->carried[dep->var] = true;
				continue;
			}
			ld->link = true;
			ld->tau = lower_dot(lp->T[mp->n - 1], w, mp->n);
			ld->dlane = lower_dot(lp->T[lp->lane], w, mp->n);
			for (int r = 0; r < mp->nspace; r++)
				ld->drow[r] = lower_dot(lp->T[r], w, mp->n);
			if (ld->tau > lp->maxtau[dep->var])
				lp->maxtau[dep->var] = ld->tau;
			lp->stateful[dep->var] = true;
		}
		int64_t inst[MAXINST][MAP_MAXL];
		int ni = map_instances(mp, dep->d, inst);
		bool outer = false;
		for (int k = 0; k < ni; k++)
			for (int l = 0; l < mp->nloops; l++)
				outer |= mp->loops[l].st < 0 && inst[k][l] != 0;
		if (!outer)
			continue;
		/* an earlier pass: only along one loop, one step, can a buffer hold it */
		int fold = -1, nz = 0;
		for (int j = 0; j < u->nloops; j++)
			if (dep->d[j]) {
				nz++;
				fold = j;
			}
		if (nz != 1 || dep->d[fold] != 1) {
			lp->why = arena_printf(a, "%s flows between passes along a vector other than one loop step",
			                    u->vars[dep->var].name);
			return false;
		}
		if (lp->spilled[dep->var] && lp->spill_fold[dep->var] != fold) {
			lp->why = arena_printf(a, "%s flows between passes along two loops", u->vars[dep->var].name);
			return false;
		}
		ld->spill = true;
		ld->fold = fold;
		lp->spilled[dep->var] = true;
		lp->spill_fold[dep->var] = fold;
	}
	/* a propagated input is loaded where it is read: its own equation is dead unless
	 * an output reads it */
	for (int v = 0; v < u->nvars; v++) {
		lp->dead[v] = u->vars[v].kind == VAR_PROPAGATE;
		for (int o = 0; o < u->nouts; o++)
			if (expr_reads(u->outs[o]->rhs, u->vars[v].name))
				lp->dead[v] = false;
	}
	return true;
}
