/*
 * diag.c: diagnostics in the form people know from clang:
 *
 *   gemm.sys:7:20: error: recurrence 'C' is referenced at offset (0, 0, +1): ...
 *       C(i, j, k) = C(i, j, k+1) + A(i, j, k) * B(i, j, k);
 *                    ^~~~~~~~~~~~
 *
 * Locations are byte ranges (jq's locfile); line and column are computed only here.
 * Errors are counted, not fatal: callers keep going and stop before lowering.
 */
#include "sysc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void diag_init(Diag *d, FILE *out)
{
	memset(d, 0, sizeof *d);
	d->out = out ? out : stderr;
	d->max_errors = 50;
	d->color = isatty(fileno(d->out)) && getenv("NO_COLOR") == NULL;
}

int diag_add_file(Diag *d, const char *name, const char *text, int len)
{
	if (d->nfiles == (int)(sizeof d->files / sizeof d->files[0]))
		sysc_bug("too many source files");
	SrcFile *f = &d->files[d->nfiles];
	*f = (SrcFile){name, text, len, NULL, 0};
	if (d->arena) {
		int n = 1;
		for (int i = 0; i < len; i++)
			n += text[i] == '\n';
		f->line_start = ARENA_ARRAY(d->arena, int, n);
		f->line_start[f->nlines++] = 0;
		for (int i = 0; i < len; i++)
			if (text[i] == '\n')
				f->line_start[f->nlines++] = i + 1;
	}
	return d->nfiles++;
}

SrcLoc loc_join(SrcLoc a, SrcLoc b)
{
	SrcLoc r = a;
	if (b.start < r.start)
		r.start = b.start;
	if (b.end > r.end)
		r.end = b.end;
	return r;
}

void diag_linecol(const Diag *d, int file, int off, int *line, int *col)
{
	const SrcFile *f = &d->files[file];
	int l = 1, c = 1;
	if (off > f->len)
		off = f->len;
	if (f->line_start) { /* the last line that starts at or before off */
		int lo = 0, hi = f->nlines - 1;
		while (lo < hi) {
			int mid = (lo + hi + 1) / 2;
			if (f->line_start[mid] <= off)
				lo = mid;
			else
				hi = mid - 1;
		}
		*line = lo + 1;
		*col = off - f->line_start[lo] + 1;
		return;
	}
	for (int i = 0; i < off; i++) {
		if (f->text[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* Prints the line holding loc.start and marks the range on it. */
static void show_source(Diag *d, SrcLoc loc)
{
	const SrcFile *f = &d->files[loc.file];
	int s = loc.start < f->len ? loc.start : f->len;
	int ls = s, le = s;
	while (ls > 0 && f->text[ls - 1] != '\n')
		ls--;
	while (le < f->len && f->text[le] != '\n' && f->text[le] != '\r')
		le++;
	fprintf(d->out, "%.*s\n", le - ls, f->text + ls);
	int end = loc.end > le ? le : loc.end;
	for (int i = ls; i < s; i++)
		fputc(f->text[i] == '\t' ? '\t' : ' ', d->out);
	if (d->color)
		fputs("\033[1;32m", d->out);
	fputc('^', d->out);
	for (int i = s + 1; i < end; i++)
		fputc('~', d->out);
	if (d->color)
		fputs("\033[0m", d->out);
	fputc('\n', d->out);
}

void diag_vreport(Diag *d, DiagLevel lvl, SrcLoc loc, const char *fmt, va_list ap)
{
	static const char *const names[] = {"error", "warning", "note"};
	static const char *const colors[] = {"\033[1;31m", "\033[1;35m", "\033[1;36m"};
	if (lvl == DIAG_WARNING && d->werror)
		lvl = DIAG_ERROR;
	if (lvl == DIAG_ERROR) {
		d->nerrors++;
		if (d->max_errors && d->nerrors > d->max_errors) {
			if (d->nerrors == d->max_errors + 1)
				fprintf(d->out, "sysc: too many errors, stopping here\n");
			return;
		}
	} else if (lvl == DIAG_WARNING) {
		d->nwarnings++;
		if (d->max_errors && d->nwarnings > d->max_errors)
			return; /* a flood of warnings is capped like one of errors */
	} else if (d->max_errors && d->nerrors > d->max_errors) {
		return;
	}
	int line, col;
	diag_linecol(d, loc.file, loc.start, &line, &col);
	if (d->color)
		fputs("\033[1m", d->out);
	fprintf(d->out, "%s:%d:%d: ", d->files[loc.file].name, line, col);
	if (d->color)
		fputs(colors[lvl], d->out);
	fprintf(d->out, "%s: ", names[lvl]);
	if (d->color)
		fputs("\033[0;1m", d->out);
	vfprintf(d->out, fmt, ap);
	if (d->color)
		fputs("\033[0m", d->out);
	fputc('\n', d->out);
	show_source(d, loc);
}

void diag_error(Diag *d, SrcLoc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vreport(d, DIAG_ERROR, loc, fmt, ap);
	va_end(ap);
}

void diag_warn(Diag *d, SrcLoc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vreport(d, DIAG_WARNING, loc, fmt, ap);
	va_end(ap);
}

void diag_note(Diag *d, SrcLoc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vreport(d, DIAG_NOTE, loc, fmt, ap);
	va_end(ap);
}
