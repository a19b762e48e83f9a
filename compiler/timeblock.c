/*
 * timeblock.c: the time loop in blocks, for the caches.
 *
 * requires: interchange (which loops around the array are left).
 * provides: lp->tblock: the time loop runs in blocks of that many steps (0: whole),
 *           and each block runs over every work item of a chunk before the next
 *           block starts. A work item's registers (its delay lines) are saved at the
 *           end of a block and restored at the start of the next: the same points in
 *           the same PEs, only the work items interleaved, which the parallel loops
 *           allow. What a block reads that does not depend on the work item (the rows
 *           of b that every output tile of a GEMM reads) is then read from the cache
 *           by all the items of a chunk, where a whole time loop per item streams it
 *           from memory for each (the k blocking of a BLAS library).
 *
 * A pass runs when the array has no sequential loops around it (a pass order the
 * blocks must not break, and spills that are not registers) and its time loop
 * follows a whole loop of the kernel, so that its length grows with the sizes. A
 * GPU work-group runs one work item: its blocks run back to back and nothing changes.
 */
#include "sysc.h"

/* Steps per block: measured (docs/PERFORMANCE.md). With 16 lanes of f32 a step reads
 * a 64-byte row of b per column tile, so a block over the 128 tiles of a 2048-wide b
 * is 512 KiB, a quarter of the 2 MiB L2 of the machine measured; 128 steps were
 * slower, 32 no better, and a length chosen at run time from the width of b no
 * better at 1024 to 4096. */
enum { TIME_BLOCK = 64 };

bool loop_timeblock(Arena *a, LoopProg *lp)
{
	(void)a;
	const Map *mp = lp->mp;
	lp->tblock = 0;
	bool grows = false;
	for (int c = 0; c < mp->n; c++)
		if (lp->T[mp->n - 1][c] && mp->loops[mp->st[c]].span == 0)
			grows = true;
	for (int l = 0; l < mp->nloops; l++)
		if (mp->loops[l].st < 0 && !mp->loops[l].parallel && !lower_inner(lp, l))
			return true; /* passes */
	if (grows && !lp->ninner)
		lp->tblock = TIME_BLOCK;
	return true;
}
