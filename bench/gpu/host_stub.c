/*
 * host_stub.c: gpu_check runs where there is no LLVM, so the runtime is built without
 * its host driver (host/: ORC LLJIT); this table stands in for it and has no devices.
 */
#include "rt.h"

#include <stdio.h>

static int probe(SysrtContext *ctx, char *reason, size_t size)
{
	(void)ctx;
	snprintf(reason, size, "not in gpu_check (no LLVM here)");
	return -1;
}

const SysrtDriverOps host_driver_ops = {.kind = "host", .target = "host", .unit = "thread", .probe = probe};
