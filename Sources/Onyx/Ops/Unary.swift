import COnyxKernels
import Foundation

/// Elementwise one-input ops: activations and math functions.
enum UnaryOps {
    /// y = f(x) over a float32 tensor.
    @inline(__always)
    static func mapFloat(_ x: Tensor, _ f: (Float) -> Float) throws -> Tensor {
        let px = x.pointer(as: Float.self)
        return try Tensor.makeFloat(x.shape) { py, n in
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
                return [try mapFloat(x, f)]
            }
        }
    }

    /// An activation run by the C kernel (vectorized).
    static func activation(_ x: Tensor, _ act: onyx_activation, _ alpha: Float = 0, _ beta: Float = 0) throws -> Tensor {
        try Tensor.makeFloat(x.shape) { py, n in onyx_activation_f32(x.pointer(as: Float.self), py, Int64(n), Int32(act.rawValue), alpha, beta) }
    }

    static let relu: OpRegistry.Factory = { _ in
        Kernel(label: "relu") { inputs in
            let x = try inputs.required(0, "X")
            try x.requireFloat("X")
            return [try activation(x, ONYX_ACT_RELU)]
        }
    }
    static let leakyRelu: OpRegistry.Factory = { ctx in
        let alpha = try ctx.float("alpha", default: 0.01)
        return Kernel(label: "leaky_relu") { inputs in
            let x = try inputs.required(0, "X")
            try x.requireFloat("X")
            return [try activation(x, ONYX_ACT_LEAKY, alpha)]
        }
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
                case .float32: return [try mapFloat(x) { isAbs ? Swift.abs($0) : -$0 }]
                case .int64: return [try mapInt(x, Int64.self) { isAbs ? ($0 < 0 ? 0 &- $0 : $0) : 0 &- $0 }]
                case .int32: return [try mapInt(x, Int32.self) { isAbs ? ($0 < 0 ? 0 &- $0 : $0) : 0 &- $0 }]
                default: throw KernelError("\(opType) does not support \(x.elementType)")
                }
            }
        }
    }

    private static func mapInt<T: TensorScalar>(_ x: Tensor, _ t: T.Type, _ f: (T) -> T) throws -> Tensor {
        let px = x.pointer(as: T.self)
        return try Tensor.makeRaw(x.shape, x.elementType) { raw in
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
        if x.elementType == .float32 {
            let l = (low as? Float) ?? -.infinity, h = (high as? Float) ?? .infinity
            // ONNX: min(max(x, lo), hi); when lo > hi every value becomes hi.
            return try activation(x, ONYX_ACT_CLIP, l > h ? h : l, h)
        }
        let px = x.pointer(as: T.self)
        return try Tensor.makeRaw(x.shape, x.elementType) { raw in
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
