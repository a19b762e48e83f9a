/*
 * The host device's thread pool: spreads a kernel's work items (its parallel tiles) over
 * the cores.
 *
 * Workers start lazily, when a launch first asks for more threads than the pool has, and
 * live until the device closes. A launch publishes its job under the pool's mutex with a
 * new generation number and the number of helpers it wants, wakes the workers, and works on
 * the job itself. Items are handed out dynamically: every participant takes the next chunk
 * from an atomic counter until the counter passes the count, so uneven tiles balance out.
 *
 * A worker joins a job only while `joined < want`, under the mutex. When the caller has run
 * out of items it closes the job (want = joined), so no worker can join late, and waits
 * until the workers that did join have finished (active == 0). Workers that wake late just
 * see a closed job. Launches are serialized by launch_mu: one job at a time per device.
 */
#include <stdlib.h>

#include "host.h"

struct HostPool {
  SysrtContext *ctx;
  pthread_mutex_t launch_mu; /* one launch at a time */
  pthread_mutex_t mu;        /* everything below */
  pthread_cond_t wake;       /* workers: a new job or quit */
  pthread_cond_t done;       /* the caller: active reached 0 */
  int nthreads;
  int quit;
  uint64_t gen;              /* job generation */
  HostJob *job;
  int want, joined, active;
  pthread_t threads[HOST_MAX_THREADS];
};

static void work(HostJob *j) {
  while (!atomic_load_explicit(&j->failed, memory_order_relaxed)) {
    int64_t b = atomic_fetch_add_explicit(&j->next, j->chunk, memory_order_relaxed);
    if (b >= j->count)
      return;
    int64_t e = j->count - b > j->chunk ? b + j->chunk : j->count;
    if (j->run(j->tensors, j->sizes, b, e))
      atomic_store_explicit(&j->failed, 1, memory_order_relaxed);
  }
}

static void *worker(void *arg) {
  HostPool *p = arg;
  uint64_t seen = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->quit && p->gen == seen)
      pthread_cond_wait(&p->wake, &p->mu);
    if (p->quit)
      break;
    seen = p->gen;
    if (p->job && p->joined < p->want) {
      HostJob *j = p->job;
      p->joined++;
      p->active++;
      pthread_mutex_unlock(&p->mu);
      work(j);
      pthread_mutex_lock(&p->mu);
      if (--p->active == 0)
        pthread_cond_signal(&p->done);
    }
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

HostPool *host_pool_create(SysrtContext *ctx) {
  HostPool *p = rt_alloc(ctx, sizeof *p);
  if (!p)
    return NULL;
  p->ctx = ctx;
  int ok = 0;
  ok += !pthread_mutex_init(&p->launch_mu, NULL);
  ok += !pthread_mutex_init(&p->mu, NULL);
  ok += !pthread_cond_init(&p->wake, NULL);
  ok += !pthread_cond_init(&p->done, NULL);
  if (ok != 4) { /* glibc's init cannot fail for default attributes; others might */
    rt_free(ctx, p, sizeof *p);
    return NULL;
  }
  return p;
}

void host_pool_destroy(HostPool *p) {
  if (!p)
    return;
  pthread_mutex_lock(&p->mu);
  p->quit = 1;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->nthreads; i++)
    pthread_join(p->threads[i], NULL);
  pthread_cond_destroy(&p->done);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->mu);
  pthread_mutex_destroy(&p->launch_mu);
  rt_free(p->ctx, p, sizeof *p);
}

void host_pool_run(HostPool *p, HostJob *job, int threads) {
  if (threads > HOST_MAX_THREADS)
    threads = HOST_MAX_THREADS;
  if (threads <= 1) {
    work(job);
    return;
  }
  pthread_mutex_lock(&p->launch_mu);
  /* Only this thread starts workers (launch_mu); they read nthreads never. */
  while (p->nthreads < threads - 1) {
    if (pthread_create(&p->threads[p->nthreads], NULL, worker, p))
      break;
    p->nthreads++;
  }
  pthread_mutex_lock(&p->mu);
  p->job = job;
  p->want = threads - 1 < p->nthreads ? threads - 1 : p->nthreads;
  p->joined = 0;
  p->active = 0;
  p->gen++;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mu);

  work(job);

  pthread_mutex_lock(&p->mu);
  p->want = p->joined;
  while (p->active > 0)
    pthread_cond_wait(&p->done, &p->mu);
  p->job = NULL;
  p->want = 0;
  pthread_mutex_unlock(&p->mu);
  pthread_mutex_unlock(&p->launch_mu);
}
