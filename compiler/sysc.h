/*
 * sysc.h: the compiler's one internal header.
 *
 * The pipeline, in the order of the sections below:
 *   spec text -> (lang/sysc.re, lang/sysc.y) -> AST -> sema -> URE IR -> mapped IR
 *   -> loop IR -> LLVM -> kernel.
 * Each section lists the prototypes of one file (or one small family of files), with
 * the file name as its heading, the way QBE's all.h does. File-local helpers are static
 * and unprefixed; functions used across files carry their module's prefix.
 *
 * Memory: everything built while compiling one spec lives in one Arena (ast, symbols,
 * strings) and is freed at once; no node is freed on its own.
 */
#ifndef SYSC_H
#define SYSC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SYSC_VERSION "0.1.0"

/* ---------------------------------------------------------------- util.c */

/* Internal bugs (never user errors): print where, then abort. */
#define sysc_bug(...) sysc_bug_at(__FILE__, __LINE__, __VA_ARGS__)
#define unreachable() sysc_bug("unreachable")
_Noreturn void sysc_bug_at(const char *file, int line, const char *fmt, ...);

typedef struct Arena Arena;
Arena *arena_new(void);
void arena_free(Arena *a);
void *arena_alloc(Arena *a, size_t n); /* zeroed, 16-byte aligned */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
char *arena_printf(Arena *a, const char *fmt, ...);
#define ARENA_NEW(a, T) ((T *)arena_alloc((a), sizeof(T)))
#define ARENA_ARRAY(a, T, n) ((T *)arena_alloc((a), sizeof(T) * (size_t)(n)))

/* Growable byte buffer for text output (dumps, messages). */
typedef struct {
	char *data;
	size_t len, cap;
} Buf;
void buf_printf(Buf *b, const char *fmt, ...);
void buf_vprintf(Buf *b, const char *fmt, va_list ap);
void buf_free(Buf *b);

/* Reads a whole file; NULL with errno set on failure. The text is NUL-terminated. */
char *read_file(const char *path, size_t *len);

/* ---------------------------------------------------------------- diag.c */

/* A source position: a file and a half-open byte range. Line and column are
 * worked out only when a message is printed. */
typedef struct {
	int file;
	int start, end;
} SrcLoc;

typedef struct {
	const char *name;
	const char *text;
	int len;
} SrcFile;

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;

typedef struct {
	SrcFile files[4];
	int nfiles;
	int nerrors, nwarnings;
	int max_errors;  /* stop reporting after this many (0: no limit) */
	bool color;
	bool werror;
	FILE *out;
} Diag;

void diag_init(Diag *d, FILE *out);
int diag_add_file(Diag *d, const char *name, const char *text, int len);
void diag_error(Diag *d, SrcLoc loc, const char *fmt, ...);
void diag_warn(Diag *d, SrcLoc loc, const char *fmt, ...);
void diag_note(Diag *d, SrcLoc loc, const char *fmt, ...);
void diag_vreport(Diag *d, DiagLevel lvl, SrcLoc loc, const char *fmt, va_list ap);
/* line and column (both 1-based) of a byte offset */
void diag_linecol(const Diag *d, int file, int off, int *line, int *col);
SrcLoc loc_join(SrcLoc a, SrcLoc b);

/* ---------------------------------------------------------------- types.c */

/* Element types of the language. ORDER: the table in types.c follows this X-macro. */
#define SYSC_TYPES(X)                                                                       \
	X(F32, "f32", 32)                                                                       \
	X(F16, "f16", 16)                                                                       \
	X(BF16, "bf16", 16)                                                                     \
	X(FP8E4M3, "fp8e4m3", 8)                                                                \
	X(FP8E5M2, "fp8e5m2", 8)                                                                \
	X(MXFP8E4M3, "mxfp8e4m3", 8)                                                            \
	X(MXFP8E5M2, "mxfp8e5m2", 8)                                                            \
	X(MXFP6E3M2, "mxfp6e3m2", 6)                                                            \
	X(MXFP6E2M3, "mxfp6e2m3", 6)                                                            \
	X(MXFP4E2M1, "mxfp4e2m1", 4)                                                            \
	X(MXINT8, "mxint8", 8)                                                                  \
	X(I16, "i16", 16)                                                                       \
	X(I32, "i32", 32)

typedef enum {
	TY_NONE,
#define X(e, s, b) TY_##e,
	SYSC_TYPES(X)
#undef X
	TY_INDEX, /* loop variables, size parameters, integer literals used as indices */
	TY_BOOL,  /* comparisons */
	TY_COUNT
} Type;

