/*
 * lower.c: from a legal mapping to the loop IR (see sysc.h, "lower.c").
 *
 * requires: a Map from map_build (legal).
 * provides: the retimed transform, the lane and register-row dimensions with their
 *           fixed PE box, every dependence classified as a link (register rows and
 *           lanes back, delay tau) or a spill (an earlier pass), and the vector
 *           registers the state needs.
 *
 * Retiming. A propagated input is read where it is used, so its dependences no
 * longer constrain the schedule. Among schedules s' with entries in -2..2 that keep
 * T' = [S; s'] unimodular and every remaining dependence inside a pass causal, the
 * one with the fewest gathers (accesses that are neither uniform nor contiguous
 * across lanes), then the fewest lane shuffles, then the shortest pass, wins; the
 * mapping's own schedule stays when nothing is better. Every point is still
 * computed by the same PE from the same operands, so results do not change.
 */
#include "sysc.h"

#include <stdlib.h>
#include <string.h>

/* the coefficient of each kernel loop in an affine index expression */
static void coefficients(const Expr *e, int nloops, int64_t *coef)
{
	static const Sizes ones = {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
	Eval ev = {.sz = &ones};
	int64_t zero[URE_MAXL] = {0};
	int64_t base = eval_index(&ev, e, zero);
	for (int j = 0; j < nloops; j++) {
		int64_t x[URE_MAXL] = {0};
		x[j] = 1;
		coef[j] = eval_index(&ev, e, x) - base;
	}
}

/* How kernel point x moves when the lane coordinate grows by one, under T. */
static void lane_step(const Map *mp, int64_t Tinv[][URE_MAXL], int lane, int64_t *dx)
{
	memset(dx, 0, sizeof(int64_t) * URE_MAXL);
	for (int c = 0; c < mp->n; c++) {
		const MapLoop *ml = &mp->loops[mp->st[c]];
		dx[ml->orig] += ml->stride * Tinv[c][lane];
	}
}

static AccessKind classify(const Map *mp, const int64_t *dx, const Expr *index)
{
	int rank = 0;
	bool moves_inner = false, moves_outer = false;
	int64_t last = 0;
	for (const Expr *e = index; e; e = e->next, rank++) {
		int64_t coef[URE_MAXL];
		coefficients(e, mp->u->nloops, coef);
		int64_t step = 0;
		for (int j = 0; j < mp->u->nloops; j++)
			step += coef[j] * dx[j];
		if (!e->next)
			last = step;
		else if (step)
			moves_outer = true;
		if (!e->next && step)
			moves_inner = true;
	}
	if (!moves_outer && !moves_inner)
		return ACC_UNIFORM;
	if (!moves_outer && last == 1)
		return ACC_CONTIG;
	return ACC_GATHER;
}

AccessKind lower_access_along(const LoopProg *lp, int row, const Expr *index)
{
	int64_t dx[URE_MAXL];
	lane_step(lp->mp, (int64_t(*)[URE_MAXL])lp->Tinv, row, dx);
	return classify(lp->mp, dx, index);
}

AccessKind lower_access(const LoopProg *lp, const Expr *index)
{
	return lower_access_along(lp, lp->lane, index);
}

/* Every tensor access the generated code makes: reads in the equations, the reads of
 * propagated inputs, and the output stores (their left sides). */
static void count_accesses(const Map *mp, int64_t Tinv[][URE_MAXL], int lane, const Expr *e, int *gathers)
{
	if (!e)
		return;
	if (e->kind == EX_INDEX) {
		int64_t dx[URE_MAXL];
		lane_step(mp, Tinv, lane, dx);
		*gathers += classify(mp, dx, e->args) == ACC_GATHER;
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

static int64_t dot(const int64_t *a, const int64_t *b, int n)
{
	int64_t s = 0;
	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* The intra-pass vector (over the transform loops) of a dependence, if it has one. */
static bool intra_pass(const Map *mp, const UreDep *dep, int64_t *w, int *count)
{
	int64_t inst[MAXINST][MAP_MAXL];
	int ni = map_instances(mp, dep->d, inst);
	bool found = false;
	*count = 0;
	for (int k = 0; k < ni; k++) {
		bool outer = false;
		for (int l = 0; l < mp->nloops; l++)
			outer |= mp->loops[l].st < 0 && inst[k][l] != 0;
		if (outer)
			continue;
		(*count)++;
		for (int c = 0; c < mp->n; c++)
			w[c] = inst[k][mp->st[c]];
		found = true;
	}
	return found;
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
		if (!intra_pass(mp, dep, w, &cnt))
			continue;
		bool zero = true;
		for (int c = 0; c < n; c++)
			zero &= w[c] == 0;
		if (zero)
			continue;
		if (dot(T[n - 1], w, n) < 1)
			return -1;
		shuffles += dot(T[lane], w, n) != 0;
	}
	int gathers = 0;
	for (int v = 0; v < mp->u->nvars; v++)
		count_accesses(mp, Tinv, lane, mp->u->vars[v].eqn->rhs, &gathers);
	for (int o = 0; o < mp->u->nouts; o++) {
		int64_t dx[URE_MAXL];
		lane_step(mp, Tinv, lane, dx);
		gathers += classify(mp, dx, mp->u->outs[o]->lhs) == ACC_GATHER;
		count_accesses(mp, Tinv, lane, mp->u->outs[o]->rhs, &gathers);
	}
	int64_t span = 0;
	for (int c = 0; c < n; c++)
		span += s[c] < 0 ? -s[c] : s[c];
	return gathers * 1000000 + shuffles * 1000 + span;
}

static void retime(LoopProg *lp)
{
	const Map *mp = lp->mp;
	int n = mp->n;
	int64_t T[URE_MAXL][URE_MAXL], Tinv[URE_MAXL][URE_MAXL];
	int64_t best = score(mp, mp->T[n - 1], lp->lane, lp->T, lp->Tinv);
	if (n > 5)
		return;
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
}

/* The fixed extent of a transform loop, or 0 when it depends on the sizes. */
static int64_t fixed_extent(const Map *mp, int c)
{
	const MapLoop *ml = &mp->loops[mp->st[c]];
	return ml->span ? ml->span / ml->stride : 0;
}

LoopProg *lower_map(Arena *a, const Map *mp, const char **why)
{
	const Ure *u = mp->u;
	LoopProg *lp = ARENA_NEW(a, LoopProg);
	lp->mp = mp;
	lp->u = u;
	lp->n = mp->n;
	*why = NULL;
	if (u->nvars > 64) {
		*why = "more than 64 recurrences";
		return NULL;
	}
	int nlanes = 0;
	for (int r = 0; r < mp->nspace; r++) {
		if (mp->on_lanes[r]) {
			lp->lane = r;
			nlanes++;
		} else {
			lp->regdim[lp->nregdims++] = r;
		}
	}
	if (nlanes != 1) {
		*why = "the loop IR puts exactly one space dimension on lanes";
		return NULL;
	}
	memcpy(lp->T, mp->T, sizeof lp->T);
	memcpy(lp->Tinv, mp->Tinv, sizeof lp->Tinv);
	retime(lp);
	/* the PE box must be fixed: lanes become a vector, register rows are unrolled */
	lp->nrows = 1;
	for (int r = 0; r < mp->nspace; r++) {
		int64_t lo = 0, hi = 0;
		for (int c = 0; c < mp->n; c++) {
			if (!lp->T[r][c])
				continue;
			int64_t e = fixed_extent(mp, c);
			if (!e) {
				*why = arena_printf(a, "space dimension '%s' has no fixed size: tile loop '%s' and map its inner loop",
				                    mp->dim[r], mp->loops[mp->st[c]].name);
				return NULL;
			}
			int64_t v = lp->T[r][c] * (e - 1);
			if (v < 0)
				lo += v;
			else
				hi += v;
		}
		lp->pmin[r] = lo;
		lp->pext[r] = hi - lo + 1;
		if (r != lp->lane)
			lp->nrows *= lp->pext[r];
	}
	if (lp->pext[lp->lane] > 64) {
		*why = arena_printf(a, "%lld lanes: at most 64 lanes per vector", (long long)lp->pext[lp->lane]);
		return NULL;
	}
	if (lp->nrows > 64) {
		*why = arena_printf(a, "%lld register rows: at most 64", (long long)lp->nrows);
		return NULL;
	}
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
		if (intra_pass(mp, dep, w, &cnt)) {
			if (cnt > 1) {
				*why = "a dependence that crosses a tile inside the array";
				return NULL;
			}
			ld->link = true;
			ld->tau = dot(lp->T[mp->n - 1], w, mp->n);
			ld->dlane = dot(lp->T[lp->lane], w, mp->n);
			for (int r = 0; r < mp->nspace; r++)
				ld->drow[r] = dot(lp->T[r], w, mp->n);
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
			*why = arena_printf(a, "%s flows between passes along a vector other than one loop step",
			                    u->vars[dep->var].name);
			return NULL;
		}
		if (lp->spilled[dep->var] && lp->spill_fold[dep->var] != fold) {
			*why = arena_printf(a, "%s flows between passes along two loops", u->vars[dep->var].name);
			return NULL;
		}
		ld->spill = true;
		ld->fold = fold;
		lp->spilled[dep->var] = true;
		lp->spill_fold[dep->var] = fold;
	}
	for (int v = 0; v < u->nvars; v++)
		if (lp->stateful[v])
			lp->vregs += (int)(lp->maxtau[v] * lp->nrows);
	return lp;
}

void lower_print(Buf *b, const LoopProg *lp)
{
	const Map *mp = lp->mp;
	const Ure *u = lp->u;
	buf_printf(b, "loops %s.%s\n", u->k->name, mp->m->name);
	buf_printf(b, "  work items:");
	bool any = false;
	for (int l = 0; l < mp->nloops; l++)
		if (mp->loops[l].st < 0 && mp->loops[l].parallel) {
			buf_printf(b, " %s", mp->loops[l].name);
			any = true;
		}
	buf_printf(b, "%s\n  sequential:", any ? "" : " (one)");
	any = false;
	for (int l = 0; l < mp->nloops; l++)
		if (mp->loops[l].st < 0 && !mp->loops[l].parallel) {
			buf_printf(b, " %s", mp->loops[l].name);
			any = true;
		}
	buf_printf(b, "%s\n  schedule (", any ? "" : " (none)");
	for (int c = 0; c < mp->n; c++)
		buf_printf(b, "%s%lld", c ? ", " : "", (long long)lp->T[mp->n - 1][c]);
	buf_printf(b, ")%s\n", lp->retimed ? " (retimed: propagated inputs are read where used)" : "");
	buf_printf(b, "  lanes %s: %lld\n", mp->dim[lp->lane], (long long)lp->pext[lp->lane]);
	for (int i = 0; i < lp->nregdims; i++)
		buf_printf(b, "  rows %s: %lld\n", mp->dim[lp->regdim[i]], (long long)lp->pext[lp->regdim[i]]);
	for (int i = 0; i < lp->ndeps; i++) {
		const LoopDep *ld = &lp->deps[i];
		buf_printf(b, "  %s <- %s: ", u->vars[ld->reader].name, u->vars[ld->var].name);
		if (u->vars[ld->var].kind == VAR_PROPAGATE) {
			const Expr *in = u->vars[ld->var].input;
			AccessKind k = lower_access(lp, in->args);
			buf_printf(b, "load %s (%s)\n", in->name,
			           k == ACC_UNIFORM ? "broadcast" : k == ACC_CONTIG ? "contiguous" : "gather");
			continue;
		}
		if (!ld->link && !ld->spill) {
			buf_printf(b, "same point\n");
			continue;
		}
		if (ld->link) {
			buf_printf(b, "link rows (");
			for (int r = 0; r < lp->nregdims; r++)
				buf_printf(b, "%s%+lld", r ? ", " : "", (long long)ld->drow[lp->regdim[r]]);
			buf_printf(b, ") lanes %+lld delay %lld%s", (long long)ld->dlane, (long long)ld->tau,
			           ld->dlane ? " (lane shift)" : "");
		}
		if (ld->spill)
			buf_printf(b, "%sspill along %s", ld->link ? "; " : "", u->loops[ld->fold]->name);
		buf_printf(b, "\n");
	}
	buf_printf(b, "  vector registers of state: %d\n", lp->vregs);
}
