/*
 * retime.c: the schedule of the loop IR.
 *
 * requires: loopgen.
 * provides: lp->T and lp->Tinv with a new schedule row (the space rows stay, so every
 *           PE computes the same points), lp->retimed.
 *
 * A propagated input is read where it is used, so its dependences no longer
 * constrain the schedule. Among schedules s' with entries in -2..2 that keep
 * T' = [S; s'] unimodular and every remaining dependence inside a pass causal, the
 * one with the fewest gathers (accesses that are neither uniform nor contiguous
 * across lanes), then the fewest lane shuffles, then the shortest pass, wins; the
 * mapping's own schedule stays when nothing is better. Every point is still
 * computed by the same PE from the same operands, so results do not change.
 */
#include "sysc.h"

#include <string.h>

/* Every tensor access the generated code makes: reads in the equations, the reads of
 * propagated inputs, and the output stores (their left sides). */
static void count_accesses(const Map *mp, int64_t Tinv[][URE_MAXL], int lane, const Expr *e, int *gathers)
{
	if (!e)
		return;
	if (e->kind == EX_INDEX) {
		int64_t dx[URE_MAXL];
		lower_step(mp, Tinv, lane, dx);
		*gathers += lower_classify(mp, dx, e->args) == ACC_GATHER;
		return;
	}
	if (e->kind == EX_CALL && e->sym && e->sym->kind == SYM_REC) {
		const UreVar *v = &mp->u->vars[ure_var_index(mp->u, e->name)];
		if (v->kind == VAR_PROPAGATE)
			count_accesses(mp, Tinv, lane, v->input, gathers);
		return;
	}
	for (const Expr *a = e->args; a; a = a->next)
		count_accesses(mp, Tinv, lane, a, gathers);
	count_accesses(mp, Tinv, lane, e->a, gathers);
	count_accesses(mp, Tinv, lane, e->b, gathers);
	count_accesses(mp, Tinv, lane, e->c, gathers);
}

/* Scores schedule s: gathers, then lane shuffles, then pass length (lower is better);
 * -1 when s is not usable. */
static int64_t score(const Map *mp, const int64_t *s, int lane, int64_t T[][URE_MAXL], int64_t Tinv[][URE_MAXL])
{
	int n = mp->n;
	memcpy(T, mp->T, sizeof(int64_t[URE_MAXL]) * URE_MAXL);
	memcpy(T[n - 1], s, sizeof(int64_t) * URE_MAXL);
	if (!mat_inverse_unimodular(n, T, Tinv))
		return -1;
	int64_t shuffles = 0;
	for (int i = 0; i < mp->u->ndeps; i++) {
		const UreDep *dep = &mp->u->deps[i];
		if (mp->u->vars[dep->var].kind == VAR_PROPAGATE)
			continue;
		int64_t w[URE_MAXL];
		int cnt;
		if (!lower_intra_pass(mp, dep, w, &cnt))
			continue;
		bool zero = true;
		for (int c = 0; c < n; c++)
			zero &= w[c] == 0;
		if (zero)
			continue;
		if (lower_dot(T[n - 1], w, n) < 1)
			return -1;
		shuffles += lower_dot(T[lane], w, n) != 0;
	}
	int gathers = 0;
	for (int v = 0; v < mp->u->nvars; v++)
		count_accesses(mp, Tinv, lane, mp->u->vars[v].eqn->rhs, &gathers);
	for (int o = 0; o < mp->u->nouts; o++) {
		int64_t dx[URE_MAXL];
		lower_step(mp, Tinv, lane, dx);
		gathers += lower_classify(mp, dx, mp->u->outs[o]->lhs) == ACC_GATHER;
		count_accesses(mp, Tinv, lane, mp->u->outs[o]->rhs, &gathers);
	}
	int64_t span = 0;
	for (int c = 0; c < n; c++)
		span += s[c] < 0 ? -s[c] : s[c];
	return gathers * 1000000 + shuffles * 1000 + span;
}

bool loop_retime(Arena *a, LoopProg *lp)
{
	(void)a;
	const Map *mp = lp->mp;
	int n = mp->n;
	int64_t T[URE_MAXL][URE_MAXL], Tinv[URE_MAXL][URE_MAXL];
	int64_t best = score(mp, mp->T[n - 1], lp->lane, lp->T, lp->Tinv);
	if (n > 5)
		return true;
	int64_t s[URE_MAXL] = {0}, total = 1;
	for (int c = 0; c < n; c++)
		total *= 5;
	for (int64_t code = 0; code < total; code++) {
		int64_t r = code;
		for (int c = 0; c < n; c++) {
			s[c] = r % 5 - 2;
			r /= 5;
		}
		int64_t sc = score(mp, s, lp->lane, T, Tinv);
		if (sc >= 0 && (best < 0 || sc < best)) {
			best = sc;
			memcpy(lp->T, T, sizeof T);
			memcpy(lp->Tinv, Tinv, sizeof Tinv);
			lp->retimed = true;
		}
	}
	if (lp->retimed && memcmp(lp->T[n - 1], mp->T[n - 1], sizeof(int64_t) * (size_t)n) == 0)
		lp->retimed = false;
	return true;
}
