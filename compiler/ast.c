/*
 * ast.c: AST constructors for the parser's one-line actions, and the readable dump
 * of `sysc emit --emit=ast`.
 *
 * Expressions print in source syntax with the fewest parentheses that keep the
 * parse, so a dump can be read (and pasted) as .sys text.
 */
#include "sysc.h"

#include <math.h>
#include <string.h>

static Expr *new_expr(Arena *a, ExprKind k, SrcLoc loc)
{
	Expr *e = ARENA_NEW(a, Expr);
	e->kind = k;
	e->loc = loc;
	return e;
}

Expr *ast_int(Arena *a, SrcLoc loc, int64_t v)
{
	Expr *e = new_expr(a, EX_INT, loc);
	e->ival = v;
	return e;
}

Expr *ast_float(Arena *a, SrcLoc loc, double v)
{
	Expr *e = new_expr(a, EX_FLOAT, loc);
	e->fval = v;
	return e;
}

Expr *ast_name(Arena *a, SrcLoc loc, const char *name)
{
	Expr *e = new_expr(a, EX_NAME, loc);
	e->name = name;
	e->name_loc = loc;
	return e;
}

Expr *ast_unary(Arena *a, SrcLoc loc, Op op, Expr *x)
{
	Expr *e = new_expr(a, EX_UNARY, loc);
	e->op = op;
	e->a = x;
	return e;
}

Expr *ast_binary(Arena *a, SrcLoc loc, Op op, Expr *x, Expr *y)
{
	Expr *e = new_expr(a, EX_BINARY, loc);
	e->op = op;
	e->a = x;
	e->b = y;
	return e;
}

Expr *ast_cond(Arena *a, SrcLoc loc, Expr *c, Expr *x, Expr *y)
{
	Expr *e = new_expr(a, EX_COND, loc);
	e->a = c;
	e->b = x;
	e->c = y;
	return e;
}

Expr *ast_call(Arena *a, SrcLoc loc, const char *name, SrcLoc name_loc, Expr *args)
{
	Expr *e = new_expr(a, EX_CALL, loc);
	e->name = name;
	e->name_loc = name_loc;
	e->args = args;
	e->nargs = ast_count(args);
	return e;
}

Expr *ast_index(Arena *a, SrcLoc loc, const char *name, SrcLoc name_loc, Expr *args)
{
	Expr *e = new_expr(a, EX_INDEX, loc);
	e->name = name;
	e->name_loc = name_loc;
	e->args = args;
	e->nargs = ast_count(args);
	return e;
}

Expr *ast_append(Expr *list, Expr *e)
{
	if (!list)
		return e;
	Expr *p = list;
	while (p->next)
		p = p->next;
	p->next = e;
	return list;
}

int ast_count(const Expr *list)
{
	int n = 0;
	for (; list; list = list->next)
		n++;
	return n;
}

int64_t expr_flops(const Expr *e)
{
	if (!e)
		return 0;
	switch (e->kind) {
	case EX_COND: {
		int64_t a = expr_flops(e->b), b = expr_flops(e->c);
		return a > b ? a : b;
	}
	case EX_BINARY:
		return expr_flops(e->a) + expr_flops(e->b) +
		       (e->type == TY_F32 && (e->op == OP_ADD || e->op == OP_SUB || e->op == OP_MUL || e->op == OP_DIV));
	case EX_CALL:
		return e->sym ? 0 : expr_flops(e->args) + (e->args ? expr_flops(e->args->next) : 0);
	default:
		return expr_flops(e->a);
	}
}

const Expr *expr_rec_ref(const Expr *e)
{
	if (!e)
		return NULL;
	if (e->kind == EX_CALL && e->sym && e->sym->kind == SYM_REC)
		return e;
	for (const Expr *a = e->args; a; a = a->next) {
		const Expr *r = expr_rec_ref(a);
		if (r)
			return r;
	}
	const Expr *r = expr_rec_ref(e->a);
	if (!r)
		r = expr_rec_ref(e->b);
	return r ? r : expr_rec_ref(e->c);
}

bool expr_data_free(const Expr *e)
{
	if (!e)
		return true;
	if (e->kind == EX_INDEX || (e->kind == EX_CALL && e->sym && e->sym->kind == SYM_REC))
		return false;
	for (const Expr *a = e->args; a; a = a->next)
		if (!expr_data_free(a))
			return false;
	return expr_data_free(e->a) && expr_data_free(e->b) && expr_data_free(e->c);
}

