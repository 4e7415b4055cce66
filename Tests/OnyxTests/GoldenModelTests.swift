import Foundation
import Testing
@testable import Onyx

/// The committed models in Models/, each against onnxruntime's golden outputs.
@Suite struct GoldenModelTests {
    static let cases = BackendCase.all(in: repoRoot.appendingPathComponent("Models"))

    @Test func modelsArePresent() {
        #expect(Self.cases.count >= 5, "expected the committed golden models in Models/")
    }

    @Test(arguments: cases)
    func matchesOnnxruntime(_ testCase: BackendCase) throws {
        let (sets, failures) = try runBackendCase(testCase)
        #expect(sets >= 2, "\(testCase.name) should have batch-1 and batch>1 data sets")
        #expect(failures.isEmpty, "\(testCase.name): \(failures.joined(separator: "; "))")
        print("golden: \(testCase.name) \(sets) data sets checked")
    }

    @Test(arguments: cases)
    func agreesAcrossThreadCounts(_ testCase: BackendCase) throws {
        let (_, failures) = try runBackendCase(testCase, threads: 2)
        #expect(failures.isEmpty, "\(testCase.name) with 2 threads: \(failures.joined(separator: "; "))")
    }

    @Test(arguments: cases)
    func matchesWithOptimizationsOff(_ testCase: BackendCase) throws {
        let (_, failures) = try runBackendCase(testCase, optimize: false)
        #expect(failures.isEmpty, "\(testCase.name) unoptimized: \(failures.joined(separator: "; "))")
    }
}
