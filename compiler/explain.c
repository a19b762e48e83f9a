/*
 * explain.c: `sysc explain`, the report a user reads before any code exists:
 * is the mapping legal (map_build says why not), and what array does it give?
 *
 * The shape, time steps and utilisation come from T and the box of loops it
 * transforms. Where data enters and leaves is found by walking one pass of the
 * array point by point and following, at each point, the branch of every guard
 * that the point takes: a tensor read there is an input at that PE and step; a
 * value from an earlier pass is a read from memory (or, for a propagated input,
 * from its tensor again). Loops inside each time step (`step`) are not passes: a
 * step runs every iteration of them.
 */
#include "sysc.h"

#include <stdlib.h>
#include <string.h>

static const char explain_usage[] =
	"usage: sysc explain FILE.sys [--mapping NAME] [--kernel NAME] [--size M=..,N=..]\n"
	"\n"
	"Checks each mapping (or the one named) and describes the array it builds at the\n"
	"given sizes (default: the kernel's default sizes): the space-time transform, the\n"
	"array's shape, time steps and utilisation, every link with its delay, and where\n"
	"data enters and leaves the array. Exits with status 1 if a mapping is illegal.\n";

typedef struct {
	const char *what; /* tensor or recurrence name */
	const char *how;  /* "in", "out", "memory" */
	int64_t words;
	int64_t tmin, tmax;
	int64_t pmin[URE_MAXL], pmax[URE_MAXL];
	unsigned char *pes; /* which PEs */
	int64_t npes_used;
} Flow;

typedef struct {
	const Map *mp;
	const Sizes *sz;
	int64_t ext[MAP_MAXL], bound[URE_MAXL];
	int64_t pmin[URE_MAXL], pext[URE_MAXL], npes, tmin, tmax;
	Flow flows[64];
	int nflows;
	/* the point being walked */
	int64_t pe[URE_MAXL], t, pe_index;
	int64_t val[MAP_MAXL];
} Walk;

static void record(Walk *w, const char *what, const char *how)
{
	Flow *f = NULL;
	for (int i = 0; i < w->nflows; i++)
		if (strcmp(w->flows[i].what, what) == 0 && strcmp(w->flows[i].how, how) == 0)
			f = &w->flows[i];
	if (!f) {
		if (w->nflows == 64)
			return;
		f = &w->flows[w->nflows++];
		memset(f, 0, sizeof *f);
		f->what = what;
		f->how = how;
		f->tmin = INT64_MAX;
		f->tmax = INT64_MIN;
		for (int r = 0; r < URE_MAXL; r++) {
			f->pmin[r] = INT64_MAX;
			f->pmax[r] = INT64_MIN;
		}
		f->pes = calloc((size_t)w->npes, 1);
	}
	f->words++;
	if (w->t < f->tmin)
		f->tmin = w->t;
	if (w->t > f->tmax)
		f->tmax = w->t;
	for (int r = 0; r < w->mp->nspace; r++) {
		if (w->pe[r] < f->pmin[r])
			f->pmin[r] = w->pe[r];
		if (w->pe[r] > f->pmax[r])
			f->pmax[r] = w->pe[r];
	}
	if (f->pes && !f->pes[w->pe_index]) {
		f->pes[w->pe_index] = 1;
		f->npes_used++;
	}
}

static bool same_pass(const Walk *w, const int64_t *y)
{
	const Map *mp = w->mp;
	for (int l = 0; l < mp->nloops; l++) {
		const MapLoop *ml = &mp->loops[l];
		int64_t r = ml->span ? y[ml->orig] % ml->span : y[ml->orig];
		if (map_pass_loop(ml) && r / ml->stride != w->val[l])
			return false;
	}
	return true;
}


