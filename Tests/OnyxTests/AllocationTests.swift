import Foundation
import XCTest
@testable import Onyx

/// Steady-state runs take every tensor and scratch buffer (4 KB and up) from the buffer
/// pool: no new memory is allocated for them after the first runs. XCTest runs its cases
/// alone, before the Swift Testing suites, so no other test allocates meanwhile.
final class AllocationTests: XCTestCase {
    func testSteadyStateRunsAllocateNoNewBuffers() throws {
        for name in ["resnet_mini", "mobilenet_block", "squeezenet_fire"] {
            let folder = repoRoot.appendingPathComponent("Models/\(name)")
            for threads in [1, 2] {
                let session = try InferenceSession(contentsOf: folder.appendingPathComponent("model.onnx"),
                                                   options: .init(threads: threads))
                let input = try XCTUnwrap(BackendCase(name: name, folder: folder).dataSets().last?.inputs.first?.1)
                let feeds = [session.inputs[0].name: input]
                for _ in 0..<3 { _ = try session.run(feeds) } // warm-up: the pool fills
                let before = BufferPool.shared.counters
                for _ in 0..<5 { _ = try session.run(feeds) }
                let after = BufferPool.shared.counters
                XCTAssertGreaterThan(after.requests - before.requests, 0, "\(name): runs used no pooled buffers")
                XCTAssertEqual(after.newAllocations - before.newAllocations, 0,
                               "\(name) (\(threads) threads): steady-state runs allocated new buffers")
            }
        }
    }
}
