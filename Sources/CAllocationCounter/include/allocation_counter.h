#ifndef ALLOCATION_COUNTER_H
#define ALLOCATION_COUNTER_H
#include <stdint.h>

/// Heap allocations counted while counting is on (all threads), split at 4 KiB.
typedef struct {
    int64_t small_count;   // requests below 4 KiB
    int64_t large_count;   // requests of 4 KiB and more
    int64_t large_bytes;
} allocation_counts;

void allocation_counter_start(void);
allocation_counts allocation_counter_stop(void);

#endif
