/// The graph passes run before planning, in order. Each is a small `Graph -> Graph`
/// function with its own tests; the result must compute the same outputs.
public enum GraphOptimizer {
    /// One rewrite of the graph.
    public typealias Pass = (name: String, run: @Sendable (Graph) throws -> Graph)

    /// The default pipeline.
    public static let passes: [Pass] = [
        ("remove-identity", IdentityRemoval.run),
        ("fold-constants", ConstantFolding.run),
        ("fold-batchnorm", BatchNormFolding.run),
        ("fuse-residual-add", ResidualAddFusion.run),
        ("fuse-activation", ActivationFusion.run),
        ("remove-dead-nodes", DeadNodeRemoval.run),
    ]

    /// Runs every pass.
    public static func optimize(_ graph: Graph) throws -> Graph {
        try passes.reduce(graph) { try $1.run($0) }
    }
}

/// Who reads each value, for the passes' "only used here" checks.
struct UseMap {
    private(set) var readers: [String: [Int]] = [:]
    let graphOutputs: Set<String>

    init(_ graph: Graph) {
        for (i, node) in graph.nodes.enumerated() {
            for input in node.inputs where !input.isEmpty { readers[input, default: []].append(i) }
        }
        graphOutputs = Set(graph.outputs.map(\.name))
    }

    /// True when `value` is read by exactly one node and is not a graph output.
    func hasSingleReader(_ value: String) -> Bool {
        (readers[value]?.count ?? 0) == 1 && !graphOutputs.contains(value)
    }

    func readers(of value: String) -> [Int] { readers[value] ?? [] }
}

extension Graph {
    /// Index of the node producing `value`, if any.
    func producer(of value: String) -> Int? {
        nodes.firstIndex { $0.outputs.contains(value) }
    }

    /// Replaces every read of `old` with `new`.
    mutating func renameReads(of old: String, to new: String) {
        for i in nodes.indices {
            nodes[i].inputs = nodes[i].inputs.map { $0 == old ? new : $0 }
        }
    }
}
