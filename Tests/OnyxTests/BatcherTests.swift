import Foundation
import Testing
@testable import Onyx

/// The library batcher: per-caller results, coalescing, overload, deadlines, cancellation,
/// shutdown, and unstackable requests run apart.
@Suite(.timeLimit(.minutes(1))) struct BatcherTests {
    static func mlpSession() throws -> InferenceSession {
        try InferenceSession(contentsOf: repoRoot.appendingPathComponent("Models/mlp_fraud/model.onnx"),
                             options: .init(threads: 1))
    }

    static func row(_ seed: Int) -> Tensor {
        try! Tensor(shape: [1, 30], floats: (0..<30).map { Float(sin(Double(seed * 31 + $0))) })
    }

    /// Counts runs and rows through the batcher's hook.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var runs = 0, rows = 0, requests = 0, rejected = 0
        func batch(_ r: Batcher.BatchReport) { lock.lock(); runs += 1; rows += r.rows; requests += r.requests; lock.unlock() }
        func reject() { lock.lock(); rejected += 1; lock.unlock() }
        var snapshot: (runs: Int, rows: Int, requests: Int, rejected: Int) {
            lock.lock(); defer { lock.unlock() }
            return (runs, rows, requests, rejected)
        }
    }

    @Test func concurrentCallersGetTheirOwnRowsInFewerRuns() async throws {
        let session = try Self.mlpSession()
        let counter = Counter()
        let batcher = Batcher(session: session, policy: .init(maxBatchSize: 16, maxQueueDelay: 0.02),
                              onBatch: { counter.batch($0) })
        let n = 48
        let expected = try (0..<n).map { try session.run(["input": Self.row($0)])["output"]!.floats }
        let results = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for i in 0..<n {
                group.addTask { (i, try await batcher.submit(["input": Self.row(i)])["output"]!.floats) }
            }
            var out = [[Float]](repeating: [], count: n)
            for try await (i, y) in group { out[i] = y }
            return out
        }
        for i in 0..<n { #expect(mismatch(try Tensor(shape: [1, 2], floats: results[i]), try Tensor(shape: [1, 2], floats: expected[i])) == nil, "caller \(i)") }
        let c = counter.snapshot
        #expect(c.requests == n && c.rows == n)
        #expect(c.runs < n, "requests were coalesced: \(c.runs) runs for \(n) requests")
        await batcher.shutdown()
    }

    @Test func batchesRunAsPartsSideBySideGiveEachCallerItsOwnRows() async throws {
        // resnet_mini costs ~0.5 ms a row: a batch of 16 is well past the 2 ms at which a
        // 2-thread session's batcher runs parts side by side, one thread each.
        let session = try InferenceSession(contentsOf: repoRoot.appendingPathComponent("Models/resnet_mini/model.onnx"),
                                           options: .init(threads: 2))
        let reports = ReportLog()
        let batcher = Batcher(session: session, policy: .init(maxBatchSize: 16, maxQueueDelay: 0.05),
                              onBatch: { reports.add($0) })
        func image(_ seed: Int) -> Tensor {
            try! Tensor(shape: [1, 3, 32, 32], floats: (0..<3072).map { Float(sin(Double(seed * 7919 + $0))) })
        }
        let n = 16
        let expected = try (0..<(4 * n)).map { try session.run(["input": image($0)]).values.first! }
        // The first batch measures the cost; later ones are split, the second wave's parts
        // stacked and the third's one request at a time (each way tried once), then the cheaper.
        for wave in 0..<4 {
            let results = try await withThrowingTaskGroup(of: (Int, Tensor).self) { group in
                for i in (wave * n)..<((wave + 1) * n) {
                    group.addTask { (i, try await batcher.submit(["input": image(i)]).values.first!) }
                }
                var out: [Int: Tensor] = [:]
                for try await (i, y) in group { out[i] = y }
                return out
            }
            for (i, y) in results { #expect(mismatch(y, expected[i]) == nil, "caller \(i): \(mismatch(y, expected[i]) ?? "")") }
        }
        await batcher.shutdown()
        let log = reports.all
        #expect(log.contains { $0.parts > 1 }, "some batch ran as parts side by side: \(log.map { ($0.rows, $0.parts) })")
        #expect(log.allSatisfy { $0.parts <= 2 && ($0.parts == 1 || $0.requests > 1) })
        #expect(log.contains { $0.parts > 1 && $0.partsStacked } && log.contains { $0.parts > 1 && !$0.partsStacked },
                "parts ran both stacked and one request at a time: \(log.map { ($0.rows, $0.parts, $0.partsStacked) })")
    }

    final class ReportLog: @unchecked Sendable {
        private let lock = NSLock()
        private var reports: [Batcher.BatchReport] = []
        func add(_ r: Batcher.BatchReport) { lock.lock(); reports.append(r); lock.unlock() }
        var all: [Batcher.BatchReport] { lock.lock(); defer { lock.unlock() }; return reports }
    }

    @Test func fullQueueFailsAtOnce() async throws {
        let batcher = Batcher(session: try Self.mlpSession(),
                              policy: .init(maxBatchSize: 64, maxQueueDelay: 30, maxQueueSize: 3))
        // Three requests wait for the batch to fill (up to 30 s); the fourth finds the queue
        // full. Shutdown then runs the three at once.
        let waiting = (0..<3).map { i in Task { try await batcher.submit(["input": Self.row(i)]) } }
        while batcher.queueDepth < 3 { try await Task.sleep(nanoseconds: 1_000_000) }
        await #expect(throws: Batcher.Failure.overloaded) { try await batcher.submit(["input": Self.row(9)]) }
        await batcher.shutdown()
        for t in waiting { #expect(try await t.value["output"]?.shape == [1, 2]) }
    }

    @Test func deadlinePassingInTheQueueTimesOutWithoutRunning() async throws {
        let counter = Counter()
        let batcher = Batcher(session: try Self.mlpSession(), policy: .init(maxBatchSize: 64, maxQueueDelay: 30),
                              onBatch: { counter.batch($0) })
        await #expect(throws: Batcher.Failure.timedOut) {
            try await batcher.submit(["input": Self.row(1)], deadline: 0.02)
        }
        await batcher.shutdown()
        #expect(counter.snapshot.runs == 0, "the expired request must never run")
    }

    @Test func answeredRequestIsReleasedBeforeItsDeadline() async throws {
        // A served request's inputs must not outlive its answer: under load, anything kept
        // until the deadline holds rate x timeout requests in memory.
        let batcher = Batcher(session: try Self.mlpSession(), policy: .init(maxBatchSize: 1))
        weak var storage: TensorStorage?
        do {
            let input = Self.row(3)
            storage = input.storage
            _ = try await batcher.submit(["input": input], deadline: 60)
        }
        #expect(storage == nil, "the batcher still holds the answered request's inputs")
        await batcher.shutdown()
    }

    @Test func earlierDeadlineSubmittedLaterStillExpiresOnTime() async throws {
        let batcher = Batcher(session: try Self.mlpSession(), policy: .init(maxBatchSize: 64, maxQueueDelay: 30))
        let late = Task { try await batcher.submit(["input": Self.row(4)], deadline: 20) }
        while batcher.queueDepth < 1 { try await Task.sleep(nanoseconds: 1_000_000) }
        let start = Date()
        await #expect(throws: Batcher.Failure.timedOut) {
            try await batcher.submit(["input": Self.row(5)], deadline: 0.05)
        }
        #expect(Date().timeIntervalSince(start) < 10, "expired at its own deadline, not the earlier-queued one's")
        await batcher.shutdown()
        #expect(try await late.value["output"]?.shape == [1, 2], "shutdown runs the request still in time")
    }

    @Test func cancelledCallerLeavesTheQueue() async throws {
        let counter = Counter()
        let batcher = Batcher(session: try Self.mlpSession(), policy: .init(maxBatchSize: 64, maxQueueDelay: 30),
                              onBatch: { counter.batch($0) })
        let task = Task { try await batcher.submit(["input": Self.row(2)]) }
        while batcher.queueDepth < 1 { try await Task.sleep(nanoseconds: 1_000_000) }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(batcher.queueDepth == 0)
        await batcher.shutdown()
        #expect(counter.snapshot.runs == 0, "the cancelled request must never run")
    }

    @Test func shutdownFinishesQueuedWorkAndRefusesNew() async throws {
        // A long queue delay keeps all six waiting; shutdown must run them rather than wait.
        let batcher = Batcher(session: try Self.mlpSession(), policy: .init(maxBatchSize: 16, maxQueueDelay: 5))
        let queued = (0..<6).map { i in Task { try await batcher.submit(["input": Self.row(i)]) } }
        while batcher.queueDepth < 6 { try await Task.sleep(nanoseconds: 1_000_000) }
        await batcher.shutdown()
        for t in queued { #expect(try await t.value["output"]?.shape == [1, 2]) }
        await #expect(throws: Batcher.Failure.shuttingDown) { try await batcher.submit(["input": Self.row(0)]) }
    }

    @Test func unstackableShapesRunApart() async throws {
        // y = Relu(x) with x [N, M]: rows of different widths cannot share a run.
        var b = ModelBuilder()
        b.input("x", [nil, nil]); b.output("y", [nil, nil])
        b.nodes = [.init(op: "Relu", inputs: ["x"], outputs: ["y"])]
        let counter = Counter()
        let batcher = Batcher(session: try InferenceSession(model: Model(data: b.build()), options: .init(threads: 1)),
                              policy: .init(maxBatchSize: 8, maxQueueDelay: 0.05),
                              onBatch: { counter.batch($0) })
        async let a = batcher.submit(["x": try Tensor(shape: [1, 3], floats: [-1, 2, -3])])
        async let c = batcher.submit(["x": try Tensor(shape: [2, 2], floats: [4, -5, 6, -7])])
        let (ya, yc) = try await (a, c)
        #expect(ya["y"]?.floats == [0, 2, 0])
        #expect(yc["y"]?.floats == [4, 0, 6, 0] && yc["y"]?.shape == [2, 2])
        #expect(counter.snapshot.runs == 2)
        await batcher.shutdown()
    }

    @Test func invalidInputsFailBeforeQueueing() async throws {
        let batcher = Batcher(session: try Self.mlpSession())
        await #expect(throws: OnyxError.self) { try await batcher.submit(["input": try Tensor(shape: [1, 29], floats: Array(repeating: 0, count: 29))]) }
        #expect(batcher.queueDepth == 0)
        await batcher.shutdown()
    }
}
