/*
 * spacetime.c: applying a mapping to a URE, and the legality of the result.
 *
 * Tiling splits a loop into an outer loop over tiles and an inner loop within one
 * (orig = stride * value summed over the parts). The space-time transform T is an
 * integer matrix over some of the loops: its first rows give a point's PE, its last
 * row (the schedule) the time step at which the PE computes it. The loops outside
 * the transform run around the array: each of their iterations is one pass of it.
 *
 * A dependence d of the URE (x reads x - d) becomes, in the tiled loops, one or more
 * vectors: inside a tile, or crossing a tile border into the previous tile. Each is
 * checked in the order the mapped program runs:
 * - if it changes a loop around the array, the first such change must be forwards
 *   (the value comes from an earlier pass, through memory), and not along a parallel
 *   loop, unless the value is a propagated input that can be read again;
 * - otherwise it stays inside one pass: the schedule must put the source at least one
 *   step earlier (causality), and the source PE must be a neighbour (locality).
 * T must be unimodular: then every PE and time step holds at most one point and the
 * inverse maps them back to integer points.
 *
 * A `step` clause runs the innermost loops around the array inside each time step
 * instead: a PE computes one point per iteration of them, in their order, and keeps
 * one register per recurrence. A dependence that changes those loops (or, with them,
 * one that stays in the pass) must then read the point its PE computed just before:
 * the same PE, and in the order (t, step loops) the vector (1, 0..) or (0.., 1,
 * 1 - extent..), extents constant (conv3x3.sys's single accumulation chain); and no
 * recurrence may flow between passes (the registers are not spilled).
 */
#include "sysc.h"

#include <stdlib.h>
#include <string.h>

/* ---- integer matrices ---- */

int64_t mat_det(int n, int64_t m[][URE_MAXL])
{
	/* Bareiss: fraction-free elimination; every division is exact */
	int64_t a[URE_MAXL][URE_MAXL];
	memcpy(a, m, sizeof a);
	int64_t prev = 1, sign = 1;
	for (int k = 0; k < n - 1; k++) {
		if (a[k][k] == 0) {
			int r = k + 1;
			while (r < n && a[r][k] == 0)
				r++;
			if (r == n)
				return 0;
			for (int j = 0; j < n; j++) {
				int64_t t = a[k][j];
				a[k][j] = a[r][j];
				a[r][j] = t;
			}
			sign = -sign;
		}
		for (int i = k + 1; i < n; i++)
			for (int j = k + 1; j < n; j++)
				a[i][j] = (a[i][j] * a[k][k] - a[i][k] * a[k][j]) / prev;
		prev = a[k][k];
	}
	return sign * a[n - 1][n - 1];
}

bool mat_inverse_unimodular(int n, int64_t m[][URE_MAXL], int64_t inv[][URE_MAXL])
{
	int64_t det = mat_det(n, m);
	if (det != 1 && det != -1)
		return false;
	if (n == 1) {
		inv[0][0] = det;
		return true;
	}
	/* the adjugate: inv[j][i] = (-1)^(i+j) det(minor(i, j)) / det */
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			int64_t minor[URE_MAXL][URE_MAXL];
			for (int r = 0, rr = 0; r < n; r++) {
				if (r == i)
					continue;
				for (int c = 0, cc = 0; c < n; c++)
					if (c != j)
						minor[rr][cc++] = m[r][c];
				rr++;
			}
			int64_t cof = mat_det(n - 1, minor) * (((i + j) & 1) ? -1 : 1);
			inv[j][i] = cof * det;
		}
	return true;
}

bool st_space_from_projection(int n, const int64_t *u, int64_t S[][URE_MAXL])
{
	int p = -1;
	for (int i = 0; i < n; i++)
		if (u[i] == 1 || u[i] == -1) {
			p = i;
			break;
		}
	if (p < 0)
		return false;
	/* row for loop i != p: e_i - (u_i / u_p) e_p, and 1 / u_p = u_p */
	for (int i = 0, r = 0; i < n; i++) {
		if (i == p)
			continue;
		memset(S[r], 0, sizeof S[r]);
		S[r][i] = 1;
		S[r][p] = -u[i] * u[p];
		r++;
	}
	return true;
}

/* ---- building the mapped loops ---- */

static int find_loop(const Map *mp, const char *name)
{
	for (int i = 0; i < mp->nloops; i++)
		if (strcmp(mp->loops[i].name, name) == 0)
			return i;
	return -1;
}

