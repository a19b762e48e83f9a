/*
 * The host driver's LLVM side: an ORC LLJIT per module, through LLVM's C API, and symbol
 * tables of object files.
 *
 * Each module gets its own LLJIT, so modules cannot clash on symbol names and destroying a
 * module frees its code. The main JITDylib has a generator that resolves symbols from the
 * process (libc and libm: fmaf, memcpy). Objects are linked and IR is compiled at the first
 * lookup; the driver looks every kernel up at load time, so compile and link errors are
 * load errors and the first launch does not pay for compilation.
 *
 * IR is parsed into an LLVMContext of our own, with a diagnostic handler, because LLVM's
 * default handler prints and calls exit() on an error. A caller's LLVMModuleRef is verified,
 * written to bitcode and read back in our context, so we never own or touch theirs after
 * the call. The IR is compiled as given (the JIT's code generator, no IR optimization): the
 * compiler optimizes before emitting.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/BitWriter.h>
#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/IRReader.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Object.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>

#include "host.h"

struct HostJit {
  SysrtContext *ctx;
  LLVMOrcLLJITRef lljit;
  const char *name;
  char diag[512];  /* the first error the LLVMContext reported */
  char linkerr[512]; /* the first error the execution session reported */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_failed;

static void init_llvm(void) {
  init_failed = LLVMInitializeNativeTarget() || LLVMInitializeNativeAsmPrinter() ||
                LLVMInitializeNativeAsmParser();
}

/* Consumes err and reports it for j's module. */
static SysrtStatus llvm_err(HostJit *j, LLVMErrorRef err, const char *what) {
  char *msg = LLVMGetErrorMessage(err);
  SysrtStatus st = rt_err(j->ctx, SYSRT_ERR_LOAD, "%s '%s': %s", what, j->name, msg);
  LLVMDisposeErrorMessage(msg);
  return st;
}

/* The execution session's errors (unresolved symbols while linking) would go to stderr. */
static void session_error(void *user, LLVMErrorRef err) {
  HostJit *j = user;
  char *msg = LLVMGetErrorMessage(err);
  if (!j->linkerr[0])
    snprintf(j->linkerr, sizeof j->linkerr, "%s", msg);
  LLVMDisposeErrorMessage(msg);
}

SysrtStatus host_jit_create(SysrtContext *ctx, const char *name, HostJit **out) {
  pthread_once(&init_once, init_llvm);
  if (init_failed)
    return rt_err(ctx, SYSRT_ERR_LOAD, "cannot load '%s': LLVM has no native target here", name);
  HostJit *j = rt_alloc(ctx, sizeof *j);
  if (!j)
    return rt_err(ctx, SYSRT_ERR_OUT_OF_MEMORY, "out of memory loading '%s'", name);
  j->ctx = ctx;
  j->name = name;
  LLVMErrorRef err = LLVMOrcCreateLLJIT(&j->lljit, NULL);
  if (err) {
    SysrtStatus st = llvm_err(j, err, "cannot create a JIT for");
    rt_free(ctx, j, sizeof *j);
    return st;
  }
  LLVMOrcExecutionSessionSetErrorReporter(LLVMOrcLLJITGetExecutionSession(j->lljit),
                                          session_error, j);
  LLVMOrcDefinitionGeneratorRef gen;
  err = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
      &gen, LLVMOrcLLJITGetGlobalPrefix(j->lljit), NULL, NULL);
  if (err) {
    SysrtStatus st = llvm_err(j, err, "cannot create a JIT for");
    host_jit_destroy(j);
    return st;
  }
  LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(j->lljit), gen);
  *out = j;
  return SYSRT_OK;
}

void host_jit_destroy(HostJit *j) {
  if (!j)
    return;
  if (j->lljit) {
    LLVMErrorRef err = LLVMOrcDisposeLLJIT(j->lljit);
    if (err)
      LLVMConsumeError(err);
  }
  rt_free(j->ctx, j, sizeof *j);
}

