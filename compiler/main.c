/*
 * main.c: the sysc command line.
 *
 *   sysc check FILE.sys            parse and check a spec
 *   sysc emit --emit=ast FILE.sys  print a compiler stage in readable form
 *   sysc convert --to FORMAT       see what numbers become in a low-precision format
 *
 * Conventions follow clang and LLVM tools: diagnostics on stderr, results on
 * stdout or in the file given by -o, exit status 0 on success, 1 on errors in the
 * input, 2 on bad usage or I/O failure.
 */
#include "sysc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *usage; /* the per-command help */
} Command;

static int cmd_check(int argc, char **argv);
static int cmd_emit(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const char check_usage[] =
	"usage: sysc check [options] FILE.sys\n"
	"\n"
	"Parses FILE.sys and checks it: names, types, shapes, the uniform-offset rule of\n"
	"the recurrences, index bounds, and the mappings. Prints diagnostics to stderr\n"
	"and exits with status 1 if there are errors. '-' reads standard input.\n"
	"\n"
	"options:\n"
	"  -Werror             treat warnings as errors\n"
	"  --color=WHEN        colour diagnostics: auto (default), always, never\n"
	"  --max-errors=N      stop after N errors (default 50, 0 for no limit)\n";

static const char emit_usage[] =
	"usage: sysc emit --emit=STAGE [options] FILE.sys [-o OUT]\n"
	"\n"
	"Prints a stage of the compiler in readable form.\n"
	"\n"
	"stages:\n"
	"  ast                 the checked syntax tree, one line per declaration\n"
	"  ure                 the URE IR: domain, variables, dependence vectors, outputs\n"
	"  loops               the loop IR of each mapping: schedule, lanes, rows, links;\n"
	"                      --dump-after=PASS shows it after one pass of the pipeline\n"
	"                      (loopgen, retime, shuffle, interchange, timeblock, pack, vregalloc)\n"
	"\n"
	"options:\n"
	"  -o OUT              write to OUT instead of standard output\n"
	"  -Werror, --color=WHEN, --max-errors=N   as for 'sysc check'\n";

static const Command commands[] = {
	{"check", cmd_check, "parse and check a spec", check_usage},
	{"emit", cmd_emit, "print a compiler stage (--emit=ast|ure)", emit_usage},
	{"explain", cmd_explain, "describe the array a mapping builds", NULL},
	{"show", cmd_show, "draw the array a mapping builds (SVG or text)", NULL},
	{"mappings", cmd_mappings, "list every legal projection and schedule", NULL},
	{"run", cmd_run, "run a kernel on random data and check it against the reference", NULL},
	{"build", cmd_build, "compile mappings to LLVM IR, assembly or an object file", NULL},
	{"devices", cmd_devices, "list the devices of this machine, and why a kind has none", NULL},
	{"convert", cmd_convert, "show how numbers encode in FP8, MX, BF16, FP16, DFP16", NULL},
	{"help", cmd_help, "show help for a command", NULL},
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static void usage(FILE *f)
{
	fprintf(f, "usage: sysc <command> [options] [FILE.sys]\n\n"
	           "sysc compiles uniform recurrence equations, mapped by a space-time projection,\n"
	           "into software systolic arrays.\n\ncommands:\n");
	for (int i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'sysc help COMMAND' or 'sysc COMMAND --help' shows a command's options.\n"
	           "'sysc --version' prints the version.\n");
}

static int bad_usage(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "sysc %s: error: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see 'sysc %s --help')\n", cmd);
	return 2;
}

static bool parse_seed(const char *v, Options *o)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 0);
	if (*v == 0 || *end || errno)
		return false;
	o->seed = n;
	o->has_seed = true;
	return true;
}

/* v as a count from lo to hi */
static bool parse_count(const char *v, long lo, long hi, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (*v == 0 || *end || n < lo || n > hi)
		return false;
	*out = (int)n;
	return true;
}

