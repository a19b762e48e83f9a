/*
 * target.c: the host as an LLVM target: its triple, CPU name and features (so that
 * AVX-512 or AVX2 is used where the machine has it).
 */
#include "cpu.h"

#include <llvm-c/Target.h>

#include <string.h>

LLVMTargetMachineRef cpu_target(char **err)
{
	static bool ready;
	if (!ready) {
		LLVMInitializeNativeTarget();
		LLVMInitializeNativeAsmPrinter();
		LLVMInitializeNativeAsmParser(); /* object.c assembles the mappings' texts */
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
