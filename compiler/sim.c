/*
 * sim.c: the array simulator, the model that code generation follows.
 *
 * It runs a mapped kernel the way the array does. The loops around the array run
 * pass by pass (parallel loops in reverse order, so that a dependence across them
 * that legality missed would read a value not yet written). In a pass, time steps
 * run in order; at each step every PE inverts T to find the point it computes, if
 * any (points past the end of the domain leave the PE idle), and evaluates the
 * equations there.
 *
 * Values move as the hardware moves them. Each link (a recurrence, a PE
 * displacement delta and a delay tau) is a shift register of tau slots in front of
 * every PE; a PE's result enters the links leaving it at the end of the step, and
 * every link shifts by one slot per step. A PE reads a neighbour's value from the
 * last slot of the link it arrives on. Values from an earlier pass come from memory
 * (what the array drained), and propagated inputs cut by a tile border are read
 * from their tensor again, as a feeder at the border would.
 *
 * With a `step` clause its loops run inside each time step: a PE computes one point
 * per iteration of them and keeps the last value of each recurrence, which is all a
 * later point of that PE can read; propagated inputs are read from their tensors.
 *
 * Every value carries the point it belongs to: reading a value of the wrong point
 * (a wrong inverse, a wrong delay, a wrong link) is reported, never silently used.
 */
#include "sysc.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	double v;
	int64_t tag; /* linear index of the point + 1; 0: empty */
} Slot;

typedef struct {
	int var;
	int64_t delta[URE_MAXL]; /* consumer PE - producer PE */
	int64_t tau;
	Slot *line; /* [pe][tau] */
} Link;

typedef struct {
	const Map *mp;
	const Ure *u;
	const Sizes *sz;
	int64_t ext[MAP_MAXL];      /* mapped loop extents */
	int64_t bound[URE_MAXL];    /* domain extents */
	int64_t npoints;
	/* the PE box and time range of one pass */
	int64_t pmin[URE_MAXL], pext[URE_MAXL], npes;
	int64_t tmin, tmax;
	Slot *out;                  /* [var][pe]: this step's results */
	Link *links;
	int nlinks;
	Slot *mem;                  /* [var][point]: what the array drained */
	int64_t computed;
	/* the point being computed */
	int64_t cur_outer[MAP_MAXL];
	int64_t cur_pe, cur_t;
	int64_t cur_x[URE_MAXL];
	char *err;
	size_t errlen;
	bool failed;
} Sim;

static int64_t point_index(const Sim *s, const int64_t *x)
{
	int64_t off = 0;
	for (int j = 0; j < s->u->nloops; j++)
		off = off * s->bound[j] + x[j];
	return off;
}

/* the values of the mapped loops at original point x */
static void decompose(const Sim *s, const int64_t *x, int64_t *val)
{
	for (int l = 0; l < s->mp->nloops; l++) {
		const MapLoop *ml = &s->mp->loops[l];
		int64_t r = ml->span ? x[ml->orig] % ml->span : x[ml->orig];
		val[l] = r / ml->stride;
	}
}

static bool pe_of(const Sim *s, const int64_t *val, int64_t *pe, int64_t *t)
{
	const Map *mp = s->mp;
	int64_t idx = 0;
	for (int r = 0; r < mp->nspace; r++) {
		int64_t p = 0;
		for (int c = 0; c < mp->n; c++)
			p += mp->T[r][c] * val[mp->st[c]];
		p -= s->pmin[r];
		if (p < 0 || p >= s->pext[r])
			return false;
		idx = idx * s->pext[r] + p;
	}
	int64_t tt = 0;
	for (int c = 0; c < mp->n; c++)
		tt += mp->T[mp->n - 1][c] * val[mp->st[c]];
	*pe = idx;
	*t = tt;
	return true;
}

static void fail(Sim *s, const char *fmt, const char *name, const int64_t *y)
{
	if (s->failed)
		return;
	s->failed = true;
	Buf b = {0};
	buf_printf(&b, fmt, name);
	buf_printf(&b, " (reading %s(", name);
	for (int j = 0; j < s->u->nloops; j++)
		buf_printf(&b, "%s%lld", j ? ", " : "", (long long)y[j]);
	buf_printf(&b, ") at point (");
	for (int j = 0; j < s->u->nloops; j++)
		buf_printf(&b, "%s%lld", j ? ", " : "", (long long)s->cur_x[j]);
	buf_printf(&b, "), time step %lld)", (long long)s->cur_t);
	snprintf(s->err, s->errlen, "%s", b.data);
	buf_free(&b);
}

