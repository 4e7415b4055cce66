import Dispatch
import Foundation

/// Coalesces concurrent requests into batched runs of one `InferenceSession`.
///
/// Requests queue up; a dedicated inference thread (never Swift's cooperative pool) takes
/// the oldest request plus every other queued request with the same input signature (all
/// dims but the batch dim), up to `maxBatchSize` rows, waiting at most `maxQueueDelay` for a
/// batch to fill. The inputs are stacked along axis 0, run once, and each caller gets its
/// own rows of every output. Requests that cannot be stacked run on their own. Call
/// `shutdown()` when done: it drains the queue and ends the thread.
public final class Batcher: @unchecked Sendable {
    /// How requests are batched and admitted.
    public struct Policy: Sendable {
        /// Most rows stacked into one run.
        public var maxBatchSize: Int
        /// Longest a request waits for others to join its batch (seconds).
        public var maxQueueDelay: Double
        /// Most requests waiting; beyond it `submit` fails at once with `.overloaded`.
        public var maxQueueSize: Int
        /// Deadline for requests submitted without one (seconds from submission), or nil.
        public var defaultDeadline: Double?
        /// Run a batch of several requests as parts side by side, one thread each, when the
        /// session has several threads and a batch costs a few milliseconds or more: whole
        /// images keep every thread busy, where one image's layers split over threads do not.
        public var runPartsSideBySide: Bool

        public init(maxBatchSize: Int = 16, maxQueueDelay: Double = 0.002, maxQueueSize: Int = 256,
                    defaultDeadline: Double? = nil, runPartsSideBySide: Bool = true) {
            self.maxBatchSize = max(1, maxBatchSize)
            self.maxQueueDelay = max(0, maxQueueDelay)
            self.maxQueueSize = max(1, maxQueueSize)
            self.defaultDeadline = defaultDeadline
            self.runPartsSideBySide = runPartsSideBySide
        }
    }

    /// Why a request was not answered with outputs.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The queue was full when the request arrived.
        case overloaded
        /// The request's deadline passed while it was queued; it was never run.
        case timedOut
        /// The batcher was shutting down when the request arrived.
        case shuttingDown

