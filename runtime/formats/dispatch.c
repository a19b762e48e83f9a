/*
 * Run-time choice of the bulk kernels, and the floating-point environment they run in.
 *
 * Three kernel tables exist (portable C, AVX2, AVX-512; FmtKernels in fmt_internal.h), all
 * const. Each call picks one from the CPU's features and the caller's SysfmtOptions.isa cap,
 * so there is no mutable dispatch state to initialize or race on: __builtin_cpu_supports reads
 * libgcc's feature word, filled once by its own constructor. A cap above what the CPU has
 * falls back to the best available table, so tests can ask for every path on any machine.
 *
 * The SIMD kernels use float multiplies that are exact only without flush-to-zero (E8M0
 * scales down to 2^-127 are FP32 subnormals, §3) and roundings that follow MXCSR.RC, so bulk
 * entry points run between fmt_fpenv_enter and fmt_fpenv_leave, which set the default MXCSR
 * (round to nearest, no FTZ/DAZ, exceptions masked) and restore the caller's.
 */
#include "fmt_internal.h"

#if FMT_X86
#include <xmmintrin.h>
#endif

static const SysfmtOptions default_options = SYSFMT_OPTIONS_INIT;

const SysfmtOptions *fmt_options(const SysfmtOptions *opt) {
  return opt ? opt : &default_options;
}

int fmt_options_valid(const SysfmtOptions *opt) {
  if (!opt)
    return 1;
  return (unsigned)opt->round <= SYSFMT_ROUND_RZ && (unsigned)opt->overflow <= SYSFMT_OVERFLOW_INF &&
         (unsigned)opt->scale_rule <= SYSFMT_SCALE_CEIL &&
         (unsigned)opt->packing <= SYSFMT_PACK_F8F6F4 && (unsigned)opt->isa <= SYSFMT_ISA_AVX512 &&
         opt->add_shift >= 0 && opt->add_shift <= 14;
}

#if FMT_X86
/* Not CPUID itself: it costs microseconds under a hypervisor, on every call. */
static int has_f16c(void) {
#if defined(__clang__)
  return 1; /* clang 14 cannot ask for f16c; every AVX2 CPU has it (Intel since Ivy Bridge,
               AMD since Piledriver), and it is only used together with AVX2 */
#else
  return __builtin_cpu_supports("f16c");
#endif
}
#endif

SysfmtIsa sysfmt_cpu_isa(void) {
#if FMT_X86
  __builtin_cpu_init(); /* idempotent; needed only when called from a constructor */
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c())
    return SYSFMT_ISA_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c())
    return SYSFMT_ISA_AVX2;
#endif
  return SYSFMT_ISA_PORTABLE;
}

const char *sysfmt_isa_name(SysfmtIsa isa) {
  switch (isa) {
  case SYSFMT_ISA_AUTO: return "auto";
  case SYSFMT_ISA_PORTABLE: return "portable";
  case SYSFMT_ISA_AVX2: return "avx2";
  case SYSFMT_ISA_AVX512: return "avx512";
  }
  return NULL;
}

const FmtKernels *fmt_kernels(const SysfmtOptions *opt) {
  SysfmtIsa want = opt ? opt->isa : SYSFMT_ISA_AUTO;
  SysfmtIsa have = sysfmt_cpu_isa();
  if (want == SYSFMT_ISA_AUTO || want > have)
    want = have;
#if FMT_X86
  if (want == SYSFMT_ISA_AVX512)
    return &fmt_kernels_avx512;
  if (want == SYSFMT_ISA_AVX2)
    return &fmt_kernels_avx2;
#endif
  return &fmt_kernels_portable;
}

void fmt_fpenv_enter(FmtFpEnv *env) {
#if FMT_X86
  env->csr = _mm_getcsr();
  _mm_setcsr(0x1F80); /* all exceptions masked, RC = nearest, FTZ = DAZ = 0 */
#else
  env->csr = 0;
#endif
}

void fmt_fpenv_leave(const FmtFpEnv *env) {
#if FMT_X86
  _mm_setcsr(env->csr);
#else
  (void)env;
#endif
}
