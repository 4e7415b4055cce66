import CAllocationCounter
import Foundation
import XCTest
@testable import Onyx

/// Import sizes every buffer from declared dims and checks them against the data actually
/// present (and against the tensor size cap) before allocating: a model that declares a huge
/// initializer but carries a few bytes fails at once, with an error naming the tensor, and
/// the heap never sees a request anywhere near the declared size. XCTest, because the heap
/// counter is process-wide and XCTest runs its cases one at a time.
final class ImportMemoryCapTests: XCTestCase {
    /// Loads `data`, returning the error, the seconds taken and the bytes requested in heap
    /// allocations of 4 KiB or more (nil when the counter is unavailable).
    func load(_ data: Data, base: URL? = nil) -> (error: OnyxError?, seconds: Double, largeBytes: Int64?) {
        let t0 = Date()
        allocation_counter_start()
        var error: OnyxError?
        do { _ = try Model(data: data, baseDirectory: base) } catch let e as OnyxError { error = e } catch {
            XCTFail("not an OnyxError: \(error)")
        }
        let counts = allocation_counter_stop()
        return (error, Date().timeIntervalSince(t0), counts.large_bytes >= 0 ? counts.large_bytes : nil)
    }

    func assertRefusedCheaply(_ b: ModelBuilder, base: URL? = nil, mentioning words: [String],
                              file: StaticString = #filePath, line: UInt = #line) {
        let (error, seconds, largeBytes) = load(b.build(), base: base)
        let text = error?.description ?? "loaded"
        XCTAssertNotNil(error, "should be refused", file: file, line: line)
        for w in words { XCTAssertTrue(text.contains(w), "'\(text)' should mention '\(w)'", file: file, line: line) }
        XCTAssertLessThan(seconds, 1.0, "refusing took \(seconds) s", file: file, line: line)
        if let largeBytes {
            XCTAssertLessThan(largeBytes, 1 << 20, "\(largeBytes) bytes requested before refusing: \(text)", file: file, line: line)
        }
    }

    func testTheCounterSeesAnInitializerThatDoesLoad() throws {
        var b = ModelBuilder.relu()
        b.initializer("w", dims: [1 << 16], floats: Array(repeating: 1, count: 1 << 16))
        let (error, _, largeBytes) = load(b.build())
        XCTAssertNil(error)
        guard let largeBytes else { throw XCTSkip("allocation counting needs glibc") }
        XCTAssertGreaterThanOrEqual(largeBytes, 1 << 18, "a 256 KiB initializer should show in the count")
    }

    func testHugeDeclaredInitializerWithTinyRawDataFailsFast() {
        // 2^40 floats: beyond the tensor cap, refused from the dims alone.
        var huge = ModelBuilder.relu()
        huge.initializer("w", dims: [1 << 40], floats: [1])
        assertRefusedCheaply(huge, mentioning: ["'w'", "too large"])
        // 2^28 floats (1 GiB, within the cap): refused because raw_data holds 4 bytes.
        var gig = ModelBuilder.relu()
        gig.initializer("w", dims: [1 << 28], floats: [1])
        assertRefusedCheaply(gig, mentioning: ["'w'", "raw_data holds 4 bytes"])
        // Dims whose product overflows Int64.
        var overflow = ModelBuilder.relu()
        overflow.initializer("w", dims: [1 << 32, 1 << 32, 1 << 32], floats: [1])
        assertRefusedCheaply(overflow, mentioning: ["'w'", "too large"])
        // A zero dim does not let the others be absurd.
        var zero = ModelBuilder.relu()
        zero.initializer("w", dims: [0, 1 << 62], floats: [])
        assertRefusedCheaply(zero, mentioning: ["'w'", "too large"])
    }

    func testHugeDeclaredExternalInitializerFailsBeforeReading() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onyx-cap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(count: 16).write(to: folder.appendingPathComponent("w.bin"))
        var b = ModelBuilder.relu()
        b.externalInitializer("w", dims: [1 << 28], location: "w.bin", length: 1 << 30)
        assertRefusedCheaply(b, base: folder, mentioning: ["'w'", "16 bytes"])
    }

    func testTensorProtoWithHugeDimsFailsFast() throws {
        var w = ProtoWriter()
        w.varintField(1, 1 << 28)
        w.varintField(1, 1 << 28)
        w.varintField(2, 1)
        w.bytesField(9, Data(count: 4))
        let t0 = Date()
        allocation_counter_start()
        XCTAssertThrowsError(try Tensor(protoData: w.data)) { error in
            XCTAssertTrue("\(error)".contains("too large"), "\(error)")
        }
        let counts = allocation_counter_stop()
        XCTAssertLessThan(Date().timeIntervalSince(t0), 1.0)
        if counts.large_bytes >= 0 { XCTAssertLessThan(counts.large_bytes, 1 << 20) }
    }

    func testTheCapCanBeLoweredFromTheEnvironment() {
        XCTAssertEqual(tensorByteLimit(environment: [:]), 1 << 32)
        XCTAssertEqual(tensorByteLimit(environment: ["ONYX_MAX_TENSOR_BYTES": "1048576"]), 1 << 20)
        XCTAssertEqual(tensorByteLimit(environment: ["ONYX_MAX_TENSOR_BYTES": "-5"]), 1 << 32)
        XCTAssertEqual(tensorByteLimit(environment: ["ONYX_MAX_TENSOR_BYTES": "lots"]), 1 << 32)
    }
}
