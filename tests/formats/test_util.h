/*
 * Shared helpers of the formats tests: failure reporting with a cap on printed failures, a
 * check counter for the closing "formats.<name>: N checks passed" line, and a seeded PRNG.
 * Each test picks a fresh seed per run (time and pid) and prints it; SYSC_SEED=<n> replays one.
 * Under the sanitizer build (SYSC_DEBUG) tests scale their random counts down with T_SCALE.
 */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef SYSC_DEBUG
#define T_SCALE 4 /* sanitizers: divide random iteration counts by this */
#else
#define T_SCALE 1
#endif

typedef struct TState {
  const char *name;
  uint64_t checks, fails;
  uint64_t seed, rng;
} TState;

static TState T;

static inline void t_begin(const char *name) {
  T.name = name;
  const char *s = getenv("SYSC_SEED");
  T.seed = s ? strtoull(s, NULL, 0) : ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
  T.rng = T.seed;
  printf("%s: seed %" PRIu64 " (SYSC_SEED=%" PRIu64 " reproduces)\n", name, T.seed, T.seed);
}

/* splitmix64 */
static inline uint64_t t_rand64(void) {
  uint64_t z = (T.rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static inline uint32_t t_rand32(void) { return (uint32_t)(t_rand64() >> 32); }
/* uniform in [0, n) for n > 0 */
static inline uint32_t t_below(uint32_t n) { return (uint32_t)(((uint64_t)t_rand32() * n) >> 32); }

static inline float t_u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t t_f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* Records one check; prints the first 20 failures with the message. */
#define CHECK(cond, ...)                                                                       \
  do {                                                                                         \
    T.checks++;                                                                                \
    if (!(cond)) {                                                                             \
      if (T.fails++ < 20) {                                                                    \
        printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
        printf(__VA_ARGS__);                                                                   \
        printf("\n");                                                                          \
      }                                                                                        \
    }                                                                                          \
  } while (0)

static inline int t_end(void) {
  if (T.fails) {
    printf("%s: %" PRIu64 " of %" PRIu64 " checks FAILED (seed %" PRIu64 ")\n", T.name, T.fails,
           T.checks, T.seed);
    return 1;
  }
  printf("%s: %" PRIu64 " checks passed\n", T.name, T.checks);
  return 0;
}

#endif
