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
}

final class LockedArray: @unchecked Sendable {
    private var items: [[Float]?]
    private let lock = NSLock()
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: [Float]?) { lock.lock(); items[i] = v; lock.unlock() }
    func get(_ i: Int) -> [Float]? { lock.lock(); defer { lock.unlock() }; return items[i] }
}
