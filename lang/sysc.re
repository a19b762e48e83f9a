/*
 * sysc.re: the scanner of the .sys language (re2c).
 *
 * It only scans: its state lives in Parser, and on bad input it returns the
 * T_ERROR token with p->errmsg set, leaving the report to the parser. The input is
 * NUL-terminated; a NUL before the end is reported, and no rule reads past it.
 */
#include "parser.h"
#include "sysc.tab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static SrcLoc here(Parser *p)
{
	return (SrcLoc){p->file, (int)(p->tok - p->src), (int)(p->cur - p->src)};
}

/* Tracks brackets so that an unclosed one can be pointed at. */
static void bracket(Parser *p, char c)
{
	if (c == '(' || c == '[' || c == '{') {
		if (p->nopen < MAX_NEST)
			{
			p->open[p->nopen].ch = c;
			p->open[p->nopen].loc = here(p);
		}
		p->nopen++;
	} else if (p->nopen > 0) {
		p->nopen--;
	}
}

static bool skip_comment(Parser *p, const char **nul);

static int error_token(Parser *p, const char *msg)
{
	p->errmsg = msg;
	return T_ERROR;
}

/*!re2c
	re2c:api:style = free-form;
	re2c:define:YYCTYPE = "unsigned char";
	re2c:define:YYCURSOR = "p->cur";
	re2c:define:YYMARKER = "p->marker";
	re2c:yyfill:enable = 0;
	re2c:flags:utf-8 = 0;

	digit = [0-9];
	ident = [a-zA-Z_][a-zA-Z_0-9]*;
	exp   = [eE] [+-]? digit+;
	float = digit+ "." digit* exp? | "." digit+ exp? | digit+ exp;
*/

int sysc_yylex(SYSC_YYSTYPE *lval, SrcLoc *lloc, Parser *p)
{
	int tok;
	for (;;) {
		p->tok = p->cur;
	/*!re2c
		"\x00" {
			if (p->cur - 1 == p->lim) { p->cur--; tok = T_EOF; goto done; }
			tok = error_token(p, "stray NUL byte in the source"); goto done;
		}
		[ \t\r\n\f\v]+ { continue; }
		"//" [^\n\x00]* { continue; }
		"/*" {
			const char *open = p->tok, *nul = NULL;
			bool eof = !skip_comment(p, &nul);
			if (eof || nul) {
				/* report at the comment's opener, or at the NUL inside it */
				p->tok = eof ? open : nul;
				if (eof) {
					p->cur = p->lim;
					p->eof_reported = true; /* the end of file needs no second message */
				}
				tok = error_token(p, eof ? "unterminated comment: '/*' has no matching '*/'"
				                         : "stray NUL byte in a comment");
				lloc->file = p->file;
				lloc->start = (int)(p->tok - p->src);
				lloc->end = lloc->start + (eof ? 2 : 1);
				p->prev = p->last;
				p->last = *lloc;
				return tok;
			}
			continue;
		}

		"kernel"    { tok = T_KERNEL; goto done; }
		"mapping"   { tok = T_MAPPING; goto done; }
		"of"        { tok = T_OF; goto done; }
		"in"        { tok = T_IN; goto done; }
		"out"       { tok = T_OUT; goto done; }
		"for"       { tok = T_FOR; goto done; }
		"tile"      { tok = T_TILE; goto done; }
		"by"        { tok = T_BY; goto done; }
		"as"        { tok = T_AS; goto done; }
		"spacetime" { tok = T_SPACETIME; goto done; }
		"project"   { tok = T_PROJECT; goto done; }
		"schedule"  { tok = T_SCHEDULE; goto done; }
		"space"     { tok = T_SPACE; goto done; }
		"time"      { tok = T_TIME; goto done; }
		"lanes"     { tok = T_LANES; goto done; }
		"registers" { tok = T_REGISTERS; goto done; }
		"parallel"  { tok = T_PARALLEL; goto done; }
		"links"     { tok = T_LINKS; goto done; }
		"step"      { tok = T_STEP; goto done; }

		ident {
			lval->str = arena_strndup(p->arena, p->tok, (size_t)(p->cur - p->tok));
			tok = T_IDENT; goto done;
		}
		digit+ {
			errno = 0;
			long long v = strtoll(p->tok, NULL, 10);
			if (errno == ERANGE) { tok = error_token(p, "integer literal is too large"); goto done; }
			lval->ival = v;
			tok = T_INT; goto done;
		}
		float {
			errno = 0;
			lval->fval = strtod(p->tok, NULL);
			if (errno == ERANGE && (lval->fval > 1 || lval->fval < -1)) {
				tok = error_token(p, "floating-point literal is out of range"); goto done;
			}
			tok = T_FLOAT; goto done;
		}
		digit+ ident { tok = error_token(p, "invalid number: a name cannot start with a digit"); goto done; }

		"==" { tok = T_EQ; goto done; }
		"!=" { tok = T_NE; goto done; }
		"<=" { tok = T_LE; goto done; }
		">=" { tok = T_GE; goto done; }
		"&&" { tok = T_AND; goto done; }
		"||" { tok = T_OR; goto done; }
		[(){}[\]] { bracket(p, (char)p->tok[0]); tok = p->tok[0]; goto done; }
		";" {
			/* no bracket of this grammar spans a ';': drop the ones a bad statement left open */
			while (p->nopen > 0 && (p->nopen > MAX_NEST || p->open[p->nopen - 1].ch != '{'))
				p->nopen--;
			tok = ';'; goto done;
		}
		[,:?=<>+\-*/%!] { tok = p->tok[0]; goto done; }
		[\x80-\xff]+ { tok = error_token(p, "non-ASCII characters are allowed only in comments"); goto done; }
		* {
			p->errmsg = arena_printf(p->arena, p->tok[0] >= ' ' && p->tok[0] < 127 ? "unexpected character '%c'" : "unexpected character (byte 0x%02x)", (unsigned char)p->tok[0]);
			tok = T_ERROR; goto done;
		}
	*/
	}
done:
	*lloc = here(p);
	p->prev = p->last;
	p->last = *lloc;
	return tok;
}

/* Skips the rest of a block comment: false if the input ends first. The first NUL
 * byte inside it, if any, goes to *nul. */
static bool skip_comment(Parser *p, const char **nul)
{
	for (;;) {
		const char *at = p->cur;
	/*!re2c
		"*" "/" { return true; }
		"\x00" {
			if (at == p->lim)
				return false;
			if (!*nul)
				*nul = at;
			continue;
		}
		* { continue; }
	*/
	}
}
