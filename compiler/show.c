/*
 * show.c: `sysc show`, a picture of the array a mapping builds, as SVG or as text.
 *
 * The picture is of one pass of the array (the first: every loop around the array at
 * 0) at the given sizes. The facts come the way explain.c finds them: the points of
 * the pass are the box of transformed loops cut by the domain, each placed at its PE
 * and time step by T; a link is a recurrence with the displacement and delay T gives
 * its dependence; and data enters or leaves where the walk of a point's equations,
 * following the branch of every data-free guard, reads a tensor, reads a value of
 * another pass, or produces a value that an output or a later pass takes.
 *
 * Only the busy part of the array is drawn: the box of PEs and steps that compute a
 * point in this pass (at small sizes most of a 16 x 16 tile idles, and drawing it
 * would hide the picture). The first space dimension is the row of a 1-D array, the
 * rows of a 2-D one, and the second its columns; further dimensions are cut at their
 * first busy value. A flow is drawn on the side it comes from when the PE's
 * neighbour upstream (along the link of the recurrence that carries it) is outside
 * the drawn box, and as a direct port of the PE otherwise.
 *
 * Both renderings lay out with integers only, so the output is deterministic and
 * tests can pin it; the SVG is plain SVG 1.1 with generic fonts.
 */
#include "sysc.h"

#include <stdlib.h>
#include <string.h>

static const char show_usage[] =
	"usage: sysc show FILE.sys --mapping NAME [--kernel NAME] [--size M=..,N=..]\n"
	"                 [--steps FIRST..LAST] [-o OUT.svg | --ascii]\n"
	"\n"
	"Draws one pass of the array a mapping builds, at the given sizes (default: the\n"
	"kernel's default sizes): its PEs, the links between them with their delays, where\n"
	"each tensor enters and leaves, and a space-time diagram of which point each PE\n"
	"computes at each step. Only the PEs and steps busy in the pass are drawn.\n"
	"\n"
	"options:\n"
	"  -o OUT.svg          write an SVG picture to OUT.svg ('-': standard output)\n"
	"  --ascii             write text instead (the default without -o)\n"
	"  --steps A..B        the steps the space-time diagram shows (default: all of a\n"
	"                      1-D array's, the first 8 of a 2-D array's)\n"
	"  --mapping NAME      the mapping to draw (needed when the spec has several)\n"
	"  --kernel NAME       look for the mapping among this kernel's\n"
	"  --size M=..,N=..    the kernel's sizes\n";

/* Limits that keep a picture readable. */
enum {
	MAXPOINTS = 1 << 18, /* points of one pass */
	TEXT_MAXPE = 32,     /* PEs per drawn dimension, text */
	TEXT_MAXSTEPS = 64,  /* steps of the space-time table, text */
	SVG_MAXPE = 64,
	SVG_MAXSTEPS = 256,
	GRID_STEPS = 8,      /* default steps of a 2-D array's diagram */
	MAXLINKS = 64,
	MAXFLOWS = 64,
};

typedef struct {
	int var;
	int64_t disp[URE_MAXL]; /* consumer PE - producer PE */
	int64_t delay;
	int dr, dc;             /* the displacement in the drawn grid */
	bool hidden;            /* it also moves along a dimension that is not drawn */
} Link;

/* Data entering or leaving the array. */
typedef struct {
	const char *name; /* the tensor, or the recurrence for a value of another pass */
	int var;          /* the recurrence that carries it in the array */
	bool out;
	bool memory;      /* a recurrence value from an earlier pass or for a later one */
	int64_t words, tmin, tmax;
	int dr, dc;       /* the way its carrier moves in the grid (0, 0: it stays) */
	unsigned char *at; /* per drawn PE: 0, AT_BORDER or AT_DIRECT */
} Flow;

enum { AT_BORDER = 1, AT_DIRECT = 2 };

typedef struct {
	Arena *a;
	const Map *mp;
	const Ure *u;
	const Sizes *sz;
	int ns;       /* space dimensions */
	int nd;       /* drawn ones: at most 2 */
	int64_t ext[MAP_MAXL], bound[URE_MAXL];
	int64_t full[URE_MAXL]; /* the whole array's extent along each space dimension */
	int64_t passes;
	/* the points of the pass: PS values each, pe[ns], t, x[nloops] */
	int64_t npts, *pts;
	int ps;
	int64_t lo[URE_MAXL + 1], hi[URE_MAXL + 1]; /* busy box; [ns] is time */
	int64_t rows, cols;                         /* drawn grid */
	int64_t t0, t1;                             /* steps of the space-time diagram */
	int32_t *cell;                              /* [(t - t0) * rows * cols + pe]: point or -1 */
	bool vary[URE_MAXL];                        /* kernel loops that vary within a pass */
	int nvary;
	Link links[MAXLINKS];
	int nlinks;
	Flow flows[MAXFLOWS];
	int nflows;
	/* the walk */
	Eval ev;
	int cur_var;
	int64_t cur_pe, cur_t;
	const Expr *target;
	bool reached;
} Show;

/* ---- the facts ---- */

static int64_t *pt_pe(const Show *s, int64_t i)
{
	return &s->pts[i * s->ps];
}

static int64_t *pt_x(const Show *s, int64_t i)
{
	return &s->pts[i * s->ps + s->ns + 1];
}

/* The drawn PE index of space coordinates p, or -1 outside the drawn slice. */
static int64_t drawn_pe(const Show *s, const int64_t *p)
{
	for (int r = 2; r < s->ns; r++)
		if (p[r] != s->lo[r])
			return -1;
	if (s->nd == 0)
		return 0;
	if (s->nd == 1)
		return p[0] - s->lo[0];
	return (p[0] - s->lo[0]) * s->cols + (p[1] - s->lo[1]);
}

/* Whether kernel point y lies in the first pass (every loop around the array at 0;
 * loops inside each time step are not passes). */
static bool first_pass(const Show *s, const int64_t *y)
{
	for (int l = 0; l < s->mp->nloops; l++) {
		const MapLoop *ml = &s->mp->loops[l];
		int64_t r = ml->span ? y[ml->orig] % ml->span : y[ml->orig];
		if (map_pass_loop(ml) && r / ml->stride != 0)
			return false;
	}
	return true;
}

static bool in_domain(const Show *s, const int64_t *y)
{
	for (int j = 0; j < s->u->nloops; j++)
		if (y[j] < 0 || y[j] >= s->bound[j])
			return false;
	return true;
}

/* Every point of the first pass with its PE and step; false if there are too many. */
static bool collect_points(Show *s)
{
	const Map *mp = s->mp;
	int64_t box = 1;
	for (int c = 0; c < mp->n; c++) {
		box *= s->ext[mp->st[c]];
		if (box > MAXPOINTS)
			return false;
	}
	s->ps = s->ns + 1 + s->u->nloops;
	s->pts = ARENA_ARRAY(s->a, int64_t, box * s->ps + 1);
	int64_t v[URE_MAXL] = {0};
	for (int64_t i = 0; i < box; i++) {
		int64_t rem = i;
		for (int c = mp->n - 1; c >= 0; c--) {
			v[c] = rem % s->ext[mp->st[c]];
			rem /= s->ext[mp->st[c]];
		}
		int64_t x[URE_MAXL] = {0};
		for (int c = 0; c < mp->n; c++)
			x[mp->loops[mp->st[c]].orig] += mp->loops[mp->st[c]].stride * v[c];
		if (!in_domain(s, x))
			continue;
		int64_t *p = &s->pts[s->npts * s->ps];
		for (int r = 0; r <= s->ns; r++) {
			p[r] = 0;
			for (int c = 0; c < mp->n; c++)
				p[r] += mp->T[r][c] * v[c];
		}
		memcpy(p + s->ns + 1, x, sizeof(int64_t) * (size_t)s->u->nloops);
		s->npts++;
	}
	return true;
}

static void find_links(Show *s)
{
	const Map *mp = s->mp;
	for (int i = 0; i < s->u->ndeps; i++) {
		const UreDep *dep = &s->u->deps[i];
		MapLink ml[MAXINST];
		int nl = map_links(mp, dep, ml);
		for (int k = 0; k < nl; k++) {
			Link L = {.var = dep->var, .delay = ml[k].delay};
			for (int r = 0; r < s->ns; r++)
				L.disp[r] = ml[k].disp[r];
			bool dup = false;
			for (int j = 0; j < s->nlinks && !dup; j++)
				dup = s->links[j].var == L.var && s->links[j].delay == L.delay &&
				      memcmp(s->links[j].disp, L.disp, sizeof L.disp) == 0;
			if (dup || s->nlinks == MAXLINKS)
				continue;
			for (int r = 2; r < s->ns; r++)
				L.hidden |= L.disp[r] != 0;
			L.dr = s->nd == 2 ? (int)L.disp[0] : 0;
			L.dc = s->nd == 2 ? (int)L.disp[1] : s->nd == 1 ? (int)L.disp[0] : 0;
			s->links[s->nlinks++] = L;
		}
	}
}


