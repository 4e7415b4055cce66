import Foundation
import Onyx

/// `onyx run MODEL --input FILE.pb ... --output-dir DIR [--threads N]`.
struct RunCommand {
    let modelPath: String
    let inputPaths: [String]
    let outputDir: String
    let threads: Int?

    init(arguments: [String]) throws {
        let args = try Arguments(arguments, valueFlags: ["--input", "--output-dir", "--threads"], switchFlags: [])
        guard args.positional.count == 1 else { throw UsageError(description: "run takes exactly one MODEL path") }
        modelPath = args.positional[0]
        inputPaths = args.values["--input"] ?? []
        guard let dir = args.values["--output-dir"]?.last else { throw UsageError(description: "run needs --output-dir DIR") }
        outputDir = dir
        if let t = args.values["--threads"]?.last {
            guard let n = Int(t), n >= 1 else { throw UsageError(description: "--threads must be a positive integer, got '\(t)'") }
            threads = n
        } else {
            threads = nil
        }
    }

    func run() throws {
        let model = try Model(contentsOf: URL(fileURLWithPath: modelPath))
        let session = try InferenceSession(model: model, options: threads.map { .init(threads: $0) } ?? .init())
        let feeds = try matchInputs(session.inputs.map(\.name))
        let outputs = try session.runOrdered(feeds)
        do {
            try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
            for (i, (info, tensor)) in zip(session.outputs, outputs).enumerated() {
                let url = URL(fileURLWithPath: outputDir).appendingPathComponent("output_\(i).pb")
                try tensor.protoData(name: info.name).write(to: url)
            }
        } catch {
            throw OnyxError.io("cannot write outputs to '\(outputDir)': \(error.localizedDescription)")
        }
    }

    /// A file whose name field names a graph input feeds it; any other feeds the graph
    /// input at the file's position.
    private func matchInputs(_ names: [String]) throws -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        for (position, path) in inputPaths.enumerated() {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw OnyxError.io("cannot read input file '\(path)': \(error.localizedDescription)")
            }
            let decoded: (name: String, tensor: Tensor)
            do { decoded = try Tensor.fromProto(data) } catch let e as OnyxError {
                throw OnyxError.invalidInput("input file '\(path)': \(e.description)")
            }
            let target: String
            if names.contains(decoded.name) {
                target = decoded.name
            } else {
                guard position < names.count else {
                    throw OnyxError.invalidInput("input file '\(path)' is number \(position + 1) but the model has \(names.count) input\(names.count == 1 ? "" : "s") (\(names.joined(separator: ", ")))")
                }
                target = names[position]
            }
            guard feeds[target] == nil else {
                throw OnyxError.invalidInput("input '\(target)' is given twice (again by '\(path)')")
            }
            feeds[target] = decoded.tensor
        }
        return feeds
    }
}
