/// Removes nodes none of whose outputs reach a graph output.
enum DeadNodeRemoval {
    static func run(_ graph: Graph) throws -> Graph {
        var live = Set(graph.outputs.map(\.name))
        var keep = [Bool](repeating: false, count: graph.nodes.count)
        for i in graph.nodes.indices.reversed() {
            let node = graph.nodes[i]
            guard node.outputs.contains(where: { live.contains($0) }) else { continue }
            keep[i] = true
            for input in node.inputs where !input.isEmpty { live.insert(input) }
        }
        var g = graph
        g.nodes = graph.nodes.indices.filter { keep[$0] }.map { graph.nodes[$0] }
        g.initializers = graph.initializers.filter { live.contains($0.key) }
        return g
    }
}
