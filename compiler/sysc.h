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
/* Writes n bytes to path ("-": stdout); false with errno set where it could not. */
bool write_file(const char *path, const void *data, size_t n);

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
	int *line_start; /* offsets where lines begin, when the Diag has an arena */
	int nlines;
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
	Arena *arena; /* optional: lets line numbers be found by binary search */
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
bool type_is_narrow(Type t); /* f16, bf16, FP8: a value of the type rounds an f32 one */
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
	int64_t value; /* a size parameter's default value, 0 when none is written */
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
	CL_STEP,      /* step r, s; (loops inside each time step) */
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
	Ident *names;     /* CL_SPACETIME, PARALLEL, STEP: loops; CL_LANES/REGISTERS: dims */
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
/* Floating-point operations of e at one point, the costlier branch of every choice
 * (what `sysc run` and the GPU check count for GFLOP/s). */
int64_t expr_flops(const Expr *e);
/* The first recurrence reference in e, or NULL (an output reads one). */
const Expr *expr_rec_ref(const Expr *e);
/* Whether an expression reads no tensor and no recurrence (an index condition). */
bool expr_data_free(const Expr *e);
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

/* Values of the size parameters, in the kernel's order. */
typedef struct {
	int64_t v[AFF_MAXP];
} Sizes;
int64_t aff_eval(Affine x, const Sizes *sz);

/* ---------------------------------------------------------------- ure.c */

/* The URE IR: a kernel's recurrences over its domain, lowered from the checked AST.
 * Every reference to a recurrence becomes a dependence vector d (the point read is
 * x - d); tensor reads stay as AST expressions, evaluated where a guard selects them. */
enum { URE_MAXL = 16 };

typedef struct {
	int var;               /* the recurrence read */
	int64_t d[URE_MAXL];   /* x - d is the point read */
	int reader;            /* the recurrence whose equation reads it */
	const Expr *ref;
} UreDep;

typedef enum {
	VAR_COMPUTE,   /* computes from other values */
	VAR_PROPAGATE, /* carries one input element along a direction: V(x) = input[f(x)] for all x */
} UreVarKind;

typedef struct {
	const char *name;
	Eqn *eqn;
	Type type;
	UreVarKind kind;
	const Expr *input;     /* VAR_PROPAGATE: the tensor read that feeds it */
	int64_t dir[URE_MAXL]; /* VAR_PROPAGATE: the direction it moves in */
} UreVar;

typedef struct {
	Kernel *k;
	int nloops;
	Loop *loops[URE_MAXL];
	Affine bound[URE_MAXL];
	int nvars;
	UreVar *vars;
	int *order; /* an evaluation order of the vars at one point (same-point reads first) */
	int ndeps;
	UreDep *deps;
	int nouts;
	Eqn **outs;
} Ure;

/* Lowers a checked kernel. Never fails on a kernel that passed sema_check. */
Ure *ure_lower(Arena *a, Kernel *k);
void ure_print(Buf *b, const Ure *u);
int ure_var_index(const Ure *u, const char *name);
/* Default sizes: the kernel's written defaults, else small odd values that are not
 * multiples of common tile sizes. Fills sz; returns false (with a message in err) if
 * some loop bound or extent would be < 1. */
bool ure_default_sizes(const Ure *u, Sizes *sz, char *err, size_t errlen);
/* Parses "M=37,N=29" over the defaults; false with a message on error. */
bool ure_parse_sizes(const Ure *u, const char *spec, Sizes *sz, char *err, size_t errlen);
/* The same for some of the sizes only: the others stay as they are in sz. */
bool ure_parse_assignments(const Ure *u, const char *spec, Sizes *sz, char *err, size_t errlen);
bool ure_sizes_valid(const Ure *u, const Sizes *sz, char *err, size_t errlen);
void ure_print_sizes(Buf *b, const Ure *u, const Sizes *sz);

/* ---------------------------------------------------------------- interp.c */

