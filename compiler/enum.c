/*
 * enum.c: the space of mappings, every legal projection and schedule of a kernel's
 * recurrences within small bounds (`sysc mappings`, and the autotuner's search space).
 *
 * Candidates. Over the n loops chosen (2 to 4; by default every loop of a kernel
 * with at most 3), a projection u has entries in {-1, 0, 1}, not all zero, and a
 * schedule s entries in 0..max_coef. The space rows S are the ones
 * st_space_from_projection derives from u, so a candidate is exactly what
 * `spacetime (...) project (u) schedule (s)` writes. T = [S; s] is unimodular exactly
 * when s . u = +-1 (the rows of S are a basis of the integers orthogonal to u), so
 * that is tested first; the rest of legality is spacetime.c's own: each survivor is
 * built as an untiled Map and checked by map_check_deps (causality, locality within
 * `links`, and, for loops left out of the transform, values flowing forwards around
 * the array), then inverted by mat_inverse_unimodular. Nothing is reimplemented here.
 *
 * Duplicates. S depends on u only up to sign (st_space_from_projection(-u) = S(u)),
 * so u and -u with the same schedule are the same transform: only u whose first
 * nonzero entry is positive is tried. Two designs give the same point -> (PE, step)
 * assignment up to relabelling PEs (negating, swapping or shearing space axes) only
 * if their space rows have the same kernel, +-u, and their schedules are equal; so
 * once u is canonical no two listed designs are copies of each other, and nothing
 * else needs removing. Kept on purpose: mirror images under a symmetry of the kernel
 * (GEMM's A-stationary and B-stationary designs: a different tensor stays, and the
 * costs differ when M != N), and schedules that differ by a per-PE skew s + c.S
 * (the same points in each PE in the same order, but other start times, delays and
 * legality). A design whose canonical S is not local but some shear of it would be is
 * not found: the written `project` form could not express it either.
 *
 * Costs, at the given sizes, per pass of the array (loops outside the transform
 * run around it, `passes` times):
 *   PEs     the bounding box of S over the box of the transformed loops;
 *   steps   the range of the schedule over that box, fill and drain included;
 *   util    points / (PEs x steps);
 *   regs    per PE, one per variable plus, for each distinct link (a dependence that
 *           stays inside a pass), its delay s . d in registers;
 *   words   words between memory and the array over the whole kernel: input
 *           elements read where a guard selects a tensor, output elements written,
 *           and for a value crossing from one pass to the next, one word read again
 *           (a propagated input) or two (a spill, written then read back);
 *   peak    the most of those words moved in one step of the first pass.
 * words and peak come from walking the domain once per enumeration, the way explain.c
 * walks it: at each point, the branch of every data-free guard the point takes. Which
 * words move depends on the points and the set of transformed loops only, never on u
 * or s, so one walk serves every design: without tiling each design reads every
 * input once and `words` is the same for all of them (it will differ when tilings
 * are enumerated). What differs is when they move: each design maps the walk's
 * first-pass events through its schedule to find its peak bandwidth.
 *
 * The cost order (the list is sorted by it, lowest first): cost = passes x steps,
 * then PEs, then registers per PE, then peak words per step, then words, then u and
 * s lexicographically (entries compared as integers), so the order is total and
 * deterministic.
 */
#include "sysc.h"

#include <stdlib.h>
#include <string.h>

enum { ENUM_MAXCOEF = 8 };
#define ENUM_MAXPOINTS ((int64_t)1 << 24) /* the cost walk visits every point */

/* ---- the walk for words moved ---- */

typedef struct {
	const Ure *u;
	const Sizes *sz;
	Eval ev;
	bool in_st[URE_MAXL];
	int64_t bound[URE_MAXL];
	bool first;    /* the point walked is in the first pass */
	int64_t words; /* over the whole kernel */
	int64_t here;  /* words at the point walked */
	/* first-pass events: the point's coordinates over the transformed loops, then a count */
	int n, st[URE_MAXL];
	int64_t *ev_data;
	int64_t nev, cap;
} Walk;


