import Foundation
@testable import Onyx

/// The repository root, found from this file's path.
let repoRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A folder in the ONNX backend-test layout: model.onnx + test_data_set_K/{input,output}_i.pb.
struct BackendCase: CustomStringConvertible, Sendable {
    let name: String
    let folder: URL

    var description: String { name }

    struct DataSet {
        let name: String
        let inputs: [(String, Tensor)]
        let outputs: [(String, Tensor)]
    }

    /// Every backend-layout case directly inside `root` (sorted by name).
    static func all(in root: URL) -> [BackendCase] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.sorted().compactMap { name in
            let folder = root.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.onnx").path) else { return nil }
            return BackendCase(name: name, folder: folder)
        }
    }

    func dataSets() throws -> [DataSet] {
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("test_data_set_") }.sorted()
        return try entries.map { set in
            let dir = folder.appendingPathComponent(set)
            func load(_ prefix: String) throws -> [(String, Tensor)] {
                var result: [(String, Tensor)] = []
                var i = 0
                while true {
                    let url = dir.appendingPathComponent("\(prefix)_\(i).pb")
                    guard FileManager.default.fileExists(atPath: url.path) else { break }
                    let decoded = try Tensor.fromProto(Data(contentsOf: url))
                    result.append((decoded.name, decoded.tensor))
                    i += 1
                }
                return result
            }
            return DataSet(name: set, inputs: try load("input"), outputs: try load("output"))
        }
    }

    /// Feeds by name when the file names a graph input, else by position.
    static func feeds(_ inputs: [(String, Tensor)], for session: InferenceSession) -> [String: Tensor] {
        let names = session.inputs.map(\.name)
        var feeds: [String: Tensor] = [:]
        for (i, (name, tensor)) in inputs.enumerated() {
            feeds[names.contains(name) ? name : names[min(i, names.count - 1)]] = tensor
        }
        return feeds
    }
}

/// Compares `got` with `want` elementwise: |got - want| <= atol + rtol * |want|, same
/// shape and type; NaN matches NaN. Returns a description of the first mismatch.
func mismatch(_ got: Tensor, _ want: Tensor, atol: Float = 1e-4, rtol: Float = 1e-3) -> String? {
    if got.shape != want.shape { return "shape \(got.shape) != expected \(want.shape)" }
    if got.elementType != want.elementType { return "type \(got.elementType) != expected \(want.elementType)" }
    switch want.elementType {
    case .float32, .float64:
        let g = got.floats, w = want.floats
        var worst = 0, worstExcess: Float = 0
        for i in 0..<w.count {
            if w[i].isNaN && g[i].isNaN { continue }
            if w[i].isInfinite && g[i] == w[i] { continue }
            let excess = abs(g[i] - w[i]) - (atol + rtol * abs(w[i]))
            if !(excess <= 0) && (excess > worstExcess || excess.isNaN || worstExcess == 0) { worst = i; worstExcess = excess.isNaN ? .infinity : excess }
        }
        if worstExcess > 0 { return "element \(worst): got \(g[worst]), expected \(w[worst]) (max allowed diff \(atol + rtol * abs(w[worst])))" }
    default:
        let g = got.int64s, w = want.int64s
        if let i = (0..<w.count).first(where: { g[$0] != w[$0] }) { return "element \(i): got \(g[i]), expected \(w[i])" }
    }
    return nil
}

/// Runs every data set of `testCase`; returns (data sets run, failure descriptions).
func runBackendCase(_ testCase: BackendCase, threads: Int = 1, optimize: Bool = true) throws -> (Int, [String]) {
    let session = try InferenceSession(contentsOf: testCase.folder.appendingPathComponent("model.onnx"),
                                       options: .init(threads: threads, optimize: optimize))
    var failures: [String] = []
    let sets = try testCase.dataSets()
    for set in sets {
        let outputs = try session.runOrdered(BackendCase.feeds(set.inputs, for: session))
        for (i, (_, want)) in set.outputs.enumerated() {
            guard i < outputs.count else { failures.append("\(set.name): missing output \(i)"); continue }
            if let m = mismatch(outputs[i], want) { failures.append("\(set.name) output \(i): \(m)") }
        }
    }
    return (sets.count, failures)
}
