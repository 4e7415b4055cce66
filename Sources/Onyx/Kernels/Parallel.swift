import COnyxKernels

/// Splits independent work over Onyx's compute threads: one process-wide set of persistent
/// workers (`onyx_pool_run`; no thread is created per call or per run). With `threads == 1`
/// or little work it runs inline on the caller's thread.
enum Parallel {
    /// How many chunks `forEachChunk` cuts `count` items into.
    static func chunkCount(_ count: Int, threads: Int, minimumPerChunk: Int = 1) -> Int {
        max(1, min(usable(threads), count / max(minimumPerChunk, 1)))
    }

    /// The threads work started from this thread gets: `threads`, within this thread's cap.
    static func usable(_ threads: Int) -> Int {
        max(1, min(threads, threadCap ?? threads))
    }

    /// Items of `itemSize` floats each that make a part worth handing to another thread:
    /// about 16K floats (a few microseconds of work) or at least 4 items. Below that, posting
    /// the part costs about what it saves (LeNet's 10x10 pooling planes).
    static func minimumItems(of itemSize: Int) -> Int {
        max(4, 16384 / max(itemSize, 1))
    }

    /// The cap on threads for work started from this thread, if any (see `withThreadCap`).
    static var threadCap: Int? {
        let cap = Int(onyx_thread_max_threads())
        return cap > 0 ? cap : nil
    }

    /// Runs `body` with kernels started from this thread using at most `threads` threads:
    /// a batcher running parts of a batch side by side gives each part one thread.
    static func withThreadCap<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        let previous = onyx_thread_max_threads()
        onyx_thread_set_max_threads(Int32(max(1, threads)))
        defer { onyx_thread_set_max_threads(previous) }
        return try body()
    }

    /// Calls `body` on disjoint, contiguous sub-ranges covering 0..<count, in parallel when
    /// `threads > 1` and each part has at least `minimumPerChunk` items.
    static func forEachChunk(_ count: Int, threads: Int, minimumPerChunk: Int = 1,
                             _ body: (Range<Int>) -> Void) {
        forEachChunk(count, threads: threads, minimumPerChunk: minimumPerChunk) { range, _ in body(range) }
    }

    /// The same, also telling `body` which chunk (0..<chunkCount) it runs, so per-chunk
    /// scratch can be allocated once by the caller (in the run's planned arena) and shared out.
    static func forEachChunk(_ count: Int, threads: Int, minimumPerChunk: Int = 1,
                             _ body: (Range<Int>, Int) -> Void) {
        let parts = chunkCount(count, threads: threads, minimumPerChunk: minimumPerChunk)
        if parts <= 1 {
            if count > 0 { body(0..<count, 0) }
            return
        }
        // Chunks allocate from the pool, never from the run's planned arena: which chunk
        // runs on the caller's thread varies, and the plan relies on a fixed order.
        RunAllocator.bind(nil) {
            run(parts: parts) { part in
                let lo = count * part / parts, hi = count * (part + 1) / parts
                if lo < hi { body(lo..<hi, part) }
            }
        }
    }

    /// Calls `body(0..<parts)` on Onyx's persistent compute threads and the caller's, returning
    /// when all have finished (see `onyx_pool_run`). The parts must touch disjoint memory.
    static func run(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            if parts == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            var job = escapable
            withUnsafeMutablePointer(to: &job) { pointer in
                _ = onyx_pool_run(Int32(parts), { context, part in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(part))
                }, pointer)
            }
        }
    }
}

/// Carries a value into concurrently running code whose disjoint use the caller guarantees.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