/* Follows the branches point x takes and records the data it moves. */
static void walk(Walk *w, Eval *ev, const Expr *e, const int64_t *x)
{
	switch (e->kind) {
	case EX_COND:
		walk(w, ev, e->a, x);
		if (expr_data_free(e->a)) {
			walk(w, ev, eval_expr(ev, e->a, x) != 0 ? e->b : e->c, x);
		} else {
			walk(w, ev, e->b, x);
			walk(w, ev, e->c, x);
		}
		return;
	case EX_INDEX:
		record(w, e->name, "in");
		return;
	case EX_CALL:
		if (e->sym && e->sym->kind == SYM_REC) {
			int64_t y[URE_MAXL];
			int i = 0;
			for (const Expr *a = e->args; a; a = a->next, i++)
				y[i] = eval_index(ev, a, x);
			if (!same_pass(w, y)) {
				const UreVar *v = &w->mp->u->vars[ure_var_index(w->mp->u, e->name)];
				if (v->kind == VAR_PROPAGATE)
					record(w, v->input->name, "in");
				else
					record(w, e->name, "memory");
			}
			return;
		}
		for (const Expr *a = e->args; a; a = a->next)
			walk(w, ev, a, x);
		return;
	default:
		if (e->a)
			walk(w, ev, e->a, x);
		if (e->b)
			walk(w, ev, e->b, x);
		return;
	}
}

/* With loops inside each step: whether dep stays in a pass (then legality made it the
 * value its PE computed just before, in its register). */
static bool in_register(const Map *mp, const UreDep *dep)
{
	int64_t w[URE_MAXL];
	int cnt;
	return mp->u->vars[dep->var].kind != VAR_PROPAGATE && lower_intra_pass(mp, dep, w, &cnt);
}

static double no_read(Eval *ev, int var, const int64_t *x)
{
	return 0;
}

static void print_flow(Buf *b, const Map *mp, const Flow *f)
{
	buf_printf(b, "  %-8s %-7s %6lld words at %lld PE%s (", f->what,
	           strcmp(f->how, "in") == 0 ? "enters" : strcmp(f->how, "out") == 0 ? "leaves" : "spills",
	           (long long)f->words, (long long)f->npes_used, f->npes_used == 1 ? "" : "s");
	for (int r = 0; r < mp->nspace; r++) {
		buf_printf(b, "%s%s ", r ? ", " : "", mp->dim[r]);
		if (f->pmin[r] == f->pmax[r])
			buf_printf(b, "= %lld", (long long)f->pmin[r]);
		else
			buf_printf(b, "%lld..%lld", (long long)f->pmin[r], (long long)f->pmax[r]);
	}
	buf_printf(b, "), steps %lld..%lld\n", (long long)f->tmin, (long long)f->tmax);
}

