/*
 * `sysc convert`: shows what numbers become in a low-precision format, using the runtime's
 * formats library (sysfmt.h), so the answer is the one kernels and the runtime will give.
 *
 * Numbers come from stdin, separated by white space or commas; `#` starts a comment to the end
 * of the line. A token that is `0x` followed by at most 8 hex digits and nothing else is an
 * FP32 bit pattern; anything else must be a whole C number for strtof (decimal, hex float such
 * as 0x1.8p3, inf, nan), rounded to the nearest FP32 first. Scalar formats print one line per
 * value as it arrives. Block formats collect values: MX kinds in blocks of 32 (a short last
 * block is padded with +0.0, which is not printed), i16 over the whole input or in blocks of
 * --block N; each block prints a header line with its scale or shared exponent, then one line
 * per value. The output format is documented in usage() below and in docs/formats.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysfmt.h"

int cmd_convert(int argc, char **argv);

static void usage(FILE *out) {
  fprintf(out,
    "usage: sysc convert --to FORMAT [--round rne|away|rz] [--overflow sat|ovf]\n"
    "                    [--scale-rule ocp|ceil] [--add-shift N] [--block N]\n"
    "\n"
    "Reads numbers from stdin and prints what each becomes in FORMAT.\n"
    "\n"
    "FORMAT: f32 f16 bf16 fp8e4m3 fp8e5m2 fp6e3m2 fp6e2m3 fp4e2m1 int8 e8m0 (scalars),\n"
    "        mxfp8e4m3 mxfp8e5m2 mxfp6e3m2 mxfp6e2m3 mxfp4e2m1 mxint8 (MX, blocks of 32),\n"
    "        i16 (INT16 dynamic fixed point with a shared exponent).\n"
    "Input:  numbers separated by white space or commas; '#' comments to end of line.\n"
    "        0xHHHHHHHH (up to 8 hex digits, nothing else) is an FP32 bit pattern;\n"
    "        other tokens are decimal, hex floats (0x1.8p3), inf or nan, rounded to FP32 first.\n"
    "Options:\n"
    "  --round rne|away|rz   ties to even (default), ties away from zero, toward zero\n"
    "  --overflow sat|ovf    fp8e4m3, fp8e5m2, f16, bf16, e8m0: saturate, or overflow to\n"
    "                        Inf/NaN (defaults: sat for fp8 and e8m0, ovf for f16 and bf16)\n"
    "  --scale-rule ocp|ceil MX: the OCP scale rule (default) or the round-up rule\n"
    "  --add-shift N         i16: headroom bits, 0..14 (default 0)\n"
    "  --block N             i16: one exponent per N values (default: one for all input)\n"
    "Output: one line per value: INPUT CODE VALUE\n"
    "  INPUT  the token as read\n"
    "  CODE   the encoded code in hex (0x7, 0x1f, 0x38, 0x3c00, 0xfff8 for i16 -8)\n"
    "  VALUE  the code decoded back to FP32 (times the block's scale), printed with %%.9g\n"
    "  Block formats print before each block's values one line:\n"
    "    block K: scale=0xNN (2^E)        MX: the E8M0 scale (0xff: NaN)\n"
    "    block K: exp=E (2^E)             i16: the shared exponent\n");
}

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "sysc convert: error: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  return 1;
}

/* One token of stdin, with the line it started on. Returns 0 at end of input. */
typedef struct Reader {
  FILE *in;
  int line;
  char tok[128];
} Reader;

static int next_token(Reader *r, int *too_long) {
  int c, n = 0;
  *too_long = 0;
  for (;;) {
    c = getc(r->in);
    if (c == '#') {
      while (c != '\n' && c != EOF)
        c = getc(r->in);
    }
    if (c == EOF)
      return 0;
    if (c == '\n')
      r->line++;
    else if (c != ' ' && c != '\t' && c != '\r' && c != ',')
      break;
  }
  while (c != EOF && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',' && c != '#') {
    if (n + 1 < (int)sizeof r->tok)
      r->tok[n++] = (char)c;
    else
      *too_long = 1;
    c = getc(r->in);
  }
  r->tok[n] = 0;
  if (c != EOF)
    ungetc(c, r->in);
  return 1;
}