static bool inside(const Walk *w, const int64_t *y)
{
	for (int j = 0; j < w->u->nloops; j++)
		if (y[j] < 0 || y[j] >= w->bound[j])
			return false;
	return true;
}

static bool first_pass(const Walk *w, const int64_t *x)
{
	for (int j = 0; j < w->u->nloops; j++)
		if (!w->in_st[j] && x[j] != 0)
			return false;
	return true;
}

static void event(Walk *w, const int64_t *x, int64_t count)
{
	if (!first_pass(w, x))
		return;
	if (w->nev == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->ev_data = realloc(w->ev_data, sizeof(int64_t) * (size_t)(w->cap * (w->n + 1)));
		if (!w->ev_data)
			sysc_bug("out of memory");
	}
	int64_t *e = &w->ev_data[w->nev++ * (w->n + 1)];
	for (int c = 0; c < w->n; c++)
		e[c] = x[w->st[c]];
	e[w->n] = count;
}

static void walk(Walk *w, const Expr *e, const int64_t *x)
{
	switch (e->kind) {
	case EX_COND:
		walk(w, e->a, x);
		if (expr_data_free(e->a)) {
			walk(w, eval_expr(&w->ev, e->a, x) != 0 ? e->b : e->c, x);
		} else {
			walk(w, e->b, x);
			walk(w, e->c, x);
		}
		return;
	case EX_INDEX:
		w->here++;
		w->words++;
		return;
	case EX_CALL:
		if (e->sym && e->sym->kind == SYM_REC) {
			int64_t y[URE_MAXL] = {0};
			int i = 0;
			for (const Expr *a = e->args; a && i < URE_MAXL; a = a->next, i++)
				y[i] = eval_index(&w->ev, a, x);
			bool same = true;
			for (int j = 0; j < w->u->nloops; j++)
				same &= w->in_st[j] || y[j] == x[j];
			if (same || !inside(w, y))
				return;
			const UreVar *v = &w->u->vars[ure_var_index(w->u, e->name)];
			w->here++;
			w->words++;
			if (v->kind == VAR_COMPUTE) {
				/* a spill: the earlier pass wrote it out at y */
				w->words++;
				event(w, y, 1);
			}
			return;
		}
		for (const Expr *a = e->args; a; a = a->next)
			walk(w, a, x);
		return;
	default:
		if (e->a)
			walk(w, e->a, x);
		if (e->b)
			walk(w, e->b, x);
		return;
	}
}

/* The output words and the points they leave from. An output that copies a
 * recurrence's value leaves from the point it names; any other leaves uncounted in
 * time, but its elements still count as words. */
static void walk_outputs(Walk *w, const int64_t *x)
{
	for (int o = 0; o < w->u->nouts; o++) {
		const Expr *ref = w->u->outs[o]->rhs;
		if (ref->kind != EX_CALL || !ref->sym || ref->sym->kind != SYM_REC)
			continue;
		bool here = true;
		int i = 0;
		for (const Expr *arg = ref->args; arg && here && i < URE_MAXL; arg = arg->next, i++)
			if (!(arg->kind == EX_NAME && arg->sym && arg->sym->kind == SYM_LOOP))
				here = eval_index(&w->ev, arg, x) == x[i];
		if (here) {
			w->here++;
			w->words++;
		}
	}
}

static void other_outputs(Walk *w)
{
	for (int o = 0; o < w->u->nouts; o++) {
		const Eqn *e = w->u->outs[o];
		if (e->rhs->kind == EX_CALL && e->rhs->sym && e->rhs->sym->kind == SYM_REC)
			continue;
		int64_t n = 1;
		for (const Expr *d = e->tensor->dims; d; d = d->next)
			n *= aff_eval(aff_of_expr(d, w->u->k), w->sz);
		w->words += n;
	}
}