/* ORDER Op */
static const struct {
	const char *s;
	int prec; /* binding strength when printing; higher binds tighter */
} ops[] = {
	[OP_NONE] = {"?", 0},
	[OP_ADD] = {"+", 6}, [OP_SUB] = {"-", 6},
	[OP_MUL] = {"*", 7}, [OP_DIV] = {"/", 7}, [OP_MOD] = {"%", 7},
	[OP_EQ] = {"==", 4}, [OP_NE] = {"!=", 4},
	[OP_LT] = {"<", 5}, [OP_LE] = {"<=", 5}, [OP_GT] = {">", 5}, [OP_GE] = {">=", 5},
	[OP_AND] = {"&&", 3}, [OP_OR] = {"||", 2},
	[OP_NEG] = {"-", 8}, [OP_NOT] = {"!", 8},
};

const char *op_str(Op op)
{
	return ops[op].s;
}

static int prec(const Expr *e)
{
	switch (e->kind) {
	case EX_COND:
		return 1;
	case EX_BINARY:
	case EX_UNARY:
		return ops[e->op].prec;
	default:
		return 9;
	}
}

static void print_args(Buf *b, const Expr *args, const char *open, const char *sep,
                       const char *close)
{
	buf_printf(b, "%s", open);
	for (const Expr *x = args; x; x = x->next) {
		ast_print_expr(b, x);
		buf_printf(b, "%s", x->next ? sep : "");
	}
	buf_printf(b, "%s", close);
}

/* Prints e, in parentheses when it binds looser than `min`. */
static void print_sub(Buf *b, const Expr *e, int min)
{
	bool paren = prec(e) < min;
	if (paren)
		buf_printf(b, "(");
	ast_print_expr(b, e);
	if (paren)
		buf_printf(b, ")");
}

void ast_print_expr(Buf *b, const Expr *e)
{
	switch (e->kind) {
	case EX_INT:
		buf_printf(b, "%lld", (long long)e->ival);
		break;
	case EX_FLOAT: {
		char s[64];
		snprintf(s, sizeof s, "%.17g", e->fval);
		if (!strpbrk(s, ".eEni"))
			strcat(s, ".0");
		buf_printf(b, "%s", s);
		break;
	}
	case EX_NAME:
		buf_printf(b, "%s", e->name);
		break;
	case EX_UNARY:
		buf_printf(b, "%s", ops[e->op].s);
		print_sub(b, e->a, ops[e->op].prec);
		break;
	case EX_BINARY: {
		int p = ops[e->op].prec;
		/* left-associative: the right operand needs parentheses at equal strength */
		print_sub(b, e->a, p);
		buf_printf(b, " %s ", ops[e->op].s);
		print_sub(b, e->b, p + 1);
		break;
	}
	case EX_COND:
		print_sub(b, e->a, 2);
		buf_printf(b, " ? ");
		print_sub(b, e->b, 1);
		buf_printf(b, " : ");
		print_sub(b, e->c, 1);
		break;
	case EX_CALL:
		buf_printf(b, "%s", e->name);
		print_args(b, e->args, "(", ", ", ")");
		break;
	case EX_INDEX:
		buf_printf(b, "%s", e->name);
		for (const Expr *x = e->args; x; x = x->next) {
			buf_printf(b, "[");
			ast_print_expr(b, x);
			buf_printf(b, "]");
		}
		break;
	}
}

/* ---- the dump ---- */

static void print_loc(Buf *b, const Diag *d, SrcLoc loc)
{
	int line, col;
	diag_linecol(d, loc.file, loc.start, &line, &col);
	buf_printf(b, " <%d:%d>", line, col);
}

static void print_idents(Buf *b, const Ident *id)
{
	for (; id; id = id->next) {
		buf_printf(b, "%s", id->name);
		if (id->value)
			buf_printf(b, " = %lld", (long long)id->value);
		buf_printf(b, "%s", id->next ? ", " : "");
	}
}

static void print_rows(Buf *b, const Row *r)
{
	buf_printf(b, "(");
	for (; r; r = r->next) {
		print_args(b, r->elems, "(", ", ", ")");
		buf_printf(b, "%s", r->next ? ", " : "");
	}
	buf_printf(b, ")");
}