/* The data of one run: every tensor of a kernel as doubles holding exact values of
 * its element type (narrow types are stored decoded), row-major. */
typedef struct {
	int n;           /* tensors, in declaration order */
	Tensor **t;
	double **data;
	int64_t *len;    /* elements */
	int64_t (*dims)[8];
} TensorSet;

TensorSet *tset_new(Arena *a, const Ure *u, const Sizes *sz);
int tset_index(const TensorSet *ts, const Tensor *t);

typedef enum {
	EVAL_TYPED,     /* the declared types, rounding as the spec says */
	EVAL_FP64,      /* the FP64 reference: double throughout, no rounding */
	EVAL_MAGNITUDE, /* FP64 on magnitudes (x - y counts as |x| + |y|): error bounds */
} EvalMode;

/* An evaluation context: where recurrence values come from. */
typedef struct Eval Eval;
struct Eval {
	const Ure *u;
	const Sizes *sz;
	TensorSet *ts;
	bool fp64;      /* EVAL_FP64 or EVAL_MAGNITUDE */
	bool magnitude; /* EVAL_MAGNITUDE */
	/* reads recurrence var at point x (x is inside the domain) */
	double (*read)(Eval *ev, int var, const int64_t *x);
	void *ctx;
	/* a tensor index that fell outside its extent (sizes that sema could not judge) */
	char fault[160];
};

double eval_expr(Eval *ev, const Expr *e, const int64_t *x);
int64_t eval_index(const Eval *ev, const Expr *e, const int64_t *x);
/* Rounds v to the values of type t (exact for the types the interpreter computes in). */
double round_to(Type t, double v);
/* Computes every variable at point x in the URE's order, calling store for each. */
void eval_point(Eval *ev, const int64_t *x, void (*store)(Eval *ev, int var, const int64_t *x, double v));
/* Evaluates the outputs from the recurrence values that ev->read gives. */
void eval_outputs(Eval *ev);

/* Runs the kernel's URE semantics directly over the whole domain in lexicographic
 * order. Outputs are written into ts. Returns false if the domain is too large. */
bool interp_run(const Ure *u, const Sizes *sz, TensorSet *ts, EvalMode mode, char *err, size_t errlen);
int64_t domain_points(const Ure *u, const Sizes *sz);
/* The reference for domains too large to store: evaluates n elements (flat indices
 * idx) of output `out` on demand, each from the points it depends on. */
bool interp_sample(const Ure *u, const Sizes *sz, TensorSet *ts, EvalMode mode, const Eqn *out, const int64_t *idx,
                   int n, double *vals, char *err, size_t errlen);

/* ---------------------------------------------------------------- spacetime.c */

/* A mapping applied to a URE: the loops after tiling, the space-time transform T
 * over some of them, and the roles of the rest. Built only for legal mappings. */
enum { MAP_MAXL = 32 };

typedef struct {
	const char *name;
	int orig;       /* the kernel loop it comes from */
	int64_t stride; /* orig index = sum over its parts of stride * value */
	int64_t span;   /* the range its parent covers (0: the whole loop) */
	bool parallel;
	bool step;      /* runs inside each time step (the mapping's `step` clause) */
	int st;         /* its column in T, or -1 for a loop around the array */
} MapLoop;

/* Whether each value of loop ml is a pass of the array: a loop around it that does
 * not run inside each time step. */
static inline bool map_pass_loop(const MapLoop *ml)
{
	return ml->st < 0 && !ml->step;
}

typedef struct {
	Mapping *m;
	const Ure *u;
	int nloops;
	MapLoop loops[MAP_MAXL];
	int n;               /* loops in the transform */
	int st[URE_MAXL];    /* their positions in loops[] */
	int nspace;          /* rows 0..nspace-1 of T are space, the last row is time */
	int64_t T[URE_MAXL][URE_MAXL];
	int64_t Tinv[URE_MAXL][URE_MAXL];
	const char *dim[URE_MAXL];
	bool on_lanes[URE_MAXL];
	int links;           /* the longest link allowed */
	int npar;            /* the parallel loops in the clause's order: work items */
	int par[MAP_MAXL];   /* number them with the last one varying fastest */
	int nstep;           /* the last nstep loops around the array run inside each step */
} Map;

