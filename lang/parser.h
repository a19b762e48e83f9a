/*
 * parser.h: the state shared by the re2c scanner (sysc.re) and the Bison parser
 * (sysc.y). Private to lang/: the rest of the compiler sees only sysc_parse().
 */
#ifndef SYSC_PARSER_H
#define SYSC_PARSER_H

#include "sysc.h"

enum { MAX_NEST = 64 };

typedef struct Parser {
	Arena *arena;
	Diag *diag;
	int file;
	/* scanner state (re2c) */
	const char *src, *cur, *tok, *lim, *marker;
	const char *errmsg; /* set with the error token: what the scanner found wrong */
	/* open brackets, for "to match this '{'" notes */
	struct {
		char ch;
		SrcLoc loc;
	} open[MAX_NEST];
	int nopen;
	bool eof_reported;
	int syntax_errors;
	SrcLoc last, prev; /* the last two tokens, for "expected ';' after ..." */
	Program *prog;
} Parser;

#endif
