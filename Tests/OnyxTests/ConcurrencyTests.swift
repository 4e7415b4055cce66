import Dispatch
import Foundation
import Testing
@testable import Onyx

/// `run` is safe to call from several threads at once and gives each caller its own answer.
@Suite struct ConcurrencyTests {
    @Test func concurrentRunsMatchSequentialRuns() throws {
        let session = try InferenceSession(
            contentsOf: repoRoot.appendingPathComponent("Models/resnet_mini/model.onnx"), options: .init(threads: 2))
        let inputs = (0..<8).map { seed in
            try! Tensor(shape: [1, 3, 32, 32], floats: (0..<3072).map { Float(sin(Double($0 * (seed + 1)))) })
        }
        let expected = try inputs.map { try session.runOrdered(["input": $0])[0].floats }
        let results = LockedArray(count: inputs.count * 4)
        DispatchQueue.concurrentPerform(iterations: inputs.count * 4) { i in
            results.set(i, try? session.runOrdered(["input": inputs[i % inputs.count]])[0].floats)
        }
        for i in 0..<(inputs.count * 4) {
            #expect(results.get(i) == expected[i % inputs.count], "run \(i) differs from the sequential result")
        }
    }

    /// The compute pool runs every part of every job exactly once: jobs posted from four
    /// threads at once (all but one find the pool busy and run their parts inline), each part
    /// posting a job of its own from inside the pool, and part counts that change from job to
    /// job (a job with more parts than the last one is where a stale claim could slip in).
    @Test func computePoolRunsEveryPartExactlyOnce() {
        let posters = 4, jobs = 300, maxParts = 5
        let slots = UnsafeMutableBufferPointer<Int32>.allocate(capacity: posters * jobs * maxParts * maxParts)
        slots.initialize(repeating: 0)
        defer { slots.deallocate() }
        let shared = UncheckedSendable(slots)
        @Sendable func parts(_ job: Int) -> Int { 2 + job % (maxParts - 1) }
        DispatchQueue.concurrentPerform(iterations: posters) { poster in
            for job in 0..<jobs {
                Parallel.run(parts: parts(job)) { part in
                    Parallel.run(parts: parts(job)) { inner in
                        shared.value[((poster * jobs + job) * maxParts + part) * maxParts + inner] += 1
                    }
                }
            }
        }
        let expected = (0..<slots.count).map { slot -> Int32 in
            let inner = slot % maxParts, part = (slot / maxParts) % maxParts, job = (slot / (maxParts * maxParts)) % jobs
            return part < parts(job) && inner < parts(job) ? 1 : 0
        }
        let wrong = slots.indices.filter { slots[$0] != expected[$0] }
        #expect(wrong.isEmpty, "\(wrong.count) parts ran other than once, e.g. slot \(wrong.first ?? 0) ran \(wrong.first.map { slots[$0] } ?? 0) times")
    }
}

final class LockedArray: @unchecked Sendable {
    private var items: [[Float]?]
    private let lock = NSLock()
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: [Float]?) { lock.lock(); items[i] = v; lock.unlock() }
    func get(_ i: Int) -> [Float]? { lock.lock(); defer { lock.unlock() }; return items[i] }
}
