/*
 * formats.sweep_long: every one of the 2^32 FP32 inputs, converted to FP16, BF16, FP8 E4M3 and
 * FP8 E5M2 under every rounding mode and overflow rule, through
 * the array entry point on every instruction set this CPU has (the AVX-512, AVX2 and portable
 * kernels), compared with the independent reference of ref.c.
 *
 * Labelled "long" and skipped (exit 77) unless SYSC_LONG_TESTS=1. Magnitudes are cut into
 * chunks of 2^16 that worker threads (one per CPU, or SYSC_THREADS) take in turn; inside a
 * chunk magnitudes increase, so the reference classifies each in O(1) (ref_classify_walk)
 * and both signs share the classification. The portable kernel is the slow one, so it is
 * swept for the default rules only; the SIMD kernels for all of them. (FP6, FP4 and MXINT8
 * elements, with at most 64 codes, are covered densely enough by formats.scalar.)
 * SYSC_SWEEP_SAMPLE=k visits every k-th chunk only (for timing estimates).
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

#include "ref.h"
#include "sysfmt.h"
#include "test_util.h"

#define CHUNK_BITS 16 /* a chunk's buffers stay in L2 */
#define CHUNK ((uint32_t)1 << CHUNK_BITS)

static const SysfmtFormat formats[] = {SYSFMT_F16, SYSFMT_BF16, SYSFMT_FP8_E4M3, SYSFMT_FP8_E5M2};
#define NF (sizeof formats / sizeof *formats)

static RefFmt refs[NF];
static SysfmtIsa isa_list[3];
static int nisa;
static atomic_uint next_chunk;
static uint32_t nchunks, sample = 1;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct Worker {
  pthread_t th;
  uint64_t checks, fails;
} Worker;

static void report(Worker *w, const char *fmt, SysfmtIsa isa, int mode, int ovf, uint32_t in,
                   uint32_t got, uint32_t want) {
  pthread_mutex_lock(&print_lock);
  if (w->fails < 10)
    printf("FAIL %s %s round %d ovf %d: 0x%08X -> 0x%X, want 0x%X\n", fmt, sysfmt_isa_name(isa),
           mode, ovf, in, got, want);
  pthread_mutex_unlock(&print_lock);
  w->fails++;
}

/* Expected codes of both signs of a chunk's magnitudes from their classes (float formats);
   branch-free so that it vectorizes. */
static void fill_want(const RefFmt *r, const int32_t *cj, const uint8_t *cw, int mode, int ovf,
                      uint16_t *want16, uint8_t *want8) {
  uint32_t signbit = 1u << (r->bits - 1), maxc = r->maxcode;
  uint32_t over_pos = ovf ? (r->has_inf ? r->infcode : r->nan_out) : maxc;
  uint32_t over_neg = ovf ? (r->has_inf ? r->infcode | signbit : r->nan_out) : maxc | signbit;
  int rz = mode == REF_RZ, away = mode == REF_AWAY, rne = mode == REF_RNE;
  for (uint32_t i = 0; i < CHUNK; i++) {
    uint32_t j = (uint32_t)cj[i], where = cw[i];
    uint32_t up = ((where == REF_ABOVE_MID) & !rz) |
                  ((where == REF_AT_MID) & (away | (rne & (j & 1))));
    uint32_t beyond = where == REF_BEYOND;
    uint32_t mag = beyond & rz ? maxc : j + up;
    uint32_t over = (beyond & !rz) | (mag > maxc);
    uint32_t p = over ? over_pos : mag, n = over ? over_neg : mag | signbit;
    if (want16) {
      want16[2 * i] = (uint16_t)p;
      want16[2 * i + 1] = (uint16_t)n;
    } else {
      want8[2 * i] = (uint8_t)p;
      want8[2 * i + 1] = (uint8_t)n;
    }
  }
}