typedef void Visit(Show *s, const Expr *e, const int64_t *x);

/* Calls fn on every tensor read and recurrence reference that point x evaluates:
 * of a guard free of data only the branch taken, of any other guard both. */
static void visit(Show *s, const Expr *e, const int64_t *x, Visit *fn)
{
	if (!e)
		return;
	switch (e->kind) {
	case EX_COND:
		visit(s, e->a, x, fn);
		if (expr_data_free(e->a)) {
			visit(s, eval_expr(&s->ev, e->a, x) != 0 ? e->b : e->c, x, fn);
		} else {
			visit(s, e->b, x, fn);
			visit(s, e->c, x, fn);
		}
		return;
	case EX_INDEX:
		fn(s, e, x);
		return;
	case EX_CALL:
		if (e->sym && e->sym->kind == SYM_REC) {
			fn(s, e, x);
			return;
		}
		for (const Expr *a = e->args; a; a = a->next)
			visit(s, a, x, fn);
		return;
	default:
		visit(s, e->a, x, fn);
		visit(s, e->b, x, fn);
		return;
	}
}

static void add_flow(Show *s, const char *name, int var, bool out, bool memory)
{
	Flow *f = NULL;
	for (int i = 0; i < s->nflows && !f; i++)
		if (strcmp(s->flows[i].name, name) == 0 && s->flows[i].var == var && s->flows[i].out == out &&
		    s->flows[i].memory == memory)
			f = &s->flows[i];
	if (!f) {
		if (s->nflows == MAXFLOWS)
			return;
		f = &s->flows[s->nflows++];
		*f = (Flow){.name = name, .var = var, .out = out, .memory = memory, .tmin = INT64_MAX, .tmax = INT64_MIN};
		f->at = ARENA_ARRAY(s->a, unsigned char, s->rows * s->cols);
	}
	f->words++;
	f->tmin = s->cur_t < f->tmin ? s->cur_t : f->tmin;
	f->tmax = s->cur_t > f->tmax ? s->cur_t : f->tmax;
	f->at[s->cur_pe] = 1;
}

/* A tensor read, or a value of another pass, at the point being walked. */
static void on_read(Show *s, const Expr *e, const int64_t *x)
{
	if (e->kind == EX_INDEX) {
		add_flow(s, e->name, s->cur_var, false, false);
		return;
	}
	int64_t y[URE_MAXL] = {0};
	int i = 0;
	for (const Expr *a = e->args; a && i < URE_MAXL; a = a->next, i++)
		y[i] = eval_index(&s->ev, a, x);
	if (first_pass(s, y))
		return;
	int v = ure_var_index(s->u, e->name);
	const UreVar *uv = &s->u->vars[v];
	if (uv->kind == VAR_PROPAGATE) /* a feeder reads the tensor again */
		add_flow(s, uv->input->name, v, false, false);
	else
		add_flow(s, e->name, v, false, true);
}

static void on_target(Show *s, const Expr *e, const int64_t *x)
{
	(void)x;
	s->reached |= e == s->target;
}

/* Whether output equation o takes its value from point x: every argument of its
 * recurrence reference that is not a plain loop variable must meet x. */
static const Expr *output_ref(const Show *s, const Eqn *o, const int64_t *x)
{
	const Expr *ref = o->rhs;
	if (ref->kind != EX_CALL || !ref->sym || ref->sym->kind != SYM_REC)
		return NULL;
	int i = 0;
	for (const Expr *arg = ref->args; arg; arg = arg->next, i++)
		if (!(arg->kind == EX_NAME && arg->sym && arg->sym->kind == SYM_LOOP) &&
		    eval_index(&s->ev, arg, x) != x[i])
			return NULL;
	return ref;
}

static void find_flows(Show *s)
{
	const Ure *u = s->u;
	bool *sent = ARENA_ARRAY(s->a, bool, u->nvars + 1); /* a value goes to memory once */
	for (int64_t i = 0; i < s->npts; i++) {
		const int64_t *p = pt_pe(s, i), *x = pt_x(s, i);
		s->cur_pe = drawn_pe(s, p);
		s->cur_t = p[s->ns];
		if (s->cur_pe < 0)
			continue;
		for (int v = 0; v < u->nvars; v++) {
			s->cur_var = v;
			visit(s, u->vars[v].eqn->rhs, x, on_read);
		}
		for (int o = 0; o < u->nouts; o++) {
			const Expr *ref = output_ref(s, u->outs[o], x);
			if (ref)
				add_flow(s, u->outs[o]->name, ure_var_index(u, ref->name), true, false);
		}
		/* values a later pass reads: through memory (a propagated input is read again) */
		memset(sent, 0, (size_t)u->nvars);
		for (int k = 0; k < u->ndeps; k++) {
			const UreDep *dep = &u->deps[k];
			if (u->vars[dep->var].kind == VAR_PROPAGATE || sent[dep->var])
				continue;
			int64_t y[URE_MAXL];
			for (int j = 0; j < u->nloops; j++)
				y[j] = x[j] + dep->d[j];
			if (!in_domain(s, y) || first_pass(s, y))
				continue;
			s->target = dep->ref;
			s->reached = false;
			visit(s, u->vars[dep->reader].eqn->rhs, y, on_target);
			if (s->reached) {
				sent[dep->var] = true;
				add_flow(s, u->vars[dep->var].name, dep->var, true, true);
			}
		}
	}
	/* where each flow crosses the border of the drawn box, and where it uses a port */
	for (int i = 0; i < s->nflows; i++) {
		Flow *f = &s->flows[i];
		for (int l = 0; l < s->nlinks; l++) {
			const Link *L = &s->links[l];
			if (L->var == f->var && !L->hidden && (L->dr || L->dc)) {
				f->dr = L->dr;
				f->dc = L->dc;
				break;
			}
		}
		/* the next PE upstream (downstream for an output), one step along each axis
		 * the carrier moves on: past the edge, the flow crosses the border */
		int sign = f->out ? 1 : -1, ur = (f->dr > 0) - (f->dr < 0), uc = (f->dc > 0) - (f->dc < 0);
		for (int64_t pe = 0; pe < s->rows * s->cols; pe++) {
			if (!f->at[pe])
				continue;
			int64_t r = pe / s->cols + sign * ur, c = pe % s->cols + sign * uc;
			bool outside = r < 0 || r >= s->rows || c < 0 || c >= s->cols;
			f->at[pe] = (f->dr || f->dc) && outside ? AT_BORDER : AT_DIRECT;
		}
	}
}

static bool parse_steps(const char *spec, int64_t *a, int64_t *b)
{
	char *end;
	long long x = strtoll(spec, &end, 10), y = x;
	if (end == spec)
		return false;
	if (strncmp(end, "..", 2) == 0) {
		const char *q = end + 2;
		y = strtoll(q, &end, 10);
		if (end == q)
			return false;
	}
	if (*end || x > y)
		return false;
	*a = x;
	*b = y;
	return true;
}

