import Foundation
import Onyx

/// `onyx info MODEL [--json]`: inputs, outputs, opsets, op histogram, parameters, unsupported ops.
struct InfoCommand {
    let path: String
    let json: Bool
    let optimized: Bool

    init(arguments: [String]) throws {
        let args = try Arguments(arguments, valueFlags: [], switchFlags: ["--json", "--optimized"])
        guard args.positional.count == 1 else { throw UsageError(description: "info takes exactly one MODEL path") }
        path = args.positional[0]
        json = args.switches.contains("--json")
        optimized = args.switches.contains("--optimized")
    }

    func run() throws {
        let model = try Model.inspect(contentsOf: URL(fileURLWithPath: path))
        var graph = model.graph
        if optimized {
            if !model.unsupported.isEmpty { throw OnyxError.unsupportedOperators(model.unsupported) }
            graph = try InferenceSession(model: model, options: .init(threads: 1)).graph
        }
        let summary = ModelSummary(model, graph: graph, listNodes: optimized)
        if json {
            let data = try JSONSerialization.data(withJSONObject: summary.jsonObject(path: path), options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(summary.text(path: path))
        }
    }
}

/// What `info` reports, computed once for both output formats.
struct ModelSummary {
    let model: Model
    let graph: Graph
    let listNodes: Bool
    let histogram: [(String, Int)]
    let parameterCount: Int
    let parameterBytes: Int

    init(_ model: Model, graph: Graph, listNodes: Bool) {
        self.model = model
        self.graph = graph
        self.listNodes = listNodes
        var counts: [String: Int] = [:]
        for n in graph.nodes { counts[Self.opLabel(n), default: 0] += 1 }
        histogram = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        parameterCount = graph.initializers.values.reduce(0) { $0 + $1.count }
        parameterBytes = graph.initializers.values.reduce(0) { $0 + $1.count * $1.elementType.byteSize }
    }

    /// Op type plus what the optimizer fused into it, e.g. "Conv+Add+Relu".
    static func opLabel(_ n: Node) -> String {
        var label = n.opType
        if case .int(1)? = n.attributes["onyx.residual"] { label += "+Add" }
        if case .string(let act)? = n.attributes["onyx.activation"] { label += "+" + act }
        return label
    }

    static func shape(_ v: ValueInfo) -> String {
        v.shape.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? "(unknown shape)"
    }

    static func type(_ v: ValueInfo) -> String { v.elementType?.description ?? "?" }

    func text(path: String) -> String {
        var lines = ["model: \(path)", "producer: \(model.producer.isEmpty ? "-" : model.producer)  ir_version: \(model.irVersion)"]
        lines.append("opsets: " + model.opsets.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        lines.append("inputs:")
        for v in model.graph.inputs { lines.append("  \(v.name): \(Self.type(v)) \(Self.shape(v))") }
        lines.append("outputs:")
        for v in model.graph.outputs { lines.append("  \(v.name): \(Self.type(v)) \(Self.shape(v))") }
        lines.append("nodes\(listNodes ? " (optimized)" : ""): \(graph.nodes.count)")
        for (op, n) in histogram { lines.append("  \(op): \(n)") }
        if listNodes {
            lines.append("optimized graph:")
            for n in graph.nodes {
                lines.append("  \(n.name.isEmpty ? "#\(n.index)" : n.name): \(Self.opLabel(n))(\(n.inputs.joined(separator: ", "))) -> \(n.outputs.joined(separator: ", "))")
            }
        }
        lines.append("parameters: \(parameterCount) (\(parameterBytes) bytes)")
        if model.unsupported.isEmpty {
            lines.append("unsupported ops: none")
        } else {
            lines.append("unsupported ops: \(model.unsupported.count)")
            for n in model.unsupported { lines.append("  \(n)") }
        }
        return lines.joined(separator: "\n")
    }

    func jsonObject(path: String) -> [String: Any] {
        func value(_ v: ValueInfo) -> [String: Any] {
            ["name": v.name, "type": Self.type(v),
             "shape": v.shape.map { $0.map { d -> Any in
                 switch d { case .fixed(let n): return n; case .symbolic(let s): return s; case .unknown: return NSNull() }
             } } as Any? ?? NSNull()]
        }
        return [
            "model": path,
            "producer": model.producer,
            "ir_version": model.irVersion,
            "opsets": model.opsets,
            "inputs": model.graph.inputs.map(value),
            "outputs": model.graph.outputs.map(value),
            "node_count": graph.nodes.count,
            "optimized": listNodes,
            "op_types": Dictionary(uniqueKeysWithValues: histogram.map { ($0.0, $0.1) }),
            "parameters": parameterCount,
            "parameter_bytes": parameterBytes,
            "unsupported": model.unsupported.map {
                ["op_type": $0.opType, "opset": $0.opset, "node": $0.name, "index": $0.index] as [String: Any]
            },
        ]
    }
}