/* Applies mapping m to u and checks that the result is legal: T unimodular, every
 * dependence causal (schedule . d >= 1 inside the array, earlier passes outside it)
 * and local (space displacement within `links`), parallel loops free of carried
 * dependences, lanes and registers covering the space dimensions. Reports what is
 * wrong in the spec's terms and returns NULL. */
Map *map_build(Arena *a, Diag *d, const Ure *u, Mapping *m);
/* The vectors over the mapped loops that a dependence d of the URE can take (inside
 * a tile, or across a tile border). Returns how many (at most MAXINST). */
enum { MAXINST = 64 };
int map_instances(const Map *mp, const int64_t *d, int64_t out[][MAP_MAXL]);
/* The dependence checks of map_build on a Map filled in directly (the enumerator's
 * candidates): errors go to d at the given locations, or, when d is NULL, the first
 * reason is written to why. */
bool map_check_deps(const Map *mp, Diag *d, SrcLoc name_loc, SrcLoc st_loc, char *why, size_t whylen);
/* The links a dependence travels inside a pass: for each of its forms after tiling
 * that stays in one pass (and moves), the PE displacement per space row and the
 * delay in time steps. Returns how many (at most MAXINST). */
typedef struct {
	int64_t disp[URE_MAXL];
	int64_t delay;
} MapLink;
int map_links(const Map *mp, const UreDep *dep, MapLink *out);
/* The extent of mapped loop l for the given sizes. */
int64_t map_extent(const Map *mp, int l, const Sizes *sz);
/* Integer determinant (Bareiss) and inverse of an n x n matrix; inverse only when |det| = 1. */
int64_t mat_det(int n, int64_t m[][URE_MAXL]);
bool mat_inverse_unimodular(int n, int64_t m[][URE_MAXL], int64_t inv[][URE_MAXL]);
/* Space rows for projection direction u (n entries, one of them +-1): a basis of
 * the integer vectors orthogonal to u. False when no entry is +-1. */
bool st_space_from_projection(int n, const int64_t *u, int64_t S[][URE_MAXL]);

/* ---------------------------------------------------------------- explain.c */

/* The report of `sysc explain`: array shape, time steps, utilisation, links with
 * their delays, and where data enters and leaves, for the given sizes. */
void explain_map(Buf *b, const Map *mp, const Sizes *sz);

/* ---------------------------------------------------------------- sim.c */

/* Runs a mapped kernel as the array would: pass by pass, time step by time step,
 * PE by PE, values travelling over links with their delays. Each value carries the
 * point it belongs to, so a mapping that routes a wrong value is caught. Outputs go
 * to ts. Returns false with a message on a mapping-semantics failure. */
bool sim_run(const Map *mp, const Sizes *sz, TensorSet *ts, char *err, size_t errlen);

/* ---------------------------------------------------------------- enum.c */

/* The search space of `sysc mappings` and of the autotuner: every legal untiled
 * projection and schedule of a kernel's recurrences within small bounds, with its
 * cost numbers, sorted by the cost order (enum.c's opening comment). */
enum { ENUM_MAXN = 4 }; /* the most loops a transform covers */

typedef struct {
	int nloops;          /* loops to transform; 0: every loop of a kernel with at most 3 */
	int loops[URE_MAXL]; /* their indices in the URE, in the order of T's columns */
	int max_coef;        /* schedule coefficients run 0..max_coef (0: 2; at most 8) */
	int links;           /* the longest link (0: 1) */
	const Sizes *sizes;  /* sizes for the cost numbers (NULL: ure_default_sizes) */
} EnumOptions;