/* Works out everything the picture shows; false after a message on stderr. */
static bool build(Show *s, const int64_t *steps, bool text)
{
	const Map *mp = s->mp;
	const Ure *u = s->u;
	s->ns = mp->nspace;
	s->nd = s->ns < 2 ? s->ns : 2;
	for (int j = 0; j < u->nloops; j++)
		s->bound[j] = aff_eval(u->bound[j], s->sz);
	s->passes = 1;
	for (int l = 0; l < mp->nloops; l++) {
		s->ext[l] = map_extent(mp, l, s->sz);
		if (mp->loops[l].st >= 0)
			s->vary[mp->loops[l].orig] = true;
		else if (!mp->loops[l].step)
			s->passes *= s->ext[l];
	}
	for (int j = 0; j < u->nloops; j++)
		s->nvary += s->vary[j];
	for (int r = 0; r < s->ns; r++) {
		int64_t lo = 0, hi = 0;
		for (int c = 0; c < mp->n; c++) {
			int64_t v = mp->T[r][c] * (s->ext[mp->st[c]] - 1);
			*(v < 0 ? &lo : &hi) += v;
		}
		s->full[r] = hi - lo + 1;
	}
	if (!collect_points(s)) {
		fprintf(stderr, "sysc show: error: one pass of mapping '%s' has more than %d points: too many to draw; "
		                "choose smaller sizes with --size\n", mp->m->name, MAXPOINTS);
		return false;
	}
	if (s->npts == 0) {
		fprintf(stderr, "sysc show: error: the first pass of mapping '%s' computes nothing at these sizes\n",
		        mp->m->name);
		return false;
	}
	for (int r = 0; r <= s->ns; r++) {
		s->lo[r] = INT64_MAX;
		s->hi[r] = INT64_MIN;
	}
	for (int64_t i = 0; i < s->npts; i++)
		for (int r = 0; r <= s->ns; r++) {
			int64_t v = pt_pe(s, i)[r];
			s->lo[r] = v < s->lo[r] ? v : s->lo[r];
			s->hi[r] = v > s->hi[r] ? v : s->hi[r];
		}
	s->rows = s->nd == 2 ? s->hi[0] - s->lo[0] + 1 : 1;
	s->cols = s->nd == 2 ? s->hi[1] - s->lo[1] + 1 : s->nd == 1 ? s->hi[0] - s->lo[0] + 1 : 1;
	int64_t maxpe = text ? TEXT_MAXPE : SVG_MAXPE, maxsteps = text ? TEXT_MAXSTEPS : SVG_MAXSTEPS;
	for (int r = 0; r < s->nd; r++)
		if (s->hi[r] - s->lo[r] + 1 > maxpe) {
			fprintf(stderr,
			        "sysc show: error: %lld PEs along '%s' are busy, too many to draw%s (at most %lld); choose "
			        "smaller sizes with --size%s\n",
			        (long long)(s->hi[r] - s->lo[r] + 1), mp->dim[r], text ? " as text" : "", (long long)maxpe,
			        text ? ", or draw an SVG with -o" : "");
			return false;
		}
	s->t0 = s->lo[s->ns];
	s->t1 = s->hi[s->ns];
	if (steps) {
		s->t0 = steps[0] > s->t0 ? steps[0] : s->t0;
		s->t1 = steps[1] < s->t1 ? steps[1] : s->t1;
		if (s->t0 > s->t1) {
			fprintf(stderr, "sysc show: error: --steps %lld..%lld: the pass is busy at steps %lld..%lld only\n",
			        (long long)steps[0], (long long)steps[1], (long long)s->lo[s->ns], (long long)s->hi[s->ns]);
			return false;
		}
	} else if (s->nd == 2 && s->t1 - s->t0 + 1 > GRID_STEPS) {
		s->t1 = s->t0 + GRID_STEPS - 1;
	}
	if (s->t1 - s->t0 + 1 > maxsteps) {
		fprintf(stderr,
		        "sysc show: error: the pass is busy for %lld steps, too many to draw%s (at most %lld); choose smaller "
		        "sizes with --size, or some steps with --steps FIRST..LAST\n",
		        (long long)(s->t1 - s->t0 + 1), text ? " as text" : "", (long long)maxsteps);
		return false;
	}
	int64_t npe = s->rows * s->cols, nsteps = s->t1 - s->t0 + 1;
	s->cell = ARENA_ARRAY(s->a, int32_t, npe * nsteps + 1);
	for (int64_t i = 0; i < npe * nsteps; i++)
		s->cell[i] = -1;
	for (int64_t i = 0; i < s->npts; i++) {
		const int64_t *p = pt_pe(s, i);
		int64_t pe = drawn_pe(s, p);
		if (pe >= 0 && p[s->ns] >= s->t0 && p[s->ns] <= s->t1)
			s->cell[(p[s->ns] - s->t0) * npe + pe] = (int32_t)i;
	}
	find_links(s);
	TensorSet *ts = tset_new(s->a, u, s->sz);
	s->ev = (Eval){.u = u, .sz = s->sz, .ts = ts};
	find_flows(s);
	return true;
}

/* ---- words shared by both renderings ---- */

static const char *dim_role(const Show *s, int r)
{
	return s->mp->on_lanes[r] ? "lanes" : "registers";
}

/* "i,k": the varying loops of point i */
static const char *point_text(const Show *s, int64_t i)
{
	Buf b = {0};
	const int64_t *x = pt_x(s, i);
	for (int j = 0, n = 0; j < s->u->nloops; j++)
		if (s->vary[j])
			buf_printf(&b, "%s%lld", n++ ? "," : "", (long long)x[j]);
	const char *r = arena_strdup(s->a, b.data ? b.data : "");
	buf_free(&b);
	return r;
}

static const char *pe_text(const Show *s, int64_t pe)
{
	if (s->nd == 0)
		return "PE";
	if (s->nd == 1)
		return arena_printf(s->a, "%lld", (long long)(s->lo[0] + pe));
	return arena_printf(s->a, "%lld,%lld", (long long)(s->lo[0] + pe / s->cols), (long long)(s->lo[1] + pe % s->cols));
}

static const char *flow_label(const Show *s, const Flow *f)
{
	return f->memory ? arena_printf(s->a, "%s(mem)", f->name) : f->name;
}

/* Where a border flow comes from or goes to. */
static const char *side_name(int dr, int dc, bool out)
{
	int sr = out ? dr : -dr, sc = out ? dc : -dc;
	if (sr == 0)
		return sc < 0 ? "left" : "right";
	if (sc == 0)
		return sr < 0 ? "top" : "bottom";
	return "corner";
}

/* The header lines: what is drawn, of what. */
static void describe(Buf *b, const Show *s, const char *lead)
{
	const Map *mp = s->mp;
	buf_printf(b, "%smapping %s of %s [", lead, mp->m->name, s->u->k->name);
	ure_print_sizes(b, s->u, s->sz);
	buf_printf(b, "]: the first pass of %lld", (long long)s->passes);
	int n = 0;
	for (int l = 0; l < mp->nloops; l++)
		if (map_pass_loop(&mp->loops[l]))
			buf_printf(b, "%s%s=0", n++ ? ", " : " (", mp->loops[l].name);
	buf_printf(b, "%s\n%sarray: ", n ? ")" : "", lead);
	int64_t total = 1;
	for (int r = 0; r < s->ns; r++) {
		total *= s->full[r];
		buf_printf(b, "%s%lld", r ? " x " : "", (long long)s->full[r]);
	}
	if (s->ns == 0)
		buf_printf(b, "1 PE");
	else if (s->ns == 1)
		buf_printf(b, " PEs along %s (%s)", mp->dim[0], dim_role(s, 0));
	else
		buf_printf(b, " = %lld PEs, rows %s (%s), columns %s (%s)", (long long)total, mp->dim[0], dim_role(s, 0),
		           mp->dim[1], dim_role(s, 1));
	buf_printf(b, "\n%sdrawn: ", lead);
	if (s->nd == 0)
		buf_printf(b, "the PE");
	for (int r = 0; r < s->nd; r++)
		buf_printf(b, "%s%s %lld..%lld", r ? ", " : "", mp->dim[r], (long long)s->lo[r], (long long)s->hi[r]);
	buf_printf(b, "%s; steps %lld..%lld\n", s->nd ? ", the PEs busy at these sizes" : "", (long long)s->lo[s->ns],
	           (long long)s->hi[s->ns]);
	if (s->ns > 2) {
		buf_printf(b, "%sonly the first two space dimensions are drawn: the slice", lead);
		for (int r = 2; r < s->ns; r++)
			buf_printf(b, "%s %s=%lld", r > 2 ? "," : "", mp->dim[r], (long long)s->lo[r]);
		buf_printf(b, "\n");
	}
	buf_printf(b, "%spoints: (", lead);
	n = 0;
	for (int j = 0; j < s->u->nloops; j++)
		if (s->vary[j])
			buf_printf(b, "%s%s", n++ ? "," : "", s->u->loops[j]->name);
	buf_printf(b, ")");
	n = 0;
	for (int j = 0; j < s->u->nloops; j++)
		if (!s->vary[j])
			buf_printf(b, "%s%s=0", n++ ? ", " : ", in this pass ", s->u->loops[j]->name);
	/* a step runs every iteration of these; the picture shows the first */
	n = 0;
	for (int l = 0; l < mp->nloops; l++)
		if (mp->loops[l].step && n++)
			buf_printf(b, ", %s", mp->loops[l].name);
		else if (mp->loops[l].step)
			buf_printf(b, "\n%seach step runs every iteration of %s", lead, mp->loops[l].name);
	buf_printf(b, "%s\n", n ? "; drawn: the first, whose data this is (each PE keeps its values for the next)" : "");
}

static void describe_link(Buf *b, const Show *s, const Link *L)
{
	const char *name = s->u->vars[L->var].name;
	bool moves = false;
	for (int r = 0; r < s->ns; r++)
		moves |= L->disp[r] != 0;
	if (!moves) {
		buf_printf(b, "%s stays in its PE, delay %lld (%lld register%s)", name, (long long)L->delay,
		           (long long)L->delay, L->delay == 1 ? "" : "s");
		return;
	}
	buf_printf(b, "%s moves (", name);
	for (int r = 0; r < s->ns; r++)
		buf_printf(b, "%s%+lld", r ? "," : "", (long long)L->disp[r]);
	buf_printf(b, ")");
	if (s->ns > 1) {
		buf_printf(b, " along");
		for (int r = 0, n = 0; r < s->ns; r++)
			if (L->disp[r])
				buf_printf(b, "%s%s", n++ ? "+" : " ", s->mp->dim[r]);
	}
	buf_printf(b, ", delay %lld (%lld register%s)", (long long)L->delay, (long long)L->delay, L->delay == 1 ? "" : "s");
}

