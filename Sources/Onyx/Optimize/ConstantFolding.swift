/// The start..<end range a Shape node (opset 15+) takes of a rank-`rank` shape.
private func slice(of node: Node, rank: Int) -> Range<Int> {
    func attr(_ name: String, _ fallback: Int) -> Int {
        if case .int(let v)? = node.attributes[name] { return Int(v) }
        return fallback
    }
    func clamp(_ v: Int) -> Int { v < 0 ? max(0, v + rank) : min(v, rank) }
    let lo = clamp(attr("start", 0)), hi = max(clamp(attr("end", rank)), lo)
    return lo..<hi
}

/// Evaluates, once at load, every node whose inputs are all constants (initializers or
/// earlier folded values), and turns its outputs into initializers.
enum ConstantFolding {
    /// Folded tensors larger than this stay computed at run time (keeps models small in memory).
    static let maxFoldedElements = 1 << 24

    static func run(_ graph: Graph) throws -> Graph {
        var g = graph
        var kept: [Node] = []
        // Shapes known before running: fully fixed graph inputs.
        var staticShapes: [String: [Int]] = [:]
        for input in g.inputs {
            guard let dims = input.shape else { continue }
            let fixed = dims.compactMap { d -> Int? in if case .fixed(let n) = d { return n } else { return nil } }
            if fixed.count == dims.count { staticShapes[input.name] = fixed }
        }
        for node in g.nodes {
            // Shape of a statically shaped value folds even though the value itself is not constant.
            if node.opType == "Shape", node.outputs.count == 1, let out = node.outputs.first, !out.isEmpty,
               let src = node.inputs.first, let shape = staticShapes[src] ?? g.initializers[src]?.shape {
                let dims = shape.map(Int64.init)
                g.initializers[out] = Tensor.int64Vector(Array(dims[slice(of: node, rank: shape.count)]))
                continue
            }
            let inputsConstant = node.inputs.allSatisfy { $0.isEmpty || g.initializers[$0] != nil }
            guard inputsConstant, let factory = OpRegistry.factories[node.opType] else { kept.append(node); continue }
            let ctx = OpContext(node: node, opset: g.opset, constants: g.initializers)
            // A node that fails here keeps its run-time error: leave it in place.
            guard let kernel = try? factory(ctx),
                  let results = try? kernel.run(node.inputs.map { $0.isEmpty ? nil : g.initializers[$0] }),
                  results.allSatisfy({ ($0?.count ?? 0) <= maxFoldedElements }) else {
                kept.append(node)
                continue
            }
            for (name, value) in zip(node.outputs, results) where !name.isEmpty {
                if let value { g.initializers[name] = value }
            }
        }
        g.nodes = kept
        return g
    }
}