typedef struct {
	int n;                /* loops in the transform */
	int loops[URE_MAXL];  /* which, as in EnumOptions */
	int links;
	int64_t u[URE_MAXL];     /* the projection: entries -1..1, the first nonzero one positive */
	int64_t sched[URE_MAXL]; /* the schedule: entries 0..max_coef, sched . u = +-1 */
	int64_t T[ENUM_MAXN][ENUM_MAXN]; /* space rows (st_space_from_projection(u)), then sched */
	const char *dim[ENUM_MAXN];      /* names of T's rows, the last one time */
	bool named;           /* the names must be written with `as` (the defaults collide) */
	/* costs, per pass of the array, at the sizes given */
	int64_t pext[ENUM_MAXN]; /* the array's extent along each space row */
	int64_t pes, steps, tmin, passes, points;
	double util;          /* points / (pes * steps) */
	int regs_per_pe;      /* one per variable plus each link's delay */
	int64_t words;        /* words to and from memory, whole kernel */
	int64_t peak;         /* the most words moved in one step of the first pass */
	double cost;          /* passes * steps: the first key of the cost order */
} Design;

/* Every legal design, sorted by enum_compare; *out lives in the arena. Returns the
 * count, or -1 with a message in err when the options are wrong for u. */
int enum_designs(Arena *a, const Ure *u, const EnumOptions *o, Design **out, char *err, size_t errlen);
/* The cost order: cost, PEs, registers, peak, words, then u and sched lexicographically. */
int enum_compare(const Design *x, const Design *y);
/* The untiled Map of a design (what map_build makes of enum_write_mapping's block). */
Map *enum_map(Arena *a, const Ure *u, const Design *d);
/* A `mapping NAME of KERNEL { ... }` block for the design that sysc check accepts. */
void enum_write_mapping(Buf *b, const Ure *u, const Design *d, const char *name);

/* ---------------------------------------------------------------- lower.c */

/* The loop IR: a mapped kernel as the loops a target runs. It stays target-neutral:
 * lanes, register rows and work items are abstract here; cpu/ lowers them to LLVM
 * vectors and a thread pool, the GPU backends to sub-group lanes and work-groups.
 *
 *   work items      the parallel loops around the array, flattened
 *   sequential      the other loops around the array, in order: one pass each
 *   time t          tmin .. tmax of the (retimed) schedule, in blocks of tblock
 *                   steps, each over a chunk of work items (timeblock)
 *   inner           sequential loops moved inside the time step (interchange)
 *   rows            every register-row PE coordinate, unrolled
 *   lanes           the lane coordinate: one vector
 *
 * lower_map runs the passes, one file each: loopgen, retime, shuffle, interchange,
 * timeblock, pack, vregalloc (lower.c's opening comment says what each decides).
 */
typedef enum { ACC_UNIFORM, ACC_CONTIG, ACC_GATHER } AccessKind;

typedef struct {
	int var;                 /* the value read */
	int reader;
	const UreDep *dep;
	/* inside a pass: from the PE `drow` register rows and `dlane` lanes back, tau steps ago */
	bool link;
	int64_t drow[URE_MAXL], dlane, tau;
	/* from an earlier pass: through a spill buffer along loop `fold` */
	bool spill;
	int fold;
	/* from the previous iteration of inner loop `fold`, in this PE's register; with a
	 * `step` clause (fold -1), the point the PE computed just before */
	bool carry;
} LoopDep;

enum { LOOP_MAXPANELS = 8 };