static void describe_flow(Buf *b, const Show *s, const Flow *f)
{
	int64_t nb = 0, nd = 0, lo[2] = {INT64_MAX, INT64_MAX}, hi[2] = {INT64_MIN, INT64_MIN};
	for (int64_t pe = 0; pe < s->rows * s->cols; pe++) {
		if (!f->at[pe])
			continue;
		*(f->at[pe] == AT_BORDER ? &nb : &nd) += 1;
		int64_t c[2] = {s->nd == 2 ? pe / s->cols : pe, pe % s->cols};
		for (int r = 0; r < 2; r++) {
			lo[r] = c[r] < lo[r] ? c[r] : lo[r];
			hi[r] = c[r] > hi[r] ? c[r] : hi[r];
		}
	}
	buf_printf(b, "%s %s %lld word%s at %lld PE%s (", flow_label(s, f), f->out ? "leaves" : "enters",
	           (long long)f->words, f->words == 1 ? "" : "s", (long long)(nb + nd), nb + nd == 1 ? "" : "s");
	for (int r = 0; r < s->nd; r++) {
		int64_t a = s->lo[r] + lo[r], z = s->lo[r] + hi[r];
		buf_printf(b, "%s%s", r ? ", " : "", s->mp->dim[r]);
		if (a == z)
			buf_printf(b, "=%lld", (long long)a);
		else
			buf_printf(b, " %lld..%lld", (long long)a, (long long)z);
	}
	if (s->nd == 0)
		buf_printf(b, "the PE");
	buf_printf(b, "), steps %lld..%lld", (long long)f->tmin, (long long)f->tmax);
	if (nb)
		buf_printf(b, "; %lld %s the %s", (long long)nb, f->out ? "to" : "from", side_name(f->dr, f->dc, f->out));
	if (nd)
		buf_printf(b, "; %lld directly%s", (long long)nd,
		           f->memory ? (f->out ? ", to memory for a later pass" : ", from memory (an earlier pass)")
		                     : f->out ? ", to memory" : ", from memory");
}

/* ---- text ---- */

typedef struct {
	int w, h;
	char *c;
} Canvas;

static void cv_put(Canvas *cv, int x, int y, const char *str)
{
	if (y < 0 || y >= cv->h)
		return;
	for (int i = 0; str[i]; i++)
		if (x + i >= 0 && x + i < cv->w)
			cv->c[y * cv->w + x + i] = str[i];
}

static void cv_emit(Buf *b, const Canvas *cv)
{
	for (int y = 0; y < cv->h; y++) {
		int n = cv->w;
		while (n > 0 && cv->c[y * cv->w + n - 1] == ' ')
			n--;
		buf_printf(b, "%.*s\n", n, &cv->c[y * cv->w]);
	}
}

static int imax(int a, int b)
{
	return a > b ? a : b;
}

static bool stays(const Link *L)
{
	return !L->hidden && L->dr == 0 && L->dc == 0;
}

/* The names of the flows that cross the border at drawn PE pe in the direction
 * of link l, "a,C(mem)"; NULL when none does. */
static const char *border_names(Show *s, int64_t pe, int l, bool out)
{
	const Link *L = &s->links[l];
	Buf names = {0};
	for (int i = 0; i < s->nflows; i++) {
		const Flow *f = &s->flows[i];
		if (f->at[pe] == AT_BORDER && f->out == out && f->var == L->var && f->dr == L->dr && f->dc == L->dc)
			buf_printf(&names, "%s%s", names.len ? "," : "", flow_label(s, f));
	}
	const char *r = names.len ? arena_strdup(s->a, names.data) : NULL;
	buf_free(&names);
	return r;
}

/* The grid of PEs: boxes with coordinates, stationary values (Y@1) and direct ports
 * (+x enters, -y leaves); horizontal links as -A1-> between boxes, vertical ones as
 * |B1 over v; border flows outside the boxes, on the line or column of their link. */
static void text_grid(Buf *b, Show *s)
{
	int64_t npe = s->rows * s->cols;
	/* one line per horizontal link, one column per vertical link */
	int hline[MAXLINKS], vcol[MAXLINKS], nh = 0, nv = 0, vwidth = 1;
	const char *lab[MAXLINKS];
	for (int l = 0; l < s->nlinks; l++) {
		const Link *L = &s->links[l];
		lab[l] = arena_printf(s->a, "%s%lld", s->u->vars[L->var].name, (long long)L->delay);
		hline[l] = vcol[l] = -1;
		if (L->hidden)
			continue;
		if (L->dr == 0 && L->dc != 0)
			hline[l] = nh++;
		if (L->dc == 0 && L->dr != 0) {
			vcol[l] = vwidth;
			vwidth += (int)strlen(lab[l]) + 2;
		}
		nv += L->dc == 0 && L->dr != 0;
	}
	/* box contents */
	Buf st = {0};
	for (int l = 0; l < s->nlinks; l++)
		if (stays(&s->links[l]))
			buf_printf(&st, "%s%s@%lld", st.len ? " " : "", s->u->vars[s->links[l].var].name,
			           (long long)s->links[l].delay);
	const char **ins = ARENA_ARRAY(s->a, const char *, npe), **outs = ARENA_ARRAY(s->a, const char *, npe);
	int inner = (int)(st.len + 4), nlines = 1 + (st.len > 0);
	bool anyin = false, anyout = false;
	for (int64_t pe = 0; pe < npe; pe++) {
		Buf in = {0}, out = {0};
		for (int i = 0; i < s->nflows; i++) {
			const Flow *f = &s->flows[i];
			/* a flow over a corner has no arrow in text: it is listed in the box too */
			if (f->at[pe] == AT_DIRECT || (f->at[pe] == AT_BORDER && f->dr && f->dc))
				buf_printf(f->out ? &out : &in, "%s%c%s", (f->out ? out.len : in.len) ? " " : "", f->out ? '-' : '+',
				           flow_label(s, f));
		}
		ins[pe] = in.len ? arena_strdup(s->a, in.data) : NULL;
		outs[pe] = out.len ? arena_strdup(s->a, out.data) : NULL;
		inner = imax(inner, imax((int)in.len, (int)out.len) + 2);
		inner = imax(inner, (int)strlen(pe_text(s, pe)) + 2);
		anyin |= in.len > 0;
		anyout |= out.len > 0;
		buf_free(&in);
		buf_free(&out);
	}
	nlines += anyin + anyout;
	nlines = imax(nlines, nh);
	int bw = imax(inner, vwidth + 1) + 2, bh = nlines + 2;
	/* gaps: connectors between columns, two lines between rows */
	int gx = 4;
	const char **conn = ARENA_ARRAY(s->a, const char *, s->nlinks + 1);
	for (int l = 0; l < s->nlinks; l++) {
		if (hline[l] < 0)
			continue;
		const Link *L = &s->links[l];
		const char *hop = L->dc > 1 || L->dc < -1 ? arena_printf(s->a, "(%+d)", L->dc) : "";
		conn[l] = L->dc > 0 ? arena_printf(s->a, "-%s%s->", lab[l], hop) : arena_printf(s->a, "<-%s%s-", lab[l], hop);
		gx = imax(gx, (int)strlen(conn[l]));
	}
	int gy = nv ? 2 : 1;
	/* border flows: room for their names on each side */
	int lm = 0, rm = 0, tm = 0, bm = 0;
	for (int64_t pe = 0; pe < npe; pe++)
		for (int l = 0; l < s->nlinks; l++)
			for (int out = 0; out < 2; out++) {
				const char *names = border_names(s, pe, l, out), *side;
				if (!names || (hline[l] < 0 && vcol[l] < 0))
					continue;
				side = side_name(s->links[l].dr, s->links[l].dc, out);
				if (strcmp(side, "left") == 0)
					lm = imax(lm, (int)strlen(names) + 3);
				else if (strcmp(side, "right") == 0)
					rm = imax(rm, (int)strlen(names) + 3);
				else if (strcmp(side, "top") == 0)
					tm = 2;
				else
					bm = 2;
			}
	int W = lm + (int)s->cols * bw + (int)(s->cols - 1) * gx + rm + 32;
	int H = tm + (int)s->rows * bh + (int)(s->rows - 1) * gy + bm;
	Canvas cv = {W, H, calloc((size_t)(W * H) + 1, 1)};
	if (!cv.c)
		sysc_bug("out of memory");
	memset(cv.c, ' ', (size_t)(W * H));
	char *dash = ARENA_ARRAY(s->a, char, bw + 1);
	memset(dash, '-', (size_t)bw);
	dash[0] = dash[bw - 1] = '+';
	for (int64_t pe = 0; pe < npe; pe++) {
		int r = (int)(pe / s->cols), c = (int)(pe % s->cols);
		int x = lm + c * (bw + gx), y = tm + r * (bh + gy);
		cv_put(&cv, x, y, dash);
		cv_put(&cv, x, y + bh - 1, dash);
		for (int k = 1; k < bh - 1; k++) {
			cv_put(&cv, x, y + k, "|");
			cv_put(&cv, x + bw - 1, y + k, "|");
		}
		int k = 1;
		cv_put(&cv, x + 2, y + k++, pe_text(s, pe));
		if (st.len)
			cv_put(&cv, x + 2, y + k++, st.data);
		if (anyin && ins[pe])
			cv_put(&cv, x + 2, y + k, ins[pe]);
		k += anyin;
		if (anyout && outs[pe])
			cv_put(&cv, x + 2, y + k, outs[pe]);
		for (int l = 0; l < s->nlinks; l++) {
			const Link *L = &s->links[l];
			if (hline[l] >= 0 && c + 1 < s->cols)
				cv_put(&cv, x + bw, y + 1 + hline[l], conn[l]);
			if (vcol[l] >= 0 && r + 1 < s->rows) {
				bool down = L->dr > 0;
				cv_put(&cv, x + vcol[l], y + bh, down ? arena_printf(s->a, "|%s", lab[l]) : "^");
				cv_put(&cv, x + vcol[l], y + bh + 1, down ? "v" : arena_printf(s->a, "|%s", lab[l]));
			}
		}
	}
	/* border flows */
	for (int64_t pe = 0; pe < npe; pe++) {
		int r = (int)(pe / s->cols), c = (int)(pe % s->cols);
		int x = lm + c * (bw + gx), y = tm + r * (bh + gy);
		for (int l = 0; l < s->nlinks; l++)
			for (int out = 0; out < 2; out++) {
				const char *names = border_names(s, pe, l, out), *side;
				if (!names || (hline[l] < 0 && vcol[l] < 0))
					continue;
				side = side_name(s->links[l].dr, s->links[l].dc, out);
				int len = (int)strlen(names);
				if (strcmp(side, "left") == 0) {
					cv_put(&cv, x - len - 3, y + 1 + hline[l], arena_printf(s->a, out ? "%s <-" : "%s ->", names));
				} else if (strcmp(side, "right") == 0) {
					cv_put(&cv, x + bw, y + 1 + hline[l], arena_printf(s->a, out ? "-> %s" : "<- %s", names));
				} else if (strcmp(side, "top") == 0) {
					cv_put(&cv, x + vcol[l], y - 2, names);
					cv_put(&cv, x + vcol[l], y - 1, out ? "^" : "v");
				} else {
					cv_put(&cv, x + vcol[l], y + bh, out ? "v" : "^");
					cv_put(&cv, x + vcol[l], y + bh + 1, names);
				}
			}
	}
	cv_emit(b, &cv);
	free(cv.c);
	buf_free(&st);
}

