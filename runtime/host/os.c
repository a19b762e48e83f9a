/*
 * The operating-system seam (rt.h, "host/os.c"): dynamic libraries, the CPU count and a
 * monotonic clock. The host driver opens kernel libraries through it; the GPU drivers will
 * open libcuda.so.1, libze_loader.so.1 and libOpenCL.so.1 the same way, so that a missing
 * vendor library is a probe result, never a link error (the ICD loader's three functions).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "../rt.h"

void *rt_lib_open(const char *path, char *err, size_t errsize) {
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *e = dlerror();
    snprintf(err, errsize, "%s", e ? e : "dlopen failed");
  }
  return lib;
}

void *rt_lib_sym(void *lib, const char *name) {
  return dlsym(lib, name);
}

void rt_lib_close(void *lib) {
  if (lib)
    dlclose(lib);
}

int rt_cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

uint64_t rt_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