typedef struct {
	const Map *mp;
	const Ure *u;
	int done;                          /* passes run so far */
	const char *why;                   /* set by a pass that cannot lower the mapping */
	int n;                             /* transform loops, as in mp */
	/* loopgen */
	int lane;                          /* the space row on lanes */
	int nregdims, regdim[URE_MAXL];    /* the space rows on registers */
	int64_t pmin[URE_MAXL], pext[URE_MAXL]; /* the PE box, per space row (constants) */
	int64_t nrows;                     /* register-row PEs: product of their extents */
	/* retime */
	int64_t T[URE_MAXL][URE_MAXL];     /* space rows of mp, the (new) schedule */
	int64_t Tinv[URE_MAXL][URE_MAXL];
	bool retimed;
	/* shuffle */
	int ndeps;
	LoopDep *deps;
	int64_t maxtau[64];                /* per variable: the longest delay it is read with */
	bool stateful[64];                 /* per variable: kept in registers across steps */
	bool spilled[64];                  /* per variable: written to a spill buffer */
	int spill_fold[64];
	bool dead[64];                     /* per variable: never computed (a propagated input
	                                      that no output reads: every reader loads it) */
	/* interchange */
	int ninner, inner[MAP_MAXL];       /* mapped loops run inside each time step */
	bool carried[64];                  /* per variable: a register across inner iterations */
	int npins[64];                     /* ... that takes a new value where these hold */
	const Expr *pins[64][16];
	/* timeblock */
	int64_t tblock;                    /* time steps per block over a chunk of work items (0: whole) */
	/* pack */
	struct {
		const Expr *e;                 /* a tensor read */
		int64_t d[URE_MAXL];           /* read at x - d (a propagated input's shift) */
	} panels[LOOP_MAXPANELS];
	int npanels;
	/* the sizes compiled in as constants (--specialize): fixed.v[i] > 0 */
	Sizes fixed;
	/* vregalloc */
	int vreg_budget;                   /* the target's vector registers */
	int vregs;                         /* vectors live across a step */
	bool spills;                       /* more than the budget */
} LoopProg;

/* Lowers a legal mapping through the passes of lower.c. NULL with *why set when it
 * uses what the loop IR does not support yet (e.g. a lane dimension without a fixed
 * size). With dump_after naming a pass, prints the IR after it into dump. */
LoopProg *lower_map(Arena *a, const Map *mp, const char *dump_after, Buf *dump, const char **why);
bool lower_pass_known(const char *name);
/* Sets lp->fixed from "R=3,S=3" (NULL: none); false with a message in err. */
bool lower_specialize(LoopProg *lp, const char *spec, char *err, size_t errlen);
void lower_print(Buf *b, const LoopProg *lp);

/* the passes, in order (one file each) */
bool loop_gen(Arena *a, LoopProg *lp);
bool loop_retime(Arena *a, LoopProg *lp);
bool loop_shuffle(Arena *a, LoopProg *lp);
bool loop_interchange(Arena *a, LoopProg *lp);
bool loop_timeblock(Arena *a, LoopProg *lp);
bool loop_pack(Arena *a, LoopProg *lp);
bool loop_vregalloc(Arena *a, LoopProg *lp);

/* What the backends ask of the loop IR about one PE (lower.c). The row's PE
 * coordinates per space row (the lane's left at its pmin): */
void lower_row_coords(const LoopProg *lp, int64_t row, int64_t *rowc);
/* Transform loop c at this row is alpha + beta * lane + gamma * t; `proven` when that
 * stays inside the tile for every lane < lanes and every step (no check needed). */
typedef struct {
	int64_t alpha, beta, gamma;
	bool proven;
} LoopCoord;
LoopCoord lower_coord(const LoopProg *lp, const int64_t *rowc, int c, int64_t lanes);

/* analyses the passes share (lower.c) */
AccessKind lower_access(const LoopProg *lp, const Expr *index);
/* The same, when the PE moves along space row `row` (a lane or a register row). */
AccessKind lower_access_along(const LoopProg *lp, int row, const Expr *index);
AccessKind lower_classify(const Map *mp, const int64_t *dx, const Expr *index);
void lower_step(const Map *mp, int64_t Tinv[][URE_MAXL], int row, int64_t *dx);
void lower_coefficients(const Expr *e, int nloops, int64_t *coef);
int64_t lower_dot(const int64_t *a, const int64_t *b, int n);
/* The intra-pass vector over the transform loops of a dependence, if it has one;
 * *count says how many it has. */
