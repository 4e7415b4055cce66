/// One dimension of a declared shape.
public enum Dim: Sendable, Equatable, CustomStringConvertible {
    /// A fixed size.
    case fixed(Int)
    /// A named size bound at run time (e.g. the batch dim "N").
    case symbolic(String)
    /// A dimension with neither value nor name.
    case unknown

    public var description: String {
        switch self {
        case .fixed(let n): return "\(n)"
        case .symbolic(let s): return s
        case .unknown: return "?"
        }
    }
}

/// A named graph input or output with its declared type and shape.
public struct ValueInfo: Sendable, Equatable {
    /// The value's name in the graph.
    public let name: String
    /// Declared element type, or nil when the model leaves it out.
    public let elementType: ElementType?
    /// Declared shape, or nil when the model gives no shape at all.
    public let shape: [Dim]?
}

/// A typed attribute value, as read from the model.
public enum AttributeValue: Sendable {
    case float(Float)
    case int(Int64)
    case string(String)
    case tensor(Tensor)
    case floats([Float])
    case ints([Int64])
    case strings([String])
    /// Subgraphs, sparse tensors, type protos: kept only so errors can name them.
    case unsupported(String)
}

/// One operator application.
public struct Node: Sendable {
    /// The node's name (may be empty).
    public var name: String
    /// ONNX op type, e.g. "Conv".
    public var opType: String
    /// Input value names; "" marks an omitted optional input.
    public var inputs: [String]
    /// Output value names; "" marks an omitted optional output.
    public var outputs: [String]
    /// Attributes by name.
    public var attributes: [String: AttributeValue]
    /// Position in the model's node list (for error messages).
    public var index: Int
}

/// The library's own graph IR: value semantics, topologically sorted nodes.
public struct Graph: Sendable {
    /// Nodes in an order where every input is produced before it is read.
    public var nodes: [Node]
    /// Constant tensors by value name.
    public var initializers: [String: Tensor]
    /// Graph inputs a caller must feed (initializers excluded).
    public var inputs: [ValueInfo]
    /// Graph outputs in model order.
    public var outputs: [ValueInfo]
    /// Opset version of the default ONNX domain.
    public var opset: Int
}
