import Foundation

/// Elementwise one-input ops: activations and math functions.
enum UnaryOps {
    /// y = f(x) over a float32 tensor.
    @inline(__always)
    static func mapFloat(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        let px = x.pointer(as: Float.self)
        return Tensor.makeFloat(x.shape) { py, n in
            for i in 0..<n { py[i] = f(px[i]) }
        }
    }

    /// A float32-only op with `f` chosen at compile time.
    static func float(_ label: String, _ make: @escaping @Sendable (OpContext) throws -> @Sendable (Float) -> Float)
        -> OpRegistry.Factory
    {
        { ctx in
            let f = try make(ctx)
            return Kernel(label: label) { inputs in
                let x = try inputs.required(0, "X")
                try x.requireFloat("X")
                return [mapFloat(x, f)]
            }
        }
    }

    static let relu: OpRegistry.Factory = float("relu") { _ in { $0 > 0 ? $0 : ($0.isNaN ? $0 : 0) } }
    static let leakyRelu: OpRegistry.Factory = float("leaky_relu") { ctx in
        let alpha = try ctx.float("alpha", default: 0.01)
        return { $0 >= 0 ? $0 : $0 * alpha }
    }
    static let sigmoid: OpRegistry.Factory = float("sigmoid") { _ in
        { x in x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x)) }
    }
    static let tanh: OpRegistry.Factory = float("tanh") { _ in { Foundation.tanh($0) } }
    static let exp: OpRegistry.Factory = float("exp") { _ in { Foundation.exp($0) } }
    static let log: OpRegistry.Factory = float("log") { _ in { Foundation.log($0) } }
    static let sqrt: OpRegistry.Factory = float("sqrt") { _ in { $0.squareRoot() } }

    /// Abs and Neg also accept integers.
    static func signed(_ opType: String) -> OpRegistry.Factory {
        { _ in
            Kernel(label: opType.lowercased()) { inputs in
                let x = try inputs.required(0, "X")
                let isAbs = opType == "Abs"
                switch x.elementType {
                case .float32: return [mapFloat(x) { isAbs ? Swift.abs($0) : -$0 }]
                case .int64: return [mapInt(x, Int64.self) { isAbs ? ($0 < 0 ? 0 &- $0 : $0) : 0 &- $0 }]
                case .int32: return [mapInt(x, Int32.self) { isAbs ? ($0 < 0 ? 0 &- $0 : $0) : 0 &- $0 }]
                default: throw KernelError("\(opType) does not support \(x.elementType)")
                }
            }
        }
    }

    private static func mapInt<T: TensorScalar>(_ x: Tensor, _ t: T.Type, _ f: (T) -> T) -> Tensor {
        let px = x.pointer(as: T.self)
        return Tensor.makeRaw(x.shape, x.elementType) { raw in
            let py = raw.assumingMemoryBound(to: T.self)
            for i in 0..<x.count { py[i] = f(px[i]) }
        }
    }

    /// Clip: bounds from attributes before opset 11, from optional inputs after.
    static func clip(_ ctx: OpContext) throws -> Kernel {
        let attrMin = try ctx.float("min", default: -Float.greatestFiniteMagnitude)
        let attrMax = try ctx.float("max", default: Float.greatestFiniteMagnitude)
        let fromInputs = ctx.opset >= 11
        return Kernel(label: "clip") { inputs in
            let x = try inputs.required(0, "input")
            try x.requireFloat("input")
            var lo = -Float.infinity, hi = Float.infinity
            if fromInputs {
                if let m = inputs.optional(1) {
                    guard m.count == 1 else { throw KernelError("Clip min must be a scalar, got shape \(m.shape)") }
                    lo = m.floatValue(at: 0)
                }
                if let m = inputs.optional(2) {
                    guard m.count == 1 else { throw KernelError("Clip max must be a scalar, got shape \(m.shape)") }
                    hi = m.floatValue(at: 0)
                }
            } else {
                lo = attrMin; hi = attrMax
            }
            // ONNX: min(max(x, lo), hi), so hi wins when lo > hi.
            return [mapFloat(x) { v in v.isNaN ? v : Swift.min(Swift.max(v, lo), hi) }]
        }
    }
}
