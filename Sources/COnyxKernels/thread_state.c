#include "onyx_kernels.h"

// The run allocator bound to this thread (see RunAllocator in MemoryPlan.swift): a plain
// thread-local, cheaper per run than a Swift task-local binding.
static __thread void *run_allocator;

void *onyx_thread_run_allocator(void) { return run_allocator; }
void onyx_thread_set_run_allocator(void *allocator) { run_allocator = allocator; }

// Most compute threads a run on this thread may use (0: no cap), set by a batcher running
// parts of a batch side by side, one thread each.
static __thread int max_threads;

int onyx_thread_max_threads(void) { return max_threads; }
void onyx_thread_set_max_threads(int threads) { max_threads = threads; }
