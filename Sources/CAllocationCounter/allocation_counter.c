// Counts heap allocations for AllocationTests by interposing the allocator entry points in
// the test executable: each wrapper counts (only while counting is on) and forwards to
// glibc's own implementation, so behaviour is otherwise unchanged.
#include "allocation_counter.h"
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

#ifndef __has_feature
#define __has_feature(x) 0
#endif
// Under a sanitizer (make test-asan / test-tsan) the sanitizer owns malloc: interposing it
// here would hand it glibc's blocks, so counting is off (callers see -1 and skip).
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ALLOCATION_COUNTER_SANITIZED 1
#endif

#if defined(__linux__) && defined(__GLIBC__) && !defined(ALLOCATION_COUNTER_SANITIZED)
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static atomic_int counting;
static atomic_llong small_count, large_count, large_bytes;

static void note(size_t n) {
    if (!atomic_load_explicit(&counting, memory_order_relaxed)) return;
    if (n >= 4096) {
        atomic_fetch_add_explicit(&large_count, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&large_bytes, (long long)n, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&small_count, 1, memory_order_relaxed);
    }
}

void *malloc(size_t n) { note(n); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { note(a * b); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { note(n); return __libc_realloc(p, n); }
void *memalign(size_t alignment, size_t n) { note(n); return __libc_memalign(alignment, n); }
void *aligned_alloc(size_t alignment, size_t n) { note(n); return __libc_memalign(alignment, n); }
int posix_memalign(void **out, size_t alignment, size_t n) {
    note(n);
    void *p = __libc_memalign(alignment, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
void free(void *p) { __libc_free(p); }

void allocation_counter_start(void) {
    atomic_store(&small_count, 0);
    atomic_store(&large_count, 0);
    atomic_store(&large_bytes, 0);
    atomic_store(&counting, 1);
}

allocation_counts allocation_counter_stop(void) {
    atomic_store(&counting, 0);
    allocation_counts c = { atomic_load(&small_count), atomic_load(&large_count), atomic_load(&large_bytes) };
    return c;
}
#else
void allocation_counter_start(void) {}
allocation_counts allocation_counter_stop(void) { allocation_counts c = { -1, -1, -1 }; return c; }
#endif
