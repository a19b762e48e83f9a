/*
 * types.c: the element types of the .sys language and how arithmetic widens them.
 *
 * Narrow storage types (FP8, MX, FP6, FP4, BF16, F16) are exactly representable in f32,
 * so arithmetic on them happens in f32 unless the equation declares another type. i16
 * is dynamic fixed point: a tensor holds the reals q * 2^Es, and arithmetic on them is
 * f32 as well (the INT32 chunked dot of numerics.md §8 is sysfmt_dfp16_dot's); only i32
 * is integer arithmetic.
 */
#include "sysc.h"

#include <string.h>

static const struct {
	const char *name;
	int bits;
} types[TY_COUNT] = {
	[TY_NONE] = {"<none>", 0},
#define X(e, s, b) [TY_##e] = {s, b},
	SYSC_TYPES(X)
#undef X
	[TY_INDEX] = {"index", 64},
	[TY_BOOL] = {"bool", 1},
};

const char *type_name(Type t)
{
	return t >= 0 && t < TY_COUNT ? types[t].name : "<bad type>";
}

Type type_lookup(const char *name)
{
	for (int t = TY_NONE + 1; t < TY_INDEX; t++)
		if (strcmp(types[t].name, name) == 0)
			return (Type)t;
	return TY_NONE;
}

int type_bits(Type t)
{
	return types[t].bits;
}

bool type_is_mx(Type t)
{
	return t >= TY_MXFP8E4M3 && t <= TY_MXINT8;
}

bool type_is_narrow(Type t)
{
	return t == TY_F16 || t == TY_BF16 || t == TY_FP8E4M3 || t == TY_FP8E5M2;
}

bool type_is_float(Type t)
{
	return t >= TY_F32 && t <= TY_MXINT8;
}

bool type_is_int(Type t)
{
	return t == TY_I16 || t == TY_I32;
}

bool type_is_value(Type t)
{
	return t > TY_NONE && t < TY_INDEX;
}

Type type_arith(Type t)
{
	/* i16 is dynamic fixed point: its values are reals q * 2^Es, computed on in f32 */
	if (type_is_float(t) || t == TY_I16)
		return TY_F32;
	if (t == TY_I32)
		return TY_I32;
	return t;
}