static bool starts(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);
	if (strncmp(s, prefix, n) != 0)
		return false;
	*rest = s + n;
	return true;
}

int drv_take_count(const char *cmd, int *argc, char **argv, const char *name, int *value)
{
	size_t n = strlen(name);
	for (int i = 1; i < *argc; i++) {
		const char *v = NULL;
		int used = 1;
		if (strcmp(argv[i], name) == 0 && i + 1 < *argc) {
			v = argv[i + 1];
			used = 2;
		} else if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=') {
			v = argv[i] + n + 1;
		}
		if (!v)
			continue;
		char *end;
		long x = strtol(v, &end, 10);
		if (*v == 0 || *end || x < 1 || x > 4096) {
			fprintf(stderr, "sysc %s: error: %s takes a count from 1 to 4096, not '%s'\n", cmd, name, v);
			return -1;
		}
		*value = (int)x;
		memmove(&argv[i], &argv[i + used], sizeof(char *) * (size_t)(*argc - i - used + 1));
		*argc -= used;
		return 1;
	}
	return 0;
}

int drv_options(const char *cmd, const char *usage_text, int argc, char **argv, Options *o)
{
	memset(o, 0, sizeof *o);
	o->color = -1;
	o->stage = -1;
	o->max_errors = 50;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage_text, stdout);
			return -1;
		} else if (strcmp(a, "-o") == 0) {
			if (++i == argc)
				return bad_usage(cmd, "%s needs a file name", a);
			o->output = argv[i];
		} else if (starts(a, "--emit=", &v)) {
			o->emit = v;
		} else if (strcmp(a, "--emit") == 0) {
			if (++i == argc)
				return bad_usage(cmd, "%s needs a stage", a);
			o->emit = argv[i];
		} else if (starts(a, "--mapping=", &v)) {
			o->mapping = v;
		} else if (strcmp(a, "--mapping") == 0 || strcmp(a, "--kernel") == 0 || strcmp(a, "--size") == 0 ||
		           strcmp(a, "--device") == 0 || strcmp(a, "--seed") == 0 || strcmp(a, "--specialize") == 0) {
			if (++i == argc)
				return bad_usage(cmd, "%s needs a value", a);
			const char **dst = a[2] == 'm' ? &o->mapping : a[2] == 'k' ? &o->kernel : a[3] == 'i' ? &o->sizes
			                   : a[3] == 'p' ? &o->specialize : a[2] == 'd' ? &o->device : NULL;
			if (dst)
				*dst = argv[i];
			else if (!parse_seed(argv[i], o))
				return bad_usage(cmd, "--seed takes a number, not '%s'", argv[i]);
		} else if (starts(a, "--dump-after=", &v)) {
			if (!lower_pass_known(v))
				return bad_usage(cmd, "no pass named '%s' (passes: loopgen, retime, shuffle, interchange, timeblock, pack, vregalloc)", v);
			o->dump_after = v;
		} else if (starts(a, "--kernel=", &v)) {
			o->kernel = v;
		} else if (starts(a, "--size=", &v)) {
			o->sizes = v;
		} else if (starts(a, "--specialize=", &v)) {
			o->specialize = v;
		} else if (starts(a, "--device=", &v)) {
			o->device = v;
		} else if (starts(a, "--seed=", &v)) {
			if (!parse_seed(v, o))
				return bad_usage(cmd, "--seed takes a number, not '%s'", v);
		} else if (strcmp(a, "--stage-panels") == 0) {
			o->stage = 1;
		} else if (strcmp(a, "--no-stage-panels") == 0) {
			o->stage = 0;
		} else if (starts(a, "--index-bits=", &v)) {
			if (strcmp(v, "32") != 0 && strcmp(v, "64") != 0)
				return bad_usage(cmd, "--index-bits takes 32 or 64, not '%s'", v);
			o->index_bits = atoi(v);
		} else if (strcmp(a, "--restrict") == 0) {
			o->noalias = true;
		} else if (starts(a, "--max-registers=", &v)) {
			if (!parse_count(v, 24, 255, &o->max_registers))
				return bad_usage(cmd, "--max-registers takes a count from 24 to 255, not '%s'", v);
		} else if (strcmp(a, "-Werror") == 0) {
			o->werror = true;
		} else if (starts(a, "--color=", &v)) {
			if (strcmp(v, "always") == 0)
				o->color = 1;
			else if (strcmp(v, "never") == 0)
				o->color = 0;
			else if (strcmp(v, "auto") == 0)
				o->color = -1;
			else
				return bad_usage(cmd, "--color takes auto, always or never, not '%s'", v);
		} else if (starts(a, "--max-errors=", &v)) {
			if (!parse_count(v, 0, 100000, &o->max_errors))
				return bad_usage(cmd, "--max-errors takes a count, not '%s'", v);
		} else if (a[0] == '-' && a[1] != 0) {
			return bad_usage(cmd, "unknown option '%s'", a);
		} else if (o->input) {
			return bad_usage(cmd, "more than one input file ('%s')", a);
		} else {
			o->input = a;
		}
	}
	if (!o->input)
		return bad_usage(cmd, "%s", "no input file");
	return 0;
}

