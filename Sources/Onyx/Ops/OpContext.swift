/// A compiled node: its attributes already parsed and checked, safe to run from many
/// threads at once (it holds only immutable state).
struct Kernel: Sendable {
    /// A short label for profiles and `onyx info` (e.g. "im2col+sgemm").
    var label: String
    /// Computes the node's outputs; returns one entry per declared output (nil for
    /// omitted optional outputs).
    var run: @Sendable ([Tensor?]) throws -> [Tensor?]
}

/// What an op factory sees while compiling a node: the node, the opset, and typed,
/// error-reporting attribute accessors.
struct OpContext {
    let node: Node
    let opset: Int
    /// Initializers, so a factory can pre-process constant inputs (e.g. weights).
    let constants: [String: Tensor]
    /// Threads the kernel may use for its own loops.
    var threads: Int = 1

    var location: NodeLocation {
        NodeLocation(name: node.name, opType: node.opType, index: node.index, opset: opset)
    }
    var outputCount: Int { node.outputs.count }

    /// True when output `i` is declared and named.
    func wantsOutput(_ i: Int) -> Bool { i < node.outputs.count && !node.outputs[i].isEmpty }

    func invalid(_ attribute: String, _ reason: String) -> OnyxError {
        .invalidAttribute(location, attribute: attribute, reason: reason)
    }

    func int(_ name: String, default value: Int) throws -> Int {
        guard let a = node.attributes[name] else { return value }
        guard case .int(let v) = a else { throw invalid(name, "expected an int") }
        guard let n = Int(exactly: v) else { throw invalid(name, "value \(v) out of range") }
        return n
    }

    func float(_ name: String, default value: Float) throws -> Float {
        guard let a = node.attributes[name] else { return value }
        switch a {
        case .float(let v): return v
        case .int(let v): return Float(v)
        default: throw invalid(name, "expected a float")
        }
    }

    func string(_ name: String, default value: String) throws -> String {
        guard let a = node.attributes[name] else { return value }
        guard case .string(let v) = a else { throw invalid(name, "expected a string") }
        return v
    }

    func ints(_ name: String) throws -> [Int]? {
        guard let a = node.attributes[name] else { return nil }
        switch a {
        case .ints(let v): return v.map { Int($0) }
        case .int(let v): return [Int(v)]
        default: throw invalid(name, "expected a list of ints")
        }
    }

    func floats(_ name: String) throws -> [Float]? {
        guard let a = node.attributes[name] else { return nil }
        switch a {
        case .floats(let v): return v
        case .float(let v): return [v]
        default: throw invalid(name, "expected a list of floats")
        }
    }

    func tensor(_ name: String) throws -> Tensor? {
        guard let a = node.attributes[name] else { return nil }
        guard case .tensor(let t) = a else { throw invalid(name, "expected a tensor") }
        return t
    }
}

/// Kernel-side input access with clear messages.
extension Array where Element == Tensor? {
    func required(_ i: Int, _ what: String) throws -> Tensor {
        guard i < count, let t = self[i] else { throw KernelError("missing required input \(i) (\(what))") }
        return t
    }

    func optional(_ i: Int) -> Tensor? { i < count ? self[i] : nil }
}

extension Tensor {
    /// Throws unless the element type is float32.
    func requireFloat(_ what: String) throws {
        guard elementType == .float32 else {
            throw KernelError("\(what) must be float32, got \(elementType)")
        }
    }

    /// Throws unless the element type is an index type (int32 or int64).
    func requireIndices(_ what: String) throws {
        guard elementType == .int64 || elementType == .int32 else {
            throw KernelError("\(what) must be int32 or int64, got \(elementType)")
        }
    }
}

/// Normalizes a possibly negative axis against `rank`, or throws.
func normalizeAxis(_ axis: Int, rank: Int, _ what: String = "axis") throws -> Int {
    let a = axis < 0 ? axis + rank : axis
    guard a >= 0 && a < rank else {
        throw KernelError("\(what) \(axis) is out of range for rank \(rank)")
    }
    return a
}