static double sim_read(Eval *ev, int var, const int64_t *y)
{
	Sim *s = ev->ctx;
	const Map *mp = s->mp;
	int64_t tag = point_index(s, y) + 1;
	int64_t val[MAP_MAXL];
	decompose(s, y, val);
	bool same_pass = true;
	for (int l = 0; l < mp->nloops; l++)
		if (map_pass_loop(&mp->loops[l]) && val[l] != s->cur_outer[l])
			same_pass = false;
	const UreVar *uv = &s->u->vars[var];
	if (uv->kind == VAR_PROPAGATE && (!same_pass || mp->nstep)) /* a feeder reads the input again */
		return eval_expr(ev, uv->input, y);
	if (!same_pass) {
		Slot m = s->mem[(int64_t)var * s->npoints + tag - 1];
		if (m.tag != tag)
			fail(s, "%s is read from memory before an earlier pass has written it", s->u->vars[var].name, y);
		return m.v;
	}
	int64_t pe, t;
	if (!pe_of(s, val, &pe, &t)) {
		fail(s, "the PE computing %s is outside the array", s->u->vars[var].name, y);
		return 0;
	}
	if (pe == s->cur_pe && t == s->cur_t && !mp->nstep) { /* this PE, this step: computed just before */
		Slot o = s->out[(int64_t)var * s->npes + pe];
		if (o.tag != tag)
			fail(s, "%s is read at the same point before it is computed", s->u->vars[var].name, y);
		return o.v;
	}
	if (pe == s->cur_pe && mp->nstep) { /* the PE's register: its last value */
		Slot o = s->out[(int64_t)var * s->npes + pe];
		if (o.tag != tag)
			fail(s, "%s is not the value its PE computed last", s->u->vars[var].name, y);
		return o.v;
	}
	int64_t tau = s->cur_t - t;
	int64_t delta[URE_MAXL] = {0};
	/* displacement in PE coordinates, from the two linear PE indices */
	int64_t a = s->cur_pe, b = pe;
	for (int r = mp->nspace - 1; r >= 0; r--) {
		delta[r] = a % s->pext[r] - b % s->pext[r];
		a /= s->pext[r];
		b /= s->pext[r];
	}
	for (int i = 0; i < s->nlinks; i++) {
		Link *L = &s->links[i];
		if (L->var != var || L->tau != tau || memcmp(L->delta, delta, sizeof delta) != 0)
			continue;
		Slot got = L->line[s->cur_pe * L->tau + L->tau - 1];
		if (got.tag != tag)
			fail(s, "the link carrying %s delivers a value of another point", s->u->vars[var].name, y);
		return got.v;
	}
	fail(s, "no link of the array carries %s this far or this long", s->u->vars[var].name, y);
	return 0;
}

static void sim_store(Eval *ev, int var, const int64_t *x, double v)
{
	Sim *s = ev->ctx;
	int64_t tag = point_index(s, x) + 1;
	s->out[(int64_t)var * s->npes + s->cur_pe] = (Slot){v, tag};
	s->mem[(int64_t)var * s->npoints + tag - 1] = (Slot){v, tag};
}

/* Outputs take their values from what the array drained to memory. */
static double read_drained(Eval *ev, int var, const int64_t *y)
{
	Sim *s = ev->ctx;
	int64_t tag = point_index(s, y) + 1;
	Slot m = s->mem[(int64_t)var * s->npoints + tag - 1];
	if (m.tag != tag)
		fail(s, "output reads %s, which the array never computed", s->u->vars[var].name, y);
	return m.v;
}