Program *drv_load(Arena *a, Diag *d, const Options *o)
{
	diag_init(d, stderr); /* no file registered: the caller can tell an I/O failure */
	size_t len;
	char *raw = read_file(o->input, &len);
	if (!raw) {
		fprintf(stderr, "sysc: error: cannot read '%s': %s\n", o->input, strerror(errno));
		return NULL;
	}
	if (len > (1u << 30)) {
		fprintf(stderr, "sysc: error: '%s' is too large\n", o->input);
		free(raw);
		return NULL;
	}
	diag_init(d, stderr);
	if (o->color >= 0)
		d->color = o->color;
	d->werror = o->werror;
	d->max_errors = o->max_errors;
	/* the text lives as long as the arena: diagnostics quote it */
	const char *copy = arena_strndup(a, raw, len);
	free(raw);
	d->arena = a;
	int file = diag_add_file(d, strcmp(o->input, "-") == 0 ? "<stdin>" : o->input, copy, (int)len);
	Program *p = sysc_parse(a, d, file);
	if (p->syntax_errors == 0)
		sema_check(a, d, p);
	if (d->nerrors) {
		if (d->nerrors > 1)
			fprintf(stderr, "%d errors generated.\n", d->nerrors);
		else
			fprintf(stderr, "1 error generated.\n");
		return NULL;
	}
	/* --specialize names sizes of the kernels it applies to (checked once, here) */
	for (Kernel *k = p->kernels; k && o->specialize; k = k->next) {
		if (o->kernel && strcmp(o->kernel, k->name) != 0)
			continue;
		Ure u = {.k = k};
		Sizes fixed = {{0}};
		char err[160];
		if (!ure_parse_assignments(&u, o->specialize, &fixed, err, sizeof err)) {
			fprintf(stderr, "sysc: error: --specialize: %s\n", err);
			return NULL;
		}
	}
	return p;
}

int drv_failed(Arena *a, const Diag *d)
{
	arena_free(a);
	return d->nfiles == 0 ? 2 : 1;
}

FILE *drv_open_output(const Options *o)
{
	if (!o->output || strcmp(o->output, "-") == 0)
		return stdout;
	FILE *f = fopen(o->output, "w");
	if (!f)
		fprintf(stderr, "sysc: error: cannot write '%s': %s\n", o->output, strerror(errno));
	return f;
}

int drv_close_output(const Options *o, FILE *f)
{
	int bad = ferror(f);
	if (f != stdout)
		bad |= fclose(f);
	else
		bad |= fflush(f);
	if (bad) {
		fprintf(stderr, "sysc: error: writing '%s' failed\n", o->output ? o->output : "<stdout>");
		return 2;
	}
	return 0;
}