/* Parses a token as described at the top of the file. */
static int parse_number(const char *s, float *out) {
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
    size_t n = strspn(s + 2, "0123456789abcdefABCDEF");
    if (s[2 + n] == 0) {
      if (n > 8)
        return 0;
      uint32_t bits = (uint32_t)strtoul(s + 2, NULL, 16);
      memcpy(out, &bits, sizeof *out);
      return 1;
    }
  }
  char *end;
  *out = strtof(s, &end);
  return end != s && *end == 0; /* out of range rounds to ±Inf or 0, which is what we want */
}

typedef struct Conv {
  SysfmtFormat f;
  SysfmtOptions opt;
  int hexdigits;
  int mx, dfp;
  size_t block; /* values per block (MX: 32; i16: 0 = all input) */
} Conv;

typedef struct Pending {
  char (*tok)[128];
  float *v;
  size_t n, cap;
  size_t index; /* blocks printed */
} Pending;

static void print_line(const Conv *cv, const char *tok, uint32_t code, float value) {
  printf("%s 0x%0*x %.9g\n", tok, cv->hexdigits, code, (double)value);
}

static int flush_block(const Conv *cv, Pending *p) {
  if (p->n == 0)
    return 0;
  if (cv->mx) {
    uint8_t scale, codes[SYSFMT_MX_BLOCK];
    float out[SYSFMT_MX_BLOCK];
    sysfmt_mx_quantize_block(cv->f, p->v, p->n, &cv->opt, &scale, codes);
    sysfmt_mx_dequantize_block(cv->f, scale, codes, p->n, out);
    if (scale == 0xFF)
      printf("block %zu: scale=0xff (NaN)\n", p->index);
    else
      printf("block %zu: scale=0x%02x (2^%d)\n", p->index, scale, (int)scale - 127);
    for (size_t i = 0; i < p->n; i++)
      print_line(cv, p->tok[i], codes[i], out[i]);
  } else {
    int16_t *q = malloc(p->n * sizeof *q);
    float *out = malloc(p->n * sizeof *out);
    int32_t es = 0;
    if (!q || !out) {
      free(q);
      free(out);
      return fail("out of memory");
    }
    SysfmtStatus st = sysfmt_dfp16_quantize(p->v, p->n, &cv->opt, q, &es);
    if (st != SYSFMT_OK) {
      free(q);
      free(out);
      return fail("block %zu: %s in i16", p->index, sysfmt_status_str(st));
    }
    sysfmt_dfp16_dequantize(q, p->n, es, out);
    printf("block %zu: exp=%d (2^%d)\n", p->index, (int)es, (int)es);
    for (size_t i = 0; i < p->n; i++)
      print_line(cv, p->tok[i], (uint16_t)q[i], out[i]);
    free(q);
    free(out);
  }
  p->index++;
  p->n = 0;
  return 0;
}

static int push(const Conv *cv, Pending *p, const char *tok, float x) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 64;
    char(*t)[128] = realloc(p->tok, cap * sizeof *t);
    if (t)
      p->tok = t;
    float *v = realloc(p->v, cap * sizeof *v);
    if (v)
      p->v = v;
    if (!t || !v)
      return fail("out of memory");
    p->cap = cap;
  }
  snprintf(p->tok[p->n], sizeof p->tok[p->n], "%s", tok);
  p->v[p->n++] = x;
  if (cv->block && p->n == cv->block)
    return flush_block(cv, p);
  return 0;
}

static int parse_int(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (end == s || *end || errno || v < lo || v > hi)
    return 0;
  *out = v;
  return 1;
}

