import Foundation
import Testing
@testable import Onyx

/// ONNX's own backend node tests (exported from the pinned `onnx` package by
/// `make conformance`), every name in Tests/Conformance/allowlist.txt.
@Suite struct ConformanceTests {
    static let env = ProcessInfo.processInfo.environment
    static let folder = env["ONYX_CONFORMANCE_DIR"].map { URL(fileURLWithPath: $0) }
        ?? repoRoot.appendingPathComponent("Tests/Conformance/generated")
    static let listFile = env["ONYX_CONFORMANCE_LIST"].map { URL(fileURLWithPath: $0) }
        ?? repoRoot.appendingPathComponent("Tests/Conformance/allowlist.txt")

    static let names: [String] = {
        let text = (try? String(contentsOf: listFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { String($0).components(separatedBy: "#")[0] }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }()

    @Test func allowlistIsExported() {
        #expect(Self.names.count > 100, "allowlist \(Self.listFile.path) looks empty")
        let missing = Self.names.filter {
            !FileManager.default.fileExists(atPath: Self.folder.appendingPathComponent("\($0)/model.onnx").path)
        }
        #expect(missing.isEmpty, "not exported (run `make conformance`): \(missing.prefix(5).joined(separator: ", "))")
        print("conformance: ran \(Self.names.count - missing.count) allowlisted ONNX node tests")
    }

    @Test(arguments: names, [true, false])
    func nodeTest(_ name: String, optimize: Bool) throws {
        let testCase = BackendCase(name: name, folder: Self.folder.appendingPathComponent(name))
        guard FileManager.default.fileExists(atPath: testCase.folder.path) else { return } // reported above
        let (sets, failures) = try runBackendCase(testCase, optimize: optimize)
        #expect(sets > 0)
        #expect(failures.isEmpty, "\(name) (optimize: \(optimize)): \(failures.joined(separator: "; "))")
    }
}