static bool walk_domain(Walk *w, char *err, size_t errlen)
{
	const Ure *u = w->u;
	int64_t npoints = 1;
	for (int j = 0; j < u->nloops; j++) {
		w->bound[j] = aff_eval(u->bound[j], w->sz);
		npoints *= w->bound[j];
		if (npoints > ENUM_MAXPOINTS) {
			snprintf(err, errlen,
			         "the cost numbers walk every point, and these sizes give more than %lld; give smaller sizes",
			         (long long)ENUM_MAXPOINTS);
			return false;
		}
	}
	int64_t x[URE_MAXL] = {0};
	for (int64_t p = 0; p < npoints; p++) {
		w->here = 0;
		for (int v = 0; v < u->nvars; v++)
			walk(w, u->vars[v].eqn->rhs, x);
		walk_outputs(w, x);
		if (w->here)
			event(w, x, w->here);
		for (int j = u->nloops - 1; j >= 0; j--) {
			if (++x[j] < w->bound[j])
				break;
			x[j] = 0;
		}
	}
	other_outputs(w);
	return true;
}

/* ---- candidates ---- */

/* The untiled Map of transform T over the chosen loops, ready for map_check_deps. */
static void fill_map(Map *mp, const Ure *u, int n, const int *loops, int64_t T[][URE_MAXL], int links)
{
	memset(mp, 0, sizeof *mp);
	mp->u = u;
	mp->links = links;
	mp->nloops = u->nloops;
	for (int i = 0; i < u->nloops; i++)
		mp->loops[i] = (MapLoop){.name = u->loops[i]->name, .orig = i, .stride = 1, .st = -1};
	mp->n = n;
	mp->nspace = n - 1;
	for (int c = 0; c < n; c++) {
		mp->st[c] = loops[c];
		mp->loops[loops[c]].st = c;
		memcpy(mp->T[c], T[c], sizeof mp->T[c]);
	}
	for (int r = 0; r < n; r++)
		mp->dim[r] = r == n - 1 ? "t" : "s";
}