int64_t map_extent(const Map *mp, int l, const Sizes *sz)
{
	const MapLoop *ml = &mp->loops[l];
	int64_t span = ml->span ? ml->span : aff_eval(mp->u->bound[ml->orig], sz);
	return (span + ml->stride - 1) / ml->stride;
}

static bool apply_tiles(Arena *a, Diag *d, Map *mp, const Clause *c)
{
	for (Tiling *t = c->tiles; t; t = t->next) {
		int i = find_loop(mp, t->loop.name);
		int64_t size;
		if (i < 0 || !const_int(t->size, &size))
			return false; /* sema reported it */
		MapLoop l = mp->loops[i];
		if (l.span && l.span % (l.stride * size) != 0) {
			diag_error(d, t->size->loc, "tile size %lld must divide the %lld iterations of loop '%s'",
			           (long long)size, (long long)(l.span / l.stride), l.name);
			return false;
		}
		if (mp->nloops + 1 > MAP_MAXL) {
			diag_error(d, t->loop.loc, "too many loops after tiling (the limit is %d)", MAP_MAXL);
			return false;
		}
		memmove(&mp->loops[i + 2], &mp->loops[i + 1], sizeof(MapLoop) * (size_t)(mp->nloops - i - 1));
		mp->nloops++;
		MapLoop outer = l, inner = l;
		outer.name = t->names ? t->names->name : arena_printf(a, "%so", l.name);
		outer.stride = l.stride * size;
		inner.name = t->names ? t->names->next->name : arena_printf(a, "%si", l.name);
		inner.span = l.stride * size;
		mp->loops[i] = outer;
		mp->loops[i + 1] = inner;
	}
	return true;
}

static bool row_values(const Row *r, int64_t *out)
{
	int i = 0;
	for (const Expr *e = r->elems; e; e = e->next, i++)
		if (!const_int(e, &out[i]))
			return false;
	return true;
}

static void vec_str(Buf *b, const int64_t *v, int n)
{
	buf_printf(b, "(");
	for (int i = 0; i < n; i++)
		buf_printf(b, "%s%lld", i ? ", " : "", (long long)v[i]);
	buf_printf(b, ")");
}

static bool apply_spacetime(Arena *a, Diag *d, Map *mp, const Clause *c)
{
	int n = 0;
	for (Ident *id = c->names; id; id = id->next) {
		int l = find_loop(mp, id->name);
		if (l < 0 || n == URE_MAXL)
			return false;
		mp->loops[l].st = n;
		mp->st[n++] = l;
	}
	mp->n = n;
	if (c->project) {
		int64_t u[URE_MAXL], lam[URE_MAXL];
		if (!row_values(c->project, u) || !row_values(c->schedule, lam))
			return false;
		if (!st_space_from_projection(n, u, mp->T)) {
			diag_error(d, c->project->loc,
			           "a projection needs an entry of 1 or -1 (write the transform in full with 'space' and 'time')");
			return false;
		}
		memcpy(mp->T[n - 1], lam, sizeof lam);
		mp->nspace = n - 1;
		int64_t dot = 0;
		for (int i = 0; i < n; i++)
			dot += lam[i] * u[i];
		if (dot != 1 && dot != -1) {
			diag_error(d, c->loc,
			           "schedule . projection = %lld: the transform is unimodular only when it is 1 or -1 "
			           "(otherwise PEs idle between points)",
			           (long long)dot);
			return false;
		}
	} else {
		int r = 0;
		for (Row *row = c->space; row; row = row->next)
			if (!row_values(row, mp->T[r++]))
				return false;
		mp->nspace = r;
		int ntime = 0;
		for (Row *row = c->time; row; row = row->next, ntime++)
			if (!row_values(row, mp->T[r++]))
				return false;
		if (ntime != 1) {
			diag_error(d, c->time->loc, "schedules with %d time rows are not supported yet: give one time row", ntime);
			return false;
		}
	}
	if (!mat_inverse_unimodular(n, mp->T, mp->Tinv)) {
		diag_error(d, c->loc, "the transform is not unimodular (its determinant is %lld, not 1 or -1)",
		           (long long)mat_det(n, mp->T));
		return false;
	}
	/* dimension names, as sema defaulted them */
	Ident *id = c->dim_names;
	for (int i = 0; i < n; i++, id = id ? id->next : NULL) {
		if (id) {
			mp->dim[i] = id->name;
			continue;
		}
		if (i == n - 1) {
			mp->dim[i] = "t";
			continue;
		}
		int at = -1, nz = 0;
		for (int j = 0; j < n; j++)
			if (mp->T[i][j]) {
				nz++;
				at = j;
			}
		bool unit = nz == 1 && mp->T[i][at] == 1;
		mp->dim[i] = unit ? mp->loops[mp->st[at]].name : arena_printf(a, "s%d", i);
	}
	return true;
}