int host_object_symbols(const void *data, size_t size, HostSymFn fn, void *user) {
  LLVMMemoryBufferRef mb = LLVMCreateMemoryBufferWithMemoryRange(data, size, "object", 0);
  char *msg = NULL;
  LLVMBinaryRef bin = LLVMCreateBinary(mb, NULL, &msg);
  int n = 0;
  if (bin) {
    LLVMSymbolIteratorRef it = LLVMObjectFileCopySymbolIterator(bin);
    if (it) {
      for (; !LLVMObjectFileIsSymbolIteratorAtEnd(bin, it); LLVMMoveToNextSymbol(it)) {
        const char *name = LLVMGetSymbolName(it);
        if (name && *name) {
          fn(user, name);
          n++;
        }
      }
      LLVMDisposeSymbolIterator(it);
    }
    LLVMDisposeBinary(bin);
  }
  if (msg)
    LLVMDisposeMessage(msg);
  LLVMDisposeMemoryBuffer(mb);
  return n;
}

SysrtStatus host_jit_add_object(HostJit *j, const void *data, size_t size, HostSymFn fn,
                                void *user) {
  /* Check that it is an object LLVM can read before the JIT owns it; the JIT's own error for
     a bad object comes only at lookup. */
  LLVMMemoryBufferRef probe = LLVMCreateMemoryBufferWithMemoryRange(data, size, j->name, 0);
  char *msg = NULL;
  LLVMBinaryRef bin = LLVMCreateBinary(probe, NULL, &msg);
  if (!bin) {
    SysrtStatus st = rt_err(j->ctx, SYSRT_ERR_LOAD, "cannot read object '%s': %s", j->name,
                            msg ? msg : "unknown error");
    LLVMDisposeMessage(msg);
    LLVMDisposeMemoryBuffer(probe);
    return st;
  }
  LLVMDisposeBinary(bin);
  LLVMDisposeMemoryBuffer(probe);
  host_object_symbols(data, size, fn, user);

  LLVMMemoryBufferRef mb = LLVMCreateMemoryBufferWithMemoryRangeCopy(data, size, j->name);
  LLVMErrorRef err =
      LLVMOrcLLJITAddObjectFile(j->lljit, LLVMOrcLLJITGetMainJITDylib(j->lljit), mb);
  return err ? llvm_err(j, err, "cannot add object") : SYSRT_OK;
}

static void diag_handler(LLVMDiagnosticInfoRef info, void *user) {
  HostJit *j = user;
  if (LLVMGetDiagInfoSeverity(info) != LLVMDSError || j->diag[0])
    return;
  char *msg = LLVMGetDiagInfoDescription(info);
  snprintf(j->diag, sizeof j->diag, "%s", msg);
  LLVMDisposeMessage(msg);
}

static void list_module(LLVMModuleRef m, HostSymFn fn, void *user) {
  size_t len;
  for (LLVMValueRef f = LLVMGetFirstFunction(m); f; f = LLVMGetNextFunction(f))
    if (!LLVMIsDeclaration(f))
      fn(user, LLVMGetValueName2(f, &len));
  for (LLVMValueRef g = LLVMGetFirstGlobal(m); g; g = LLVMGetNextGlobal(g))
    if (!LLVMIsDeclaration(g))
      fn(user, LLVMGetValueName2(g, &len));
}

/* Checks that m is for this machine's architecture and gives it the JIT's data layout. IR
   from an older LLVM for the same target may carry an older layout string (clang 14's x86-64
   layout lacks i128:128): LLVM upgrades it in bitcode but not in text, and LLJIT refuses a
   module whose layout differs from its own. */
static SysrtStatus adopt_layout(HostJit *j, LLVMModuleRef m) {
  const char *mt = LLVMGetTarget(m), *jt = LLVMOrcLLJITGetTripleString(j->lljit);
  size_t ma = strcspn(mt, "-"), ja = strcspn(jt, "-");
  if (*mt && (ma != ja || strncmp(mt, jt, ma)))
    return rt_err(j->ctx, SYSRT_ERR_LOAD, "'%s' is compiled for %s; this machine is %s", j->name,
                  mt, jt);
  const char *jdl = LLVMOrcLLJITGetDataLayoutStr(j->lljit);
  if (strcmp(LLVMGetDataLayoutStr(m), jdl))
    LLVMSetDataLayout(m, jdl);
  return SYSRT_OK;
}