int cmd_convert(int argc, char **argv) {
  const char *to = NULL, *round = NULL, *ovf = NULL, *rule = NULL, *shift = NULL, *block = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    }
    static const char *names[] = {"--to", "--round", "--overflow", "--scale-rule", "--add-shift",
                                  "--block"};
    const char **slots[] = {&to, &round, &ovf, &rule, &shift, &block};
    int matched = 0;
    for (int k = 0; k < 6 && !matched; k++) {
      size_t len = strlen(names[k]);
      if (strncmp(a, names[k], len) != 0 || (a[len] != 0 && a[len] != '='))
        continue;
      matched = 1;
      if (a[len] == '=') {
        *slots[k] = a + len + 1;
      } else if (i + 1 < argc) {
        *slots[k] = argv[++i];
      } else {
        return fail("%s needs a value (see sysc convert --help)", names[k]);
      }
    }
    if (!matched) {
      if (a[0] == '-')
        return fail("unknown option '%s'", a);
      return fail("unexpected argument '%s': numbers are read from stdin", a);
    }
  }
  if (!to)
    return fail("--to FORMAT is required (see sysc convert --help)");

  Conv cv = {0};
  cv.opt = (SysfmtOptions)SYSFMT_OPTIONS_INIT;
  if (sysfmt_format_from_name(to, &cv.f) != SYSFMT_OK)
    return fail("unknown format '%s' (see sysc convert --help)", to);
  SysfmtInfo info;
  sysfmt_format_info(cv.f, &info);
  cv.mx = sysfmt_is_mx(cv.f);
  cv.dfp = cv.f == SYSFMT_DFP16;
  if (cv.f == SYSFMT_I32)
    return fail("format '%s' has no conversion", to);
  cv.hexdigits = ((cv.dfp ? 16 : info.bits) + 3) / 4;
  int ovf_ok = cv.f == SYSFMT_FP8_E4M3 || cv.f == SYSFMT_FP8_E5M2 || cv.f == SYSFMT_F16 ||
               cv.f == SYSFMT_BF16 || cv.f == SYSFMT_E8M0;
  if (round) {
    if (!strcmp(round, "rne"))
      cv.opt.round = SYSFMT_ROUND_RNE;
    else if (!strcmp(round, "away"))
      cv.opt.round = SYSFMT_ROUND_AWAY;
    else if (!strcmp(round, "rz"))
      cv.opt.round = SYSFMT_ROUND_RZ;
    else
      return fail("--round takes rne, away or rz, not '%s'", round);
  }
  if (ovf) {
    if (!ovf_ok)
      return fail("--overflow applies to fp8e4m3, fp8e5m2, f16, bf16 and e8m0, not %s", to);
    if (!strcmp(ovf, "sat"))
      cv.opt.overflow = SYSFMT_OVERFLOW_SAT;
    else if (!strcmp(ovf, "ovf"))
      cv.opt.overflow = SYSFMT_OVERFLOW_INF;
    else
      return fail("--overflow takes sat or ovf, not '%s'", ovf);
  }
  if (rule) {
    if (!cv.mx)
      return fail("--scale-rule applies to MX formats, not %s", to);
    if (!strcmp(rule, "ocp"))
      cv.opt.scale_rule = SYSFMT_SCALE_OCP;
    else if (!strcmp(rule, "ceil"))
      cv.opt.scale_rule = SYSFMT_SCALE_CEIL;
    else
      return fail("--scale-rule takes ocp or ceil, not '%s'", rule);
  }
  long v;
  if (shift) {
    if (!cv.dfp)
      return fail("--add-shift applies to i16, not %s", to);
    if (!parse_int(shift, 0, 14, &v))
      return fail("--add-shift takes an integer from 0 to 14, not '%s'", shift);
    cv.opt.add_shift = (int)v;
  }
  if (block) {
    if (!cv.dfp)
      return fail("--block applies to i16 (MX blocks are always 32), not %s", to);
    if (!parse_int(block, 1, 1L << 30, &v))
      return fail("--block takes a positive integer, not '%s'", block);
    cv.block = (size_t)v;
  }
  if (cv.mx)
    cv.block = SYSFMT_MX_BLOCK;

  Reader rd = {stdin, 1, {0}};
  Pending pend = {0};
  int too_long, rc = 0;
  while (!rc && next_token(&rd, &too_long)) {
    float x;
    if (too_long || !parse_number(rd.tok, &x)) {
      rc = fail("line %d: cannot read '%s' as a number", rd.line, rd.tok);
      break;
    }
    if (cv.mx || cv.dfp) {
      rc = push(&cv, &pend, rd.tok, x);
      continue;
    }
    uint32_t code = 0;
    float back = 0;
    sysfmt_encode(cv.f, x, &cv.opt, &code);
    sysfmt_decode(cv.f, code, &back);
    print_line(&cv, rd.tok, code, back);
  }
  if (!rc)
    rc = flush_block(&cv, &pend);
  free(pend.tok);
  free(pend.v);
  if (fflush(stdout) != 0 && !rc)
    rc = fail("cannot write the output");
  return rc;
}