/* ---- dependences in the mapped loops ---- */

/* The vectors (over the mapped loops) that dependence d can take. */
int map_instances(const Map *mp, const int64_t *d, int64_t out[][MAP_MAXL])
{
	int count = 1;
	memset(out[0], 0, sizeof out[0]);
	for (int j = 0; j < mp->u->nloops; j++) {
		if (!d[j])
			continue;
		int parts[MAP_MAXL], np = 0;
		for (int l = 0; l < mp->nloops; l++)
			if (mp->loops[l].orig == j)
				parts[np++] = l;
		int64_t opt[8][MAP_MAXL];
		int nopt = 0;
		if (np == 1) {
			memset(opt[0], 0, sizeof opt[0]);
			opt[0][parts[0]] = d[j];
			nopt = 1;
		} else {
			/* x's position r inside the outermost part; the source is r - d */
			int64_t s0 = mp->loops[parts[0]].stride;
			for (int64_t r = 0; r < s0; r++) {
				if (s0 > 8192 && r == 4096)
					r = s0 - 4096; /* huge tiles: a border is where a dependence can cross */
				int64_t y = r - d[j];
				int64_t q = y >= 0 ? y / s0 : -((-y + s0 - 1) / s0);
				int64_t ry = y - q * s0;
				int64_t v[MAP_MAXL] = {0};
				v[parts[0]] = -q;
				for (int k = 1; k < np; k++) {
					const MapLoop *pl = &mp->loops[parts[k]], *pp = &mp->loops[parts[k - 1]];
					int64_t dx = (r % pp->stride) / pl->stride, dy = (ry % pp->stride) / pl->stride;
					v[parts[k]] = dx - dy;
				}
				bool seen = false;
				for (int o = 0; o < nopt && !seen; o++)
					seen = memcmp(opt[o], v, sizeof v) == 0;
				if (!seen && nopt < 8)
					memcpy(opt[nopt++], v, sizeof v);
			}
		}
		/* the cross product with what came before */
		int64_t prev[MAXINST][MAP_MAXL];
		memcpy(prev, out, sizeof(int64_t[MAP_MAXL]) * (size_t)count);
		int nc = 0;
		for (int a = 0; a < count; a++)
			for (int o = 0; o < nopt && nc < MAXINST; o++, nc++)
				for (int l = 0; l < mp->nloops; l++)
					out[nc][l] = prev[a][l] + opt[o][l];
		count = nc;
	}
	return count;
}

int map_links(const Map *mp, const UreDep *dep, MapLink *out)
{
	int64_t inst[MAXINST][MAP_MAXL];
	int ni = map_instances(mp, dep->d, inst), n = 0;
	for (int k = 0; k < ni; k++) {
		bool outer = false, zero = true;
		for (int l = 0; l < mp->nloops; l++) {
			outer |= mp->loops[l].st < 0 && inst[k][l] != 0;
			zero &= inst[k][l] == 0;
		}
		if (outer || zero)
			continue;
		memset(&out[n], 0, sizeof out[n]);
		for (int r = 0; r <= mp->nspace; r++) {
			int64_t x = 0;
			for (int c = 0; c < mp->n; c++)
				x += mp->T[r][c] * inst[k][mp->st[c]];
			if (r < mp->nspace)
				out[n].disp[r] = x;
			else
				out[n].delay = x;
		}
		n++;
	}
	return n;
}

static void dep_note(Diag *d, const Map *mp, const UreDep *dep)
{
	Buf b = {0};
	vec_str(&b, dep->d, mp->u->nloops);
	diag_note(d, dep->ref->loc, "the dependence of %s on %s: d = %s", mp->u->vars[dep->reader].name,
	          mp->u->vars[dep->var].name, b.data);
	buf_free(&b);
}

/* Reports through d, or when d is NULL writes the first reason into why. */
static void complain(Diag *d, SrcLoc loc, char *why, size_t whylen, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (d)
		diag_error(d, loc, "%s", msg);
	else if (why && why[0] == 0)
		snprintf(why, whylen, "%s", msg);
}

/* Whether instance v (w over the transform loops, tau its delay) reads the point
 * that its PE computed just before, with the `step` loops inside each time step. */
