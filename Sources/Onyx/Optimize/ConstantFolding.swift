/// Evaluates, once at load, every node whose inputs are all constants (initializers or
/// earlier folded values), and turns its outputs into initializers.
enum ConstantFolding {
    /// Folded tensors larger than this stay computed at run time (keeps models small in memory).
    static let maxFoldedElements = 1 << 24

    static func run(_ graph: Graph) throws -> Graph {
        var g = graph
        var kept: [Node] = []
        for node in g.nodes {
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