void explain_map(Buf *b, const Map *mp, const Sizes *sz)
{
	const Ure *u = mp->u;
	Walk w;
	memset(&w, 0, sizeof w);
	w.mp = mp;
	w.sz = sz;
	for (int j = 0; j < u->nloops; j++)
		w.bound[j] = aff_eval(u->bound[j], sz);
	for (int l = 0; l < mp->nloops; l++)
		w.ext[l] = map_extent(mp, l, sz);

	buf_printf(b, "mapping %s of %s [", mp->m->name, u->k->name);
	ure_print_sizes(b, u, sz);
	buf_printf(b, "]: legal\n  loops:");
	for (int l = 0; l < mp->nloops; l++) {
		const MapLoop *ml = &mp->loops[l];
		buf_printf(b, " %s<%lld", ml->name, (long long)w.ext[l]);
		buf_printf(b, "%s", ml->st >= 0      ? "(array)"
		                    : ml->parallel ? "(parallel)"
		                    : ml->step     ? "(each step)"
		                                   : "(sequential)");
	}
	buf_printf(b, "\n  transform T over (");
	for (int c = 0; c < mp->n; c++)
		buf_printf(b, "%s%s", c ? ", " : "", mp->loops[mp->st[c]].name);
	buf_printf(b, "):\n");
	for (int r = 0; r < mp->n; r++) {
		buf_printf(b, "    %-6s = (", mp->dim[r]);
		for (int c = 0; c < mp->n; c++)
			buf_printf(b, "%s%lld", c ? ", " : "", (long long)mp->T[r][c]);
		buf_printf(b, ")%s\n", r == mp->n - 1 ? "   schedule" : mp->on_lanes[r] ? "   lanes" : "   registers");
	}
	/* shape and time */
	w.npes = 1;
	int64_t box = 1;
	for (int c = 0; c < mp->n; c++)
		box *= w.ext[mp->st[c]];
	buf_printf(b, "  array: ");
	for (int r = 0; r <= mp->nspace; r++) {
		int64_t lo = 0, hi = 0;
		for (int c = 0; c < mp->n; c++) {
			int64_t v = mp->T[r][c] * (w.ext[mp->st[c]] - 1);
			if (v < 0)
				lo += v;
			else
				hi += v;
		}
		if (r < mp->nspace) {
			w.pmin[r] = lo;
			w.pext[r] = hi - lo + 1;
			w.npes *= w.pext[r];
			buf_printf(b, "%s%lld", r ? " x " : "", (long long)w.pext[r]);
		} else {
			w.tmin = lo;
			w.tmax = hi;
		}
	}
	int64_t steps = w.tmax - w.tmin + 1, passes = 1, inner = 1;
	for (int l = 0; l < mp->nloops; l++)
		if (mp->loops[l].step)
			inner *= w.ext[l];
		else if (mp->loops[l].st < 0)
			passes *= w.ext[l];
	box *= inner;
	buf_printf(b, " = %lld PEs (", (long long)w.npes);
	for (int r = 0; r < mp->nspace; r++)
		buf_printf(b, "%s%s on %s", r ? ", " : "", mp->dim[r], mp->on_lanes[r] ? "lanes" : "registers");
	buf_printf(b, ")\n  time: %lld steps per pass, fill and drain included", (long long)steps);
	if (mp->nstep)
		buf_printf(b, ", %lld points per PE in each", (long long)inner);
	buf_printf(b, "; %lld pass%s\n", (long long)passes, passes == 1 ? "" : "es");
	/* links */
	buf_printf(b, "  links:\n");
	for (int i = 0; i < u->ndeps; i++) {
		const UreDep *dep = &u->deps[i];
		MapLink ml[MAXINST];
		int nl = map_links(mp, dep, ml);
		for (int k = 0; k < nl; k++) {
			int64_t v[URE_MAXL + 1];
			memcpy(v, ml[k].disp, sizeof(int64_t) * (size_t)mp->nspace);
			v[mp->nspace] = ml[k].delay;
			bool stays = true;
			for (int r = 0; r < mp->nspace; r++)
				stays &= v[r] == 0;
			buf_printf(b, "    %-6s -> %-6s ", u->vars[dep->var].name, u->vars[dep->reader].name);
			if (stays) {
				buf_printf(b, "stays in its PE");
			} else {
				buf_printf(b, "moves (");
				for (int r = 0; r < mp->nspace; r++)
					buf_printf(b, "%s%+lld", r ? ", " : "", (long long)v[r]);
				buf_printf(b, ")");
			}
			buf_printf(b, ", delay %lld (%lld register%s)\n", (long long)v[mp->nspace], (long long)v[mp->nspace],
			           v[mp->nspace] == 1 ? "" : "s");
		}
	}
	/* with loops inside each step, what a PE keeps in a register for its next point */
	for (int i = 0; i < u->ndeps && mp->nstep; i++) {
		const UreDep *dep = &u->deps[i];
		bool seen = false;
		for (int j = 0; j < i; j++)
			seen |= u->deps[j].var == dep->var && u->deps[j].reader == dep->reader && in_register(mp, &u->deps[j]);
		if (!seen && in_register(mp, dep))
			buf_printf(b, "    %-6s -> %-6s stays in its PE, in a register, for its next point\n",
			           u->vars[dep->var].name, u->vars[dep->reader].name);
	}
	/* data in and out, over the first pass */
	TensorSet *ts = NULL;
	Arena *a = arena_new();
	ts = tset_new(a, u, sz);
	Eval ev = {.u = u, .sz = sz, .ts = ts, .read = no_read};
	int64_t computed = 0;
	for (int64_t t = w.tmin; t <= w.tmax; t++)
		for (int64_t k = 0; k < inner * w.npes; k++) { /* the step loops' iterations, in order */
			int64_t it = k / w.npes, pe = k % w.npes;
			int64_t p[URE_MAXL + 1], rem = pe;
			for (int r = mp->nspace - 1; r >= 0; r--) {
				p[r] = rem % w.pext[r] + w.pmin[r];
				rem /= w.pext[r];
			}
			p[mp->nspace] = t;
			memset(w.val, 0, sizeof w.val);
			int64_t rest = it;
			for (int l = mp->nloops - 1; l >= 0; l--)
				if (mp->loops[l].step) {
					w.val[l] = rest % w.ext[l];
					rest /= w.ext[l];
				}
			bool inside = true;
			for (int c = 0; c < mp->n && inside; c++) {
				int64_t x = 0;
				for (int r = 0; r < mp->n; r++)
					x += mp->Tinv[c][r] * p[r];
				w.val[mp->st[c]] = x;
				inside = x >= 0 && x < w.ext[mp->st[c]];
			}
			int64_t x[URE_MAXL] = {0};
			for (int l = 0; l < mp->nloops && inside; l++)
				x[mp->loops[l].orig] += mp->loops[l].stride * w.val[l];
			for (int j = 0; j < u->nloops && inside; j++)
				inside = x[j] < w.bound[j];
			if (!inside)
				continue;
			computed++;
			memcpy(w.pe, p, sizeof(int64_t) * (size_t)mp->nspace);
			w.t = t;
			w.pe_index = pe;
			for (int v = 0; v < u->nvars; v++)
				walk(&w, &ev, u->vars[v].eqn->rhs, x);
			for (int o = 0; o < u->nouts; o++) {
				/* the point an output takes its value from is drained here */
				const Eqn *e = u->outs[o];
				const Expr *ref = e->rhs;
				if (ref->kind != EX_CALL)
					continue;
				bool here = true;
				int i = 0;
				for (const Expr *arg = ref->args; arg && here; arg = arg->next, i++)
					if (!(arg->kind == EX_NAME && arg->sym && arg->sym->kind == SYM_LOOP))
						here = eval_index(&ev, arg, x) == x[i];
				if (here)
					record(&w, e->name, "out");
			}
		}
	/* utilisation: the points the first pass computes (inside the domain), not the tile box */
	buf_printf(b, "  utilisation: %lld points in the first pass (a full tile has %lld) on %lld PEs x %lld steps",
	           (long long)computed, (long long)box, (long long)w.npes, (long long)steps);
	if (mp->nstep)
		buf_printf(b, " x %lld", (long long)inner);
	buf_printf(b, " = %.1f%%\n", 100.0 * (double)computed / (double)(w.npes * steps * inner));
	buf_printf(b, "  data, first pass:\n");
	for (int i = 0; i < w.nflows; i++) {
		print_flow(b, mp, &w.flows[i]);
		free(w.flows[i].pes);
	}
	arena_free(a);
}

