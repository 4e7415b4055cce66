/// Drops Identity nodes and inference-mode Dropout (when its mask is unused): readers
/// take the input directly. Nodes whose output is a graph output stay, so output names
/// are kept.
enum IdentityRemoval {
    static func run(_ graph: Graph) throws -> Graph {
        var g = graph
        let outputs = Set(g.outputs.map(\.name))
        let uses = UseMap(g)
        var removed = Set<Int>()
        for i in g.nodes.indices {
            // Read the node from `g`: an earlier removal may have renamed its input.
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
            g.renameReads(of: out, to: input)
            removed.insert(i)
        }
        g.nodes = g.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        return g
    }
}
