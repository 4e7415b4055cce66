/// Fuses `Add(Conv(x), r)` into the Conv's epilogue: the Conv gets `r` as a fourth input
/// and adds it before any activation. The kernel checks at run time that `r` has the
/// Conv output's shape and otherwise falls back to a broadcasting add.
enum ResidualAddFusion {
    static func run(_ graph: Graph) throws -> Graph {
        var g = graph
        let uses = UseMap(g)
        var producers = g.producers()
        var removed = Set<Int>()
        var fusedInto = Set<Int>()
        for (i, add) in g.nodes.enumerated() where add.opType == "Add" && add.inputs.count == 2 && add.outputs.count == 1 {
            for (side, other) in [(0, 1), (1, 0)] {
                let value = add.inputs[side]
                guard uses.hasSingleReader(value), let pi = producers[value], !fusedInto.contains(pi),
                      !removed.contains(pi) else { continue }
                var conv = g.nodes[pi]
                guard conv.opType == "Conv", conv.inputs.count >= 2, conv.inputs.count <= 3,
                      conv.attributes[FusedAttributes.activation] == nil,
                      conv.attributes[FusedAttributes.residual] == nil, conv.outputs.count == 1,
                      add.inputs[other] != value else { continue }
                while conv.inputs.count < 3 { conv.inputs.append("") }
                conv.inputs.append(add.inputs[other])
                conv.attributes[FusedAttributes.residual] = .int(1)
                conv.outputs = add.outputs
                g.nodes[pi] = conv
                for out in add.outputs where !out.isEmpty { producers[out] = pi }
                fusedInto.insert(pi)
                removed.insert(i)
                break
            }
        }
        g.nodes = g.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        // The residual may be computed after the Conv in the old order: sort again.
        return try GraphValidator.sorted(g)
    }
}