static bool just_before(const Map *mp, const int64_t *v, const int64_t *w, int64_t tau)
{
	for (int r = 0; r < mp->nspace; r++) {
		int64_t s = 0;
		for (int c = 0; c < mp->n; c++)
			s += mp->T[r][c] * w[c];
		if (s)
			return false;
	}
	int64_t D[MAP_MAXL + 1];
	int loop[MAP_MAXL + 1], n = 0;
	D[n] = tau;
	loop[n++] = -1;
	for (int l = 0; l < mp->nloops; l++)
		if (mp->loops[l].step) {
			D[n] = v[l];
			loop[n++] = l;
		}
	int p = 0;
	while (p < n && !D[p])
		p++;
	if (p == n || D[p] != 1)
		return false;
	for (int i = p + 1; i < n; i++) {
		Affine e = mp->u->bound[mp->loops[loop[i]].orig];
		for (int k = 0; k < AFF_MAXP; k++)
			if (e.coef[k])
				return false; /* the extent depends on the sizes */
		if (D[i] != 1 - e.c0)
			return false;
	}
	return true;
}

bool map_check_deps(const Map *mp, Diag *d, SrcLoc name_loc, SrcLoc st_loc, char *why, size_t whylen)
{
	bool ok = true;
	for (int i = 0; i < mp->u->ndeps; i++) {
		const UreDep *dep = &mp->u->deps[i];
		bool zero = true;
		for (int j = 0; j < mp->u->nloops; j++)
			zero &= dep->d[j] == 0;
		if (zero)
			continue; /* read at the same point: the order of evaluation takes care of it */
		int64_t inst[MAXINST][MAP_MAXL];
		int ni = map_instances(mp, dep->d, inst);
		for (int k = 0; k < ni; k++) {
			const int64_t *v = inst[k];
			int first = -1;
			bool in_step = false;
			for (int l = 0; l < mp->nloops; l++) {
				if (map_pass_loop(&mp->loops[l]) && v[l] && first < 0)
					first = l;
				in_step |= mp->loops[l].step && v[l];
			}
			if (first >= 0) {
				const MapLoop *fl = &mp->loops[first];
				/* a propagated input can always be read again from its tensor */
				if (mp->u->vars[dep->var].kind == VAR_PROPAGATE)
					continue;
				if (v[first] < 0) {
					complain(d, name_loc, why, whylen,
					           "loop '%s' runs around the array, but a value flows backwards along it", fl->name);
					if (d)
					dep_note(d, mp, dep);
					ok = false;
					break;
				}
				if (fl->parallel) {
					complain(d, name_loc, why, whylen,
					           "loop '%s' cannot be parallel: recurrence %s flows from one iteration of it to the next",
					           fl->name, mp->u->vars[dep->var].name);
					if (d)
					dep_note(d, mp, dep);
					ok = false;
					break;
				}
				if (mp->nstep) { /* its registers are all a PE keeps; nothing is spilled */
					complain(d, name_loc, why, whylen,
					         "with loops inside each time step ('step'), values stay in registers: %s cannot "
					         "flow from one pass to the next along loop '%s'",
					         mp->u->vars[dep->var].name, fl->name);
					if (d)
						dep_note(d, mp, dep);
					ok = false;
					break;
				}
				continue;
			}
			/* inside one pass of the array */
			bool propagated = mp->u->vars[dep->var].kind == VAR_PROPAGATE;
			if (in_step && propagated)
				continue; /* read from its tensor where it is used */
			int64_t w[URE_MAXL];
			for (int c = 0; c < mp->n; c++)
				w[c] = v[mp->st[c]];
			int64_t tau = 0;
			for (int c = 0; c < mp->n; c++)
				tau += mp->T[mp->n - 1][c] * w[c];
			if (mp->nstep && !propagated) {
				if (just_before(mp, v, w, tau))
					continue;
				complain(d, name_loc, why, whylen,
				         "with loops inside each time step ('step'), a PE keeps only the last value of %s: "
				         "it must be read at the point the same PE computed just before",
				         mp->u->vars[dep->var].name);
				if (d)
					dep_note(d, mp, dep);
				ok = false;
				break;
			}
			if (tau < 1) {
				complain(d, st_loc, why, whylen,
				           "the schedule is not causal: %s would be used %lld time step%s after it is computed, not 1 or more",
				           mp->u->vars[dep->var].name, (long long)tau, tau == 1 ? "" : "s");
				if (d)
					dep_note(d, mp, dep);
				ok = false;
				break;
			}
			for (int r = 0; r < mp->nspace; r++) {
				int64_t s = 0;
				for (int c = 0; c < mp->n; c++)
					s += mp->T[r][c] * w[c];
				if (s > mp->links || s < -mp->links) {
					complain(d, st_loc, why, whylen,
					           "%s moves %lld PEs along '%s' in one hop; links reach %d (allow longer ones with 'links <= %lld;')",
					           mp->u->vars[dep->var].name, (long long)(s < 0 ? -s : s), mp->dim[r], mp->links,
					           (long long)(s < 0 ? -s : s));
					if (d)
					dep_note(d, mp, dep);
					ok = false;
					break;
				}
			}
			if (!ok)
				break;
		}
	}
	return ok;
}

