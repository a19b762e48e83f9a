/*
 * jit.c: compiling a host module in process with LLVM's ORC LLJIT, for `sysc run
 * --device=host` and the tests. The JIT resolves libc and libm symbols (malloc,
 * fmaf) from this process.
 */
#include "cpu.h"

#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>

#include <stdlib.h>
#include <string.h>

struct CpuJit {
	LLVMOrcLLJITRef jit;
};

static char *take_error(LLVMErrorRef e)
{
	char *m = LLVMGetErrorMessage(e);
	char *r = strdup(m);
	LLVMDisposeErrorMessage(m);
	return r;
}

CpuJit *cpu_jit_new(char **err)
{
	LLVMInitializeNativeTarget();
	LLVMInitializeNativeAsmPrinter();
	CpuJit *j = calloc(1, sizeof *j);
	LLVMErrorRef e = LLVMOrcCreateLLJIT(&j->jit, NULL);
	if (e) {
		*err = take_error(e);
		free(j);
		return NULL;
	}
	LLVMOrcDefinitionGeneratorRef gen;
	e = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&gen, LLVMOrcLLJITGetGlobalPrefix(j->jit), NULL, NULL);
	if (e) {
		*err = take_error(e);
		LLVMOrcDisposeLLJIT(j->jit);
		free(j);
		return NULL;
	}
	LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(j->jit), gen);
	return j;
}

bool cpu_jit_add(CpuJit *j, LLVMModuleRef mod, LLVMContextRef ctx, char **err)
{
	/* the JIT takes the module and its context: neither is the caller's any more */
	LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContextFromLLVMContext(ctx);
	LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(mod, tsc);
	LLVMOrcDisposeThreadSafeContext(tsc);
	LLVMErrorRef e = LLVMOrcLLJITAddLLVMIRModule(j->jit, LLVMOrcLLJITGetMainJITDylib(j->jit), tsm);
	if (e) {
		*err = take_error(e);
		return false;
	}
	return true;
}

void *cpu_jit_lookup(CpuJit *j, const char *name, char **err)
{
	LLVMOrcExecutorAddress addr;
	LLVMErrorRef e = LLVMOrcLLJITLookup(j->jit, &addr, name);
	if (e) {
		*err = take_error(e);
		return NULL;
	}
	return (void *)(uintptr_t)addr;
}

void cpu_jit_free(CpuJit *j)
{
	if (!j)
		return;
	LLVMOrcDisposeLLJIT(j->jit);
	free(j);
}
