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

    /// Clip: bounds from attributes before opset 11 (float only), from optional scalar
    /// inputs after (any numeric type).
    static func clip(_ ctx: OpContext) throws -> Kernel {
        let attrMin = try ctx.float("min", default: -Float.greatestFiniteMagnitude)
        let attrMax = try ctx.float("max", default: Float.greatestFiniteMagnitude)
        let fromInputs = ctx.opset >= 11
        return Kernel(label: "clip") { inputs in
            let x = try inputs.required(0, "input")
            if !fromInputs { try x.requireFloat("input") }
            for (i, what) in [(1, "min"), (2, "max")] {
                if let m = inputs.optional(i) {
                    guard m.count == 1 else { throw KernelError("Clip \(what) must be a scalar, got shape \(m.shape)") }
                    guard m.elementType == x.elementType else {
                        throw KernelError("Clip \(what) is \(m.elementType) but input is \(x.elementType)")
                    }
                }
            }
            return [try withArithmeticType(x.elementType, "Clip") { t in
                try clip(x, t, lo: fromInputs ? inputs.optional(1) : nil, hi: fromInputs ? inputs.optional(2) : nil,
                         attrLo: fromInputs ? nil : attrMin, attrHi: fromInputs ? nil : attrMax)
            }]
        }
    }

    // y = min(max(x, lo), hi): hi wins when lo > hi, as ONNX specifies.
    private static func clip<T: ArithmeticScalar>(_ x: Tensor, _ t: T.Type, lo: Tensor?, hi: Tensor?,
                                                  attrLo: Float?, attrHi: Float?) throws -> Tensor {
        let low: T? = lo.map { $0.pointer(as: T.self)[0] } ?? attrLo.map { T(clamping: Double($0)) }
        let high: T? = hi.map { $0.pointer(as: T.self)[0] } ?? attrHi.map { T(clamping: Double($0)) }
        let px = x.pointer(as: T.self)
        return Tensor.makeRaw(x.shape, x.elementType) { raw in
            let py = raw.assumingMemoryBound(to: T.self)
            for i in 0..<x.count {
                var v = px[i]
                if v != v { py[i] = v; continue } // NaN passes through
                if let low, v < low { v = low }
                if let high, v > high { v = high }
                py[i] = v
            }
        }
    }
}