bool lower_intra_pass(const Map *mp, const UreDep *dep, int64_t *w, int *count);
/* Which kernel loops an index (a list of index expressions) depends on; true when
 * one of its expressions adds loops (a window, a convolution's p + r). */
bool lower_index_loops(const Expr *index, int nloops, bool *used);
/* The panel (pack) of tensor read e at x - d (d NULL: in place), or -1. */
int lower_panel(const LoopProg *lp, const Expr *e, const int64_t *d);
/* Whether mapped loop l runs inside the time step (interchange). */
bool lower_inner(const LoopProg *lp, int l);

/* ---------------------------------------------------------------- inputs.c */

/* Fills the input tensors with seeded random values of their element types. */
void inputs_random(const TensorSet *ts, uint64_t seed);
void tset_copy_inputs(TensorSet *dst, const TensorSet *src);
/* Tensor i in memory, as kernels take it (numerics.md §6): its bytes; its elements in
 * their type's encoding in buf (inputs from their values, outputs NaN), returning an
 * i16 input's exponent (else 0); element k of such a buffer as a value. */
size_t inputs_bytes(const TensorSet *ts, int i);
int32_t inputs_encode(const TensorSet *ts, int i, void *buf);
double inputs_decode(Type t, const void *buf, int64_t k);

/* ---------------------------------------------------------------- main.c: the driver */

typedef struct {
	const char *input;
	const char *output;
	const char *emit;
	const char *mapping; /* --mapping NAME */
	const char *kernel;  /* --kernel NAME */
	const char *sizes;   /* --size M=..,N=.. */
	const char *specialize; /* --specialize R=3,S=3 */
	const char *device;  /* --device=host|sim|interp */
	const char *dump_after; /* --dump-after=PASS */
	int stage;           /* GPU targets: --stage-panels 1, --no-stage-panels 0, else -1 */
	int index_bits;      /* GPU targets: --index-bits=32|64, else 0 (32) */
	int max_registers;   /* PTX: --max-registers=N (24..255), else 0 (sysc's choice) */
	bool noalias;        /* GPU targets: --restrict */
	uint64_t seed;
	bool has_seed;
	bool werror;
	int color; /* -1 auto, 0 never, 1 always */
	int max_errors;
} Options;

/* Parses a command's options; 0 to go on, -1 after --help, else an exit status. */
int drv_options(const char *cmd, const char *usage, int argc, char **argv, Options *o);
/* Takes "NAME N" or "NAME=N" (a count from 1 to 4096) out of argv before drv_options
 * sees it: 1 when found, 0 when absent, -1 (reported) when N is not a count. */
int drv_take_count(const char *cmd, int *argc, char **argv, const char *name, int *value);
/* Reads, parses and checks the input spec. NULL (after reporting) on failure. */
Program *drv_load(Arena *a, Diag *d, const Options *o);
/* After drv_load failed: frees the arena and gives the exit status, 2 when the input
 * could not be read, 1 when it had errors. */
int drv_failed(Arena *a, const Diag *d);
/* The kernel's sizes from --size over its defaults; false after a message. */
bool drv_sizes(const char *cmd, const Ure *u, const Options *o, Sizes *sz);
FILE *drv_open_output(const Options *o);
int drv_close_output(const Options *o, FILE *f);

/* commands, one file each */
int cmd_convert(int argc, char **argv); /* cmd_convert.c */
int cmd_run(int argc, char **argv);     /* run.c */
int cmd_explain(int argc, char **argv); /* explain.c */
int cmd_build(int argc, char **argv);   /* build.c */
int cmd_show(int argc, char **argv);    /* show.c */
int cmd_mappings(int argc, char **argv); /* cmd_mappings.c */
int cmd_devices(int argc, char **argv);  /* gpu/device.c */

#endif /* SYSC_H */
