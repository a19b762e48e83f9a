/*
 * cmd_mappings.c: `sysc mappings`, the table of every legal projection and schedule
 * of a kernel (enum.c finds and costs them), and `--write N`, which prints design N
 * as a mapping block to append to the spec.
 *
 * The command's own options (--loops, --max-coef, --links, --top, --all, --write)
 * are taken out of argv first; the rest (the file, --kernel, --size, -o, --help,
 * --color, ...) go to drv_options like every other command's.
 */
#include "sysc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char mappings_usage[] =
	"usage: sysc mappings FILE.sys [--kernel NAME] [--loops i,j,k] [--max-coef B] [--links L]\n"
	"                     [--size M=..,N=..] [--top N | --all] [--write N] [-o OUT]\n"
	"\n"
	"Lists every legal space-time mapping of each kernel (or the one named) without\n"
	"tiling: projections u with entries -1, 0, 1 (u and -u are the same projection, so\n"
	"the first nonzero entry is positive), space rows derived from u as 'project' does,\n"
	"and schedules with entries 0..B such that schedule . u = +-1 (the transform is\n"
	"unimodular); each is checked for causality and locality as 'sysc check' checks a\n"
	"mapping. One line per design: the projection, the schedule, the space dimensions,\n"
	"what each recurrence does between PEs (stays, moves by a PE displacement, or comes\n"
	"from memory), and its cost at the given sizes (default: the kernel's defaults):\n"
	"  PEs    the array's bounding box\n"
	"  steps  time steps of one pass of the array, fill and drain included\n"
	"  util   points per pass / (PEs x steps)\n"
	"  regs   registers per PE: one per recurrence, plus each link's delay\n"
	"  words  words read from and written to memory (without tiling, the same for\n"
	"         every design over the same loops)\n"
	"  peak   the most of those words moved in one time step of the first pass\n"
	"Designs are sorted by passes x steps, then PEs, then regs, then peak, then words,\n"
	"then u and the schedule lexicographically.\n"
	"\n"
	"options:\n"
	"  --kernel NAME       only this kernel\n"
	"  --loops i,j,k       the loops to transform, 2 to 4 (default: every loop of a\n"
	"                      kernel with at most 3); the others run around the array\n"
	"  --max-coef B        the largest schedule coefficient, 1 to 8 (default 2)\n"
	"  --links L           the longest link between PEs (default 1)\n"
	"  --size M=..,N=..    sizes for the cost numbers\n"
	"  --top N             show the N best designs (default 20); --all shows every one\n"
	"  --write N           print design N as a mapping block named KERNEL_N, ready to\n"
	"                      append to FILE.sys (needs --kernel if there are several)\n"
	"  -o OUT              write to OUT instead of standard output\n";

typedef struct {
	const char *loops;
	int max_coef, links;
	int top; /* 0: all */
	int write;
} Extra;

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "sysc mappings: error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see 'sysc mappings --help')\n");
	return 2;
}

