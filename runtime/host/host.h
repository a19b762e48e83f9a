/*
 * The host driver's private header: the thread pool (pool.c) and the LLVM side (jit.c:
 * ORC LLJIT, and symbol tables of object files), used by the driver itself (host.c).
 * Functions carry the prefix host_.
 */
#ifndef HOST_H
#define HOST_H

#include <stdatomic.h>

#include "../rt.h"

/* ---- pool.c ---- */

/* One launch: run(tensors, sizes, b, e) over [0, count) in chunks taken from `next`. */
typedef struct HostJob {
  SysrtRunFn run;
  void *const *tensors;
  const int64_t *sizes;
  int64_t count, chunk;
  _Atomic int64_t next;
  _Atomic int failed; /* a chunk's run returned nonzero: no more chunks start */
} HostJob;

typedef struct HostPool HostPool;

/* A pool with no threads yet; they start on the first launch that needs them. NULL when
   out of memory. */
RT_FUNC HostPool *host_pool_create(SysrtContext *ctx);
/* Stops and joins the threads. No launch may be running. */
RT_FUNC void host_pool_destroy(HostPool *p);
/* Runs job on `threads` threads (the caller's included; at most HOST_MAX_THREADS) and
   returns when every work item is done. Launches from several threads are serialized. If
   threads cannot be started, fewer run the job. */
RT_FUNC void host_pool_run(HostPool *p, HostJob *job, int threads);

#define HOST_MAX_THREADS 1024

/* ---- jit.c ---- */

typedef struct HostJit HostJit;
/* Called once per symbol a module or object defines. */
typedef void (*HostSymFn)(void *user, const char *name);

/* An LLJIT whose main JITDylib resolves the process's symbols (libc, libm: fmaf). name is
   for messages. SYSRT_ERR_LOAD with a message on failure. */
RT_FUNC SysrtStatus host_jit_create(SysrtContext *ctx, const char *name, HostJit **out);
RT_FUNC void host_jit_destroy(HostJit *j);
/* Adds an ELF relocatable object (copied) and lists its symbols. Linking happens at the
   first lookup. */
RT_FUNC SysrtStatus host_jit_add_object(HostJit *j, const void *data, size_t size, HostSymFn fn,
                                        void *user);
/* Parses LLVM bitcode or IR text (copied), verifies it, lists the symbols it defines and
   adds it. */
RT_FUNC SysrtStatus host_jit_add_ir(HostJit *j, const void *data, size_t size, HostSymFn fn,
                                    void *user);
/* The same for an LLVMModuleRef of the caller's, which is verified and copied, not kept. */
RT_FUNC SysrtStatus host_jit_add_llvm(HostJit *j, void *module, HostSymFn fn, void *user);
/* The address of sym; compiles and links on first use. SYSRT_ERR_LOAD with the JIT's
   message (a missing symbol, an unresolved reference). */
RT_FUNC SysrtStatus host_jit_lookup(HostJit *j, const char *sym, uintptr_t *addr);
/* The symbols of an ELF object or shared library (its .symtab). 0 if none could be read. */
RT_FUNC int host_object_symbols(const void *data, size_t size, HostSymFn fn, void *user);

#endif
