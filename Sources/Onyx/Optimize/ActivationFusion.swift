/// Fuses Relu, LeakyRelu and Clip (constant bounds) into the Conv or Gemm producing their
/// input, recorded as the `onyx.activation` attributes the kernels read.
enum ActivationFusion {
    static let fusibleProducers: Set<String> = ["Conv", "Gemm"]

    static func run(_ graph: Graph) throws -> Graph {
        var g = graph
        let uses = UseMap(g)
        var producers = g.producers()
        var removed = Set<Int>()
        for (i, act) in g.nodes.enumerated() {
            guard let spec = activation(of: act, in: g), let input = act.inputs.first, uses.hasSingleReader(input),
                  let pi = producers[input], !removed.contains(pi) else { continue }
            var producer = g.nodes[pi]
            guard fusibleProducers.contains(producer.opType), producer.attributes[FusedAttributes.activation] == nil,
                  producer.outputs.count == 1 else { continue }
            producer.attributes[FusedAttributes.activation] = .string(spec.name)
            producer.attributes[FusedAttributes.alpha] = .float(spec.alpha)
            producer.attributes[FusedAttributes.beta] = .float(spec.beta)
            producer.outputs = act.outputs
            g.nodes[pi] = producer
            for out in act.outputs where !out.isEmpty { producers[out] = pi }
            removed.insert(i)
        }
        g.nodes = g.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        return g
    }

    /// The activation a node computes, when its parameters are known at load.
    static func activation(of node: Node, in g: Graph) -> (name: String, alpha: Float, beta: Float)? {
        guard node.outputs.count == 1 else { return nil }
        switch node.opType {
        case "Relu": return ("Relu", 0, 0)
        case "LeakyRelu":
            return ("LeakyRelu", floatAttribute(node, "alpha") ?? 0.01, 0)
        case "Clip":
            var lo = -Float.infinity, hi = Float.infinity
            if g.opset < 11 {
                lo = floatAttribute(node, "min") ?? lo
                hi = floatAttribute(node, "max") ?? hi
            } else {
                for (i, name) in node.inputs.enumerated().dropFirst() where !name.isEmpty {
                    guard let t = g.initializers[name], t.elementType == .float32, t.count == 1 else { return nil }
                    if i == 1 { lo = t.floatValue(at: 0) } else { hi = t.floatValue(at: 0) }
                }
            }
            return ("Clip", lo > hi ? hi : lo, hi)
        default: return nil
        }
    }
}

/// Attribute names the fusion passes add (never present in ONNX files).
enum FusedAttributes {
    static let activation = "onyx.activation"
    static let alpha = "onyx.activation_alpha"
    static let beta = "onyx.activation_beta"
    /// Set on a Conv whose fourth input is a residual added before the activation.
    static let residual = "onyx.residual"
    /// Per-output-channel factors a Conv applies to its product before the bias: a
    /// BatchNormalization folded without copying large weights (see `BatchNormFolding`).
    static let scale = "onyx.scale"
}
