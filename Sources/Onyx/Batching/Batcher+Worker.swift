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
        var results: [Result<[String: Tensor], Error>]
        if batch.count == 1 {
            results = [Result { try session.run(batch[0].inputs) }]
        } else {
            let rows = batch.map { $0.rows ?? 0 }
            do {
                let outputs = try session.run(BatchStacking.stack(batch.map(\.inputs)))
                if let parts = try BatchStacking.split(outputs, rows: rows) {
                    results = parts.map { .success($0) }
                } else {
                    // Outputs do not follow the batch rows: answer each request on its own.
                    results = batch.map { r in Result { try session.run(r.inputs) } }
                }
            } catch {
                results = batch.map { _ in .failure(error) }
            }
        }
        let failed = results.contains { if case .failure = $0 { return true } else { return false } }
        let compute = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        onBatch?(BatchReport(rows: batch.reduce(0) { $0 + ($1.rows ?? 1) }, requests: batch.count,
                             queueSeconds: queueSeconds, computeSeconds: compute, failed: failed))
        for (request, result) in zip(batch, results) { request.finish(result) }
    }
}