static void text_legend(Buf *b, Show *s)
{
	buf_printf(b, "\nlinks:\n");
	if (!s->nlinks)
		buf_printf(b, "  none\n");
	for (int l = 0; l < s->nlinks; l++) {
		const Link *L = &s->links[l];
		const char *name = s->u->vars[L->var].name, *sym;
		if (L->hidden || (L->dr && L->dc))
			sym = "(not drawn)";
		else if (stays(L))
			sym = arena_printf(s->a, "%s@%lld", name, (long long)L->delay);
		else if (L->dr == 0)
			sym = arena_printf(s->a, L->dc > 0 ? "-%s%lld->" : "<-%s%lld-", name, (long long)L->delay);
		else
			sym = arena_printf(s->a, L->dr > 0 ? "|%s%lld v" : "^ |%s%lld", name, (long long)L->delay);
		buf_printf(b, "  %-12s ", sym);
		describe_link(b, s, L);
		buf_printf(b, "\n");
	}
	buf_printf(b, "data (+x enters a PE directly, -y leaves it; (mem): a value of another pass):\n");
	if (!s->nflows)
		buf_printf(b, "  none\n");
	for (int i = 0; i < s->nflows; i++) {
		buf_printf(b, "  ");
		describe_flow(b, s, &s->flows[i]);
		buf_printf(b, "\n");
	}
}

/* 1-D: one row per step, one column per PE. 2-D: one small grid per step. */
static void text_spacetime(Buf *b, Show *s)
{
	int64_t npe = s->rows * s->cols, nsteps = s->t1 - s->t0 + 1;
	int cw = 1;
	for (int64_t i = 0; i < npe * nsteps; i++)
		if (s->cell[i] >= 0)
			cw = imax(cw, (int)strlen(point_text(s, s->cell[i])));
	buf_printf(b, "\nspace-time: the point (");
	for (int j = 0, n = 0; j < s->u->nloops; j++)
		if (s->vary[j])
			buf_printf(b, "%s%s", n++ ? "," : "", s->u->loops[j]->name);
	buf_printf(b, ") each PE computes at each step, . when it idles");
	if (s->t0 != s->lo[s->ns] || s->t1 != s->hi[s->ns])
		buf_printf(b, "; steps %lld..%lld of %lld..%lld", (long long)s->t0, (long long)s->t1,
		           (long long)s->lo[s->ns], (long long)s->hi[s->ns]);
	buf_printf(b, "\n");
	if (s->nd < 2) {
		const char *dim = s->nd ? s->mp->dim[0] : "PE";
		for (int64_t pe = 0; pe < npe; pe++)
			cw = imax(cw, (int)strlen(s->nd ? arena_printf(s->a, "%s=%lld", dim, (long long)(s->lo[0] + pe)) : dim));
		buf_printf(b, "%5s |", "t");
		for (int64_t pe = 0; pe < npe; pe++)
			buf_printf(b, " %-*s", cw,
			           s->nd ? arena_printf(s->a, "%s=%lld", dim, (long long)(s->lo[0] + pe)) : dim);
		buf_printf(b, "\n------+");
		for (int64_t pe = 0; pe < npe * (cw + 1); pe++)
			buf_printf(b, "-");
		buf_printf(b, "\n");
		for (int64_t t = s->t0; t <= s->t1; t++) {
			Buf line = {0};
			buf_printf(&line, "%5lld |", (long long)t);
			for (int64_t pe = 0; pe < npe; pe++) {
				int32_t i = s->cell[(t - s->t0) * npe + pe];
				buf_printf(&line, " %-*s", cw, i >= 0 ? point_text(s, i) : ".");
			}
			while (line.len && line.data[line.len - 1] == ' ')
				line.data[--line.len] = 0;
			buf_printf(b, "%s\n", line.data);
			buf_free(&line);
		}
		return;
	}
	/* 2-D: blocks side by side, as many as fit in 100 columns */
	int rw = 0;
	for (int64_t r = 0; r < s->rows; r++)
		rw = imax(rw, (int)strlen(arena_printf(s->a, "%lld", (long long)(s->lo[0] + r))));
	for (int64_t c = 0; c < s->cols; c++)
		cw = imax(cw, (int)strlen(arena_printf(s->a, "%lld", (long long)(s->lo[1] + c))));
	int64_t t0 = s->t0, t1 = s->t1;
	rw = imax(rw, (int)strlen(arena_printf(s->a, "t=%lld", (long long)t1)));
	rw = imax(rw, (int)strlen(arena_printf(s->a, "t=%lld", (long long)t0)));
	int bw = rw + (int)s->cols * (cw + 1), per = imax(1, 100 / (bw + 3));
	buf_printf(b, "(rows %s %lld..%lld, columns %s %lld..%lld)\n", s->mp->dim[0], (long long)s->lo[0],
	           (long long)s->hi[0], s->mp->dim[1], (long long)s->lo[1], (long long)s->hi[1]);
	for (int64_t first = t0; first <= t1; first += per) {
		int64_t last = first + per - 1 < t1 ? first + per - 1 : t1;
		Canvas cv = {(int)(last - first + 1) * (bw + 3), (int)s->rows + 1, NULL};
		cv.c = calloc((size_t)(cv.w * cv.h) + 1, 1);
		if (!cv.c)
			sysc_bug("out of memory");
		memset(cv.c, ' ', (size_t)(cv.w * cv.h));
		for (int64_t t = first; t <= last; t++) {
			int x0 = (int)(t - first) * (bw + 3);
			cv_put(&cv, x0, 0, arena_printf(s->a, "t=%lld", (long long)t));
			for (int64_t c = 0; c < s->cols; c++)
				cv_put(&cv, x0 + rw + 1 + (int)c * (cw + 1), 0, arena_printf(s->a, "%lld", (long long)(s->lo[1] + c)));
			for (int64_t r = 0; r < s->rows; r++) {
				cv_put(&cv, x0, (int)r + 1, arena_printf(s->a, "%*lld", rw, (long long)(s->lo[0] + r)));
				for (int64_t c = 0; c < s->cols; c++) {
					int32_t i = s->cell[(t - s->t0) * npe + r * s->cols + c];
					cv_put(&cv, x0 + rw + 1 + (int)c * (cw + 1), (int)r + 1, i >= 0 ? point_text(s, i) : ".");
				}
			}
		}
		cv_emit(b, &cv);
		free(cv.c);
		if (last < t1)
			buf_printf(b, "\n");
	}
}