static void check_chunk(Worker *w, uint32_t base, const float *x, void **got, uint16_t *want,
                        int32_t *cj, uint8_t *cw) {
  int specials = base >= 0x7F800000u; /* Inf and NaNs: no walk, ref_encode_f32 */
  for (size_t fi = 0; fi < NF; fi++) {
    const RefFmt *r = &refs[fi];
    int wide = r->bits > 8;
    if (!specials) {
      int j = ref_floor_index(r, (double)t_u2f(base));
      for (uint32_t i = 0; i < CHUNK; i++) {
        RefClass c = ref_classify_walk(r, &j, (double)t_u2f(base + i));
        cj[i] = c.j;
        cw[i] = (uint8_t)c.where;
      }
    }
    for (int mode = 0; mode < 3; mode++) {
      for (int ovf = 0; ovf <= 1; ovf++) {
        SysfmtOptions op = SYSFMT_OPTIONS_INIT;
        op.round = (SysfmtRound)mode;
        op.overflow = ovf ? SYSFMT_OVERFLOW_INF : SYSFMT_OVERFLOW_SAT;
        int default_rules = mode == 0 && ovf == (r->id == SYSFMT_F16 || r->id == SYSFMT_BF16);
        uint16_t *w16 = wide ? want : NULL;
        uint8_t *w8 = (uint8_t *)want;
        if (specials)
          for (uint32_t i = 0; i < 2 * CHUNK; i++) {
            uint32_t c = ref_encode_f32(r, t_f2u(x[i]), mode, ovf);
            if (wide)
              want[i] = (uint16_t)c;
            else
              w8[i] = (uint8_t)c;
          }
        else
          fill_want(r, cj, cw, mode, ovf, w16, w8);
        for (int k = 0; k < nisa; k++) {
          if (isa_list[k] == SYSFMT_ISA_PORTABLE && !default_rules)
            continue;
          op.isa = isa_list[k];
          sysfmt_encode_array(r->id, x, 2 * (size_t)CHUNK, got[k], &op);
          w->checks += 2 * (uint64_t)CHUNK;
          if (memcmp(got[k], want, 2 * (size_t)CHUNK * (wide ? 2 : 1)) == 0)
            continue;
          const uint16_t *g16 = got[k];
          const uint8_t *g8 = got[k];
          for (uint32_t i = 0; i < 2 * CHUNK; i++) {
            uint32_t g = wide ? g16[i] : g8[i], e = wide ? want[i] : w8[i];
            if (g != e && !ref_same(r, g, e))
              report(w, r->name, isa_list[k], mode, ovf, t_f2u(x[i]), g, e);
          }
        }
      }
    }
  }
}

static void *worker(void *arg) {
  Worker *w = arg;
  float *x = malloc(2 * (size_t)CHUNK * sizeof *x);
  uint16_t *want = malloc(2 * (size_t)CHUNK * sizeof *want);
  int32_t *cj = malloc((size_t)CHUNK * sizeof *cj);
  uint8_t *cw = malloc(CHUNK);
  void *got[3];
  for (int k = 0; k < 3; k++)
    got[k] = malloc(2 * (size_t)CHUNK * 2);
  for (;;) {
    uint32_t c = atomic_fetch_add(&next_chunk, sample);
    if (c >= nchunks)
      break;
    uint32_t base = c << CHUNK_BITS;
    for (uint32_t i = 0; i < CHUNK; i++) {
      x[2 * i] = t_u2f(base + i);
      x[2 * i + 1] = t_u2f((base + i) | 0x80000000u);
    }
    check_chunk(w, base, x, got, want, cj, cw);
  }
  free(x);
  for (int k = 0; k < 3; k++)
    free(got[k]);
  free(want);
  free(cj);
  free(cw);
  return NULL;
}

int main(void) {
  const char *on = getenv("SYSC_LONG_TESTS");
  if (!on || strcmp(on, "1") != 0) {
    printf("formats.sweep_long: skipped (set SYSC_LONG_TESTS=1 to run the 2^32 sweep)\n");
    return 77;
  }
  t_begin("formats.sweep_long");
  const char *s = getenv("SYSC_SWEEP_SAMPLE");
  if (s && atoi(s) > 1)
    sample = (uint32_t)atoi(s);
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  const char *th = getenv("SYSC_THREADS");
  int nthreads = th ? atoi(th) : (int)(ncpu > 0 ? ncpu : 1);
  if (nthreads < 1 || nthreads > 256)
    nthreads = 1;
  isa_list[nisa++] = SYSFMT_ISA_PORTABLE;
  if (sysfmt_cpu_isa() >= SYSFMT_ISA_AVX2)
    isa_list[nisa++] = SYSFMT_ISA_AVX2;
  if (sysfmt_cpu_isa() >= SYSFMT_ISA_AVX512)
    isa_list[nisa++] = SYSFMT_ISA_AVX512;
  for (size_t i = 0; i < NF; i++)
    ref_init(&refs[i], formats[i]);
  nchunks = (uint32_t)(((uint64_t)1 << 31) >> CHUNK_BITS); /* magnitudes; signs inside */
  printf("formats.sweep_long: %u chunks of 2^%d magnitudes x 2 signs, %d threads, every %u-th "
         "chunk, isas up to %s\n",
         nchunks, CHUNK_BITS, nthreads, sample, sysfmt_isa_name(isa_list[nisa - 1]));
  fflush(stdout);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  Worker *ws = calloc((size_t)nthreads, sizeof *ws);
  for (int i = 0; i < nthreads; i++)
    pthread_create(&ws[i].th, NULL, worker, &ws[i]);
  for (int i = 0; i < nthreads; i++) {
    pthread_join(ws[i].th, NULL);
    T.checks += ws[i].checks;
    T.fails += ws[i].fails;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  printf("formats.sweep_long: %.1f s", secs);
  if (sample > 1)
    printf(" (sampled; the full sweep would take about %.0f s)", secs * sample);
  printf("\n");
  for (size_t i = 0; i < NF; i++)
    ref_free(&refs[i]);
  free(ws);
  return t_end();
}