static bool is_symbol(const Kernel *k, const char *name)
{
	for (const Ident *p = k->params; p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return true;
	for (const Tensor *t = k->tensors; t; t = t->next)
		if (strcmp(t->name, name) == 0)
			return true;
	for (const Eqn *e = k->eqns; e; e = e->next)
		if (e->kind == EQ_REC && strcmp(e->name, name) == 0)
			return true;
	return false;
}

/* Dimension names, as sema and map_build default them: a space row that is a unit
 * vector is named after its loop, any other s<r>, and time t. Where the defaults
 * collide (a transformed loop named t) or reuse the name of a loop outside the
 * transform, the design is written with `as (...)`, under names made unique and kept
 * off the kernel's other names (sema refuses an `as` name that is a tensor, a
 * parameter, a recurrence or a loop outside the transform). */
static void name_dims(Arena *a, const Ure *u, Design *d)
{
	const char *def[URE_MAXL];
	bool outer[URE_MAXL];
	for (int j = 0; j < u->nloops; j++) {
		outer[j] = true;
		for (int c = 0; c < d->n; c++)
			outer[j] &= d->loops[c] != j;
	}
	for (int r = 0; r < d->n; r++) {
		if (r == d->n - 1) {
			def[r] = "t";
			continue;
		}
		int at = -1, cnt = 0;
		for (int c = 0; c < d->n; c++)
			if (d->T[r][c]) {
				cnt++;
				at = c;
			}
		def[r] = cnt == 1 && d->T[r][at] == 1 ? u->loops[d->loops[at]]->name : arena_printf(a, "s%d", r);
	}
	d->named = false;
	for (int r = 0; r < d->n; r++) {
		for (int q = 0; q < r; q++)
			d->named |= strcmp(def[r], def[q]) == 0;
		for (int j = 0; j < u->nloops; j++)
			d->named |= outer[j] && strcmp(def[r], u->loops[j]->name) == 0;
	}
	for (int r = 0; r < d->n; r++) {
		const char *name = def[r];
		for (bool clash = d->named; clash;) {
			clash = is_symbol(u->k, name);
			for (int j = 0; j < u->nloops; j++)
				clash |= outer[j] && strcmp(u->loops[j]->name, name) == 0;
			for (int q = 0; q < r; q++)
				clash |= strcmp(d->dim[q], name) == 0;
			if (clash)
				name = arena_printf(a, "%s_", name);
		}
		d->dim[r] = name;
	}
}

/* The cost numbers of a legal candidate (everything but words and peak). */
static void measure(const Ure *u, const Sizes *sz, Design *d)
{
	int64_t ext[URE_MAXL];
	d->points = 1;
	d->passes = 1;
	for (int c = 0; c < d->n; c++) {
		ext[c] = aff_eval(u->bound[d->loops[c]], sz);
		d->points *= ext[c];
	}
	for (int j = 0; j < u->nloops; j++) {
		bool st = false;
		for (int c = 0; c < d->n; c++)
			st |= d->loops[c] == j;
		if (!st)
			d->passes *= aff_eval(u->bound[j], sz);
	}
	d->pes = 1;
	for (int r = 0; r < d->n; r++) {
		int64_t lo = 0, hi = 0;
		for (int c = 0; c < d->n; c++) {
			int64_t v = d->T[r][c] * (ext[c] - 1);
			if (v < 0)
				lo += v;
			else
				hi += v;
		}
		if (r < d->n - 1) {
			d->pext[r] = hi - lo + 1;
			d->pes *= d->pext[r];
		} else {
			d->tmin = lo;
			d->steps = hi - lo + 1;
		}
	}
	d->util = (double)d->points / ((double)d->pes * (double)d->steps);
	/* registers: one per variable, plus the delay of each distinct link */
	d->regs_per_pe = u->nvars;
	for (int i = 0; i < u->ndeps; i++) {
		const UreDep *dep = &u->deps[i];
		bool dup = false;
		for (int k = 0; k < i && !dup; k++)
			dup = u->deps[k].var == dep->var && memcmp(u->deps[k].d, dep->d, sizeof dep->d) == 0;
		bool outer = false;
		for (int j = 0; j < u->nloops; j++) {
			bool st = false;
			for (int c = 0; c < d->n; c++)
				st |= d->loops[c] == j;
			outer |= !st && dep->d[j] != 0;
		}
		if (dup || outer)
			continue;
		for (int c = 0; c < d->n; c++)
			d->regs_per_pe += (int)(d->sched[c] * dep->d[d->loops[c]]);
	}
	d->cost = (double)d->passes * (double)d->steps;
}

static void peak(const Walk *w, Design *d, int64_t *per_step)
{
	memset(per_step, 0, sizeof(int64_t) * (size_t)d->steps);
	d->peak = 0;
	for (int64_t i = 0; i < w->nev; i++) {
		const int64_t *e = &w->ev_data[i * (w->n + 1)];
		int64_t t = -d->tmin;
		for (int c = 0; c < d->n; c++)
			t += d->sched[c] * e[c];
		per_step[t] += e[d->n];
		if (per_step[t] > d->peak)
			d->peak = per_step[t];
	}
}

static int cmp_vec(const int64_t *x, const int64_t *y, int n)
{
	for (int i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

#define CMP(a, b)                                \
	do {                                         \
		if ((a) != (b))                          \
			return (a) < (b) ? -1 : 1;           \
	} while (0)

int enum_compare(const Design *x, const Design *y)
{
	CMP(x->cost, y->cost);
	CMP(x->pes, y->pes);
	CMP(x->regs_per_pe, y->regs_per_pe);
	CMP(x->peak, y->peak);
	CMP(x->words, y->words);
	int c = cmp_vec(x->u, y->u, x->n);
	return c ? c : cmp_vec(x->sched, y->sched, x->n);
}

static int qsort_compare(const void *x, const void *y)
{
	return enum_compare(x, y);
}

/* the next vector of {lo..hi}^n in lexicographic order; false after the last */
static bool next_vec(int64_t *v, int n, int64_t lo, int64_t hi)
{
	for (int i = n - 1; i >= 0; i--) {
		if (v[i] < hi) {
			v[i]++;
			return true;
		}
		v[i] = lo;
	}
	return false;
}

int enum_designs(Arena *a, const Ure *u, const EnumOptions *o, Design **out, char *err, size_t errlen)
{
	*out = NULL;
	int n = o->nloops, loops[URE_MAXL];
	if (n == 0) {
		if (u->nloops > 3) {
			snprintf(err, errlen, "%d loops are too many to transform at once; name 2 to %d of them", u->nloops,
			         ENUM_MAXN);
			return -1;
		}
		n = u->nloops;
		for (int i = 0; i < n; i++)
			loops[i] = i;
	} else {
		memcpy(loops, o->loops, sizeof(int) * (size_t)(n > 0 && n <= URE_MAXL ? n : 0));
	}
	if (n < 2 || n > ENUM_MAXN) {
		snprintf(err, errlen, "a transform covers 2 to %d loops, not %d", ENUM_MAXN, n);
		return -1;
	}
	for (int c = 0; c < n; c++) {
		if (loops[c] < 0 || loops[c] >= u->nloops)
			sysc_bug("loop %d out of range", loops[c]);
		for (int q = 0; q < c; q++)
			if (loops[q] == loops[c]) {
				snprintf(err, errlen, "loop '%s' is named twice", u->loops[loops[c]]->name);
				return -1;
			}
	}
	int maxc = o->max_coef ? o->max_coef : 2, links = o->links ? o->links : 1;
	if (maxc < 1 || maxc > ENUM_MAXCOEF) {
		snprintf(err, errlen, "the largest schedule coefficient must be 1 to %d, not %d", ENUM_MAXCOEF, maxc);
		return -1;
	}
	if (links < 1) {
		snprintf(err, errlen, "the longest link must be at least 1, not %d", links);
		return -1;
	}
	Sizes sz;
	if (o->sizes)
		sz = *o->sizes;
	if (o->sizes ? !ure_sizes_valid(u, &sz, err, errlen) : !ure_default_sizes(u, &sz, err, errlen))
		return -1;

	Walk w;
	memset(&w, 0, sizeof w);
	w.u = u;
	w.sz = &sz;
	w.ev = (Eval){.u = u, .sz = &sz};
	w.n = n;
	for (int c = 0; c < n; c++) {
		w.st[c] = loops[c];
		w.in_st[loops[c]] = true;
	}
	if (!walk_domain(&w, err, errlen)) {
		free(w.ev_data);
		return -1;
	}

	Map *mp = malloc(sizeof *mp);
	Design *list = NULL;
	int count = 0, cap = 0;
	int64_t *per_step = NULL, step_cap = 0;
	int64_t pu[URE_MAXL] = {0};
	for (int c = 0; c < n; c++)
		pu[c] = -1;
	do {
		int first = 0;
		while (first < n && pu[first] == 0)
			first++;
		if (first == n || pu[first] < 0)
			continue; /* zero, or -u of a projection tried already */
		int64_t T[URE_MAXL][URE_MAXL] = {{0}};
		if (!st_space_from_projection(n, pu, T))
			unreachable();
		int64_t s[URE_MAXL] = {0};
		for (bool more = true; more; more = next_vec(s, n, 0, maxc)) {
			int64_t dot = 0;
			for (int c = 0; c < n; c++)
				dot += s[c] * pu[c];
			if (dot != 1 && dot != -1)
				continue; /* not unimodular */
			memcpy(T[n - 1], s, sizeof T[n - 1]);
			fill_map(mp, u, n, loops, T, links);
			char why[256] = "";
			if (!map_check_deps(mp, NULL, (SrcLoc){0}, (SrcLoc){0}, why, sizeof why))
				continue;
			if (!mat_inverse_unimodular(n, mp->T, mp->Tinv))
				sysc_bug("s . u = %lld but T is not unimodular", (long long)dot);
			if (count == cap) {
				cap = cap ? cap * 2 : 64;
				list = realloc(list, sizeof *list * (size_t)cap);
				if (!list)
					sysc_bug("out of memory");
			}
			Design *d = &list[count++];
			memset(d, 0, sizeof *d);
			d->n = n;
			d->links = links;
			memcpy(d->loops, loops, sizeof d->loops);
			memcpy(d->u, pu, sizeof d->u);
			memcpy(d->sched, s, sizeof d->sched);
			for (int r = 0; r < n; r++)
				for (int c = 0; c < n; c++)
					d->T[r][c] = T[r][c];
			measure(u, &sz, d);
			d->words = w.words;
			if (d->steps > step_cap) {
				step_cap = d->steps;
				free(per_step);
				per_step = malloc(sizeof(int64_t) * (size_t)step_cap);
				if (!per_step)
					sysc_bug("out of memory");
			}
			peak(&w, d, per_step);
		}
	} while (next_vec(pu, n, -1, 1));
	free(mp);
	free(per_step);
	free(w.ev_data);
	if (count)
		qsort(list, (size_t)count, sizeof *list, qsort_compare);
	*out = ARENA_ARRAY(a, Design, count + 1);
	if (count)
		memcpy(*out, list, sizeof *list * (size_t)count);
	free(list);
	for (int i = 0; i < count; i++)
		name_dims(a, u, &(*out)[i]);
	return count;
}

Map *enum_map(Arena *a, const Ure *u, const Design *d)
{
	Map *mp = ARENA_NEW(a, Map);
	int64_t T[URE_MAXL][URE_MAXL] = {{0}};
	for (int r = 0; r < d->n; r++)
		for (int c = 0; c < d->n; c++)
			T[r][c] = d->T[r][c];
	fill_map(mp, u, d->n, d->loops, T, d->links);
	if (!mat_inverse_unimodular(d->n, mp->T, mp->Tinv))
		return NULL;
	for (int r = 0; r < d->n; r++)
		mp->dim[r] = d->dim[r] ? d->dim[r] : mp->dim[r];
	mp->on_lanes[0] = true;
	return mp;
}

static void write_vec(Buf *b, const int64_t *v, int n)
{
	buf_printf(b, "(");
	for (int i = 0; i < n; i++)
		buf_printf(b, "%s%lld", i ? ", " : "", (long long)v[i]);
	buf_printf(b, ")");
}

void enum_write_mapping(Buf *b, const Ure *u, const Design *d, const char *name)
{
	buf_printf(b, "mapping %s of %s {\n  spacetime (", name, u->k->name);
	for (int c = 0; c < d->n; c++)
		buf_printf(b, "%s%s", c ? ", " : "", u->loops[d->loops[c]]->name);
	buf_printf(b, ") project ");
	write_vec(b, d->u, d->n);
	buf_printf(b, " schedule ");
	write_vec(b, d->sched, d->n);
	if (d->named) {
		buf_printf(b, " as (");
		for (int r = 0; r < d->n; r++)
			buf_printf(b, "%s%s", r ? ", " : "", d->dim[r]);
		buf_printf(b, ")");
	}
	buf_printf(b, ";\n  lanes %s;\n", d->dim[0]);
	if (d->n > 2) {
		buf_printf(b, "  registers");
		for (int r = 1; r < d->n - 1; r++)
			buf_printf(b, "%s %s", r > 1 ? "," : "", d->dim[r]);
		buf_printf(b, ";\n");
	}
	if (d->links > 1)
		buf_printf(b, "  links <= %d;\n", d->links);
	buf_printf(b, "}\n");
}
