/*
 * object.c: the host's object file, its mappings compiled side by side.
 *
 * LLVM compiles modules of separate contexts concurrently, but its C API has no
 * parallel code generation for one module. So each mapping's module is generated,
 * optimised and compiled to assembly text in a context of its own, on a worker
 * thread; the texts are joined in the spec's order, their local labels renamed apart
 * (every module numbers its .LBB0_1 and .LCPI0_0 from 0), and LLVM's assembler turns
 * the whole into one object, given as the module-level assembly of an empty module:
 * the instructions direct object emission writes, and the same bytes for any number
 * of threads. A single mapping is compiled straight to an object (no text between).
 */
#include "cpu.h"
#include "llvmgen.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	const CpuJob *jobs;
	int n;
	atomic_int next;
	LLVMCodeGenFileType kind; /* assembly; an object where there is one job */
	char **text; /* each job's output (malloc'd), NULL where it failed */
	size_t *len;
	char **err; /* where it failed, why (malloc'd) */
} Work;

static char *copy_message(const char *what, char *llvm_msg)
{
	size_t n = strlen(what) + (llvm_msg ? strlen(llvm_msg) : 0) + 3;
	char *s = malloc(n);
	if (!s)
		sysc_bug("out of memory");
	snprintf(s, n, "%s: %s", what, llvm_msg ? llvm_msg : "");
	LLVMDisposeMessage(llvm_msg);
	return s;
}

/* The bytes of mb, copied (malloc'd); mb is disposed of. */
static char *take_buffer(LLVMMemoryBufferRef mb, size_t *len)
{
	*len = LLVMGetBufferSize(mb);
	char *s = malloc(*len ? *len : 1);
	if (!s)
		sysc_bug("out of memory");
	memcpy(s, LLVMGetBufferStart(mb), *len);
	LLVMDisposeMemoryBuffer(mb);
	return s;
}

static void compile_one(Work *w, int i)
{
	char *msg = NULL;
	LLVMTargetMachineRef tm = cpu_target(&msg);
	if (!tm) {
		w->err[i] = copy_message("no LLVM target for this machine", msg);
		return;
	}
	LLVMContextRef ctx = LLVMContextCreate();
	Arena *a = arena_new();
	LLVMModuleRef mod = cpu_emit(a, w->jobs[i].lp, ctx, w->jobs[i].sym);
	LLVMMemoryBufferRef mb = NULL;
	if (!lg_optimize(mod, tm, &msg))
		w->err[i] = copy_message("the generated module is invalid", msg);
	else if (LLVMTargetMachineEmitToMemoryBuffer(tm, mod, w->kind, &msg, &mb))
		w->err[i] = copy_message("code generation failed", msg);
	if (mb)
		w->text[i] = take_buffer(mb, &w->len[i]);
	LLVMDisposeModule(mod);
	LLVMContextDispose(ctx);
	LLVMDisposeTargetMachine(tm);
	arena_free(a);
}

static void *worker(void *arg)
{
	Work *w = arg;
	for (int i; (i = atomic_fetch_add(&w->next, 1)) < w->n;)
		compile_one(w, i);
	return NULL;
}

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/* Appends module k's assembly s[0..n) to b with each local label .LX renamed .L<k>_X
 * (outside strings and comments); only the first module keeps its .file line. */
static void append_renamed(Buf *b, const char *s, size_t n, int k)
{
	bool str = false, comment = false;
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (comment) {
			comment = c != '\n';
		} else if (str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				str = false;
		} else if (c == '"') {
			str = true;
		} else if (c == '#') {
			comment = true;
		} else if (k > 0 && c == '\t' && (i == 0 || s[i - 1] == '\n') && strncmp(s + i, "\t.file\t", 7) == 0) {
			buf_printf(b, "%.*s", (int)(i - from), s + from);
			while (i < n && s[i] != '\n')
				i++;
			from = i + 1;
		} else if (c == '.' && i + 1 < n && s[i + 1] == 'L' && (i == 0 || !label_char(s[i - 1]))) {
			buf_printf(b, "%.*s.L%d_", (int)(i - from), s + from, k);
			from = i + 2;
			i++;
		}
	}
	if (from < n)
		buf_printf(b, "%.*s", (int)(n - from), s + from);
}