/* Every intra-pass (delta, tau) that some dependence uses becomes a link. */
static bool build_links(Sim *s)
{
	const Map *mp = s->mp;
	s->links = calloc((size_t)s->u->ndeps * MAXINST + 1, sizeof(Link));
	if (!s->links)
		return false;
	for (int i = 0; i < s->u->ndeps; i++) {
		const UreDep *dep = &s->u->deps[i];
		MapLink ml[MAXINST];
		int nl = map_links(mp, dep, ml);
		for (int k = 0; k < nl; k++) {
			Link L = {.var = dep->var, .tau = ml[k].delay};
			memcpy(L.delta, ml[k].disp, sizeof L.delta);
			bool dup = false;
			for (int j = 0; j < s->nlinks && !dup; j++)
				dup = s->links[j].var == L.var && s->links[j].tau == L.tau &&
				      memcmp(s->links[j].delta, L.delta, sizeof L.delta) == 0;
			if (dup)
				continue;
			L.line = calloc((size_t)(s->npes * L.tau) + 1, sizeof(Slot));
			if (!L.line)
				return false;
			s->links[s->nlinks++] = L;
		}
	}
	return true;
}

/* End of a step: results enter the links leaving their PE; every link shifts. */
static void shift_links(Sim *s)
{
	const Map *mp = s->mp;
	for (int i = 0; i < s->nlinks; i++) {
		Link *L = &s->links[i];
		for (int64_t pe = 0; pe < s->npes; pe++) {
			Slot *line = &L->line[pe * L->tau];
			memmove(line + 1, line, sizeof(Slot) * (size_t)(L->tau - 1));
			/* the producer is pe - delta */
			int64_t a = pe, src = 0, mul = 1;
			bool inside = true;
			int64_t coord[URE_MAXL];
			for (int r = mp->nspace - 1; r >= 0; r--) {
				coord[r] = a % s->pext[r] - L->delta[r];
				a /= s->pext[r];
				if (coord[r] < 0 || coord[r] >= s->pext[r])
					inside = false;
			}
			for (int r = mp->nspace - 1; r >= 0 && inside; r--) {
				src += coord[r] * mul;
				mul *= s->pext[r];
			}
			line[0] = inside ? s->out[(int64_t)L->var * s->npes + src] : (Slot){0, 0};
		}
	}
}

/* Every PE at step t, for the current iterations of the step loops. */
static void run_step(Sim *s, Eval *ev, int64_t t)
{
	const Map *mp = s->mp;
	const Ure *u = s->u;
	for (int64_t pe = 0; pe < s->npes && !s->failed; pe++) {
		/* the point of (pe, t): w = Tinv (p, t) */
		int64_t p[URE_MAXL], a = pe;
		for (int r = mp->nspace - 1; r >= 0; r--) {
			p[r] = a % s->pext[r] + s->pmin[r];
			a /= s->pext[r];
		}
		p[mp->nspace] = t;
		int64_t val[MAP_MAXL];
		memcpy(val, s->cur_outer, sizeof val);
		bool inside = true;
		for (int c = 0; c < mp->n && inside; c++) {
			int64_t w = 0;
			for (int r = 0; r < mp->n; r++)
				w += mp->Tinv[c][r] * p[r];
			int l = mp->st[c];
			val[l] = w;
			inside = w >= 0 && w < s->ext[l];
		}
		if (!inside)
			continue;
		int64_t x[URE_MAXL] = {0};
		for (int l = 0; l < mp->nloops; l++)
			x[mp->loops[l].orig] += mp->loops[l].stride * val[l];
		for (int j = 0; j < u->nloops && inside; j++)
			inside = x[j] < s->bound[j]; /* the tail of a partial tile idles */
		if (!inside)
			continue;
		s->cur_pe = pe;
		memcpy(s->cur_x, x, sizeof x);
		eval_point(ev, x, sim_store);
		s->computed++;
	}
}

/* The step loops' iterations from loop `from` on, in order, then the PEs. */
static void run_inner(Sim *s, Eval *ev, int64_t t, int from)
{
	const Map *mp = s->mp;
	for (int l = from; l < mp->nloops; l++)
		if (mp->loops[l].step) {
			for (int64_t i = 0; i < s->ext[l] && !s->failed; i++) {
				s->cur_outer[l] = i;
				run_inner(s, ev, t, l + 1);
			}
			return;
		}
	run_step(s, ev, t);
}

