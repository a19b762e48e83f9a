/*
 * binary.c: the last touches on the SPIR-V words LLVM writes (spv_finish in gpu.h).
 *
 * 1. LLVM writes a scalar zero as OpConstantNull. That is valid SPIR-V, but the
 *    SPIR-V readers built on older SPIRV-LLVM-Translators reject it (llvm-spirv 15
 *    asserts: "Invalid type"), and OpenCL devices that cannot take SPIR-V are fed
 *    through `llvm-spirv -r`. So a null int or float becomes OpConstant 0 and a null
 *    bool OpConstantFalse, with the same result id: the same module for every reader.
 * 2. Each kernel's description text (docs/runtime.md) goes in as an OpString, a
 *    debug instruction that means nothing to a device; the runtime finds the strings
 *    that start with "sysc-kernel".
 */
#include "gpu/gpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OP_STRING = 7,
	OP_EXTENSION = 10,
	OP_EXT_INST_IMPORT = 11,
	OP_MEMORY_MODEL = 14,
	OP_ENTRY_POINT = 15,
	OP_EXECUTION_MODE = 16,
	OP_CAPABILITY = 17,
	OP_TYPE_BOOL = 20,
	OP_TYPE_INT = 21,
	OP_TYPE_FLOAT = 22,
	OP_CONSTANT_FALSE = 42,
	OP_CONSTANT = 43,
	OP_CONSTANT_NULL = 46,
	OP_EXECUTION_MODE_ID = 331,
};

/* Where an instruction puts its result id: word 1 (types, labels, strings), word 2
 * (after a result type), or 0 where that is not known here: only the opcodes whose
 * layout is certain are checked, so a check never reports what is not a definition. */
static unsigned result_word(unsigned op)
{
	if (op == OP_STRING || op == OP_EXT_INST_IMPORT || (op >= 19 && op <= 38) || op == 73 /* OpDecorationGroup */ ||
	    op == 248 /* OpLabel */)
		return 1;
	if (op == 1 /* OpUndef */ || op == 12 /* OpExtInst */ || (op >= 41 && op <= 46) /* constants */ ||
	    op == 54 || op == 55 || op == 57 /* OpFunction, OpFunctionParameter, OpFunctionCall */ ||
	    op == 59 || op == 61 /* OpVariable, OpLoad */ || op == 245 /* OpPhi */)
		return 2;
	return 0;
}

uint32_t spv_duplicate_id(const uint32_t *words, size_t n)
{
	if (n < 5)
		return 0;
	uint32_t bound = words[3], dup = 0;
	unsigned char *seen = calloc(bound ? bound : 1, 1);
	if (!seen)
		sysc_bug("out of memory");
	for (size_t i = 5; i < n && !dup;) {
		unsigned wc = words[i] >> 16, op = words[i] & 0xffff, at = result_word(op);
		if (wc == 0 || i + wc > n)
			break;
		if (at && at < wc && words[i + at] < bound) {
			uint32_t id = words[i + at];
			if (seen[id])
				dup = id;
			seen[id] = 1;
		}
		i += wc;
	}
	free(seen);
	return dup;
}

/* Opcodes of the module's first sections, before the debug instructions. */
static bool preamble(unsigned op)
{
	return op == OP_CAPABILITY || op == OP_EXTENSION || op == OP_EXT_INST_IMPORT || op == OP_MEMORY_MODEL ||
	       op == OP_ENTRY_POINT || op == OP_EXECUTION_MODE || op == OP_EXECUTION_MODE_ID;
}

static void word(Buf *out, uint32_t w)
{
	gpu_buf_add(out, &w, 4);
}

static void op_string(Buf *out, uint32_t id, const char *s)
{
	size_t n = strlen(s) + 1, nw = (n + 3) / 4;
	word(out, (uint32_t)(2 + nw) << 16 | OP_STRING);
	word(out, id);
	for (size_t i = 0; i < nw; i++) {
		uint32_t w = 0;
		for (size_t k = 0; k < 4 && i * 4 + k < n; k++)
			w |= (uint32_t)(unsigned char)s[i * 4 + k] << (8 * k); /* a literal string is little-endian in each word */
		word(out, w);
	}
}

bool spv_finish(const uint32_t *words, size_t n, const char *const *descs, int ndescs, Buf *out, char **err)
{
	if (n < 5 || words[0] != 0x07230203u) {
		*err = strdup("not a SPIR-V module (magic number)");
		return false;
	}
	/* the widths of the scalar types, by result id; bound is the header's id bound */
	uint32_t bound = words[3];
	unsigned char *kind = calloc(bound ? bound : 1, 1); /* 'b'ool, or the width / 8 */
	if (!kind)
		sysc_bug("out of memory");
	for (size_t i = 5; i < n;) {
		unsigned wc = words[i] >> 16, op = words[i] & 0xffff;
		if (wc == 0 || i + wc > n) {
			free(kind);
			*err = strdup("a truncated SPIR-V instruction");
			return false;
		}
		if ((op == OP_TYPE_INT || op == OP_TYPE_FLOAT) && wc >= 3 && words[i + 1] < bound)
			kind[words[i + 1]] = (unsigned char)(words[i + 2] / 8);
		if (op == OP_TYPE_BOOL && wc >= 2 && words[i + 1] < bound)
			kind[words[i + 1]] = 'b';
		i += wc;
	}
	word(out, words[0]);
	word(out, words[1]);
	word(out, words[2]);
	word(out, bound + (uint32_t)ndescs);
	word(out, words[4]);
	bool strings = false;
	for (size_t i = 5; i < n;) {
		unsigned wc = words[i] >> 16, op = words[i] & 0xffff;
		if (!strings && !preamble(op)) {
			for (int d = 0; d < ndescs; d++)
				op_string(out, bound + (uint32_t)d, descs[d]);
			strings = true;
		}
		uint32_t type = wc >= 3 ? words[i + 1] : 0;
		if (op == OP_CONSTANT_NULL && wc == 3 && type < bound && kind[type] == 'b') {
			word(out, 3u << 16 | OP_CONSTANT_FALSE);
			word(out, type);
			word(out, words[i + 2]);
		} else if (op == OP_CONSTANT_NULL && wc == 3 && type < bound && kind[type] && kind[type] != 'b') {
			unsigned nv = kind[type] > 4 ? 2 : 1;
			word(out, (3u + nv) << 16 | OP_CONSTANT);
			word(out, type);
			word(out, words[i + 2]);
			for (unsigned k = 0; k < nv; k++)
				word(out, 0);
		} else {
			gpu_buf_add(out, words + i, 4 * (size_t)wc);
		}
		i += wc;
	}
	free(kind);
	return true;
}