SysrtStatus host_jit_add_ir(HostJit *j, const void *data, size_t size, HostSymFn fn,
                            void *user) {
  LLVMContextRef llctx = LLVMContextCreate();
  LLVMContextSetDiagnosticHandler(llctx, diag_handler, j);
  /* The copy is NUL-terminated, as the IR text parser wants. */
  LLVMMemoryBufferRef mb = LLVMCreateMemoryBufferWithMemoryRangeCopy(data, size, j->name);
  LLVMModuleRef m = NULL;
  char *msg = NULL;
  LLVMBool bad = LLVMParseIRInContext2(llctx, mb, &m, &msg);
  LLVMDisposeMemoryBuffer(mb);
  if (bad) {
    SysrtStatus st = rt_err(j->ctx, SYSRT_ERR_LOAD, "cannot parse LLVM IR '%s': %s", j->name,
                            msg ? msg : j->diag[0] ? j->diag : "unknown error");
    LLVMDisposeMessage(msg);
    LLVMContextDispose(llctx);
    return st;
  }
  if (LLVMVerifyModule(m, LLVMReturnStatusAction, &msg)) {
    SysrtStatus st = rt_err(j->ctx, SYSRT_ERR_LOAD, "invalid LLVM IR in '%s': %s", j->name, msg);
    LLVMDisposeMessage(msg);
    LLVMDisposeModule(m);
    LLVMContextDispose(llctx);
    return st;
  }
  LLVMDisposeMessage(msg);
  SysrtStatus st = adopt_layout(j, m);
  if (st) {
    LLVMDisposeModule(m);
    LLVMContextDispose(llctx);
    return st;
  }
  list_module(m, fn, user);
  /* The thread-safe context takes llctx; the module and then the JIT take their shares. */
  LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContextFromLLVMContext(llctx);
  LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(m, tsc);
  LLVMOrcDisposeThreadSafeContext(tsc);
  LLVMErrorRef err =
      LLVMOrcLLJITAddLLVMIRModule(j->lljit, LLVMOrcLLJITGetMainJITDylib(j->lljit), tsm);
  return err ? llvm_err(j, err, "cannot add LLVM IR") : SYSRT_OK;
}

SysrtStatus host_jit_add_llvm(HostJit *j, void *module, HostSymFn fn, void *user) {
  LLVMModuleRef m = module;
  char *msg = NULL;
  if (LLVMVerifyModule(m, LLVMReturnStatusAction, &msg)) {
    SysrtStatus st = rt_err(j->ctx, SYSRT_ERR_LOAD, "invalid LLVM module: %s", msg);
    LLVMDisposeMessage(msg);
    return st;
  }
  LLVMDisposeMessage(msg);
  LLVMMemoryBufferRef bc = LLVMWriteBitcodeToMemoryBuffer(m);
  if (!bc)
    return rt_err(j->ctx, SYSRT_ERR_LOAD, "cannot write the LLVM module as bitcode");
  SysrtStatus st = host_jit_add_ir(j, LLVMGetBufferStart(bc), LLVMGetBufferSize(bc), fn, user);
  LLVMDisposeMemoryBuffer(bc);
  return st;
}

SysrtStatus host_jit_lookup(HostJit *j, const char *sym, uintptr_t *addr) {
  LLVMOrcExecutorAddress a = 0;
  j->diag[0] = '\0';
  j->linkerr[0] = '\0';
  LLVMErrorRef err = LLVMOrcLLJITLookup(j->lljit, &a, sym);
  if (err && j->linkerr[0]) { /* the cause, rather than "failed to materialize" */
    LLVMConsumeError(err);
    return rt_err(j->ctx, SYSRT_ERR_LOAD, "cannot link '%s': %s", j->name, j->linkerr);
  }
  if (err)
    return llvm_err(j, err, "cannot link");
  if (j->diag[0])
    return rt_err(j->ctx, SYSRT_ERR_LOAD, "cannot compile '%s': %s", j->name, j->diag);
  *addr = (uintptr_t)a;
  return SYSRT_OK;
}
