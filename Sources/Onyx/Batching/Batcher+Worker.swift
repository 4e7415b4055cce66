import Dispatch
import Foundation

extension Batcher {
    /// The inference thread: wait for work, gather a batch, run it, hand out the rows.
    func workerLoop() {
        while let batch = nextBatch() {
            run(batch)
        }
        lock.lock()
        workerDone = true
        let waiters = drainWaiters
        drainWaiters = []
        lock.unlock()
        for w in waiters { w.resume() }
    }

    /// Blocks until a batch is ready; nil once shut down with an empty queue.
    private func nextBatch() -> [Request]? {
        lock.lock()
        defer { lock.unlock() }
        while queue.isEmpty {
            if !accepting { return nil }
            lock.wait()
        }
        // Give the batch up to maxQueueDelay (from the oldest request's arrival) to fill.
        let first = queue[0]
        let fillBy = first.enqueued + UInt64(policy.maxQueueDelay * 1e9)
        while accepting && compatibleRows(with: first) < policy.maxBatchSize && canStack && first.rows != nil {
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= fillBy { break }
            _ = lock.wait(until: Date(timeIntervalSinceNow: Double(fillBy - now) / 1e9))
            if queue.first !== first { break } // taken by a timeout or cancellation
        }
        guard let head = queue.first else { return [] }
        var batch = [head]
        var taken: Set<ObjectIdentifier> = [ObjectIdentifier(head)]
        if canStack, var rows = head.rows {
            for r in queue.dropFirst() where r.signature == head.signature {
                guard let n = r.rows, rows + n <= policy.maxBatchSize else { continue }
                batch.append(r)
                taken.insert(ObjectIdentifier(r))
                rows += n
            }
        }
        queue.removeAll { taken.contains(ObjectIdentifier($0)) }
        return batch
    }

    /// Rows already queued that could join `first`'s batch (caller holds the lock).
    private func compatibleRows(with first: Request) -> Int {
        queue.reduce(0) { $0 + ($1.signature == first.signature ? ($1.rows ?? 0) : 0) }
    }

    /// Runs one batch and answers its requests. The batch is reported before any caller is
    /// resumed, so a caller that has its result also sees the batch in the metrics.
    private func run(_ batch: [Request]) {
        guard !batch.isEmpty else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        let queueSeconds = batch.map { Double(start - $0.enqueued) / 1e9 }
        let rows = batch.reduce(0) { $0 + ($1.rows ?? 1) }
        let parts = sideBySideParts(batch, rows: rows)
        let results: [Result<[String: Tensor], Error>]
        let partsStacked = parts.count == 1 || !partsRunAlone()
        if parts.count == 1 {
            results = self.results(for: batch)
        } else {
            var partResults = [[Result<[String: Tensor], Error>]](repeating: [], count: parts.count)
            partResults.withUnsafeMutableBufferPointer { buffer in
                let out = UncheckedSendable(buffer)
                // Whole runs side by side on libdispatch, not on the compute pool: a part lasts
                // milliseconds (a worker's wake-up does not matter), and holding the pool for
                // the batch would leave every other session's kernels to run on one thread.
                DispatchQueue.concurrentPerform(iterations: parts.count) { i in
                    out.value[i] = Parallel.withThreadCap(1) {
                        partsStacked ? self.results(for: parts[i]) : self.eachAlone(parts[i])
                    }
                }
            }
            results = partResults.flatMap { $0 }
        }
        let failed = results.contains { if case .failure = $0 { return true } else { return false } }
        let compute = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let perRow = compute / Double(max(rows, 1))
        Self.average(&secondsPerRow, perRow)
        if parts.count > 1 && !failed {
            if partsStacked { Self.average(&stackedPartSecondsPerRow, perRow) } else { Self.average(&alonePartSecondsPerRow, perRow) }
        }
        onBatch?(BatchReport(rows: rows, requests: batch.count, queueSeconds: queueSeconds, computeSeconds: compute,
                             failed: failed, parts: parts.count, partsStacked: partsStacked))
        for (request, result) in zip(batch, results) { request.finish(result) }
    }

    /// The batch cut into parts to run side by side, one thread each (contiguous, about equal
    /// rows): when the policy allows it, the session has several threads, there are several
    /// requests, and recent runs say the batch costs 2 ms or more (below that the hand-off
    /// costs more than the threads save). Otherwise the whole batch as one part.
    private func sideBySideParts(_ batch: [Request], rows: Int) -> [[Request]] {
        let threads = session.options.threads
        guard policy.runPartsSideBySide, threads > 1, batch.count > 1, canStack,
              let perRow = secondsPerRow, perRow * Double(rows) >= 0.002 else { return [batch] }
        let count = min(threads, batch.count)
        var parts: [[Request]] = [], current: [Request] = [], taken = 0
        for request in batch {
            current.append(request)
            taken += request.rows ?? 1
            if parts.count < count - 1 && taken * count >= rows * (parts.count + 1) {
                parts.append(current)
                current = []
            }
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }

    /// Folds `sample` into a moving average (the sample itself when there is none yet).
    private static func average(_ value: inout Double?, _ sample: Double) {
        value = value.map { 0.8 * $0 + 0.2 * sample } ?? sample
    }

    /// Whether this side-by-side batch runs each part's requests one at a time instead of
    /// stacked. A CNN's image often costs less alone (its activations stay in cache) while an
    /// MLP's rows cost far less stacked, so the batcher times both: each way is tried once,
    /// then the cheaper per row (recent average) is taken, and every eighth batch the other,
    /// so that its figure follows the load.
    private func partsRunAlone() -> Bool {
        sideBySideBatches += 1
        guard let stacked = stackedPartSecondsPerRow else { return false }
        guard let alone = alonePartSecondsPerRow else { return true }
        let cheaper = alone < stacked
        return sideBySideBatches % 8 == 0 ? !cheaper : cheaper
    }

    /// Each request's outputs: one run of the stacked inputs split back into rows, or one run
    /// per request when there is one request or the outputs do not follow the batch rows.
    private func results(for batch: [Request]) -> [Result<[String: Tensor], Error>] {
        if batch.count == 1 { return eachAlone(batch) }
        let rows = batch.map { $0.rows ?? 0 }
        do {
            let outputs = try session.run(BatchStacking.stack(batch.map(\.inputs)))
            if let parts = try BatchStacking.split(outputs, rows: rows) {
                return parts.map { .success($0) }
            }
            // Outputs do not follow the batch rows: answer each request on its own.
            return eachAlone(batch)
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }

    /// One run per request, in order.
    private func eachAlone(_ batch: [Request]) -> [Result<[String: Tensor], Error>] {
        batch.map { r in Result { try session.run(r.inputs) } }
    }
}