/* The object of the joined assembly: module-level assembly of an empty module. */
static bool assemble(LLVMTargetMachineRef tm, const Buf *text, char **data, size_t *len, char *err, size_t errlen)
{
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("sysc", ctx);
	char *triple = LLVMGetTargetMachineTriple(tm), *msg = NULL;
	LLVMSetTarget(mod, triple);
	LLVMDisposeMessage(triple);
	LLVMSetModuleInlineAsm2(mod, text->data, text->len);
	LLVMMemoryBufferRef mb;
	bool ok = !LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &msg, &mb);
	if (ok)
		*data = take_buffer(mb, len);
	else
		snprintf(err, errlen, "assembling the kernels failed: %s", msg ? msg : "");
	LLVMDisposeMessage(msg);
	LLVMDisposeModule(mod);
	LLVMContextDispose(ctx);
	return ok;
}

bool cpu_object(const CpuJob *jobs, int n, int threads, bool assembly, char **data, size_t *len, char *err,
                size_t errlen)
{
	char *msg = NULL;
	LLVMTargetMachineRef tm = cpu_target(&msg); /* also readies LLVM's targets, once */
	if (!tm) {
		snprintf(err, errlen, "no LLVM target for this machine: %s", msg ? msg : "");
		LLVMDisposeMessage(msg);
		return false;
	}
	/* By default a thread per mapping, up to 4 per core: the mappings differ in cost
	 * (gemm.sys: 1 to 2.6 times the cheapest), so with a thread per core the last one
	 * left runs alone, while the system shares the cores between one thread per mapping
	 * until all are done (gemm.sys, 3 mappings on 2 cores: 0.24 -> 0.19 s). */
	enum { MAXTHREADS = 64 };
	if (threads <= 0) { /* (at most n: below) */
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cores < 1 || cores > MAXTHREADS ? MAXTHREADS : (int)(4 * cores);
	}
	threads = threads < 1 ? 1 : threads > n ? n : threads > MAXTHREADS ? MAXTHREADS : threads;
	Work w = {.jobs = jobs,
	          .n = n,
	          .kind = n == 1 && !assembly ? LLVMObjectFile : LLVMAssemblyFile,
	          .text = calloc((size_t)n, sizeof(char *)),
	          .len = calloc((size_t)n, sizeof(size_t)),
	          .err = calloc((size_t)n, sizeof(char *))};
	if (!w.text || !w.len || !w.err)
		sysc_bug("out of memory");
	pthread_t tid[MAXTHREADS];
	int started = 0;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 16u << 20); /* LLVM's code generation recurses deeply */
	for (int i = 1; i < threads; i++)
		if (pthread_create(&tid[started], &attr, worker, &w) == 0)
			started++;
	pthread_attr_destroy(&attr);
	worker(&w);
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);

	bool ok = true;
	for (int i = 0; i < n && ok; i++)
		if (w.err[i]) {
			snprintf(err, errlen, "mapping %s: %s", jobs[i].sym, w.err[i]);
			ok = false;
		}
	Buf all = {0};
	if (ok && n == 1) { /* one job's output as it is */
		*data = w.text[0], *len = w.len[0];
		w.text[0] = NULL;
	} else if (ok) {
		for (int i = 0; i < n; i++)
			append_renamed(&all, w.text[i], w.len[i], i);
		if (assembly) {
			*data = all.data, *len = all.len;
			all = (Buf){0};
		} else {
			ok = assemble(tm, &all, data, len, err, errlen);
		}
	}
	buf_free(&all);
	for (int i = 0; i < n; i++) {
		free(w.text[i]);
		free(w.err[i]);
	}
	free(w.text);
	free(w.len);
	free(w.err);
	LLVMDisposeTargetMachine(tm);
	return ok;
}
