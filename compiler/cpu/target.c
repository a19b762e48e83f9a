/*
 * target.c: the host as an LLVM target: its triple, CPU name and features (so that
 * AVX-512 or AVX2 is used where the machine has it), and the O3 pipeline.
 */
#include "cpu.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include <string.h>

LLVMTargetMachineRef cpu_target(char **err)
{
	static bool ready;
	if (!ready) {
		LLVMInitializeNativeTarget();
		LLVMInitializeNativeAsmPrinter();
		ready = true;
	}
	char *triple = LLVMGetDefaultTargetTriple();
	LLVMTargetRef target;
	if (LLVMGetTargetFromTriple(triple, &target, err)) {
		LLVMDisposeMessage(triple);
		return NULL;
	}
	char *cpu = LLVMGetHostCPUName(), *features = LLVMGetHostCPUFeatures();
	LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, triple, cpu, features, LLVMCodeGenLevelAggressive,
	                                                  LLVMRelocPIC, LLVMCodeModelDefault);
	LLVMDisposeMessage(triple);
	LLVMDisposeMessage(cpu);
	LLVMDisposeMessage(features);
	return tm;
}

bool cpu_optimize(LLVMModuleRef mod, LLVMTargetMachineRef tm, char **err)
{
	char *triple = LLVMGetTargetMachineTriple(tm);
	LLVMSetTarget(mod, triple);
	LLVMDisposeMessage(triple);
	LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(tm);
	char *layout = LLVMCopyStringRepOfTargetData(dl);
	LLVMSetDataLayout(mod, layout);
	LLVMDisposeMessage(layout);
	LLVMDisposeTargetData(dl);
	char *msg = NULL;
	if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
		*err = msg;
		return false;
	}
	LLVMDisposeMessage(msg); /* an empty message, still allocated */
	LLVMPassBuilderOptionsRef opt = LLVMCreatePassBuilderOptions();
	LLVMErrorRef e = LLVMRunPasses(mod, "default<O3>", tm, opt);
	LLVMDisposePassBuilderOptions(opt);
	if (e) {
		*err = LLVMGetErrorMessage(e);
		return false;
	}
	return true;
}
