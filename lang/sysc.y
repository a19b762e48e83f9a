/*
 * sysc.y: the grammar of the .sys language (GNU Bison, pure, with byte-range
 * locations). Actions are one line: they call the ast_*() constructors or the small
 * builders at the end of this file. Syntax errors are reported with what was found
 * and what was expected; the parser then resynchronises at the next ';' or '}' and
 * goes on, so one run reports several errors. lang/README.md documents the language.
 */
%code requires {
#include "parser.h"
}

%define api.pure full
%define api.prefix {sysc_yy}
%define api.location.type {SrcLoc}
%define api.token.prefix {T_}
%define parse.error custom
%define parse.lac full
%locations
%param {Parser *p}
%expect 0

%code provides {
int sysc_yylex(SYSC_YYSTYPE *lval, SrcLoc *lloc, Parser *p);
}

%code {
#include <string.h>

#define YYLLOC_DEFAULT(Cur, Rhs, N)                                         \
	do {                                                                    \
		if (N) {                                                            \
			(Cur).file = YYRHSLOC(Rhs, 1).file;                             \
			(Cur).start = YYRHSLOC(Rhs, 1).start;                           \
			(Cur).end = YYRHSLOC(Rhs, N).end;                               \
		} else {                                                            \
			(Cur).file = YYRHSLOC(Rhs, 0).file;                             \
			(Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;                 \
		}                                                                   \
	} while (0)

typedef enum { KI_TENSOR, KI_DOMAIN, KI_EQN } KItemKind;

static Kernel *kernel_new(Parser *p);
static Kernel *kernel_add(Parser *p, Kernel *k, KItemKind kind, void *item, SrcLoc loc);
static Kernel *kernel_finish(Parser *p, Kernel *k, const char *name, SrcLoc name_loc, Ident *params, SrcLoc loc);
static Mapping *mapping_new(Parser *p, const char *name, SrcLoc name_loc, const char *kernel, SrcLoc kloc, Clause *cl, SrcLoc loc);
static Tensor *tensor_new(Parser *p, TensorDir dir, const char *name, SrcLoc name_loc, const char *type, SrcLoc type_loc, Expr *dims, Attr *attrs);
static Attr *attr_new(Parser *p, const char *key, SrcLoc loc, Expr *value, Attr *list);
static Loop *loop_new(Parser *p, const char *name, SrcLoc loc, Expr *bound, Loop *list);
static Eqn *eqn_new(Parser *p, EqnKind kind, const char *name, SrcLoc name_loc, Expr *lhs, const char *type, SrcLoc type_loc, Expr *rhs, SrcLoc loc);
static Ident *ident_new(Parser *p, const char *name, SrcLoc loc, Ident *list);
static Tiling *tiling_new(Parser *p, const char *loop, SrcLoc loc, Expr *size, Ident *names, Tiling *list);
static Row *row_new(Parser *p, Expr *elems, SrcLoc loc, Row *list);
static Clause *clause_new(Parser *p, ClauseKind kind, SrcLoc loc);
static Clause *clause_names(Clause *c, Ident *names);
static Clause *clause_append(Clause *list, Clause *c);
static Clause *clause_shallow(Parser *p, Clause *c);
static Clause *spacetime_new(Parser *p, Ident *loops, Row *a, Row *b, bool matrix, Ident *names, SrcLoc loc);
static Program *program_add(Program *prog, Kernel *k, Mapping *m);
static void sysc_yyerror(SrcLoc *loc, Parser *p, const char *msg);
static void note_unclosed(Parser *p);
static int64_t param_default(Parser *p, int64_t v, SrcLoc loc);
static Ident *last_ident(Ident *list);
}

%union {
	int64_t ival;
	double fval;
	const char *str;
	Expr *expr;
	Ident *ident;
	Tensor *tensor;
	Loop *loop;
	Eqn *eqn;
	Attr *attr;
	Tiling *tiling;
	Row *row;
	Clause *clause;
	Kernel *kernel;
	Mapping *mapping;
	Program *program;
	TensorDir dir;
}

%token EOF 0 "end of file"
%token ERROR "invalid character"
%token KERNEL "kernel" MAPPING "mapping" OF "of" IN "in" OUT "out" FOR "for"
%token TILE "tile" BY "by" AS "as" SPACETIME "spacetime" PROJECT "project"
%token SCHEDULE "schedule" SPACE "space" TIME "time" LANES "lanes"
%token REGISTERS "registers" PARALLEL "parallel" LINKS "links"
%token STEP "step"
%token <str> IDENT "identifier"
%token <ival> INT "integer"
%token <fval> FLOAT "number"
%token EQ "==" NE "!=" LE "<=" GE ">=" AND "&&" OR "||"

%type <program> program
%type <kernel> kernel kitems
%type <mapping> mapping
%type <ident> idents params param_list dim_names
%type <tensor> tensor
%type <dir> dir
%type <expr> expr exprs exprs_opt dims indices
%type <attr> attrs attr_list
%type <loop> loops
%type <eqn> equation
%type <clause> mitems mitem spacetime
%type <tiling> tilings
%type <row> vector rows matrix
%type <str> type_opt

%right '?' ':'
%left OR
%left AND
%left EQ NE
%left '<' LE '>' GE
%left '+' '-'
%left '*' '/' '%'
%precedence UNARY

%%

/* program = (kernel | mapping)* */
program:
	  %empty                { $$ = p->prog; }
	| program kernel        { $$ = program_add($1, $2, NULL); }
	| program mapping       { $$ = program_add($1, NULL, $2); }
	| program error '}'     { $$ = $1; }
	;

/* kernel = "kernel" IDENT "(" params ")" "{" item* "}" */
kernel:
	  KERNEL IDENT '(' params ')' '{' kitems '}'   { $$ = kernel_finish(p, $7, $2, @2, $4, @$); }
	;

/* params = IDENT ("=" INT)? ("," ...)*    a size and its default value */
params:
	  %empty                { $$ = NULL; }
	| param_list            { $$ = $1; }
	;

param_list:
	  IDENT                         { $$ = ident_new(p, $1, @1, NULL); }
	| IDENT '=' INT                 { $$ = ident_new(p, $1, @1, NULL); $$->value = param_default(p, $3, @3); }
	| param_list ',' IDENT          { $$ = ident_new(p, $3, @3, $1); }
	| param_list ',' IDENT '=' INT  { $$ = ident_new(p, $3, @3, $1); last_ident($$)->value = param_default(p, $5, @5); }
	;

idents:
	  IDENT                 { $$ = ident_new(p, $1, @1, NULL); }
	| idents ',' IDENT      { $$ = ident_new(p, $3, @3, $1); }
	;

/* item = tensor ";" | "for" loops ";" | equation ";" */
kitems:
	  %empty                { $$ = kernel_new(p); }
	| kitems tensor ';'     { $$ = kernel_add(p, $1, KI_TENSOR, $2, @2); }
	| kitems FOR loops ';'  { $$ = kernel_add(p, $1, KI_DOMAIN, $3, loc_join(@2, @3)); }
	| kitems equation ';'   { $$ = kernel_add(p, $1, KI_EQN, $2, @2); }
	| kitems error ';'      { $$ = $1; }
	;

/* tensor = ("in" | "out") IDENT ":" type ("[" expr "]")* ("(" attr, ... ")")? */
tensor:
	  dir IDENT ':' IDENT dims attrs   { $$ = tensor_new(p, $1, $2, @2, $4, @4, $5, $6); }
	;

dir:
	  IN                    { $$ = TENSOR_IN; }
	| OUT                   { $$ = TENSOR_OUT; }
	;

dims:
	  %empty                { $$ = NULL; }
	| dims '[' expr ']'     { $$ = ast_append($1, $3); }
	;

/* attr = IDENT ("=" expr)? */
attrs:
	  %empty                { $$ = NULL; }
	| '(' attr_list ')'     { $$ = $2; }
	;

attr_list:
	  IDENT                         { $$ = attr_new(p, $1, @1, NULL, NULL); }
	| IDENT '=' expr                { $$ = attr_new(p, $1, @1, $3, NULL); }
	| attr_list ',' IDENT           { $$ = attr_new(p, $3, @3, NULL, $1); }
	| attr_list ',' IDENT '=' expr  { $$ = attr_new(p, $3, @3, $5, $1); }
	;

/* loops = IDENT "<" expr ("," IDENT "<" expr)* */
loops:
	  IDENT '<' expr              { $$ = loop_new(p, $1, @1, $3, NULL); }
	| loops ',' IDENT '<' expr    { $$ = loop_new(p, $3, @3, $5, $1); }
	;

/* equation = IDENT "(" exprs ")" (":" type)? "=" expr     a recurrence
 *          | IDENT ("[" expr "]")+ "=" expr                 an output */
equation:
	  IDENT '(' exprs_opt ')' type_opt '=' expr   { $$ = eqn_new(p, EQ_REC, $1, @1, $3, $5, @5, $7, @$); }
	| IDENT indices '=' expr                      { $$ = eqn_new(p, EQ_OUT, $1, @1, $2, NULL, @2, $4, @$); }
	;

type_opt:
	  %empty                { $$ = NULL; }
	| ':' IDENT             { $$ = $2; @$ = @2; }
	;

indices:
	  '[' expr ']'          { $$ = $2; }
	| indices '[' expr ']'  { $$ = ast_append($1, $3); }
	;

exprs_opt:
	  %empty                { $$ = NULL; }
	| exprs                 { $$ = $1; }
	;

exprs:
	  expr                  { $$ = $1; }
	| exprs ',' expr        { $$ = ast_append($1, $3); }
	;

expr:
	  INT                           { $$ = ast_int(p->arena, @$, $1); }
	| FLOAT                         { $$ = ast_float(p->arena, @$, $1); }
	| IDENT                         { $$ = ast_name(p->arena, @$, $1); }
	| IDENT '(' exprs_opt ')'       { $$ = ast_call(p->arena, @$, $1, @1, $3); }
	| IDENT indices                 { $$ = ast_index(p->arena, @$, $1, @1, $2); }
	| '(' expr ')'                  { $$ = $2; $$->loc = @$; }
	| '-' expr %prec UNARY          { $$ = ast_unary(p->arena, @$, OP_NEG, $2); }
	| '+' expr %prec UNARY          { $$ = $2; }
	| '!' expr %prec UNARY          { $$ = ast_unary(p->arena, @$, OP_NOT, $2); }
	| expr '+' expr                 { $$ = ast_binary(p->arena, @$, OP_ADD, $1, $3); }
	| expr '-' expr                 { $$ = ast_binary(p->arena, @$, OP_SUB, $1, $3); }
	| expr '*' expr                 { $$ = ast_binary(p->arena, @$, OP_MUL, $1, $3); }
	| expr '/' expr                 { $$ = ast_binary(p->arena, @$, OP_DIV, $1, $3); }
	| expr '%' expr                 { $$ = ast_binary(p->arena, @$, OP_MOD, $1, $3); }
	| expr EQ expr                  { $$ = ast_binary(p->arena, @$, OP_EQ, $1, $3); }
	| expr NE expr                  { $$ = ast_binary(p->arena, @$, OP_NE, $1, $3); }
	| expr '<' expr                 { $$ = ast_binary(p->arena, @$, OP_LT, $1, $3); }
	| expr LE expr                  { $$ = ast_binary(p->arena, @$, OP_LE, $1, $3); }
	| expr '>' expr                 { $$ = ast_binary(p->arena, @$, OP_GT, $1, $3); }
	| expr GE expr                  { $$ = ast_binary(p->arena, @$, OP_GE, $1, $3); }
	| expr AND expr                 { $$ = ast_binary(p->arena, @$, OP_AND, $1, $3); }
	| expr OR expr                  { $$ = ast_binary(p->arena, @$, OP_OR, $1, $3); }
	| expr '?' expr ':' expr        { $$ = ast_cond(p->arena, @$, $1, $3, $5); }
	;

/* mapping = "mapping" IDENT "of" IDENT "{" (clause ";")* "}" */
mapping:
	  MAPPING IDENT OF IDENT '{' mitems '}'   { $$ = mapping_new(p, $2, @2, $4, @4, $6, @$); }
	;

mitems:
	  %empty                { $$ = NULL; }
	| mitems mitem ';'      { $$ = clause_append($1, clause_shallow(p, $2)); }
	| mitems error ';'      { $$ = $1; }
	;

/* clause = "tile" tilings | spacetime | "lanes" idents | "registers" idents
 *        | "parallel" idents | "links" "<=" expr | "step" idents */
mitem:
	  TILE tilings          { $$ = clause_new(p, CL_TILE, @$); $$->tiles = $2; }
	| spacetime             { $$ = $1; }
	| LANES idents          { $$ = clause_names(clause_new(p, CL_LANES, @$), $2); }
	| REGISTERS idents      { $$ = clause_names(clause_new(p, CL_REGISTERS, @$), $2); }
	| PARALLEL idents       { $$ = clause_names(clause_new(p, CL_PARALLEL, @$), $2); }
	| LINKS LE expr         { $$ = clause_new(p, CL_LINKS, @$); $$->value = $3; }
	| STEP idents           { $$ = clause_names(clause_new(p, CL_STEP, @$), $2); }
	;

/* tilings = IDENT "by" expr ("as" "(" IDENT "," IDENT ")")? ("," ...)* */
tilings:
	  IDENT BY expr dim_names              { $$ = tiling_new(p, $1, @1, $3, $4, NULL); }
	| tilings ',' IDENT BY expr dim_names  { $$ = tiling_new(p, $3, @3, $5, $6, $1); }
	;

dim_names:
	  %empty                { $$ = NULL; }
	| AS '(' idents ')'     { $$ = $3; }
	;

/* spacetime = "spacetime" "(" idents ")" ( "project" vector "schedule" vector
 *                                         | "space" matrix "time" matrix ) ("as" "(" idents ")")? */
spacetime:
	  SPACETIME '(' idents ')' PROJECT vector SCHEDULE vector dim_names   { $$ = spacetime_new(p, $3, $6, $8, false, $9, @$); }
	| SPACETIME '(' idents ')' SPACE matrix TIME matrix dim_names       { $$ = spacetime_new(p, $3, $6, $8, true, $9, @$); }
	;

vector:
	  '(' exprs ')'         { $$ = row_new(p, $2, @$, NULL); }
	;

matrix:
	  '(' rows ')'          { $$ = $2; }
	;

rows:
	  vector                { $$ = $1; }
	| rows ',' vector       { $$ = row_new(p, $3->elems, @3, $1); }
	;

%%

/* A token as messages name it: keywords in quotes like punctuation ('for', ';'),
 * classes of tokens in words (identifier, number). */
static const char *token_name(Parser *p, yysymbol_kind_t tok)
{
	const char *s = yysymbol_name(tok);
	if (tok == YYSYMBOL_IDENT || tok == YYSYMBOL_INT || tok == YYSYMBOL_FLOAT || tok == YYSYMBOL_YYEOF ||
	    tok == YYSYMBOL_ERROR || s[0] == '\'')
		return s;
	return arena_printf(p->arena, "'%s'", s);
}

/* Reports a syntax error: what was found, what could come instead, and the open
 * bracket that an unexpected end of file leaves unclosed. */
static int yyreport_syntax_error(const yypcontext_t *ctx, Parser *p)
{
	SrcLoc loc = *yypcontext_location(ctx);
	yysymbol_kind_t tok = yypcontext_token(ctx);
	p->syntax_errors++;
	if (tok == YYSYMBOL_ERROR) {
		diag_error(p->diag, loc, "%s", p->errmsg ? p->errmsg : "invalid character");
		return 0;
	}
	if (tok == YYSYMBOL_YYEOF && p->eof_reported)
		return 0;
	enum { MAXEXP = 64 };
	yysymbol_kind_t exp[MAXEXP];
	int n = yypcontext_expected_tokens(ctx, exp, MAXEXP);
	bool semi = false;
	for (int i = 0; i < n; i++)
		semi |= strcmp(yysymbol_name(exp[i]), "';'") == 0;
	/* a statement that runs into the next line is most likely missing its ';' */
	int prev_line, line, col;
	diag_linecol(p->diag, p->file, p->prev.end, &prev_line, &col);
	diag_linecol(p->diag, p->file, loc.start, &line, &col);
	if (semi && (n == 0 || n > 3) && line > prev_line && p->prev.end > 0) {
		SrcLoc at = {p->file, p->prev.end, p->prev.end};
		diag_error(p->diag, at, "expected ';' at the end of this line");
		return 0;
	}
	Buf b = {0};
	if (tok == YYSYMBOL_YYEOF)
		buf_printf(&b, "unexpected end of file");
	else
		buf_printf(&b, "unexpected %s", token_name(p, tok));
	if (n > 0 && n <= 5) {
		buf_printf(&b, ", expected ");
		for (int i = 0; i < n; i++)
			buf_printf(&b, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ", token_name(p, exp[i]));
	}
	if (tok == YYSYMBOL_YYEOF) {
		p->eof_reported = true;
		loc.end = loc.start;
	}
	diag_error(p->diag, loc, "%s", b.data);
	buf_free(&b);
	if (tok == YYSYMBOL_YYEOF)
		note_unclosed(p);
	return 0;
}

/* Points at the innermost bracket left open at the end of the file. */
static void note_unclosed(Parser *p)
{
	if (p->nopen > 0 && p->nopen <= MAX_NEST) {
		char ch = p->open[p->nopen - 1].ch;
		char close = ch == '(' ? ')' : ch == '[' ? ']' : '}';
		diag_note(p->diag, p->open[p->nopen - 1].loc, "to match this '%c' (expected '%c')", ch, close);
	}
}

/* Bison's own failures (its stack is exhausted by deep nesting). */
static void sysc_yyerror(SrcLoc *loc, Parser *p, const char *msg)
{
	p->syntax_errors++;
	diag_error(p->diag, *loc, "%s (the spec nests too deeply)", msg);
}

Program *sysc_parse(Arena *a, Diag *d, int file)
{
	Parser p = {0};
	p.arena = a;
	p.diag = d;
	p.file = file;
	p.src = p.cur = d->files[file].text;
	p.lim = p.src + d->files[file].len;
	p.prog = ARENA_NEW(a, Program);
	sysc_yyparse(&p);
	/* Bison stays quiet for three tokens after an error: an end of file there with a
	 * bracket still open has not been reported yet. */
	if (p.nopen > 0 && !p.eof_reported) {
		SrcLoc end = {file, (int)(p.lim - p.src), (int)(p.lim - p.src)};
		p.syntax_errors++;
		diag_error(d, end, "unexpected end of file");
		note_unclosed(&p);
	}
	p.prog->syntax_errors = p.syntax_errors;
	return p.prog;
}

/* ---- builders for the actions ---- */

/* How deep an expression may nest. Sema, the affine folder and the printer walk
 * expressions recursively at a few KiB of stack a level; a long chain such as
 * 1+1+...+1 parses without growing Bison's stack but is as deep as it is long. */
enum { MAX_EXPR_DEPTH = 256 };

/* Whether e nests at most `left` levels; the walk stops at the limit, so it is
 * shallow itself whatever the input. */
static bool depth_ok(const Expr *e, int left)
{
	if (!e)
		return true;
	if (left == 0)
		return false;
	for (const Expr *x = e->args; x; x = x->next)
		if (!depth_ok(x, left - 1))
			return false;
	return depth_ok(e->a, left - 1) && depth_ok(e->b, left - 1) && depth_ok(e->c, left - 1);
}

/* Checks each expression of a list (linked by next); reports the first too deep one
 * as a syntax error, so that sema never sees it. */
static bool exprs_shallow(Parser *p, const Expr *list)
{
	for (const Expr *e = list; e; e = e->next)
		if (!depth_ok(e, MAX_EXPR_DEPTH)) {
			p->syntax_errors++;
			diag_error(p->diag, e->loc, "expression nests too deeply (limit %d)", MAX_EXPR_DEPTH);
			return false;
		}
	return true;
}

/* A kernel item or mapping clause whose expressions nest too deeply is dropped. */
static bool item_shallow(Parser *p, KItemKind kind, void *item)
{
	switch (kind) {
	case KI_TENSOR: {
		Tensor *t = item;
		bool ok = exprs_shallow(p, t->dims);
		for (Attr *a = t->attrs; a && ok; a = a->next)
			ok = exprs_shallow(p, a->value);
		return ok;
	}
	case KI_DOMAIN:
		for (Loop *l = item; l; l = l->next)
			if (!exprs_shallow(p, l->bound))
				return false;
		return true;
	case KI_EQN:
		return exprs_shallow(p, ((Eqn *)item)->lhs) && exprs_shallow(p, ((Eqn *)item)->rhs);
	}
	return true;
}

static Clause *clause_shallow(Parser *p, Clause *c)
{
	bool ok = exprs_shallow(p, c->value);
	for (Tiling *t = c->tiles; t && ok; t = t->next)
		ok = exprs_shallow(p, t->size);
	Row *rows[] = {c->project, c->schedule, c->space, c->time};
	for (int i = 0; i < 4; i++)
		for (Row *r = rows[i]; r && ok; r = r->next)
			ok = exprs_shallow(p, r->elems);
	return ok ? c : NULL;
}

static Kernel *kernel_new(Parser *p)
{
	return ARENA_NEW(p->arena, Kernel);
}

static Kernel *kernel_add(Parser *p, Kernel *k, KItemKind kind, void *item, SrcLoc loc)
{
	if (!item_shallow(p, kind, item))
		return k;
	switch (kind) {
	case KI_TENSOR: { /* built backwards, put right in kernel_finish */
		Tensor *t = item;
		t->next = k->tensors;
		k->tensors = t;
		break;
	}
	case KI_DOMAIN: {
		Loop *rev = item, *l = NULL; /* loop_new builds the list backwards */
		while (rev) {
			Loop *n = rev->next;
			rev->next = l;
			l = rev;
			rev = n;
		}
		if (k->has_domain) {
			diag_error(p->diag, loc, "a kernel has one iteration domain; merge the 'for' lines into one");
			diag_note(p->diag, k->domain_loc, "the domain is declared here");
			break;
		}
		k->loops = l;
		k->domain_loc = loc;
		k->has_domain = true;
		for (; l; l = l->next)
			k->nloops++;
		break;
	}
	case KI_EQN: {
		Eqn *e = item;
		e->next = k->eqns;
		k->eqns = e;
		break;
	}
	}
	return k;
}

static Kernel *kernel_finish(Parser *p, Kernel *k, const char *name, SrcLoc name_loc, Ident *params, SrcLoc loc)
{
	k->name = name;
	k->name_loc = name_loc;
	k->loc = loc;
	k->params = params;
	Tensor *t = k->tensors, *tr = NULL;
	while (t) {
		Tensor *n = t->next;
		t->next = tr;
		tr = t;
		t = n;
	}
	k->tensors = tr;
	Eqn *e = k->eqns, *er = NULL;
	while (e) {
		Eqn *n = e->next;
		e->next = er;
		er = e;
		e = n;
	}
	k->eqns = er;
	for (Ident *id = k->params; id; id = id->next)
		k->nparams++;
	return k;
}

static Mapping *mapping_new(Parser *p, const char *name, SrcLoc name_loc, const char *kernel, SrcLoc kloc, Clause *cl, SrcLoc loc)
{
	Mapping *m = ARENA_NEW(p->arena, Mapping);
	m->name = name;
	m->name_loc = name_loc;
	m->kernel_name = kernel;
	m->kernel_loc = kloc;
	m->clauses = cl;
	m->loc = loc;
	return m;
}

static Tensor *tensor_new(Parser *p, TensorDir dir, const char *name, SrcLoc name_loc, const char *type, SrcLoc type_loc, Expr *dims, Attr *attrs)
{
	Tensor *t = ARENA_NEW(p->arena, Tensor);
	t->dir = dir;
	t->name = name;
	t->loc = name_loc;
	t->type = type_lookup(type);
	t->type_loc = type_loc;
	if (!t->type)
		diag_error(p->diag, type_loc, "unknown element type '%s'", type);
	t->dims = dims;
	t->rank = ast_count(dims);
	Attr *r = NULL;
	while (attrs) {
		Attr *n = attrs->next;
		attrs->next = r;
		r = attrs;
		attrs = n;
	}
	t->attrs = r;
	return t;
}

static Attr *attr_new(Parser *p, const char *key, SrcLoc loc, Expr *value, Attr *list)
{
	Attr *a = ARENA_NEW(p->arena, Attr);
	a->key = key;
	a->loc = loc;
	a->value = value;
	a->next = list;
	return a;
}

static Loop *loop_new(Parser *p, const char *name, SrcLoc loc, Expr *bound, Loop *list)
{
	Loop *l = ARENA_NEW(p->arena, Loop);
	l->name = name;
	l->loc = loc;
	l->bound = bound;
	l->next = list;
	return l;
}

static Eqn *eqn_new(Parser *p, EqnKind kind, const char *name, SrcLoc name_loc, Expr *lhs, const char *type, SrcLoc type_loc, Expr *rhs, SrcLoc loc)
{
	Eqn *e = ARENA_NEW(p->arena, Eqn);
	e->kind = kind;
	e->name = name;
	e->name_loc = name_loc;
	e->lhs = lhs;
	e->nlhs = ast_count(lhs);
	e->rhs = rhs;
	e->loc = loc;
	e->type_loc = type_loc;
	if (type) {
		e->decl_type = type_lookup(type);
		if (!e->decl_type)
			diag_error(p->diag, type_loc, "unknown element type '%s'", type);
	}
	return e;
}

static Ident *ident_new(Parser *p, const char *name, SrcLoc loc, Ident *list)
{
	Ident *id = ARENA_NEW(p->arena, Ident);
	id->name = name;
	id->loc = loc;
	if (!list)
		return id;
	Ident *q = list;
	while (q->next)
		q = q->next;
	q->next = id;
	return list;
}

static Ident *last_ident(Ident *list)
{
	while (list->next)
		list = list->next;
	return list;
}

static int64_t param_default(Parser *p, int64_t v, SrcLoc loc)
{
	if (v < 1 || v > (1 << 30)) {
		diag_error(p->diag, loc, "a size's default value must be from 1 to 2^30");
		return 0;
	}
	return v;
}

static Tiling *tiling_new(Parser *p, const char *loop, SrcLoc loc, Expr *size, Ident *names, Tiling *list)
{
	Tiling *t = ARENA_NEW(p->arena, Tiling);
	t->loop.name = loop;
	t->loop.loc = loc;
	t->size = size;
	t->names = names;
	if (!list)
		return t;
	Tiling *q = list;
	while (q->next)
		q = q->next;
	q->next = t;
	return list;
}

static Row *row_new(Parser *p, Expr *elems, SrcLoc loc, Row *list)
{
	Row *r = ARENA_NEW(p->arena, Row);
	r->elems = elems;
	r->n = ast_count(elems);
	r->loc = loc;
	if (!list)
		return r;
	Row *q = list;
	while (q->next)
		q = q->next;
	q->next = r;
	return list;
}

static Clause *clause_new(Parser *p, ClauseKind kind, SrcLoc loc)
{
	Clause *c = ARENA_NEW(p->arena, Clause);
	c->kind = kind;
	c->loc = loc;
	return c;
}

static Clause *clause_names(Clause *c, Ident *names)
{
	c->names = names;
	return c;
}

static Clause *clause_append(Clause *list, Clause *c)
{
	if (!list)
		return c;
	Clause *q = list;
	while (q->next)
		q = q->next;
	q->next = c;
	return list;
}

static Clause *spacetime_new(Parser *p, Ident *loops, Row *a, Row *b, bool matrix, Ident *names, SrcLoc loc)
{
	Clause *c = clause_new(p, CL_SPACETIME, loc);
	c->names = loops;
	if (matrix) {
		c->space = a;
		c->time = b;
	} else {
		c->project = a;
		c->schedule = b;
	}
	c->dim_names = names;
	return c;
}

static Program *program_add(Program *prog, Kernel *k, Mapping *m)
{
	if (k) {
		Kernel **pp = &prog->kernels;
		while (*pp)
			pp = &(*pp)->next;
		*pp = k;
	}
	if (m) {
		Mapping **pp = &prog->mappings;
		while (*pp)
			pp = &(*pp)->next;
		*pp = m;
	}
	return prog;
}
