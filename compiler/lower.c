/*
 * lower.c: from a legal mapping to the loop IR (see sysc.h, "lower.c"): the passes
 * in order, the analyses they share, and the IR's text form (`sysc emit
 * --emit=loops [--dump-after=PASS]`).
 *
 *   loopgen    the loops: work items, passes, time, register rows, lanes
 *   retime     a schedule that reads propagated inputs where they are used
 *   shuffle    each dependence a link (lane shift, register rename, delay) or a spill
 *   interchange  sequential loops inside the time step, their spills as registers
 *   timeblock  the time loop in blocks, each over a chunk of work items (caches)
 *   pack       panels for the broadcast reads that differ between register rows
 *   vregalloc  the vector registers the state needs, against the target's budget
 *
 * Each pass states what it requires and provides above its function. A pass that
 * finds something the loop IR does not support yet sets lp->why and the pipeline
 * stops there.
 */
#include "sysc.h"

#include <stdlib.h>
#include <string.h>

/* the coefficient of each kernel loop in an affine index expression */
void lower_coefficients(const Expr *e, int nloops, int64_t *coef)
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

/* How the kernel point moves when PE coordinate `row` grows by one, under T. */
void lower_step(const Map *mp, int64_t Tinv[][URE_MAXL], int row, int64_t *dx)
{
	memset(dx, 0, sizeof(int64_t) * URE_MAXL);
	for (int c = 0; c < mp->n; c++) {
		const MapLoop *ml = &mp->loops[mp->st[c]];
		dx[ml->orig] += ml->stride * Tinv[c][row];
	}
}