bool drv_sizes(const char *cmd, const Ure *u, const Options *o, Sizes *sz)
{
	char err[256];
	if (!ure_default_sizes(u, sz, err, sizeof err) && !o->sizes) {
		fprintf(stderr, "sysc %s: error: kernel '%s': %s\n", cmd, u->k->name, err);
		return false;
	}
	if (o->sizes && !ure_parse_sizes(u, o->sizes, sz, err, sizeof err)) {
		fprintf(stderr, "sysc %s: error: kernel '%s': --size: %s\n", cmd, u->k->name, err);
		return false;
	}
	return true;
}

static int cmd_check(int argc, char **argv)
{
	Options o;
	int rc = drv_options("check", check_usage, argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	Arena *a = arena_new();
	Diag d;
	Program *p = drv_load(a, &d, &o);
	if (!p && d.nfiles == 0)
		return drv_failed(a, &d);
	bool ok = p != NULL;
	/* the legality of every mapping (spacetime.c) */
	for (Mapping *m = p ? p->mappings : NULL; m; m = m->next)
		ok &= map_build(a, &d, ure_lower(a, m->kernel), m) != NULL;
	if (p && !ok)
		fprintf(stderr, "%d error%s generated.\n", d.nerrors, d.nerrors == 1 ? "" : "s");
	arena_free(a);
	return ok ? 0 : 1;
}

/* The loop IR of every mapping (or the one named). */
static void emit_loops(Buf *b, Arena *a, Diag *d, Program *p, const char *mapping, const char *dump_after)
{
	for (Mapping *m = p->mappings; m; m = m->next) {
		if (mapping && strcmp(mapping, m->name) != 0)
			continue;
		Map *mp = map_build(a, d, ure_lower(a, m->kernel), m);
		const char *why = NULL;
		LoopProg *lp = mp ? lower_map(a, mp, dump_after, b, &why) : NULL;
		if (lp) {
			if (!dump_after)
				lower_print(b, lp);
		} else
			buf_printf(b, "loops %s.%s: %s\n", m->kernel->name, m->name, why ? why : "not legal");
	}
}

static int cmd_emit(int argc, char **argv)
{
	Options o;
	int rc = drv_options("emit", emit_usage, argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!o.emit)
		return bad_usage("emit", "%s", "which stage? pass --emit=ast");
	if (strcmp(o.emit, "ast") != 0 && strcmp(o.emit, "ure") != 0 && strcmp(o.emit, "loops") != 0)
		return bad_usage("emit", "unknown stage '%s' (stages: ast, ure, loops)", o.emit);
	Arena *a = arena_new();
	Diag d;
	Program *p = drv_load(a, &d, &o);
	if (!p)
		return drv_failed(a, &d);
	rc = 1;
	if (p) {
		FILE *f = drv_open_output(&o);
		rc = 2;
		if (f) {
			Buf b = {0};
			if (strcmp(o.emit, "ast") == 0)
				ast_dump(&b, p, &d);
			else if (strcmp(o.emit, "ure") == 0)
				for (Kernel *k = p->kernels; k; k = k->next)
					ure_print(&b, ure_lower(a, k));
			else
				emit_loops(&b, a, &d, p, o.mapping, o.dump_after);
			fwrite(b.data ? b.data : "", 1, b.len, f);
			buf_free(&b);
			rc = drv_close_output(&o, f);
		}
	}
	arena_free(a);
	return rc;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	for (int i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			if (commands[i].usage) {
				fputs(commands[i].usage, stdout);
				return 0;
			}
			char *args[] = {argv[1], "--help", NULL};
			return commands[i].run(2, args);
		}
	fprintf(stderr, "sysc help: error: no command '%s'\n", argv[1]);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("sysc %s (LLVM 22)\n", SYSC_VERSION);
		return 0;
	}
	for (int i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "sysc: error: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
