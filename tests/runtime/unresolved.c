/*
 * A kernel object that calls a function defined nowhere: loading it through the JIT must fail
 * with SYSRT_ERR_LOAD naming the symbol, not crash.
 */
#include <stdint.h>

#include "kernels.h"

TK_DECLARE(sysk_test_unresolved);
void sysrt_test_nowhere(float *p);

const char sysk_test_unresolved_desc[] = "sysc-kernel 2\nkernel unresolved\nsize N\n"
                                         "tensor y out f32 1 0:1\n";

int64_t sysk_test_unresolved_count(const int64_t *sizes) {
  return sizes[0];
}

int sysk_test_unresolved_run(void *const *tensors, const int64_t *sizes, int64_t begin,
                              int64_t end) {
  (void)sizes;
  for (int64_t i = begin; i < end; i++)
    sysrt_test_nowhere((float *)tensors[0] + i);
  return 0;
}