static void render_text(Buf *b, Show *s)
{
	describe(b, s, "");
	buf_printf(b, "\n");
	text_grid(b, s);
	text_legend(b, s);
	text_spacetime(b, s);
}

/* ---- SVG ---- */

/* One colour per recurrence, in the URE's order. */
static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                      "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
enum { NCOLORS = sizeof palette / sizeof palette[0] };

static const char *color(int var)
{
	return palette[var % NCOLORS];
}

/* Geometry, in pixels. Text is monospace: CH pixels a character at 12px, CS at 10px. */
enum { CH = 8, CS = 7, MARGIN = 16, LINE = 16 };

typedef struct {
	Buf *b;
	Show *s;
	int bw, bh, gx, gy; /* box and gaps */
	int ox, oy;         /* the grid's top left */
	int nh, nv;         /* horizontal and vertical links */
	int hslot[MAXLINKS], vslot[MAXLINKS], sslot[MAXLINKS];
	int nports_in, nports_out;
	int port[MAXFLOWS]; /* a direct flow's slot */
	int maxx;           /* the right edge of the text written */
} Svg;

/* Writes a text element and keeps the right edge of everything written (monospace:
 * a character is at most 0.62 of the font size wide). */
static void svg_text(Svg *g, int x, int y, const char *anchor, const char *cls, const char *fill, const char *text)
{
	buf_printf(g->b, "<text class=\"%s\" x=\"%d\" y=\"%d\"%s%s%s fill=\"%s\">%s</text>\n", cls, x, y,
	           anchor ? " text-anchor=\"" : "", anchor ? anchor : "", anchor ? "\"" : "", fill, text);
	int cw = strcmp(cls, "title") == 0 ? 9 : strstr(".link-label.io-label.stay-label.st-head.st-point", cls) ? 7 : 8;
	int w = (int)strlen(text) * cw;
	int right = !anchor ? x + w : strcmp(anchor, "middle") == 0 ? x + w / 2 : x;
	g->maxx = imax(g->maxx, right);
}

static void svg_arrow(Buf *b, const char *cls, int var, int x1, int y1, int x2, int y2, bool dashed)
{
	buf_printf(b, "<line class=\"%s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s "
	              "marker-end=\"url(#arrow%d)\"/>\n",
	           cls, x1, y1, x2, y2, color(var), dashed ? " stroke-dasharray=\"5,3\"" : "", var % NCOLORS);
}

static int box_x(const Svg *g, int64_t c)
{
	return g->ox + (int)c * (g->bw + g->gx);
}

static int box_y(const Svg *g, int64_t r)
{
	return g->oy + (int)r * (g->bh + g->gy);
}

/* Where link l (or a border flow carried like it) crosses the side of a box. */
static int hpos(const Svg *g, int l)
{
	return g->bh / 2 + (2 * g->hslot[l] - (g->nh - 1)) * 9;
}

static int vpos(const Svg *g, int l)
{
	return g->bw / 2 + (2 * g->vslot[l] - (g->nv - 1)) * 9;
}

static int link_of(const Show *s, const Flow *f)
{
	for (int l = 0; l < s->nlinks; l++)
		if (s->links[l].var == f->var && s->links[l].dr == f->dr && s->links[l].dc == f->dc && !s->links[l].hidden)
			return l;
	return -1;
}

static void svg_grid(Svg *g)
{
	Show *s = g->s;
	Buf *b = g->b;
	int64_t npe = s->rows * s->cols;
	/* axes */
	if (s->nd >= 1) {
		int d = s->nd == 2 ? 1 : 0;
		svg_text(g, g->ox, g->oy - 62, NULL, "axis", "#444",
		         arena_printf(s->a, "%s (%s) &#8594;", s->mp->dim[d], dim_role(s, d)));
	}
	if (s->nd == 2)
		buf_printf(b, "<text class=\"axis\" x=\"%d\" y=\"%d\" transform=\"rotate(90 %d %d)\" fill=\"#444\">"
		              "%s (%s) &#8594;</text>\n",
		           MARGIN, g->oy, MARGIN, g->oy, s->mp->dim[0], dim_role(s, 0));
	for (int64_t pe = 0; pe < npe; pe++) {
		int x = box_x(g, pe % s->cols), y = box_y(g, pe / s->cols);
		buf_printf(b, "<rect class=\"pe\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"#f7f7f7\" "
		              "stroke=\"#333\" stroke-width=\"1.5\"/>\n",
		           x, y, g->bw, g->bh);
		svg_text(g, x + 6, y + 15, NULL, "pe-label", "#000", pe_text(s, pe));
		/* stationary values: a small loop with the register count */
		for (int l = 0; l < s->nlinks; l++) {
			const Link *L = &s->links[l];
			if (!stays(L))
				continue;
			int cx = x + g->bw - 14 - 30 * g->sslot[l], cy = y + g->bh - 12;
			buf_printf(b, "<path class=\"stay\" d=\"M%d,%d A6,6 0 1,1 %d,%d\" fill=\"none\" stroke=\"%s\" "
			              "stroke-width=\"2\" marker-end=\"url(#arrow%d)\"/>\n",
			           cx - 4, cy + 4, cx + 4, cy + 4, color(L->var), L->var % NCOLORS);
			svg_text(g, cx - 9, cy + 4, "end", "stay-label", color(L->var),
			         arena_printf(s->a, "%s%lld", s->u->vars[L->var].name, (long long)L->delay));
		}
	}
	/* links between neighbours */
	for (int64_t pe = 0; pe < npe; pe++) {
		int64_t r = pe / s->cols, c = pe % s->cols;
		int x = box_x(g, c), y = box_y(g, r);
		for (int l = 0; l < s->nlinks; l++) {
			const Link *L = &s->links[l];
			if (L->hidden || stays(L) || r + L->dr < 0 || r + L->dr >= s->rows || c + L->dc < 0 ||
			    c + L->dc >= s->cols)
				continue;
			int tx = box_x(g, c + L->dc), ty = box_y(g, r + L->dr);
			const char *label = arena_printf(s->a, "%s: %lld reg%s", s->u->vars[L->var].name, (long long)L->delay,
			                                 L->delay == 1 ? "" : "s");
			if (L->dr == 0) {
				int yy = y + hpos(g, l), x1 = L->dc > 0 ? x + g->bw : x, x2 = L->dc > 0 ? tx : tx + g->bw;
				if (L->dc > 1 || L->dc < -1) { /* a long hop arcs over the PEs between */
					int mid = (x1 + x2) / 2;
					buf_printf(b, "<path class=\"link\" d=\"M%d,%d Q%d,%d %d,%d\" fill=\"none\" stroke=\"%s\" "
					              "stroke-width=\"2\" marker-end=\"url(#arrow%d)\"/>\n",
					           x1, y, mid, y - 40, x2, ty, color(L->var), L->var % NCOLORS);
					svg_text(g, mid, y - 22, "middle", "link-label", color(L->var), label);
					continue;
				}
				svg_arrow(b, "link", L->var, x1, yy, x2 - (L->dc > 0 ? 2 : -2), yy, false);
				svg_text(g, (x1 + x2) / 2, yy - 3, "middle", "link-label", color(L->var), label);
			} else if (L->dc == 0) {
				int xx = x + vpos(g, l), y1 = L->dr > 0 ? y + g->bh : y, y2 = L->dr > 0 ? ty : ty + g->bh;
				if (L->dr > 1 || L->dr < -1) {
					int mid = (y1 + y2) / 2;
					buf_printf(b, "<path class=\"link\" d=\"M%d,%d Q%d,%d %d,%d\" fill=\"none\" stroke=\"%s\" "
					              "stroke-width=\"2\" marker-end=\"url(#arrow%d)\"/>\n",
					           x + g->bw, y1, x + g->bw + 40, mid, tx + g->bw, y2, color(L->var), L->var % NCOLORS);
					continue;
				}
				svg_arrow(b, "link", L->var, xx, y1, xx, y2 - (L->dr > 0 ? 2 : -2), false);
				int lx = xx + 4, ly = (y1 + y2) / 2;
				buf_printf(b, "<text class=\"link-label\" x=\"%d\" y=\"%d\" transform=\"rotate(90 %d %d)\" "
				              "text-anchor=\"middle\" fill=\"%s\">%s</text>\n",
				           lx, ly, lx, ly, color(L->var), label);
			} else { /* diagonal: corner to corner */
				int x1 = L->dc > 0 ? x + g->bw : x, y1 = L->dr > 0 ? y + g->bh : y;
				int x2 = L->dc > 0 ? tx : tx + g->bw, y2 = L->dr > 0 ? ty : ty + g->bh;
				svg_arrow(b, "link", L->var, x1, y1, x2, y2, false);
				svg_text(g, (x1 + x2) / 2 + 4, (y1 + y2) / 2, NULL, "link-label", color(L->var), label);
			}
		}
	}
	/* data entering and leaving */
	for (int i = 0; i < s->nflows; i++) {
		const Flow *f = &s->flows[i];
		int l = link_of(s, f);
		for (int64_t pe = 0; pe < npe; pe++) {
			if (!f->at[pe])
				continue;
			int64_t r = pe / s->cols, c = pe % s->cols;
			int x = box_x(g, c), y = box_y(g, r);
			const char *cls = f->out ? "out" : "in", *label = flow_label(s, f);
			int x1, y1, x2, y2, lx, ly;
			const char *anchor = "middle";
			if (f->at[pe] == AT_BORDER && f->dr == 0 && l >= 0) {
				y1 = y2 = ly = y + hpos(g, l);
				int edge = (f->dc > 0) == !f->out ? x : x + g->bw; /* the side it crosses */
				int dir = (f->dc > 0) == !f->out ? -1 : 1;        /* outwards */
				x1 = f->out ? edge : edge + dir * 40;
				x2 = f->out ? edge + dir * 40 : edge - dir * 2;
				lx = edge + dir * 44;
				anchor = dir < 0 ? "end" : "start";
				ly += 4;
			} else if (f->at[pe] == AT_BORDER && f->dc == 0 && l >= 0) {
				x1 = x2 = lx = x + vpos(g, l);
				int edge = (f->dr > 0) == !f->out ? y : y + g->bh;
				int dir = (f->dr > 0) == !f->out ? -1 : 1;
				y1 = f->out ? edge : edge + dir * 36;
				y2 = f->out ? edge + dir * 36 : edge - dir * 2;
				ly = dir < 0 ? edge - 40 : edge + 48;
			} else if (s->nd < 2) { /* 1-D ports: from above, to below */
				x1 = x2 = lx = x + 14 + 16 * g->port[i];
				y1 = f->out ? y + g->bh : y - 30;
				y2 = f->out ? y + g->bh + 28 : y - 2;
				ly = f->out ? y + g->bh + 40 : y - 34;
			} else { /* 2-D ports: diagonals into the top left, out of the bottom right */
				int k = g->port[i];
				if (f->out) {
					x1 = x + g->bw - 8 * k;
					y1 = y + g->bh;
					x2 = x1 + 18;
					y2 = y1 + 18;
					lx = x2 + 2;
					ly = y2 + 10;
					anchor = "start";
				} else {
					x2 = x + 2 + 8 * k;
					y2 = y + 2;
					x1 = x2 - 18;
					y1 = y2 - 18;
					lx = x1 - 1;
					ly = y1 - 2;
					anchor = "end";
				}
			}
			svg_arrow(b, cls, f->var, x1, y1, x2, y2, f->memory);
			svg_text(g, lx, ly, anchor, "io-label", color(f->var), label);
		}
	}
}