static void dump_kernel(Buf *b, const Kernel *k, const Diag *d)
{
	buf_printf(b, "Kernel %s(", k->name);
	print_idents(b, k->params);
	buf_printf(b, ")");
	print_loc(b, d, k->loc);
	buf_printf(b, "\n");
	for (const Tensor *t = k->tensors; t; t = t->next) {
		buf_printf(b, "  Tensor %s %s: %s", t->dir == TENSOR_IN ? "in" : "out", t->name,
		           type_name(t->type));
		for (const Expr *x = t->dims; x; x = x->next) {
			buf_printf(b, "[");
			ast_print_expr(b, x);
			buf_printf(b, "]");
		}
		if (t->attrs) {
			buf_printf(b, " (");
			for (const Attr *at = t->attrs; at; at = at->next) {
				buf_printf(b, "%s", at->key);
				if (at->value) {
					buf_printf(b, " = ");
					ast_print_expr(b, at->value);
				}
				buf_printf(b, "%s", at->next ? ", " : "");
			}
			buf_printf(b, ")");
		}
		print_loc(b, d, t->loc);
		buf_printf(b, "\n");
	}
	if (k->has_domain) {
		buf_printf(b, "  Domain");
		for (const Loop *l = k->loops; l; l = l->next) {
			buf_printf(b, " %s < ", l->name);
			ast_print_expr(b, l->bound);
			buf_printf(b, "%s", l->next ? "," : "");
		}
		print_loc(b, d, k->domain_loc);
		buf_printf(b, "\n");
	}
	for (const Eqn *e = k->eqns; e; e = e->next) {
		if (e->kind == EQ_REC) {
			buf_printf(b, "  Recurrence %s", e->name);
			print_args(b, e->lhs, "(", ", ", ")");
		} else {
			buf_printf(b, "  Output %s", e->name);
			for (const Expr *x = e->lhs; x; x = x->next) {
				buf_printf(b, "[");
				ast_print_expr(b, x);
				buf_printf(b, "]");
			}
		}
		Type t = e->decl_type ? e->decl_type : e->type;
		if (t)
			buf_printf(b, ": %s", type_name(t));
		buf_printf(b, " = ");
		ast_print_expr(b, e->rhs);
		print_loc(b, d, e->loc);
		buf_printf(b, "\n");
	}
}

static void dump_mapping(Buf *b, const Mapping *m, const Diag *d)
{
	buf_printf(b, "Mapping %s of %s", m->name, m->kernel_name);
	print_loc(b, d, m->loc);
	buf_printf(b, "\n");
	for (const Clause *c = m->clauses; c; c = c->next) {
		switch (c->kind) {
		case CL_TILE:
			buf_printf(b, "  Tile");
			for (const Tiling *t = c->tiles; t; t = t->next) {
				buf_printf(b, " %s by ", t->loop.name);
				ast_print_expr(b, t->size);
				if (t->names) {
					buf_printf(b, " as (");
					print_idents(b, t->names);
					buf_printf(b, ")");
				}
				buf_printf(b, "%s", t->next ? "," : "");
			}
			break;
		case CL_SPACETIME:
			buf_printf(b, "  Spacetime (");
			print_idents(b, c->names);
			buf_printf(b, ")");
			if (c->project) {
				buf_printf(b, " project ");
				print_args(b, c->project->elems, "(", ", ", ")");
				buf_printf(b, " schedule ");
				print_args(b, c->schedule->elems, "(", ", ", ")");
			} else {
				buf_printf(b, " space ");
				print_rows(b, c->space);
				buf_printf(b, " time ");
				print_rows(b, c->time);
			}
			if (c->dim_names) {
				buf_printf(b, " as (");
				print_idents(b, c->dim_names);
				buf_printf(b, ")");
			}
			break;
		case CL_LANES:
		case CL_REGISTERS:
		case CL_PARALLEL:
		case CL_STEP:
			buf_printf(b, "  %s ", c->kind == CL_LANES       ? "Lanes"
			                       : c->kind == CL_REGISTERS ? "Registers"
			                       : c->kind == CL_PARALLEL  ? "Parallel"
			                                                 : "Step");
			print_idents(b, c->names);
			break;
		case CL_LINKS:
			buf_printf(b, "  Links <= ");
			ast_print_expr(b, c->value);
			break;
		}
		print_loc(b, d, c->loc);
		buf_printf(b, "\n");
	}
}

void ast_dump(Buf *b, const Program *p, const Diag *d)
{
	for (const Kernel *k = p->kernels; k; k = k->next)
		dump_kernel(b, k, d);
	for (const Mapping *m = p->mappings; m; m = m->next)
		dump_mapping(b, m, d);
}
