import Foundation
import Testing
@testable import Onyx

/// Replays every input the fuzzer ever crashed on (Tests/Fuzz/regressions) and the fuzzer's
/// seeds (Models/) through the fuzz target's own code: each must end in an error or a
/// successful load, never a crash.
@Suite struct FuzzRegressionTests {
    static func files(in folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { folder.appendingPathComponent($0) }
    }

    static var regressions: [URL] { files(in: repoRoot.appendingPathComponent("Tests/Fuzz/regressions")) }

    static var seeds: [URL] {
        let models = repoRoot.appendingPathComponent("Models")
        var out: [URL] = []
        for name in files(in: models).map(\.lastPathComponent) where name != "full" {
            let folder = models.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.onnx").path) else { continue }
            out.append(folder.appendingPathComponent("model.onnx"))
            for set in files(in: folder) where set.lastPathComponent.hasPrefix("test_data_set_") {
                out += files(in: set).filter { $0.pathExtension == "pb" }
            }
        }
        return out
    }

    @Test func regressionsFailPolitely() throws {
        let cases = Self.regressions
        #expect(!cases.isEmpty, "Tests/Fuzz/regressions should hold the fuzzer's past findings")
        for url in cases {
            let outcome = FuzzHarness.exercise(try Data(contentsOf: url))
            if case .unexpected(let what) = outcome { Issue.record("\(url.lastPathComponent): \(what)") }
        }
        print("fuzz regressions: \(cases.count) replayed, 0 crashes")
    }

    @Test func seedsLoadAndTheirPrefixesFailPolitely() throws {
        let seeds = Self.seeds
        #expect(seeds.count >= 12)
        for url in seeds {
            let data = try Data(contentsOf: url)
            // The whole file, then cuts of it: truncation is the commonest corruption.
            for cut in [data.count, data.count / 2, data.count - 1, 9] where cut > 0 && cut <= data.count {
                let outcome = FuzzHarness.exercise(data.prefix(cut))
                if case .unexpected(let what) = outcome { Issue.record("\(url.path) cut at \(cut): \(what)") }
            }
            if url.lastPathComponent == "model.onnx" {
                #expect(FuzzHarness.loadAndRun(data) == .ran, "\(url.path) should load and run")
            } else {
                #expect(FuzzHarness.readTensor(data) == .ran, "\(url.path) should decode")
            }
        }
    }
}