/* The loops of a `step` clause: the innermost loops around the array, in order. */
static bool apply_step(Diag *d, Map *mp, const Clause *c)
{
	int outer[MAP_MAXL], no = 0, n = 0;
	for (int l = 0; l < mp->nloops; l++)
		if (mp->loops[l].st < 0)
			outer[no++] = l;
	for (Ident *id = c->names; id; id = id->next)
		n++;
	bool ok = n <= no;
	int i = no - n;
	for (Ident *id = c->names; id && ok; id = id->next)
		ok = strcmp(mp->loops[outer[i++]].name, id->name) == 0;
	if (!ok) {
		Buf b = {0};
		for (i = n < no ? no - n : 0; i < no; i++)
			buf_printf(&b, "%s%s", b.len ? ", " : "", mp->loops[outer[i]].name);
		diag_error(d, c->loc, "'step' takes the innermost loops around the array, in loop order: here '%s'",
		           b.len ? b.data : "none");
		buf_free(&b);
		return false;
	}
	for (i = no - n; i < no; i++) {
		MapLoop *ml = &mp->loops[outer[i]];
		if (ml->parallel) {
			diag_error(d, c->loc, "loop '%s' cannot run inside each time step ('step') and be parallel", ml->name);
			return false;
		}
		if (ml->span || ml->stride != 1) {
			diag_error(d, c->loc, "loop '%s' is a part of a tiled loop; 'step' takes loops that are not tiled",
			           ml->name);
			return false;
		}
		ml->step = true;
	}
	mp->nstep = n;
	return true;
}

Map *map_build(Arena *a, Diag *d, const Ure *u, Mapping *m)
{
	int before = d->nerrors;
	Map *mp = ARENA_NEW(a, Map);
	mp->m = m;
	mp->u = u;
	mp->links = 1;
	for (int i = 0; i < u->nloops; i++)
		mp->loops[mp->nloops++] = (MapLoop){.name = u->loops[i]->name, .orig = i, .stride = 1, .st = -1};
	const Clause *st = NULL;
	for (Clause *c = m->clauses; c; c = c->next) {
		if (c->kind == CL_TILE && !apply_tiles(a, d, mp, c))
			return NULL;
		if (c->kind == CL_SPACETIME) {
			st = c;
			if (!apply_spacetime(a, d, mp, c))
				return NULL;
		}
		if (c->kind == CL_LINKS) {
			int64_t v;
			if (const_int(c->value, &v))
				mp->links = (int)v;
		}
	}
	if (!st)
		return NULL;
	bool assigned[URE_MAXL] = {0};
	for (Clause *c = m->clauses; c; c = c->next) {
		for (Ident *id = c->names; id && (c->kind == CL_LANES || c->kind == CL_REGISTERS); id = id->next)
			for (int i = 0; i < mp->nspace; i++)
				if (strcmp(mp->dim[i], id->name) == 0) {
					assigned[i] = true;
					mp->on_lanes[i] = c->kind == CL_LANES;
				}
		for (Ident *id = c->names; id && c->kind == CL_PARALLEL; id = id->next) {
			int l = find_loop(mp, id->name);
			if (l >= 0 && !mp->loops[l].parallel) {
				mp->loops[l].parallel = true;
				mp->par[mp->npar++] = l;
			}
		}
	}
	for (int i = 0; i < mp->nspace; i++)
		if (!assigned[i])
			diag_error(d, st->loc, "space dimension '%s' is on neither lanes nor registers; add it to one of them",
			           mp->dim[i]);
	for (Clause *c = m->clauses; c; c = c->next)
		if (c->kind == CL_STEP && !apply_step(d, mp, c))
			return NULL;
	map_check_deps(mp, d, m->name_loc, st->loc, NULL, 0);
	return d->nerrors == before ? mp : NULL;
}
