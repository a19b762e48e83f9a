/*
 * vregalloc.c: the vector registers of the loop IR.
 *
 * requires: shuffle (the delays), pack.
 * provides: lp->vregs, the vectors live across a time step: every value a link
 *           carries, for each register row, as many as its longest delay (a delay
 *           line of tau registers), and every register kept across inner loops
 *           (interchange), plus one per row for the operands of a step.
 *           When that exceeds the target's budget (32 vector registers on AVX-512,
 *           lp->vreg_budget), the design would spill: lp->spills says so, and the
 *           commands that compile it report it rather than silently producing slow
 *           code. Register assignment itself is LLVM's; the counts here are what a
 *           design asks of it.
 */
#include "sysc.h"

bool loop_vregalloc(Arena *a, LoopProg *lp)
{
	(void)a;
	lp->vregs = 0;
	for (int v = 0; v < lp->u->nvars; v++) {
		int64_t n = lp->stateful[v] ? lp->maxtau[v] : 0;
		/* with inner loops, a register across them (it is also the first delay) */
		if (lp->carried[v] && n == 0)
			n = 1;
		lp->vregs += (int)(n * lp->nrows);
	}
	/* the operands of one step: a loaded row and a broadcast, at least */
	lp->spills = lp->vregs + 2 > lp->vreg_budget;
	return true;
}
