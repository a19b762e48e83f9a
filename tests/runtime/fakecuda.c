/*
 * fakecuda.c: a stand-in for libcuda.so.1 (the CUDA driver API) in the runtime.cuda-fake
 * test, so that the cuda driver's own code (runtime/cuda/cuda.c: probing, buffers, loading,
 * launching, timing) runs on machines without a GPU. Device memory is host memory, modules
 * and functions are tokens, a launch runs nothing and counts its grids, and every pair of
 * events is 2.5 ms apart. FAKECUDA_EVENTS=fail makes cuEventCreate fail, as a driver
 * without events would. Only the entry points cuda.c looks up are here.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, madvise */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

typedef int CUresult;
enum { OK = 0, ERR = 1 };

static int launches, blocks;
static int pushed;

int fakecuda_launches(void) { return launches; }
int fakecuda_blocks(void) { return blocks; }
int fakecuda_pushed(void) { return pushed; }

CUresult cuInit(unsigned flags) { return flags ? ERR : OK; }
CUresult cuDeviceGetCount(int *n) { *n = 1; return OK; }
CUresult cuDeviceGet(int *dev, int i) { *dev = i; return i == 0 ? OK : ERR; }
CUresult cuDeviceGetName(char *name, int len, int dev) {
  (void)dev;
  strncpy(name, "Fake GPU", (size_t)len);
  return OK;
}
CUresult cuDeviceGetAttribute(int *v, int attr, int dev) {
  (void)dev;
  *v = attr == 16 ? 4 : attr == 75 ? 9 : 0; /* 4 SMs, compute capability 9.0 */
  return OK;
}
CUresult cuDevicePrimaryCtxRetain(void **ctx, int dev) { (void)dev; *ctx = &pushed; return OK; }
CUresult cuDevicePrimaryCtxRelease_v2(int dev) { (void)dev; return OK; }
CUresult cuCtxPushCurrent_v2(void *ctx) { (void)ctx; pushed++; return OK; }
CUresult cuCtxPopCurrent_v2(void **ctx) { *ctx = &pushed; pushed--; return OK; }
CUresult cuCtxSynchronize(void) { return OK; }
/* Device memory is anonymous pages behind a page that holds the size: the zero fill
   after cuMemAlloc gives pages back instead of touching them, so that a test may
   allocate more than the machine has (tensors of 2^31 elements). */
enum { PAGE = 4096 };
CUresult cuMemAlloc_v2(unsigned long long *p, size_t n) {
  char *m = mmap(NULL, n + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (m == MAP_FAILED)
    return ERR;
  memcpy(m, &n, sizeof n);
  *p = (unsigned long long)(uintptr_t)(m + PAGE);
  return OK;
}
CUresult cuMemFree_v2(unsigned long long p) {
  char *m = (char *)(uintptr_t)p - PAGE;
  size_t n;
  memcpy(&n, m, sizeof n);
  munmap(m, n + PAGE);
  return OK;
}
CUresult cuMemsetD8_v2(unsigned long long p, unsigned char v, size_t n) {
  uintptr_t from = ((uintptr_t)p + PAGE - 1) / PAGE * PAGE, to = ((uintptr_t)p + n) / PAGE * PAGE;
  if (v || to <= from) {
    memset((void *)(uintptr_t)p, v, n);
    return OK;
  }
  memset((void *)(uintptr_t)p, 0, from - (uintptr_t)p);
  madvise((void *)from, to - from, MADV_DONTNEED); /* private anonymous pages read as zeros */
  memset((void *)to, 0, (uintptr_t)p + n - to);
  return OK;
}
CUresult cuMemcpyHtoD_v2(unsigned long long d, const void *s, size_t n) {
  memcpy((void *)(uintptr_t)d, s, n);
  return OK;
}
CUresult cuMemcpyDtoH_v2(void *d, unsigned long long s, size_t n) {
  memcpy(d, (const void *)(uintptr_t)s, n);
  return OK;
}
CUresult cuModuleLoadDataEx(void **mod, const void *ptx, unsigned n, int *opts, void **vals) {
  (void)n, (void)opts, (void)vals;
  *mod = strstr(ptx, ".entry") ? (void *)&launches : NULL;
  return *mod ? OK : ERR;
}
CUresult cuModuleGetFunction(void **f, void *mod, const char *name) {
  (void)mod, (void)name;
  *f = &blocks;
  return OK;
}
CUresult cuModuleUnload(void *mod) { (void)mod; return OK; }
CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                        unsigned bz, unsigned shared, void *stream, void **args, void **extra) {
  (void)f, (void)bx, (void)by, (void)bz, (void)shared, (void)stream, (void)args, (void)extra;
  launches++;
  blocks += (int)(gx * gy * gz);
  return OK;
}
CUresult cuGetErrorName(CUresult r, const char **s) {
  *s = r == OK ? "CUDA_SUCCESS" : "CUDA_ERROR_FAKE";
  return OK;
}
CUresult cuEventCreate(void **ev, unsigned flags) {
  (void)flags;
  const char *e = getenv("FAKECUDA_EVENTS");
  if (e && !strcmp(e, "fail"))
    return ERR;
  *ev = malloc(1);
  return OK;
}
CUresult cuEventRecord(void *ev, void *stream) { (void)ev, (void)stream; return OK; }
CUresult cuEventElapsedTime_v2(float *ms, void *a, void *b) { (void)a, (void)b; *ms = 2.5f; return OK; }
CUresult cuEventDestroy_v2(void *ev) { free(ev); return OK; }
