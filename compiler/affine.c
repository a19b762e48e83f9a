/*
 * affine.c: affine forms over a kernel's size parameters (c0 + sum c_i * P_i).
 *
 * Loop bounds, tensor extents and the index ranges of accesses are affine in the
 * parameters; comparing them lets sema decide many bounds questions symbolically
 * (x[i + k] with i < N, k < K fits x: f32[N + K - 1]) without knowing sizes.
 * Parameters are sizes, so they are taken to be >= 1.
 */
#include "sysc.h"

#include <string.h>

Affine aff_const(int64_t c)
{
	Affine a;
	memset(&a, 0, sizeof a);
	a.c0 = c;
	a.ok = true;
	return a;
}

/* A form whose arithmetic overflows int64 is not ok: nothing is decided from it. */
Affine aff_add(Affine x, Affine y)
{
	x.ok = x.ok && y.ok;
	x.ok &= !__builtin_add_overflow(x.c0, y.c0, &x.c0);
	for (int i = 0; i < AFF_MAXP; i++)
		x.ok &= !__builtin_add_overflow(x.coef[i], y.coef[i], &x.coef[i]);
	return x;
}

Affine aff_scale(Affine x, int64_t k)
{
	x.ok &= !__builtin_mul_overflow(x.c0, k, &x.c0);
	for (int i = 0; i < AFF_MAXP; i++)
		x.ok &= !__builtin_mul_overflow(x.coef[i], k, &x.coef[i]);
	return x;
}

Affine aff_sub(Affine x, Affine y)
{
	return aff_add(x, aff_scale(y, -1));
}

bool aff_is_const(Affine x)
{
	for (int i = 0; i < AFF_MAXP; i++)
		if (x.coef[i])
			return false;
	return x.ok;
}

int aff_nonneg(Affine x)
{
	if (!x.ok)
		return -1;
	/* with every P_i >= 1, the minimum is c0 + sum of the coefficients when all are >= 0 */
	int64_t min = x.c0;
	bool all_pos = true, all_neg = true;
	for (int i = 0; i < AFF_MAXP; i++) {
		if (x.coef[i] < 0)
			all_pos = false;
		if (x.coef[i] > 0)
			all_neg = false;
		if (__builtin_add_overflow(min, x.coef[i], &min))
			return -1;
	}
	if (all_pos)
		return min >= 0;
	if (all_neg) /* decreasing in every parameter: negative for large enough sizes */
		return aff_is_const(x) ? x.c0 >= 0 : 0;
	return -1;
}

void aff_print(Buf *b, Affine x, const Kernel *k)
{
	bool first = true;
	int i = 0;
	for (const Ident *p = k->params; p && i < AFF_MAXP; p = p->next, i++) {
		int64_t c = x.coef[i];
		if (!c)
			continue;
		if (first)
			buf_printf(b, c < 0 ? "-" : "");
		else
			buf_printf(b, c < 0 ? " - " : " + ");
		if (c != 1 && c != -1) /* the magnitude, unsigned: -INT64_MIN does not fit */
			buf_printf(b, "%llu*", c < 0 ? 0 - (unsigned long long)c : (unsigned long long)c);
		buf_printf(b, "%s", p->name);
		first = false;
	}
	if (first)
		buf_printf(b, "%lld", (long long)x.c0);
	else if (x.c0)
		buf_printf(b, " %s %llu", x.c0 < 0 ? "-" : "+",
		           x.c0 < 0 ? 0 - (unsigned long long)x.c0 : (unsigned long long)x.c0);
}

static int param_index(const Kernel *k, const char *name)
{
	int i = 0;
	for (const Ident *p = k->params; p; p = p->next, i++)
		if (strcmp(p->name, name) == 0)
			return i < AFF_MAXP ? i : -1;
	return -1;
}

Affine aff_of_expr(const Expr *e, const Kernel *k)
{
	Affine bad = aff_const(0);
	bad.ok = false;
	switch (e->kind) {
	case EX_INT:
		return aff_const(e->ival);
	case EX_NAME: {
		int i = param_index(k, e->name);
		if (i < 0)
			return bad;
		Affine a = aff_const(0);
		a.coef[i] = 1;
		return a;
	}
	case EX_UNARY:
		return e->op == OP_NEG ? aff_scale(aff_of_expr(e->a, k), -1) : bad;
	case EX_BINARY: {
		Affine x = aff_of_expr(e->a, k), y = aff_of_expr(e->b, k);
		if (!x.ok || !y.ok)
			return bad;
		switch (e->op) {
		case OP_ADD:
			return aff_add(x, y);
		case OP_SUB:
			return aff_sub(x, y);
		case OP_MUL:
			if (aff_is_const(x))
				return aff_scale(y, x.c0);
			if (aff_is_const(y))
				return aff_scale(x, y.c0);
			return bad;
		case OP_DIV:
		case OP_MOD:
			if (aff_is_const(x) && aff_is_const(y) && y.c0 != 0 && !(y.c0 == -1 && x.c0 == INT64_MIN))
				return aff_const(e->op == OP_DIV ? x.c0 / y.c0 : x.c0 % y.c0);
			return bad;
		default:
			return bad;
		}
	}
	default:
		return bad;
	}
}

bool const_int(const Expr *e, int64_t *v)
{
	static const Kernel none;
	Affine a = aff_of_expr(e, &none);
	if (!a.ok)
		return false;
	*v = a.c0;
	return true;
}

int64_t aff_eval(Affine x, const Sizes *sz)
{
	int64_t v = x.c0;
	for (int i = 0; i < AFF_MAXP; i++)
		if (x.coef[i])
			v += x.coef[i] * sz->v[i];
	return v;
}