const char *type_name(Type t);
Type type_lookup(const char *name); /* TY_NONE if unknown */
int type_bits(Type t);
bool type_is_mx(Type t);
bool type_is_float(Type t); /* f32 .. mx types */
bool type_is_int(Type t);   /* i16, i32 */
bool type_is_value(Type t); /* any element type */
/* The type arithmetic is done in for operands of type t (narrow types widen exactly). */
Type type_arith(Type t);

/* ---------------------------------------------------------------- ast.c */

typedef enum {
	EX_INT,    /* 42 */
	EX_FLOAT,  /* 1.5 */
	EX_NAME,   /* i, M: a loop variable or size parameter */
	EX_UNARY,  /* -x, !x */
	EX_BINARY, /* x + y, x == y, x && y */
	EX_COND,   /* c ? x : y */
	EX_CALL,   /* A(i, j-1, k): a recurrence reference; or max(x, y): a builtin */
	EX_INDEX,  /* a[i][k]: a tensor element */
} ExprKind;

/* Operators; the order is the printing table's in ast.c. */
typedef enum {
	OP_NONE,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_AND, OP_OR,
	OP_NEG, OP_NOT,
} Op;

typedef struct Sym Sym;
typedef struct Expr Expr;

struct Expr {
	ExprKind kind;
	Op op;
	SrcLoc loc;
	int64_t ival;
	double fval;
	const char *name; /* EX_NAME, EX_CALL, EX_INDEX */
	SrcLoc name_loc;
	Expr *a, *b, *c; /* operands; EX_COND: c ? a : b is stored as a=cond, b=then, c=else */
	Expr *args;      /* EX_CALL, EX_INDEX: argument list, linked by next */
	int nargs;
	Expr *next;
	/* filled in by sema */
	Sym *sym;
	Type type;
};

typedef struct Ident {
	const char *name;
	SrcLoc loc;
	struct Ident *next;
} Ident;

/* `key` or `key = value` in a tensor's attribute list */
typedef struct Attr {
	const char *key;
	SrcLoc loc;
	Expr *value; /* NULL for a bare key */
	struct Attr *next;
} Attr;

typedef enum { TENSOR_IN, TENSOR_OUT } TensorDir;

typedef struct Tensor {
	const char *name;
	SrcLoc loc;
	TensorDir dir;
	Type type;
	SrcLoc type_loc;
	Expr *dims; /* extents, linked by next */
	int rank;
	Attr *attrs;
	/* resolved by sema from attrs */
	int block_axis;   /* MX types: the blocked (reduction) axis */
	int add_shift;    /* i16: headroom bits of the shared exponent */
	bool scale_ceil;  /* MX: the round-up scale rule instead of OCP's */
	bool used;
	struct Tensor *next;
} Tensor;

typedef struct Loop {
	const char *name;
	SrcLoc loc;
	Expr *bound; /* the variable runs over 0 <= v < bound */
	struct Loop *next;
} Loop;

typedef enum { EQ_REC, EQ_OUT } EqnKind;

/* A(i, j, k) [: type] = rhs;   or   c[i][j] = rhs; */
typedef struct Eqn {
	EqnKind kind;
	const char *name;
	SrcLoc loc, name_loc;
	Expr *lhs; /* EQ_REC: argument names; EQ_OUT: tensor index expressions */
	int nlhs;
	Type decl_type; /* TY_NONE when not written */
	SrcLoc type_loc;
	Expr *rhs;
	/* sema */
	Type type;
	Tensor *tensor; /* EQ_OUT */
	struct Eqn *next;
} Eqn;

typedef struct Kernel {
	const char *name;
	SrcLoc loc, name_loc;
	Ident *params;
	int nparams;
	Tensor *tensors;
	Loop *loops;
	int nloops;
	SrcLoc domain_loc;
	bool has_domain;
	Eqn *eqns;
	struct Kernel *next;
} Kernel;

typedef enum {
	CL_TILE,      /* tile i by 16 [as (it, ii)], ... */
	CL_SPACETIME, /* spacetime (loops) project (u) schedule (s) [as (names)] | space ((..)) time ((..)) */
	CL_LANES,     /* lanes s0; */
	CL_REGISTERS, /* registers s1; */
	CL_PARALLEL,  /* parallel it, jt; */
	CL_LINKS,     /* links <= 2; */
} ClauseKind;

typedef struct Tiling {
	Ident loop;
	Expr *size;
	Ident *names; /* (outer, inner) or NULL for the default names */
	struct Tiling *next;
} Tiling;