static void svg_legend(Svg *g, int x, int *y)
{
	Show *s = g->s;
	Buf *b = g->b;
	svg_text(g, x, *y, NULL, "legend-head", "#000", "links (one colour per recurrence; the label gives the delay):");
	*y += LINE;
	if (!s->nlinks) {
		svg_text(g, x + 38, *y, NULL, "legend", "#000", "none");
		*y += LINE;
	}
	for (int l = 0; l < s->nlinks; l++) {
		const Link *L = &s->links[l];
		Buf t = {0};
		describe_link(&t, s, L);
		if (L->hidden)
			buf_printf(&t, " (not drawn)");
		if (stays(L))
			buf_printf(b, "<path class=\"legend-mark\" d=\"M%d,%d A6,6 0 1,1 %d,%d\" fill=\"none\" stroke=\"%s\" "
			              "stroke-width=\"2\" marker-end=\"url(#arrow%d)\"/>\n",
			           x + 10, *y, x + 18, *y, color(L->var), L->var % NCOLORS);
		else
			buf_printf(b, "<line class=\"legend-mark\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
			              "stroke-width=\"2\" marker-end=\"url(#arrow%d)\"/>\n",
			           x + 4, *y - 4, x + 28, *y - 4, color(L->var), L->var % NCOLORS);
		svg_text(g, x + 38, *y, NULL, "legend", "#000", t.data);
		buf_free(&t);
		*y += LINE;
	}
	*y += 4;
	svg_text(g, x, *y, NULL, "legend-head", "#000",
	         "data (at the border: crossing it; at a PE inside: read or written there; dashed: a value of "
	         "another pass):");
	*y += LINE;
	for (int i = 0; i < s->nflows; i++) {
		const Flow *f = &s->flows[i];
		Buf t = {0};
		describe_flow(&t, s, f);
		buf_printf(b, "<line class=\"legend-mark\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
		              "stroke-width=\"2\"%s marker-end=\"url(#arrow%d)\"/>\n",
		           x + 4, *y - 4, x + 28, *y - 4, color(f->var), f->memory ? " stroke-dasharray=\"5,3\"" : "",
		           f->var % NCOLORS);
		svg_text(g, x + 38, *y, NULL, "legend", "#000", t.data);
		buf_free(&t);
		*y += LINE;
	}
	if (!s->nflows) {
		svg_text(g, x + 38, *y, NULL, "legend", "#000", "none in this pass");
		*y += LINE;
	}
}

/* The space-time diagram; returns its width. */
static int svg_spacetime(Svg *g, int x0, int *y, int maxw)
{
	Show *s = g->s;
	Buf *b = g->b;
	int64_t npe = s->rows * s->cols;
	int maxlen = 1;
	for (int64_t i = 0; i < npe * (s->t1 - s->t0 + 1); i++)
		if (s->cell[i] >= 0)
			maxlen = imax(maxlen, (int)strlen(point_text(s, s->cell[i])));
	Buf head = {0};
	buf_printf(&head, "space-time: the point (");
	for (int j = 0, n = 0; j < s->u->nloops; j++)
		if (s->vary[j])
			buf_printf(&head, "%s%s", n++ ? "," : "", s->u->loops[j]->name);
	buf_printf(&head, ") each PE computes at each step; empty: the PE idles");
	if (s->nd == 2)
		buf_printf(&head, "; rows %s, columns %s", s->mp->dim[0], s->mp->dim[1]);
	if (s->t0 != s->lo[s->ns] || s->t1 != s->hi[s->ns])
		buf_printf(&head, " (steps %lld..%lld of %lld..%lld)", (long long)s->t0, (long long)s->t1,
		           (long long)s->lo[s->ns], (long long)s->hi[s->ns]);
	svg_text(g, x0, *y, NULL, "legend-head", "#000", head.data);
	buf_free(&head);
	*y += 12;
	int ch = 18, width = 0;
	if (s->nd < 2) {
		const char *dim = s->nd ? s->mp->dim[0] : "PE";
		int cw = imax(maxlen * 7 + 10, (int)strlen(dim) * 7 + 34), lw = 56;
		int yy = *y + ch;
		for (int64_t pe = 0; pe < npe; pe++)
			svg_text(g, x0 + lw + (int)pe * cw + cw / 2, yy - 5, "middle", "st-head", "#444",
			         s->nd ? arena_printf(s->a, "%s=%lld", dim, (long long)(s->lo[0] + pe)) : dim);
		for (int64_t t = s->t0; t <= s->t1; t++) {
			svg_text(g, x0 + lw - 8, yy + 13, "end", "st-head", "#444", arena_printf(s->a, "t=%lld", (long long)t));
			for (int64_t pe = 0; pe < npe; pe++) {
				int32_t i = s->cell[(t - s->t0) * npe + pe];
				int cx = x0 + lw + (int)pe * cw;
				buf_printf(b, "<rect class=\"st-cell\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
				              "stroke=\"#bbb\"/>\n",
				           cx, yy, cw, ch, i >= 0 ? "#e8f0fa" : "#ffffff");
				if (i >= 0)
					svg_text(g, cx + cw / 2, yy + 13, "middle", "st-point", "#000", point_text(s, i));
			}
			yy += ch;
		}
		*y = yy + 8;
		return lw + (int)npe * cw;
	}
	/* small multiples, one PE grid per step */
	int cw = maxlen * 7 + 10, gw = 24 + (int)s->cols * cw, gh = 34 + (int)s->rows * ch;
	int per = imax(1, (maxw + 16) / (gw + 16)), n = 0, yy = *y + 4;
	for (int64_t t = s->t0; t <= s->t1; t++, n++) {
		if (n == per) {
			n = 0;
			yy += gh + 12;
		}
		int gx0 = x0 + n * (gw + 16);
		svg_text(g, gx0, yy + 12, NULL, "st-step", "#000", arena_printf(s->a, "t = %lld", (long long)t));
		for (int64_t c = 0; c < s->cols; c++)
			svg_text(g, gx0 + 24 + (int)c * cw + cw / 2, yy + 30, "middle", "st-head", "#888",
			         arena_printf(s->a, "%lld", (long long)(s->lo[1] + c)));
		for (int64_t r = 0; r < s->rows; r++) {
			int cy = yy + 34 + (int)r * ch;
			svg_text(g, gx0 + 20, cy + 13, "end", "st-head", "#888", arena_printf(s->a, "%lld", (long long)(s->lo[0] + r)));
			for (int64_t c = 0; c < s->cols; c++) {
				int32_t i = s->cell[(t - s->t0) * npe + r * s->cols + c];
				int cx = gx0 + 24 + (int)c * cw;
				buf_printf(b, "<rect class=\"st-cell\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
				              "stroke=\"#bbb\"/>\n",
				           cx, cy, cw, ch, i >= 0 ? "#e8f0fa" : "#ffffff");
				if (i >= 0)
					svg_text(g, cx + cw / 2, cy + 13, "middle", "st-point", "#000", point_text(s, i));
			}
		}
		width = imax(width, (n + 1) * (gw + 16) - 16);
	}
	*y = yy + gh + 8;
	return width;
}

