/*
 * inputs.c: random tensors for `sysc run`, in the values each element type can hold.
 *
 * Inputs are drawn uniformly from [-1, 1) (integers from [-100, 100]) with a seeded
 * generator, then quantized the way a user's data would be: scalar types by their
 * RNE conversion, MX types block by block along their block axis (numerics.md §4),
 * i16 with one shared exponent per tensor (§8). Tensors then hold the decoded values,
 * which is what every device computes with.
 */
#include "sysc.h"
#include "sysfmt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64: small, fast, and the same sequence everywhere */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
	return (double)(next(s) >> 11) * 0x1p-53 * 2.0 - 1.0;
}

static SysfmtFormat format_of(Type t)
{
	SysfmtFormat f = SYSFMT_F32;
	sysfmt_format_from_name(type_name(t), &f);
	return f;
}

/* Quantizes one MX tensor in place, block by block along its block axis. */
static void quantize_mx(const Tensor *t, double *data, const int64_t *dims, int rank)
{
	SysfmtFormat f = format_of(t->type);
	SysfmtOptions opt = SYSFMT_OPTIONS_INIT;
	opt.scale_rule = t->scale_ceil ? SYSFMT_SCALE_CEIL : SYSFMT_SCALE_OCP;
	int ax = t->block_axis;
	int64_t inner = 1, n = dims[ax];
	for (int d = ax + 1; d < rank; d++)
		inner *= dims[d];
	int64_t total = 1;
	for (int d = 0; d < rank; d++)
		total *= dims[d];
	int64_t outer = total / (n * inner);
	for (int64_t o = 0; o < outer; o++)
		for (int64_t in = 0; in < inner; in++)
			for (int64_t b0 = 0; b0 < n; b0 += SYSFMT_MX_BLOCK) {
				int64_t m = n - b0 < SYSFMT_MX_BLOCK ? n - b0 : SYSFMT_MX_BLOCK;
				float v[SYSFMT_MX_BLOCK], out[SYSFMT_MX_BLOCK];
				uint8_t codes[SYSFMT_MX_BLOCK], scale;
				for (int64_t i = 0; i < m; i++)
					v[i] = (float)data[(o * n + b0 + i) * inner + in];
				sysfmt_mx_quantize_block(f, v, (size_t)m, &opt, &scale, codes);
				sysfmt_mx_dequantize_block(f, scale, codes, (size_t)m, out);
				for (int64_t i = 0; i < m; i++)
					data[(o * n + b0 + i) * inner + in] = out[i];
			}
}

void inputs_random(const TensorSet *ts, uint64_t seed)
{
	uint64_t s = seed;
	for (int i = 0; i < ts->n; i++) {
		const Tensor *t = ts->t[i];
		double *d = ts->data[i];
		if (t->dir != TENSOR_IN)
			continue;
		for (int64_t k = 0; k < ts->len[i]; k++)
			d[k] = t->type == TY_I32 ? (double)(int64_t)(next(&s) % 201) - 100 : uniform(&s);
		if (type_is_mx(t->type)) {
			quantize_mx(t, d, ts->dims[i], t->rank);
		} else if (t->type == TY_I16) {
			float *x = malloc(sizeof(float) * (size_t)ts->len[i] + 1);
			int16_t *q = malloc(sizeof(int16_t) * (size_t)ts->len[i] + 1);
			int32_t es = 0;
			SysfmtOptions opt = SYSFMT_OPTIONS_INIT;
			opt.add_shift = t->add_shift;
			if (!x || !q)
				sysc_bug("out of memory");
			for (int64_t k = 0; k < ts->len[i]; k++)
				x[k] = (float)d[k];
			sysfmt_dfp16_quantize(x, (size_t)ts->len[i], &opt, q, &es);
			sysfmt_dfp16_dequantize(q, (size_t)ts->len[i], es, x);
			for (int64_t k = 0; k < ts->len[i]; k++)
				d[k] = x[k];
			free(x);
			free(q);
		} else {
			for (int64_t k = 0; k < ts->len[i]; k++)
				d[k] = round_to(t->type, d[k]);
		}
	}
}

void tset_copy_inputs(TensorSet *dst, const TensorSet *src)
{
	for (int i = 0; i < src->n; i++)
		if (src->t[i]->dir == TENSOR_IN)
			memcpy(dst->data[i], src->data[i], sizeof(double) * (size_t)src->len[i]);
}

/* ---- tensors in memory: their element type's encoding (numerics.md §6) ---- */

/* An MX tensor in memory (runtime.md, numerics.md §6), as the formats library stores
 * it: the codes with the block axis padded to 32 and packed along it, then the scales. */
