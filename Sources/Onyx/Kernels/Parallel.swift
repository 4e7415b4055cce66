import Dispatch

/// Splits independent work over Onyx's compute threads. It runs on libdispatch's
/// persistent worker pool (no thread is created per call or per run); with `threads == 1`
/// or little work it runs inline on the caller's thread.
enum Parallel {
    /// Calls `body` on disjoint, contiguous sub-ranges covering 0..<count, in parallel when
    /// `threads > 1` and each part has at least `minimumPerChunk` items.
    static func forEachChunk(_ count: Int, threads: Int, minimumPerChunk: Int = 1,
                             _ body: (Range<Int>) -> Void) {
        let parts = max(1, min(threads, count / max(minimumPerChunk, 1)))
        if parts <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        // The chunks touch disjoint memory; the closure only has to outlive this call.
        withoutActuallyEscaping(body) { escapable in
            let shared = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let lo = count * part / parts, hi = count * (part + 1) / parts
                if lo < hi { shared.value(lo..<hi) }
            }
        }
    }
}

/// Carries a value into concurrently running code whose disjoint use the caller guarantees.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