static bool parse_count(const char *s, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*s == 0 || *end || errno || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

/* Takes this command's options out of argv into x; the rest stay in rest[]. */
static int take_options(int argc, char **argv, Extra *x, char **rest, int *nrest)
{
	static const struct {
		const char *name;
		int lo, hi;
		const char *what;
	} opts[] = {
		{"--loops", 0, 0, "a list of loops"},
		{"--max-coef", 1, 8, "a coefficient from 1 to 8"},
		{"--links", 1, 1000, "a length from 1 to 1000"},
		{"--top", 1, 1 << 30, "a count of at least 1"},
		{"--write", 1, 1 << 30, "a design number of at least 1"},
	};
	*x = (Extra){NULL, 2, 1, 20, 0};
	*nrest = 0;
	rest[(*nrest)++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		int which = -1;
		for (int k = 0; k < (int)(sizeof opts / sizeof opts[0]) && which < 0; k++) {
			size_t n = strlen(opts[k].name);
			if (strncmp(a, opts[k].name, n) != 0 || (a[n] != 0 && a[n] != '='))
				continue;
			which = k;
			if (a[n] == '=')
				v = a + n + 1;
			else if (i + 1 < argc)
				v = argv[++i];
			else
				return usage_error("%s needs a value", opts[k].name);
		}
		if (which < 0 && strcmp(a, "--all") == 0) {
			x->top = 0;
			continue;
		}
		if (which < 0) {
			rest[(*nrest)++] = argv[i];
			continue;
		}
		int *dst = which == 1 ? &x->max_coef : which == 2 ? &x->links : which == 3 ? &x->top : &x->write;
		if (which == 0) {
			x->loops = v;
		} else if (!parse_count(v, opts[which].lo, opts[which].hi, dst)) {
			fprintf(stderr, "sysc mappings: error: %s takes %s, not '%s'\n(see 'sysc mappings --help')\n",
			        opts[which].name, opts[which].what, v);
			return 2;
		}
	}
	rest[*nrest] = NULL;
	return 0;
}

/* --loops i,j,k: the URE's loop indices; false after a message. */
static bool parse_loops(const Ure *u, const char *spec, EnumOptions *eo)
{
	eo->nloops = 0;
	for (const char *s = spec; *s;) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		int found = -1;
		for (int j = 0; j < u->nloops; j++)
			if (strlen(u->loops[j]->name) == len && strncmp(u->loops[j]->name, s, len) == 0)
				found = j;
		if (found < 0) {
			Buf b = {0};
			for (int j = 0; j < u->nloops; j++)
				buf_printf(&b, "%s%s", j ? ", " : "", u->loops[j]->name);
			fprintf(stderr, "sysc mappings: error: kernel '%s' has no loop '%.*s' (its loops: %s)\n", u->k->name,
			        (int)len, s, b.data);
			buf_free(&b);
			return false;
		}
		if (eo->nloops == ENUM_MAXN) {
			fprintf(stderr, "sysc mappings: error: --loops names more than %d loops\n", ENUM_MAXN);
			return false;
		}
		eo->loops[eo->nloops++] = found;
		s += len;
		if (*s == ',')
			s++;
	}
	if (eo->nloops == 0) {
		fprintf(stderr, "sysc mappings: error: --loops names no loop\n");
		return false;
	}
	return true;
}

static void vec_cell(Buf *b, const int64_t *v, int n)
{
	buf_printf(b, "(");
	for (int i = 0; i < n; i++)
		buf_printf(b, "%s%lld", i ? ", " : "", (long long)v[i]);
	buf_printf(b, ")");
}

/* What each recurrence does between PEs: stays, moves by S . d, or comes from memory
 * (a dependence that crosses the loops around the array). */
static void flows_cell(Buf *b, const Ure *u, const Design *d)
{
	char seen[64][72];
	int nseen = 0;
	for (int v = 0; v < u->nvars; v++)
		for (int i = 0; i < u->ndeps; i++) {
			const UreDep *dep = &u->deps[i];
			if (dep->var != v)
				continue;
			bool zero = true, outer = false;
			for (int j = 0; j < u->nloops; j++) {
				bool st = false;
				for (int c = 0; c < d->n; c++)
					st |= d->loops[c] == j;
				zero &= dep->d[j] == 0;
				outer |= !st && dep->d[j] != 0;
			}
			if (zero)
				continue;
			char what[48];
			int64_t s[ENUM_MAXN] = {0};
			bool stays = true;
			for (int r = 0; r < d->n - 1; r++) {
				for (int c = 0; c < d->n; c++)
					s[r] += d->T[r][c] * dep->d[d->loops[c]];
				stays &= s[r] == 0;
			}
			if (outer)
				snprintf(what, sizeof what, "from memory");
			else if (stays)
				snprintf(what, sizeof what, "stays");
			else if (d->n == 2)
				snprintf(what, sizeof what, "moves (%+lld)", (long long)s[0]);
			else if (d->n == 3)
				snprintf(what, sizeof what, "moves (%+lld, %+lld)", (long long)s[0], (long long)s[1]);
			else
				snprintf(what, sizeof what, "moves (%+lld, %+lld, %+lld)", (long long)s[0], (long long)s[1],
				         (long long)s[2]);
			char item[sizeof seen[0]];
			snprintf(item, sizeof item, "%.20s %s", u->vars[v].name, what);
			bool dup = false;
			for (int k = 0; k < nseen && !dup; k++)
				dup = strcmp(seen[k], item) == 0;
			if (dup || nseen == 64)
				continue;
			memcpy(seen[nseen++], item, sizeof item);
			buf_printf(b, "%s%s", b->len ? ", " : "", item);
		}
	if (!b->len)
		buf_printf(b, "-");
}

