#include "onyx_kernels.h"

// The run allocator bound to this thread (see RunAllocator in MemoryPlan.swift): a plain
// thread-local, cheaper per run than a Swift task-local binding.
static __thread void *run_allocator;

void *onyx_thread_run_allocator(void) { return run_allocator; }
void onyx_thread_set_run_allocator(void *allocator) { run_allocator = allocator; }