/* An integer vector or matrix row as written: a list of integer expressions. */
typedef struct Row {
	Expr *elems;
	int n;
	SrcLoc loc;
	struct Row *next;
} Row;

typedef struct Clause {
	ClauseKind kind;
	SrcLoc loc;
	Tiling *tiles;    /* CL_TILE */
	Ident *names;     /* CL_SPACETIME: the loops; CL_LANES/REGISTERS/PARALLEL: the dims */
	Row *project;     /* CL_SPACETIME, projection form: one row */
	Row *schedule;    /* one row */
	Row *space;       /* CL_SPACETIME, matrix form: space rows */
	Row *time;        /* time rows */
	Ident *dim_names; /* `as (p, q, t)`: names of the transformed dims */
	Expr *value;      /* CL_LINKS */
	struct Clause *next;
} Clause;

typedef struct Mapping {
	const char *name;
	SrcLoc loc, name_loc;
	const char *kernel_name;
	SrcLoc kernel_loc;
	Kernel *kernel; /* sema */
	Clause *clauses;
	struct Mapping *next;
} Mapping;

typedef struct Program {
	Kernel *kernels;
	Mapping *mappings;
	int syntax_errors; /* sema runs only on a program that parsed cleanly */
} Program;

/* constructors used by the parser */
Expr *ast_int(Arena *a, SrcLoc loc, int64_t v);
Expr *ast_float(Arena *a, SrcLoc loc, double v);
Expr *ast_name(Arena *a, SrcLoc loc, const char *name);
Expr *ast_unary(Arena *a, SrcLoc loc, Op op, Expr *x);
Expr *ast_binary(Arena *a, SrcLoc loc, Op op, Expr *x, Expr *y);
Expr *ast_cond(Arena *a, SrcLoc loc, Expr *c, Expr *x, Expr *y);
Expr *ast_call(Arena *a, SrcLoc loc, const char *name, SrcLoc name_loc, Expr *args);
Expr *ast_index(Arena *a, SrcLoc loc, const char *name, SrcLoc name_loc, Expr *args);
Expr *ast_append(Expr *list, Expr *e); /* list may be NULL; returns the head */
int ast_count(const Expr *list);

const char *op_str(Op op);
/* Prints an expression in source syntax, parenthesised where needed. */
void ast_print_expr(Buf *b, const Expr *e);
/* The readable dump of `sysc emit --emit=ast`. */
void ast_dump(Buf *b, const Program *p, const Diag *d);

/* ---------------------------------------------------------------- parse (lang/) */

/* Parses one source file already registered with the Diag. Errors are reported
 * to d and counted; the returned program holds everything that could be parsed. */
Program *sysc_parse(Arena *a, Diag *d, int file);

/* ---------------------------------------------------------------- sema.c */

typedef enum { SYM_PARAM, SYM_TENSOR, SYM_LOOP, SYM_REC, SYM_BUILTIN } SymKind;

struct Sym {
	SymKind kind;
	const char *name;
	SrcLoc loc;
	int index;    /* param or loop position */
	Tensor *tensor;
	Eqn *eqn;     /* SYM_REC: its defining equation */
};

/* Checks names, types, shapes, the uniform-offset rule, domain bounds and mappings.
 * Errors go to d; returns true when none were found. */
bool sema_check(Arena *a, Diag *d, Program *p);

/* ---------------------------------------------------------------- affine.c */

/* Affine forms over a kernel's size parameters: c0 + sum coef[i] * param_i.
 * Used for loop bounds, tensor extents and index ranges. */
#define AFF_MAXP 16
typedef struct {
	int64_t c0;
	int64_t coef[AFF_MAXP];
	bool ok; /* false when the expression is not affine in the parameters */
} Affine;

Affine aff_const(int64_t c);
Affine aff_add(Affine x, Affine y);
Affine aff_sub(Affine x, Affine y);
Affine aff_scale(Affine x, int64_t k);
bool aff_is_const(Affine x);
/* Whether x >= 0 for every value of the parameters >= 1: 1 yes, 0 no, -1 undecided. */
int aff_nonneg(Affine x);
void aff_print(Buf *b, Affine x, const Kernel *k);
/* Evaluates an expression over parameters only (no loop variables). */
Affine aff_of_expr(const Expr *e, const Kernel *k);
/* Whether an expression is a compile-time integer constant; stores its value. */
bool const_int(const Expr *e, int64_t *v);

/* ---------------------------------------------------------------- driver commands */

int cmd_convert(int argc, char **argv); /* cmd_convert.c: `sysc convert` */

#endif /* SYSC_H */