int cmd_explain(int argc, char **argv)
{
	Options o;
	int rc = drv_options("explain", explain_usage, argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	Arena *a = arena_new();
	Diag d;
	Program *p = drv_load(a, &d, &o);
	if (!p)
		return drv_failed(a, &d);
	bool ok = true, any = false;
	for (Mapping *m = p->mappings; m; m = m->next) {
		if ((o.mapping && strcmp(o.mapping, m->name) != 0) || (o.kernel && strcmp(o.kernel, m->kernel->name) != 0))
			continue;
		any = true;
		Ure *u = ure_lower(a, m->kernel);
		Sizes sz;
		if (!drv_sizes("explain", u, &o, &sz)) {
			ok = false;
			continue;
		}
		Map *mp = map_build(a, &d, u, m);
		if (!mp) {
			printf("mapping %s of %s: not legal (see the errors above)\n", m->name, m->kernel->name);
			ok = false;
			continue;
		}
		Buf b = {0};
		explain_map(&b, mp, &sz);
		fwrite(b.data, 1, b.len, stdout);
		buf_free(&b);
	}
	if (!any) {
		fprintf(stderr, "sysc explain: error: %s\n", o.mapping ? "no mapping of that name" : "the spec has no mapping");
		ok = false;
	}
	arena_free(a);
	return ok ? 0 : 1;
}
