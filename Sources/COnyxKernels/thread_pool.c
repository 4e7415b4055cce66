#include "onyx_kernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

// Onyx's compute threads: one process-wide set of persistent workers that run the parts of
// a job together with the thread that posts it. Between jobs a worker spins for a short
// while (yielding to other runnable threads every few microseconds) before it sleeps: the layers of a run post jobs a few hundred microseconds apart,
// and a worker that had to be woken from a futex each time (what a dispatch queue does)
// often arrives after the poster has claimed every part itself, so two threads ran like one.
//
// A job is posted by publishing a ticket: (generation << 32) | next part. Workers claim
// parts with a compare-and-swap on the ticket, so a worker that read a stale job can never
// claim a part of the next one (its swap fails once the generation moved on). Before the
// next job's fields are written, the finished job's ticket is replaced by a closed one (a
// generation of its own whose next part is past any job's parts): otherwise a worker that
// read the exhausted ticket, then the next job's larger part count, could still swap it.

enum { MAX_WORKERS = 63, CLOSED_PART = 0x7FFFFFFF };
/// How long an idle worker keeps polling for the next job before it sleeps.
static const int64_t SPIN_NS = 200 * 1000;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;    // guards sleeping and worker creation
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static atomic_int sleepers;
static int workers;                                          // created so far (under lock)

static atomic_uint_fast64_t ticket;                          // generation << 32 | next part
static _Atomic(onyx_pool_fn) job_fn;
static _Atomic(void *) job_ctx;
static atomic_int job_parts;
static atomic_int job_done;
static atomic_flag busy = ATOMIC_FLAG_INIT;                  // one job at a time

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

// Claims and runs parts of the job of `generation` until none is left. Returns how many it ran.
static int run_parts(uint32_t generation) {
    int ran = 0;
    for (;;) {
        uint_fast64_t t = atomic_load_explicit(&ticket, memory_order_acquire);
        if ((uint32_t)(t >> 32) != generation) return ran;
        const uint32_t part = (uint32_t)t;
        const onyx_pool_fn fn = atomic_load_explicit(&job_fn, memory_order_relaxed);
        void *ctx = atomic_load_explicit(&job_ctx, memory_order_relaxed);
        if ((int)part >= atomic_load_explicit(&job_parts, memory_order_relaxed)) return ran;
        if (!atomic_compare_exchange_weak_explicit(&ticket, &t, t + 1, memory_order_acq_rel, memory_order_acquire))
            continue;
        fn(ctx, (int)part);
        ran++;
        atomic_fetch_add_explicit(&job_done, 1, memory_order_release);
    }
}

static void *worker_main(void *arg) {
    // Worker i takes parts only of jobs with more than i + 1 parts (the poster runs one):
    // the others would find nothing left to claim.
    const int index = (int)(intptr_t)arg;
    uint32_t seen = (uint32_t)(atomic_load_explicit(&ticket, memory_order_acquire) >> 32);
    for (;;) {
        // Spin for a new generation, then sleep until one is posted.
        int64_t deadline = 0;
        for (unsigned i = 0;; i++) {
            if ((uint32_t)(atomic_load_explicit(&ticket, memory_order_acquire) >> 32) != seen) break;
            if ((i & 63) == 63) {
                // Every few microseconds: give way to any other runnable thread (a server's
                // event loops share these cores), and look at the clock.
                sched_yield();
                const int64_t t = now_ns();
                if (!deadline) deadline = t + SPIN_NS;
                else if (t > deadline) {
                    pthread_mutex_lock(&lock);
                    atomic_fetch_add(&sleepers, 1);
                    while ((uint32_t)(atomic_load(&ticket) >> 32) == seen) pthread_cond_wait(&wake, &lock);
                    atomic_fetch_sub(&sleepers, 1);
                    pthread_mutex_unlock(&lock);
                    break;
                }
            }
            CPU_RELAX();
        }
        seen = (uint32_t)(atomic_load_explicit(&ticket, memory_order_acquire) >> 32);
        if (index < atomic_load_explicit(&job_parts, memory_order_relaxed) - 1) run_parts(seen);
    }
    return 0;
}

// Makes sure `wanted` workers exist (never more than MAX_WORKERS). Returns how many do.
static int ensure_workers(int wanted) {
    if (wanted > MAX_WORKERS) wanted = MAX_WORKERS;
    pthread_mutex_lock(&lock);
    while (workers < wanted) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        const int failed = pthread_create(&thread, &attr, worker_main, (void *)(intptr_t)workers);
        pthread_attr_destroy(&attr);
        if (failed) break;
        workers++;
    }
    const int have = workers;
    pthread_mutex_unlock(&lock);
    return have;
}

int onyx_pool_run(int parts, onyx_pool_fn fn, void *ctx) {
    if (parts <= 0) return 1;
    if (parts == 1 || atomic_flag_test_and_set_explicit(&busy, memory_order_acquire)) {
        // One part, or the pool already runs a job (another session, or a part of a job
        // that posts one itself): the caller runs every part, in order.
        for (int i = 0; i < parts; i++) fn(ctx, i);
        return 0;
    }
    ensure_workers(parts - 1);
    const uint32_t closed = (uint32_t)(atomic_load(&ticket) >> 32) + 1, generation = closed + 1;
    atomic_store(&ticket, ((uint_fast64_t)closed << 32) | CLOSED_PART);   // see the top comment
    atomic_store_explicit(&job_fn, fn, memory_order_relaxed);
    atomic_store_explicit(&job_ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&job_parts, parts, memory_order_relaxed);
    atomic_store_explicit(&job_done, 0, memory_order_relaxed);
    atomic_store(&ticket, (uint_fast64_t)generation << 32);       // publishes the job (seq_cst)
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&lock);
    }
    run_parts(generation);
    for (unsigned i = 0; atomic_load_explicit(&job_done, memory_order_acquire) < parts; i++) {
        CPU_RELAX();
        if ((i & 63) == 63) sched_yield();   // a long part elsewhere: let other threads run
    }
    atomic_flag_clear_explicit(&busy, memory_order_release);
    return 1;
}