static void run_pass(Sim *s, Eval *ev)
{
	const Map *mp = s->mp;
	for (int i = 0; i < s->nlinks; i++)
		memset(s->links[i].line, 0, sizeof(Slot) * (size_t)(s->npes * s->links[i].tau));
	for (int64_t t = s->tmin; t <= s->tmax && !s->failed; t++) {
		if (!mp->nstep) /* with step loops, the results are the PEs' registers */
			for (int64_t i = 0; i < (int64_t)s->u->nvars * s->npes; i++)
				s->out[i].tag = 0;
		s->cur_t = t;
		run_inner(s, ev, t, 0);
		shift_links(s);
	}
}

bool sim_run(const Map *mp, const Sizes *sz, TensorSet *ts, char *err, size_t errlen)
{
	Sim s;
	memset(&s, 0, sizeof s);
	s.mp = mp;
	s.u = mp->u;
	s.sz = sz;
	s.err = err;
	s.errlen = errlen;
	const Ure *u = mp->u;
	for (int j = 0; j < u->nloops; j++)
		s.bound[j] = aff_eval(u->bound[j], sz);
	for (int l = 0; l < mp->nloops; l++)
		s.ext[l] = map_extent(mp, l, sz);
	s.npoints = domain_points(u, sz);
	if (s.npoints > ((int64_t)1 << 26) / (u->nvars ? u->nvars : 1)) {
		snprintf(err, errlen, "the domain has %lld points: too many for the simulator", (long long)s.npoints);
		return false;
	}
	/* PE box and time range of a pass: the image of the box of transform loops */
	s.npes = 1;
	for (int r = 0; r <= mp->nspace; r++) {
		int64_t lo = 0, hi = 0;
		for (int c = 0; c < mp->n; c++) {
			int64_t v = mp->T[r][c] * (s.ext[mp->st[c]] - 1);
			if (v < 0)
				lo += v;
			else
				hi += v;
		}
		if (r < mp->nspace) {
			s.pmin[r] = lo;
			s.pext[r] = hi - lo + 1;
			s.npes *= s.pext[r];
		} else {
			s.tmin = lo;
			s.tmax = hi;
		}
	}
	if (s.npes > ((int64_t)1 << 22)) {
		snprintf(err, errlen, "the array has %lld PEs: too many to simulate", (long long)s.npes);
		return false;
	}
	s.out = calloc((size_t)(u->nvars * s.npes) + 1, sizeof(Slot));
	s.mem = calloc((size_t)(u->nvars * s.npoints) + 1, sizeof(Slot));
	bool ok = s.out && s.mem && build_links(&s);
	if (!ok)
		snprintf(err, errlen, "out of memory");
	Eval ev = {.u = u, .sz = sz, .ts = ts, .read = sim_read, .ctx = &s};
	/* the passes: an odometer over the loops around the array */
	int outer[MAP_MAXL], no = 0;
	for (int l = 0; l < mp->nloops; l++)
		if (map_pass_loop(&mp->loops[l]))
			outer[no++] = l;
	int64_t pos[MAP_MAXL] = {0};
	while (ok && !s.failed && !ev.fault[0]) {
		for (int i = 0; i < no; i++) {
			int l = outer[i];
			s.cur_outer[l] = mp->loops[l].parallel ? s.ext[l] - 1 - pos[i] : pos[i];
		}
		run_pass(&s, &ev);
		int i = no - 1;
		for (; i >= 0; i--) {
			if (++pos[i] < s.ext[outer[i]])
				break;
			pos[i] = 0;
		}
		if (i < 0)
			break;
	}
	if (ok && !s.failed && ev.fault[0]) {
		snprintf(err, errlen, "%s", ev.fault);
		s.failed = true;
	}
	if (ok && !s.failed && s.computed != s.npoints) {
		snprintf(err, errlen, "the array computed %lld points of a domain of %lld", (long long)s.computed,
		         (long long)s.npoints);
		s.failed = true;
	}
	if (ok && !s.failed) {
		ev.read = read_drained;
		eval_outputs(&ev);
		ok = !s.failed;
	}
	for (int i = 0; i < s.nlinks; i++)
		free(s.links[i].line);
	free(s.links);
	free(s.out);
	free(s.mem);
	return ok && !s.failed;
}