static SysfmtShape mx_shape(const TensorSet *ts, int i)
{
	SysfmtShape sh = {ts->t[i]->rank, ts->t[i]->block_axis, {0}};
	for (int d = 0; d < sh.rank; d++)
		sh.dims[d] = (size_t)ts->dims[i][d];
	return sh;
}

size_t inputs_bytes(const TensorSet *ts, int i)
{
	if (!type_is_mx(ts->t[i]->type))
		return (size_t)type_bits(ts->t[i]->type) / 8 * (size_t)ts->len[i];
	SysfmtShape sh = mx_shape(ts, i);
	size_t codes = 0, scales = 0;
	sysfmt_mx_sizes(format_of(ts->t[i]->type), &sh, NULL, &codes, &scales);
	return codes + scales;
}

/* f32, or the code of a narrow type (f16, bf16: 2 bytes; FP8: 1), the library's default
 * rules */
static void encode_elem(Type t, double v, unsigned char *buf, int64_t k)
{
	uint32_t code = 0;
	if (!type_is_narrow(t)) {
		((float *)buf)[k] = (float)v;
		return;
	}
	sysfmt_encode(format_of(t), (float)v, NULL, &code);
	if (type_bits(t) == 16)
		((uint16_t *)buf)[k] = (uint16_t)code;
	else
		buf[k] = (unsigned char)code;
}

/* An i16 tensor's codes and exponent, from its values (q * 2^Es by inputs_random, so
 * quantizing them again gives the same codes; checked). */
static int32_t encode_dfp(const Tensor *t, const double *v, int64_t n, int16_t *q)
{
	float *x = malloc(sizeof(float) * (size_t)n + 1), *back = malloc(sizeof(float) * (size_t)n + 1);
	if (!x || !back)
		sysc_bug("out of memory");
	for (int64_t k = 0; k < n; k++)
		x[k] = (float)v[k];
	SysfmtOptions opt = SYSFMT_OPTIONS_INIT;
	opt.add_shift = t->add_shift;
	int32_t es = 0;
	if (sysfmt_dfp16_quantize(x, (size_t)n, &opt, q, &es) != SYSFMT_OK ||
	    sysfmt_dfp16_dequantize(q, (size_t)n, es, back) != SYSFMT_OK || memcmp(x, back, sizeof(float) * (size_t)n))
		sysc_bug("i16 tensor '%s': its values are not codes of one exponent", t->name);
	free(x);
	free(back);
	return es;
}

/* An MX input quantized again from its values (X * P by inputs_random: the same codes
 * and scales; checked). */
static void encode_mx(const TensorSet *ts, int i, uint8_t *buf)
{
	const Tensor *t = ts->t[i];
	SysfmtFormat f = format_of(t->type);
	SysfmtShape sh = mx_shape(ts, i);
	SysfmtOptions opt = SYSFMT_OPTIONS_INIT;
	opt.scale_rule = t->scale_ceil ? SYSFMT_SCALE_CEIL : SYSFMT_SCALE_OCP;
	size_t n = (size_t)ts->len[i], codes = 0;
	sysfmt_mx_sizes(f, &sh, &opt, &codes, NULL);
	float *x = malloc(sizeof(float) * n + 1), *back = malloc(sizeof(float) * n + 1);
	if (!x || !back)
		sysc_bug("out of memory");
	for (size_t k = 0; k < n; k++)
		x[k] = (float)ts->data[i][k];
	if (sysfmt_mx_quantize(f, &sh, x, buf, buf + codes, &opt) != SYSFMT_OK ||
	    sysfmt_mx_dequantize(f, &sh, buf, buf + codes, back, &opt) != SYSFMT_OK || memcmp(x, back, sizeof(float) * n))
		sysc_bug("MX tensor '%s': its values are not its blocks' codes", t->name);
	free(x);
	free(back);
}

int32_t inputs_encode(const TensorSet *ts, int i, void *buf)
{
	const Tensor *t = ts->t[i];
	if (t->type == TY_I16 && t->dir == TENSOR_IN)
		return encode_dfp(t, ts->data[i], ts->len[i], buf);
	if (type_is_mx(t->type) && t->dir == TENSOR_IN) {
		encode_mx(ts, i, buf);
		return 0;
	}
	for (int64_t k = 0; k < ts->len[i]; k++)
		encode_elem(t->type, t->dir == TENSOR_IN ? ts->data[i][k] : NAN, buf, k);
	return 0;
}

double inputs_decode(Type t, const void *buf, int64_t k)
{
	if (!type_is_narrow(t))
		return ((const float *)buf)[k];
	uint32_t code = type_bits(t) == 16 ? ((const uint16_t *)buf)[k] : ((const unsigned char *)buf)[k];
	float f = 0;
	sysfmt_decode(format_of(t), code, &f);
	return f;
}
