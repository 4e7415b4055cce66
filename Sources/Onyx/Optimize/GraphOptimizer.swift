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
    /// Index of the producing node of every value, built once per pass (passes keep node
    /// positions until they drop removed nodes at the end).
    func producers() -> [String: Int] {
        var map: [String: Int] = [:]
        for (i, node) in nodes.enumerated() { for out in node.outputs where !out.isEmpty { map[out] = i } }
        return map
    }

    /// Every value name in use (node inputs and outputs, initializers, graph inputs).
    func usedNames() -> Set<String> {
        Set(nodes.flatMap { $0.inputs + $0.outputs }).union(initializers.keys).union(inputs.map(\.name))
    }
}

/// A name not in `used`, derived from `base`; it is added to `used`.
func freshName(_ base: String, _ used: inout Set<String>) -> String {
    var name = base, k = 1
    while used.contains(name) { name = "\(base)_\(k)"; k += 1 }
    used.insert(name)
    return name
}

extension Graph {
}

/// Reads an attribute as a float whether it was stored as a float or an int (some
/// exporters write integral values as ints).
func floatAttribute(_ node: Node, _ name: String) -> Float? {
    switch node.attributes[name] {
    case .float(let v)?: return v
    case .int(let v)?: return Float(v)
    default: return nil
    }
}
