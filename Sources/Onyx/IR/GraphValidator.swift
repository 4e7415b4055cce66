/// Structural checks on a freshly imported graph, and a topological sort.
enum GraphValidator {
    /// Returns the graph with nodes in dependency order, or throws naming the first
    /// dangling input, duplicate producer or cycle.
    static func sorted(_ graph: Graph) throws -> Graph {
        var producer: [String: Int] = [:]
        var available = Set(graph.initializers.keys)
        for input in graph.inputs {
            guard available.insert(input.name).inserted else {
                throw OnyxError.invalidModel("graph input '\(input.name)' is declared twice")
            }
        }
        for (i, node) in graph.nodes.enumerated() {
            for out in node.outputs where !out.isEmpty {
                if available.contains(out) || producer[out] != nil {
                    throw OnyxError.invalidModel(
                        "value '\(out)' is produced twice (again by node \(node.index) '\(node.name)', \(node.opType))")
                }
                producer[out] = i
            }
        }
        // Kahn's algorithm keeping the model's order among ready nodes.
        var pending = [Int](repeating: 0, count: graph.nodes.count)
        var consumers = [[Int]](repeating: [], count: graph.nodes.count)
        for (i, node) in graph.nodes.enumerated() {
            for input in node.inputs where !input.isEmpty {
                if available.contains(input) { continue }
                guard let p = producer[input] else {
                    throw OnyxError.invalidModel(
                        "node \(node.index) '\(node.name)' (\(node.opType)) reads '\(input)', which no node, input or initializer provides")
                }
                pending[i] += 1
                consumers[p].append(i)
            }
        }
        var ready = (0..<graph.nodes.count).filter { pending[$0] == 0 }.reversed() as [Int]
        var order: [Int] = []
        order.reserveCapacity(graph.nodes.count)
        while let i = ready.popLast() {
            order.append(i)
            var newlyReady: [Int] = []
            for c in consumers[i] {
                pending[c] -= 1
                if pending[c] == 0 { newlyReady.append(c) }
            }
            ready.append(contentsOf: newlyReady.sorted().reversed())
        }
        if order.count != graph.nodes.count {
            let stuck = (0..<graph.nodes.count).first { pending[$0] > 0 }!
            let n = graph.nodes[stuck]
            throw OnyxError.invalidModel("the graph has a cycle through node \(n.index) '\(n.name)' (\(n.opType))")
        }
        for output in graph.outputs where !available.contains(output.name) && producer[output.name] == nil {
            throw OnyxError.invalidModel("graph output '\(output.name)' is not produced by any node")
        }
        var result = graph
        result.nodes = order.map { graph.nodes[$0] }
        return result
    }
}