        public var description: String {
            switch self {
            case .overloaded: return "overloaded: the inference queue is full"
            case .timedOut: return "timed out: the deadline passed while the request was queued"
            case .shuttingDown: return "shutting down: no new requests are accepted"
            }
        }
    }

    /// One batched run, for metrics.
    public struct BatchReport: Sendable {
        /// Rows in the run.
        public let rows: Int
        /// Requests in the run.
        public let requests: Int
        /// Seconds each request waited in the queue.
        public let queueSeconds: [Double]
        /// Seconds the run took.
        public let computeSeconds: Double
        /// True when the run failed (each caller got the error).
        public let failed: Bool
        /// Parts the batch ran as, side by side (1: one run).
        public let parts: Int
        /// With several parts: true when each part stacked its requests into one run, false
        /// when it ran them one at a time (the batcher times both ways and keeps the cheaper).
        public let partsStacked: Bool
    }

    /// Called on the inference thread after every run; keep it short.
    public let onBatch: (@Sendable (BatchReport) -> Void)?
    /// Called when a request ends without running: overloaded, timed out or cancelled.
    public let onRejected: (@Sendable (Error) -> Void)?

    public let session: InferenceSession
    public let policy: Policy

    final class Request: @unchecked Sendable { // guarded by the batcher's lock
        let inputs: [String: Tensor]
        let rows: Int?
        let signature: BatchStacking.Signature
        let enqueued: UInt64
        let deadline: UInt64?
        var continuation: CheckedContinuation<[String: Tensor], Error>?

        init(inputs: [String: Tensor], deadline: UInt64?) {
            self.inputs = inputs
            rows = BatchStacking.rows(of: inputs)
            signature = BatchStacking.Signature(inputs)
            enqueued = DispatchTime.now().uptimeNanoseconds
            self.deadline = deadline
        }

        /// Resumes once; later calls do nothing.
        func finish(_ result: Result<[String: Tensor], Error>) {
            continuation?.resume(with: result)
            continuation = nil
        }
    }

    let lock = NSCondition()
    var queue: [Request] = []
    var accepting = true
    var workerDone = false
    var drainWaiters: [CheckedContinuation<Void, Never>] = []
    /// One timer for every queued request's deadline, set to the earliest of them; a timer per
    /// request would keep each request (and its inputs) alive until its deadline, long after
    /// it was answered.
    private let deadlineTimer: DispatchSourceTimer
    /// When `deadlineTimer` fires next (`.max`: not set); guarded by `lock`.
    private var deadlineWake = UInt64.max
    /// Recent compute seconds per row (moving average); touched by the inference thread only.
    var secondsPerRow: Double?
    /// Recent compute seconds per row of side-by-side batches whose parts ran stacked, and of
    /// those whose parts ran their requests one at a time; touched by the inference thread only.
    var stackedPartSecondsPerRow: Double?
    var alonePartSecondsPerRow: Double?
    /// Side-by-side batches so far (inference thread only).
    var sideBySideBatches = 0
    /// True when the model's inputs all have a free first dim, so rows can be stacked.
    let canStack: Bool

    /// Starts the inference thread. The hooks (for metrics) are fixed for the batcher's life.
    public init(session: InferenceSession, policy: Policy = Policy(),
                onBatch: (@Sendable (BatchReport) -> Void)? = nil, onRejected: (@Sendable (Error) -> Void)? = nil) {
        self.session = session
        self.policy = policy
        self.onBatch = onBatch
        self.onRejected = onRejected
        canStack = session.inputs.allSatisfy { info in
            guard let first = info.shape?.first else { return info.shape == nil }
            if case .fixed = first { return false }
            return true
        }
        deadlineTimer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "onyx-batcher-deadlines"))
        deadlineTimer.setEventHandler { [weak self] in self?.expireDue() }
        deadlineTimer.activate()
        // The thread keeps the batcher alive until `shutdown()` lets it finish.
        let thread = Thread { self.workerLoop() }
        thread.name = "onyx-batcher"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Requests waiting to run.
    public var queueDepth: Int {
        lock.lock(); defer { lock.unlock() }
        return queue.count
    }

    /// Runs `inputs` in the next suitable batch and returns this request's outputs.
    /// `deadline` (seconds from now) overrides the policy's default.
    public func submit(_ inputs: [String: Tensor], deadline: Double? = nil) async throws -> [String: Tensor] {
        try InputValidator.validate(inputs, against: session.inputs)
        let seconds = deadline ?? policy.defaultDeadline
        let request = Request(inputs: inputs,
                              deadline: seconds.map { DispatchTime.now().uptimeNanoseconds + UInt64(max(0, $0) * 1e9) })
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<[String: Tensor], Error>) in
                lock.lock()
                if Task.isCancelled {
                    lock.unlock()
                    c.resume(throwing: CancellationError())
                    return
                }
                guard accepting else {
                    lock.unlock()
                    c.resume(throwing: Failure.shuttingDown)
                    return
                }
                guard queue.count < policy.maxQueueSize else {
                    lock.unlock()
                    onRejected?(Failure.overloaded)
                    c.resume(throwing: Failure.overloaded)
                    return
                }
                request.continuation = c
                queue.append(request)
                if let deadline = request.deadline, deadline < deadlineWake { setDeadlineWake(deadline) }
                lock.signal()
                lock.unlock()
            }
        } onCancel: {
            self.remove(request, with: CancellationError())
        }
    }

    /// Stops accepting requests, finishes every queued one, and returns when the inference
    /// thread has finished.
    public func shutdown() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            lock.lock()
            accepting = false
            if workerDone {
                lock.unlock()
                c.resume()
                return
            }
            drainWaiters.append(c)
            lock.broadcast()
            lock.unlock()
        }
    }

    deinit { deadlineTimer.cancel() }

    /// Points the deadline timer at `uptime` nanoseconds, or nowhere for `.max` (caller holds
    /// the lock, so concurrent submits cannot reorder their settings).
    private func setDeadlineWake(_ uptime: UInt64) {
        deadlineWake = uptime
        deadlineTimer.schedule(deadline: uptime == .max ? .distantFuture : DispatchTime(uptimeNanoseconds: uptime),
                               leeway: .milliseconds(1))
    }

    /// The deadline timer fired: fails every queued request whose deadline has passed (they
    /// are never run) and sets the timer for the earliest deadline still queued.
    private func expireDue() {
        lock.lock()
        let now = DispatchTime.now().uptimeNanoseconds
        var expired: [Request] = []
        var next = UInt64.max
        queue.removeAll { request in
            guard let deadline = request.deadline else { return false }
            if deadline <= now { expired.append(request); return true }
            next = min(next, deadline)
            return false
        }
        setDeadlineWake(next)
        lock.unlock()
        for request in expired {
            onRejected?(Failure.timedOut)
            request.finish(.failure(Failure.timedOut))
        }
    }

    /// Takes `request` out of the queue and fails it, if it is still waiting.
    private func remove(_ request: Request, with error: Error) {
        lock.lock()
        guard let i = queue.firstIndex(where: { $0 === request }) else { lock.unlock(); return }
        queue.remove(at: i)
        lock.unlock()
        onRejected?(error)
        request.finish(.failure(error))
    }
}
