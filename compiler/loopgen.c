/*
 * loopgen.c: the loops of the loop IR.
 *
 * requires: a legal Map.
 * provides: the lane dimension and the register rows, the transform (as the
 *           mapping gives it), and the PE box: the lanes become one vector and
 *           the register rows are unrolled, so both need sizes known now.
 * The loops around the array (work items, sequential passes) and the time range
 * come from the Map and the sizes when the code runs.
 */
#include "sysc.h"

#include <string.h>

/* The fixed extent of a transform loop, or 0 when it depends on the sizes. */
static int64_t fixed_extent(const Map *mp, int c)
{
	const MapLoop *ml = &mp->loops[mp->st[c]];
	return ml->span ? ml->span / ml->stride : 0;
}

bool loop_gen(Arena *a, LoopProg *lp)
{
	const Map *mp = lp->mp;
	if (lp->u->nvars > 64) {
		lp->why = "more than 64 recurrences";
		return false;
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
		lp->why = "the loop IR puts exactly one space dimension on lanes";
		return false;
	}
	memcpy(lp->T, mp->T, sizeof lp->T);
	memcpy(lp->Tinv, mp->Tinv, sizeof lp->Tinv);
	lp->nrows = 1;
	for (int r = 0; r < mp->nspace; r++) {
		int64_t lo = 0, hi = 0;
		for (int c = 0; c < mp->n; c++) {
			if (!lp->T[r][c])
				continue;
			int64_t e = fixed_extent(mp, c);
			if (!e) {
				lp->why = arena_printf(a, "space dimension '%s' has no fixed size: tile loop '%s' and map its inner loop",
				                       mp->dim[r], mp->loops[mp->st[c]].name);
				return false;
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
		lp->why = arena_printf(a, "%lld lanes: at most 64 lanes per vector", (long long)lp->pext[lp->lane]);
		return false;
	}
	if (lp->nrows > 64) {
		lp->why = arena_printf(a, "%lld register rows: at most 64", (long long)lp->nrows);
		return false;
	}
	return true;
}