enum { NCOLS = 11 };

static void print_table(FILE *f, const Ure *u, const Design *ds, int count, int shown)
{
	static const char *head[NCOLS] = {"rank", "project", "schedule", "space", "data", "PEs",
	                                  "steps", "util", "regs", "words", "peak"};
	static const bool left[NCOLS] = {false, true, true, true, true, false, false, false, false, false, false};
	Buf *cell = calloc((size_t)(shown + 1) * NCOLS, sizeof(Buf));
	int width[NCOLS];
	for (int c = 0; c < NCOLS; c++) {
		buf_printf(&cell[c], "%s", head[c]);
		width[c] = (int)strlen(head[c]);
	}
	for (int i = 0; i < shown; i++) {
		const Design *d = &ds[i];
		Buf *row = &cell[(i + 1) * NCOLS];
		buf_printf(&row[0], "%d", i + 1);
		vec_cell(&row[1], d->u, d->n);
		vec_cell(&row[2], d->sched, d->n);
		for (int r = 0; r < d->n - 1; r++)
			buf_printf(&row[3], "%s%s", r ? ", " : "", d->dim[r]);
		flows_cell(&row[4], u, d);
		buf_printf(&row[5], "%lld", (long long)d->pes);
		buf_printf(&row[6], "%lld", (long long)d->steps);
		buf_printf(&row[7], "%.1f%%", 100.0 * d->util);
		buf_printf(&row[8], "%d", d->regs_per_pe);
		buf_printf(&row[9], "%lld", (long long)d->words);
		buf_printf(&row[10], "%lld", (long long)d->peak);
		for (int c = 0; c < NCOLS; c++)
			if ((int)row[c].len > width[c])
				width[c] = (int)row[c].len;
	}
	for (int i = 0; i <= shown; i++) {
		Buf line = {0};
		for (int c = 0; c < NCOLS; c++) {
			const char *s = cell[i * NCOLS + c].data;
			if (left[c])
				buf_printf(&line, "  %-*s", c == NCOLS - 1 ? 0 : width[c], s);
			else
				buf_printf(&line, "  %*s", width[c], s);
		}
		while (line.len && line.data[line.len - 1] == ' ')
			line.data[--line.len] = 0;
		fprintf(f, "%s\n", line.data);
		buf_free(&line);
	}
	for (int i = 0; i < (shown + 1) * NCOLS; i++)
		buf_free(&cell[i]);
	free(cell);
	if (shown < count)
		fprintf(f, "  ... %d more (--top N or --all shows them)\n", count - shown);
}

static void print_header(FILE *f, const Ure *u, const Sizes *sz, const Extra *x, const Design *ds, int count,
                         const EnumOptions *eo)
{
	Buf b = {0};
	ure_print_sizes(&b, u, sz);
	fprintf(f, "%s [%s]: %d legal design%s over (", u->k->name, b.data ? b.data : "", count, count == 1 ? "" : "s");
	buf_free(&b);
	int n = eo->nloops ? eo->nloops : u->nloops;
	for (int c = 0; c < n; c++)
		fprintf(f, "%s%s", c ? ", " : "", u->loops[eo->nloops ? eo->loops[c] : c]->name);
	fprintf(f, "), schedule coefficients 0..%d, links %d", x->max_coef, x->links);
	if (count && ds[0].passes > 1)
		fprintf(f, ", %lld passes", (long long)ds[0].passes);
	fprintf(f, "\n");
}

