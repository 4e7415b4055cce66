import CAllocationCounter
import Foundation
import XCTest
@testable import Onyx

/// Memory planning: after the first run with given input shapes, every tensor and scratch
/// buffer of a run lives in the session's planned arena. Heap allocations are counted by
/// interposing malloc in the test executable; XCTest runs its cases alone (the Swift Testing
/// suites run in another process), so nothing else allocates meanwhile.
final class AllocationTests: XCTestCase {
    func testSteadyStateRunsMakeNoBufferAllocations() throws {
        for name in ["resnet_mini", "mobilenet_block", "squeezenet_fire", "lenet5"] {
            let folder = repoRoot.appendingPathComponent("Models/\(name)")
            for threads in [1, 2] {
                let session = try InferenceSession(contentsOf: folder.appendingPathComponent("model.onnx"),
                                                   options: .init(threads: threads))
                let input = try XCTUnwrap(BackendCase(name: name, folder: folder).dataSets().last?.inputs.first?.1)
                let feeds = [session.inputs[0].name: input]
                let expected = try session.run(feeds)              // recorded: makes the plan
                for _ in 0..<2 { _ = try session.run(feeds) }      // replayed
                let runs = 5
                allocation_counter_start()
                for _ in 0..<runs { _ = try session.run(feeds) }
                let counts = allocation_counter_stop()
                if counts.small_count < 0 { throw XCTSkip("allocation counting needs glibc") }
                XCTAssertGreaterThan(counts.small_count, 0, "the counter saw no allocation at all: is malloc interposed?")
                // Outputs are handed to the caller, so they are the only buffers a run may
                // allocate; this model's outputs are below 4 KiB.
                XCTAssertEqual(counts.large_count, 0,
                               "\(name) (\(threads) threads): \(counts.large_count) allocations of 4 KiB or more (\(counts.large_bytes) bytes) in \(runs) steady-state runs")
                let plan = try XCTUnwrap(session.memory.plan(for: feeds))
                print("allocations: \(name) t\(threads): \(counts.large_count) of 4 KiB+, \(counts.small_count / Int64(runs)) small ones per run (Swift objects and arrays); arena \(plan.arenaBytes) bytes for \(plan.blocks.count) buffers, \(plan.unplannedPeakBytes) bytes live at the recorded peak")
                // Replayed runs compute the same numbers as the recorded one.
                let again = try session.run(feeds)
                for (key, value) in expected { XCTAssertEqual(again[key]?.floats, value.floats, "\(name): \(key)") }
            }
        }
    }
}
