/// Drops Identity nodes and inference-mode Dropout (when its mask is unused): readers
/// take the input directly. Nodes whose output is a graph output stay, so output names
/// are kept.
enum IdentityRemoval {
    static func run(_ graph: Graph) throws -> Graph {
        var g = graph
        let outputs = Set(g.outputs.map(\.name))
        let uses = UseMap(g)
        var removed = Set<Int>()
        // Each removed node maps its output to its input; chains resolve through the map,
        // and all reads are rewritten once at the end (linear in the graph size).
        var replacement: [String: String] = [:]
        func resolve(_ name: String) -> String {
            var n = name
            while let next = replacement[n] { n = next }
            return n
        }
        for i in g.nodes.indices {
            let node = g.nodes[i]
            guard node.opType == "Identity" || node.opType == "Dropout",
                  let input = node.inputs.first, !input.isEmpty, let out = node.outputs.first, !out.isEmpty,
                  !outputs.contains(out) else { continue }
            if node.opType == "Dropout" {
                // A mask that something reads or the graph returns, or a training_mode input, keeps the node.
                if node.outputs.count > 1 && !node.outputs[1].isEmpty
                    && (!uses.readers(of: node.outputs[1]).isEmpty || outputs.contains(node.outputs[1])) { continue }
                if node.inputs.count > 2 && !node.inputs[2].isEmpty { continue }
            }
            replacement[out] = input
            removed.insert(i)
        }
        g.nodes = g.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        if !replacement.isEmpty {
            for i in g.nodes.indices { g.nodes[i].inputs = g.nodes[i].inputs.map { $0.isEmpty ? $0 : resolve($0) } }
        }
        return g
    }
}