/* One kernel: list its designs or write one. 0, or an exit status. */
static int one_kernel(Arena *a, FILE *f, Kernel *k, const Options *o, const Extra *x)
{
	Ure *u = ure_lower(a, k);
	Sizes sz;
	if (!drv_sizes("mappings", u, o, &sz))
		return 1;
	EnumOptions eo = {.max_coef = x->max_coef, .links = x->links, .sizes = &sz};
	if (x->loops && !parse_loops(u, x->loops, &eo))
		return 2;
	Design *ds;
	char err[256];
	int count = enum_designs(a, u, &eo, &ds, err, sizeof err);
	if (count < 0) {
		fprintf(stderr, "sysc mappings: error: kernel '%s': %s%s\n", k->name, err,
		        !x->loops && u->nloops > 3 ? " with --loops" : "");
		return 2;
	}
	if (x->write) {
		if (x->write > count) {
			fprintf(stderr, "sysc mappings: error: kernel '%s' has %d legal design%s, so there is no design %d\n",
			        k->name, count, count == 1 ? "" : "s", x->write);
			return 2;
		}
		const Design *d = &ds[x->write - 1];
		Buf b = {0};
		buf_printf(&b, "\n// design %d of %d from 'sysc mappings' at ", x->write, count);
		ure_print_sizes(&b, u, &sz);
		buf_printf(&b, ": %lld PEs, %lld steps, %.1f%% busy, %d registers per PE\n", (long long)d->pes,
		           (long long)d->steps, 100.0 * d->util, d->regs_per_pe);
		enum_write_mapping(&b, u, d, arena_printf(a, "%s_%d", k->name, x->write));
		fwrite(b.data, 1, b.len, f);
		buf_free(&b);
		return 0;
	}
	print_header(f, u, &sz, x, ds, count, &eo);
	if (count == 0) {
		fprintf(f, "  no legal design within these bounds (try a larger --max-coef or --links)\n");
		return 0;
	}
	print_table(f, u, ds, count, x->top && x->top < count ? x->top : count);
	return 0;
}

int cmd_mappings(int argc, char **argv)
{
	Extra x;
	char **rest = calloc((size_t)argc + 1, sizeof *rest);
	int nrest = 0;
	bool help = false;
	for (int i = 1; i < argc; i++)
		help |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
	int rc = help ? 0 : take_options(argc, argv, &x, rest, &nrest);
	Options o;
	if (!rc)
		rc = drv_options("mappings", mappings_usage, help ? argc : nrest, help ? argv : rest, &o);
	free(rest);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (o.mapping || o.device || o.emit || o.has_seed)
		return usage_error("%s", o.mapping ? "--mapping does not apply: mappings lists designs for a kernel"
		                                   : "only --kernel, --size and -o apply to mappings among the shared options");
	Arena *a = arena_new();
	Diag d;
	Program *p = drv_load(a, &d, &o);
	if (!p)
		return drv_failed(a, &d);
	int nk = 0;
	for (Kernel *k = p->kernels; k; k = k->next)
		nk += !o.kernel || strcmp(o.kernel, k->name) == 0;
	rc = 0;
	if (nk == 0) {
		fprintf(stderr, "sysc mappings: error: %s\n", o.kernel ? "no kernel of that name" : "the spec has no kernel");
		rc = 1;
	} else if (x.write && nk > 1) {
		rc = usage_error("%s", "--write needs --kernel: the spec has several kernels");
	}
	FILE *f = rc ? NULL : drv_open_output(&o);
	if (!rc && !f)
		rc = 2;
	bool first = true;
	for (Kernel *k = p->kernels; k && !rc; k = k->next) {
		if (o.kernel && strcmp(o.kernel, k->name) != 0)
			continue;
		if (!first && !x.write)
			fprintf(f, "\n");
		first = false;
		rc = one_kernel(a, f, k, &o, &x);
	}
	if (f) {
		int crc = drv_close_output(&o, f);
		rc = rc ? rc : crc;
	}
	arena_free(a);
	return rc;
}