static void render_svg(Buf *out, Show *s)
{
	Buf body = {0};
	Svg g = {.b = &body, .s = s};
	int nstay = 0, maxlab = 0, maxio = 0;
	for (int l = 0; l < s->nlinks; l++) {
		const Link *L = &s->links[l];
		g.hslot[l] = g.vslot[l] = g.sslot[l] = -1;
		if (L->hidden)
			continue;
		if (stays(L))
			g.sslot[l] = nstay++;
		else if (L->dr == 0)
			g.hslot[l] = g.nh++;
		else if (L->dc == 0)
			g.vslot[l] = g.nv++;
		maxlab = imax(maxlab, (int)strlen(s->u->vars[L->var].name) + 9);
	}
	for (int i = 0; i < s->nflows; i++) {
		const Flow *f = &s->flows[i];
		maxio = imax(maxio, (int)strlen(flow_label(s, f)));
		bool direct = false;
		for (int64_t pe = 0; pe < s->rows * s->cols; pe++)
			direct |= f->at[pe] == AT_DIRECT;
		g.port[i] = 0;
		if (direct)
			g.port[i] = f->out ? g.nports_out++ : g.nports_in++;
	}
	int plen = 0;
	for (int64_t pe = 0; pe < s->rows * s->cols; pe++)
		plen = imax(plen, (int)strlen(pe_text(s, pe)));
	g.bw = imax(imax(72, plen * CH + 16), imax(30 * nstay + 24, 18 * g.nv + 24));
	g.bw = imax(g.bw, 16 * (g.nports_in > g.nports_out ? g.nports_in : g.nports_out) + 24);
	g.bh = imax(48, 18 * g.nh + 22);
	g.gx = imax(72, maxlab * CS + 12);
	g.gy = s->nd == 2 ? imax(64, maxlab * CS + 12) : 64;
	/* room around the grid for border arrows and their labels */
	int side = 56 + maxio * CS;
	g.ox = MARGIN + side;
	Buf d = {0};
	describe(&d, s, "");
	int head = MARGIN + 16;
	for (size_t i = 0; i < d.len; i++)
		head += d.data[i] == '\n' ? LINE : 0;
	g.oy = head + 76;
	int gridw = (int)s->cols * g.bw + (int)(s->cols - 1) * g.gx;
	int gridh = (int)s->rows * g.bh + (int)(s->rows - 1) * g.gy;
	svg_grid(&g);
	int y = g.oy + gridh + 60 + 16;
	int width = g.ox + gridw + side + MARGIN;
	svg_legend(&g, MARGIN, &y);
	y += 12;
	int stw = svg_spacetime(&g, MARGIN, &y, imax(width, 720) - 2 * MARGIN);
	width = imax(width, stw + 2 * MARGIN);
	int height = y + MARGIN;
	/* the header: one text line per line of describe() */
	Buf hb = {0};
	Svg hdr = {.b = &hb, .s = s};
	int ty = MARGIN + 12, first = 1;
	for (char *line = d.data, *nl; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = 0;
		svg_text(&hdr, MARGIN, ty, NULL, first ? "title" : "subtitle", "#000", line);
		ty += first ? LINE + 4 : LINE;
		first = 0;
	}
	buf_free(&d);
	width = imax(width, imax(g.maxx, hdr.maxx) + MARGIN);

	buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
	                "viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"12\">\n",
	           width, height, width, height);
	buf_printf(out, "<title>mapping %s of %s</title>\n", s->mp->m->name, s->u->k->name);
	buf_printf(out, "<style>.link-label,.io-label,.stay-label,.st-head{font-size:10px}"
	                ".st-point{font-size:11px}.title{font-size:14px;font-weight:bold}"
	                ".legend-head,.st-step{font-weight:bold}</style>\n");
	buf_printf(out, "<defs>\n");
	for (int c = 0; c < NCOLORS; c++)
		buf_printf(out, "<marker id=\"arrow%d\" viewBox=\"0 0 10 10\" refX=\"8\" refY=\"5\" markerWidth=\"5\" "
		                "markerHeight=\"5\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker>\n",
		           c, palette[c]);
	buf_printf(out, "</defs>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height);
	buf_printf(out, "%s%s", hb.data, body.data ? body.data : "");
	buf_printf(out, "</svg>\n");
	buf_free(&hb);
	buf_free(&body);
}

/* ---- the command ---- */

int cmd_show(int argc, char **argv)
{
	/* --ascii and --steps are this command's own; the rest are the driver's */
	char **args = calloc((size_t)argc + 1, sizeof *args);
	if (!args)
		return 2;
	int n = 0;
	bool ascii = false;
	const char *steps = NULL;
	for (int i = 0; i < argc; i++) {
		if (i > 0 && strcmp(argv[i], "--ascii") == 0) {
			ascii = true;
		} else if (i > 0 && strncmp(argv[i], "--steps=", 8) == 0) {
			steps = argv[i] + 8;
		} else if (i > 0 && strcmp(argv[i], "--steps") == 0) {
			if (i + 1 == argc) {
				free(args);
				fprintf(stderr, "sysc show: error: --steps needs a value\n(see 'sysc show --help')\n");
				return 2;
			}
			steps = argv[++i];
		} else {
			args[n++] = argv[i];
		}
	}
	Options o;
	int rc = drv_options("show", show_usage, n, args, &o);
	free(args);
	if (rc)
		return rc < 0 ? 0 : rc;
	int64_t window[2];
	if (steps && !parse_steps(steps, &window[0], &window[1])) {
		fprintf(stderr, "sysc show: error: --steps takes FIRST..LAST, not '%s'\n(see 'sysc show --help')\n", steps);
		return 2;
	}
	bool text = ascii || !o.output;
	Arena *a = arena_new();
	Diag d;
	Program *p = drv_load(a, &d, &o);
	if (!p)
		return drv_failed(a, &d);
	/* the mapping: the one named, or the only one */
	Mapping *m = NULL;
	int count = 0;
	Buf names = {0};
	for (Mapping *q = p->mappings; q; q = q->next) {
		if (o.kernel && strcmp(o.kernel, q->kernel->name) != 0)
			continue;
		buf_printf(&names, "%s%s", count++ ? ", " : "", q->name);
		if (o.mapping ? strcmp(o.mapping, q->name) == 0 : count == 1)
			m = q;
	}
	rc = 1;
	if (!count) {
		fprintf(stderr, "sysc show: error: %s has no mapping%s%s\n", o.input, o.kernel ? " of kernel " : "",
		        o.kernel ? o.kernel : "");
		goto done;
	}
	if (!o.mapping && count > 1) {
		fprintf(stderr, "sysc show: error: which mapping? pass --mapping NAME (%s has: %s)\n", o.input, names.data);
		goto done;
	}
	if (!m) {
		fprintf(stderr, "sysc show: error: no mapping '%s'%s%s in %s (it has: %s)\n", o.mapping,
		        o.kernel ? " of kernel " : "", o.kernel ? o.kernel : "", o.input, names.data);
		goto done;
	}
	Ure *u = ure_lower(a, m->kernel);
	Sizes sz;
	if (!drv_sizes("show", u, &o, &sz))
		goto done;
	Map *mp = map_build(a, &d, u, m);
	if (!mp) {
		fprintf(stderr, "sysc show: error: mapping '%s' of '%s' is not legal (see above): there is no array to draw\n",
		        m->name, m->kernel->name);
		goto done;
	}
	Show s = {.a = a, .mp = mp, .u = u, .sz = &sz};
	if (!build(&s, steps ? window : NULL, text))
		goto done;
	Buf b = {0};
	if (text)
		render_text(&b, &s);
	else
		render_svg(&b, &s);
	FILE *f = drv_open_output(&o);
	rc = 2;
	if (f) {
		fwrite(b.data, 1, b.len, f);
		rc = drv_close_output(&o, f);
	}
	buf_free(&b);
done:
	buf_free(&names);
	arena_free(a);
	return rc;
}