AccessKind lower_classify(const Map *mp, const int64_t *dx, const Expr *index)
{
	int rank = 0;
	bool moves_inner = false, moves_outer = false;
	int64_t last = 0;
	for (const Expr *e = index; e; e = e->next, rank++) {
		int64_t coef[URE_MAXL];
		lower_coefficients(e, mp->u->nloops, coef);
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
	lower_step(lp->mp, (int64_t(*)[URE_MAXL])lp->Tinv, row, dx);
	return lower_classify(lp->mp, dx, index);
}

AccessKind lower_access(const LoopProg *lp, const Expr *index)
{
	return lower_access_along(lp, lp->lane, index);
}

int64_t lower_dot(const int64_t *a, const int64_t *b, int n)
{
	int64_t s = 0;
	for (int i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* The intra-pass vector (over the transform loops) of a dependence, if it has one. */
bool lower_intra_pass(const Map *mp, const UreDep *dep, int64_t *w, int *count)
{
	int64_t inst[MAXINST][MAP_MAXL];
	int ni = map_instances(mp, dep->d, inst);
	bool found = false;
	*count = 0;
	for (int k = 0; k < ni; k++) {
		bool outer = false;
		for (int l = 0; l < mp->nloops; l++)
			outer |= map_pass_loop(&mp->loops[l]) && inst[k][l] != 0;
		if (outer)
			continue;
		(*count)++;
		for (int c = 0; c < mp->n; c++)
			w[c] = inst[k][mp->st[c]];
		found = true;
	}
	return found;
}

bool lower_index_loops(const Expr *index, int nloops, bool *used)
{
	bool window = false;
	memset(used, 0, sizeof(bool) * (size_t)nloops);
	for (const Expr *a = index; a; a = a->next) {
		int64_t coef[URE_MAXL];
		lower_coefficients(a, nloops, coef);
		int n = 0;
		for (int j = 0; j < nloops; j++) {
			used[j] |= coef[j] != 0;
			n += coef[j] != 0;
		}
		window |= n > 1;
	}
	return window;
}

int lower_panel(const LoopProg *lp, const Expr *e, const int64_t *d)
{
	static const int64_t zero[URE_MAXL];
	for (int i = 0; i < lp->npanels; i++)
		if (lp->panels[i].e == e && memcmp(lp->panels[i].d, d ? d : zero, sizeof zero) == 0)
			return i;
	return -1;
}

bool lower_inner(const LoopProg *lp, int l)
{
	for (int i = 0; i < lp->ninner; i++)
		if (lp->inner[i] == l)
			return true;
	return false;
}

void lower_row_coords(const LoopProg *lp, int64_t row, int64_t *rowc)
{
	for (int i = lp->nregdims - 1; i >= 0; i--) {
		int r = lp->regdim[i];
		rowc[r] = lp->pmin[r] + row % lp->pext[r];
		row /= lp->pext[r];
	}
}

/* Whether the schedule is the unit vector of transform loop c (time = w_c). */
static bool time_is(const LoopProg *lp, int c)
{
	int n = lp->mp->n;
	for (int i = 0; i < n; i++)
		if (lp->T[n - 1][i] != (i == c))
			return false;
	return true;
}

LoopCoord lower_coord(const LoopProg *lp, const int64_t *rowc, int c, int64_t lanes)
{
	const Map *mp = lp->mp;
	LoopCoord k = {0, lp->Tinv[c][lp->lane], lp->Tinv[c][mp->n - 1], false};
	for (int r = 0; r < mp->nspace; r++)
		k.alpha += lp->Tinv[c][r] * (r == lp->lane ? lp->pmin[r] : rowc[r]);
	const MapLoop *ml = &mp->loops[mp->st[c]];
	int64_t fixed = ml->span ? ml->span / ml->stride : 0;
	int64_t lo = k.alpha + (k.beta < 0 ? k.beta * (lanes - 1) : 0);
	int64_t hi = k.alpha + (k.beta > 0 ? k.beta * (lanes - 1) : 0);
	if (k.gamma == 0 && fixed)
		k.proven = lo >= 0 && hi < fixed;
	else if (k.gamma == 1 && k.beta == 0 && k.alpha == 0 && time_is(lp, c))
		k.proven = true; /* w_c = t, and t runs over exactly [0, extent) */
	return k;
}

typedef struct {
	const char *name;
	bool (*run)(Arena *a, LoopProg *lp);
} Pass;

/* ORDER: the pipeline */
static const Pass passes[] = {
	{"loopgen", loop_gen},
	{"retime", loop_retime},
	{"shuffle", loop_shuffle},
	{"interchange", loop_interchange},
	{"timeblock", loop_timeblock},
	{"pack", loop_pack},
	{"vregalloc", loop_vregalloc},
};

bool lower_specialize(LoopProg *lp, const char *spec, char *err, size_t errlen)
{
	memset(&lp->fixed, 0, sizeof lp->fixed);
	return !spec || ure_parse_assignments(lp->u, spec, &lp->fixed, err, errlen);
}

bool lower_pass_known(const char *name)
{
	for (size_t i = 0; i < sizeof passes / sizeof passes[0]; i++)
		if (strcmp(passes[i].name, name) == 0)
			return true;
	return false;
}

LoopProg *lower_map(Arena *a, const Map *mp, const char *dump_after, Buf *dump, const char **why)
{
	LoopProg *lp = ARENA_NEW(a, LoopProg);
	lp->mp = mp;
	lp->u = mp->u;
	lp->n = mp->n;
	lp->vreg_budget = 32;
	*why = NULL;
	for (size_t i = 0; i < sizeof passes / sizeof passes[0]; i++) {
		if (!passes[i].run(a, lp)) {
			*why = lp->why;
			return NULL;
		}
		lp->done = (int)i + 1;
		if (dump && dump_after && strcmp(dump_after, passes[i].name) == 0) {
			buf_printf(dump, "# after %s\n", passes[i].name);
			lower_print(dump, lp);
		}
	}
	return lp;
}

void lower_print(Buf *b, const LoopProg *lp)
{
	const Map *mp = lp->mp;
	const Ure *u = lp->u;
	buf_printf(b, "loops %s.%s\n", u->k->name, mp->m->name);
	buf_printf(b, "  work items:"); /* in their order, the last varying fastest */
	for (int i = 0; i < mp->npar; i++)
		buf_printf(b, " %s", mp->loops[mp->par[i]].name);
	buf_printf(b, "%s\n  sequential:", mp->npar ? "" : " (one)");
	bool any = false;
	for (int l = 0; l < mp->nloops; l++)
		if (mp->loops[l].st < 0 && !mp->loops[l].parallel && !lower_inner(lp, l)) {
			buf_printf(b, " %s", mp->loops[l].name);
			any = true;
		}
	buf_printf(b, "%s\n", any ? "" : " (none)");
	if (lp->done < 1)
		return;
	buf_printf(b, "  lanes %s: %lld\n", mp->dim[lp->lane], (long long)lp->pext[lp->lane]);
	for (int i = 0; i < lp->nregdims; i++)
		buf_printf(b, "  rows %s: %lld\n", mp->dim[lp->regdim[i]], (long long)lp->pext[lp->regdim[i]]);
	buf_printf(b, "  schedule (");
	for (int c = 0; c < mp->n; c++)
		buf_printf(b, "%s%lld", c ? ", " : "", (long long)lp->T[mp->n - 1][c]);
	buf_printf(b, ")%s\n", lp->retimed ? " (retimed: propagated inputs are read where used)"
	                       : lp->done < 2 ? " (as mapped)" : "");
	if (lp->ninner) {
		buf_printf(b, "  inside each time step:");
		for (int i = 0; i < lp->ninner; i++)
			buf_printf(b, " %s", mp->loops[lp->inner[i]].name);
		buf_printf(b, "\n");
	}
	if (lp->tblock)
		buf_printf(b, "  time in blocks of %lld steps, each over a chunk of work items\n", (long long)lp->tblock);
	for (int v = 0; v < u->nvars && lp->ninner; v++) {
		if (!lp->carried[v])
			continue;
		buf_printf(b, "  %s: register, new value where", u->vars[v].name);
		for (int i = 0; i < lp->npins[v]; i++) {
			buf_printf(b, "%s", i ? " && " : " ");
			ast_print_expr(b, lp->pins[v][i]);
		}
		buf_printf(b, "%s\n", lp->npins[v] ? "" : " computed");
	}
	for (int i = 0; i < lp->ndeps && lp->done >= 3; i++) {
		const LoopDep *ld = &lp->deps[i];
		if (lp->dead[ld->reader])
			continue; /* its equation is never computed */
		buf_printf(b, "  %s <- %s: ", u->vars[ld->reader].name, u->vars[ld->var].name);
		if (u->vars[ld->var].kind == VAR_PROPAGATE) {
			const Expr *in = u->vars[ld->var].input;
			AccessKind k = lower_access(lp, in->args);
			buf_printf(b, "load %s (%s)\n", in->name,
			           k == ACC_UNIFORM ? "broadcast" : k == ACC_CONTIG ? "contiguous" : "gather");
			continue;
		}
		if (!ld->link && !ld->spill && !ld->carry) {
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
		if (ld->carry && ld->fold < 0)
			buf_printf(b, "register (the point the PE computed just before)");
		else if (ld->carry)
			buf_printf(b, "register along %s (inner loop)", u->loops[ld->fold]->name);
		buf_printf(b, "\n");
	}
	for (int i = 0; i < lp->npanels && lp->done >= 6; i++) {
		buf_printf(b, "  panel %s", lp->panels[i].e->name);
		for (const Expr *x = lp->panels[i].e->args; x; x = x->next) {
			buf_printf(b, "[");
			ast_print_expr(b, x);
			buf_printf(b, "]");
		}
		buf_printf(b, ": one element per register row and step\n");
	}
	for (int v = 0; v < u->nvars && lp->done >= 3; v++)
		if (lp->dead[v])
			buf_printf(b, "  %s: dead (every reader loads %s)\n", u->vars[v].name, u->vars[v].input->name);
	if (lp->done >= 7)
		buf_printf(b, "  vector registers of state: %d of %d%s\n", lp->vregs, lp->vreg_budget,
		           lp->spills ? " (the design would spill)" : "");
}
