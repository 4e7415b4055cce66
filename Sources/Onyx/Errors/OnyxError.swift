/// Where a node sits in a graph, for error messages.
public struct NodeLocation: Sendable, Equatable, CustomStringConvertible {
    /// The node's name (may be empty in the model).
    public let name: String
    /// ONNX op type.
    public let opType: String
    /// Index of the node in the model's node list.
    public let index: Int
    /// The opset the op is resolved against.
    public let opset: Int

    public var description: String {
        let shown = name.isEmpty ? "(unnamed)" : "'\(name)'"
        return "node \(index) \(shown) (\(opType), opset \(opset))"
    }
}

/// Every error Onyx throws. Each prints as one sentence naming what is wrong and where.
public enum OnyxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not a readable ONNX model (truncated, random bytes, structurally broken).
    case invalidModel(String)
    /// The model uses ops Onyx cannot run; all of them are listed.
    case unsupportedOperators([NodeLocation])
    /// The model imports an opset domain or version Onyx does not implement.
    case unsupportedOpset(domain: String, version: Int)
    /// A tensor (initializer, input file, user value) is malformed.
    case invalidTensor(String)
    /// A node attribute has a wrong type or value.
    case invalidAttribute(NodeLocation, attribute: String, reason: String)
    /// The inputs given to `run` do not match the model.
    case invalidInput(String)
    /// A node could not compute its outputs from the values it received.
    case nodeFailed(NodeLocation, reason: String)
    /// Reading or writing a file failed.
    case io(String)

    public var description: String {
        switch self {
        case .invalidModel(let why): return "invalid model: \(why)"
        case .unsupportedOperators(let nodes):
            let list = nodes.map(\.description).joined(separator: "; ")
            return "unsupported operator\(nodes.count == 1 ? "" : "s") (\(nodes.count)): \(list)"
        case .unsupportedOpset(let domain, let version):
            let shown = domain.isEmpty ? "ai.onnx (default domain)" : "'\(domain)'"
            return "unsupported opset import: domain \(shown) version \(version)"
        case .invalidTensor(let why): return "invalid tensor: \(why)"
        case .invalidAttribute(let node, let attribute, let reason):
            return "invalid attribute '\(attribute)' on \(node): \(reason)"
        case .invalidInput(let why): return "invalid input: \(why)"
        case .nodeFailed(let node, let reason): return "\(node) failed: \(reason)"
        case .io(let why): return why
        }
    }
}

/// Thrown inside kernels; the executor wraps it into `OnyxError.nodeFailed` with the node.
struct KernelError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
