import Foundation

/// Add, Sub, Mul, Div, Mod, Pow (multidirectional broadcast) and the variadic Sum, Max, Min, Mean.
enum ElementwiseOps {
    enum Binary: String { case add = "Add", sub = "Sub", mul = "Mul", div = "Div", max = "Max", min = "Min" }

    static func apply(_ op: Binary, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.elementType == b.elementType else {
            throw KernelError("\(op.rawValue) inputs have different types: \(a.elementType) and \(b.elementType)")
        }
        return try withArithmeticType(a.elementType, op.rawValue) { try typed(op, a, b, $0) }
    }

    private static func typed<T: ArithmeticScalar>(_ op: Binary, _ a: Tensor, _ b: Tensor, _ t: T.Type) throws -> Tensor {
        switch op {
        case .add: return try broadcastBinary(a, b, as: T.self) { T.add($0, $1) }
        case .sub: return try broadcastBinary(a, b, as: T.self) { T.sub($0, $1) }
        case .mul: return try broadcastBinary(a, b, as: T.self) { T.mul($0, $1) }
        case .div: return try broadcastBinary(a, b, as: T.self) { try T.divide($0, $1) }
        case .max: return try broadcastBinary(a, b, as: T.self) { Swift.max($0, $1) }
        case .min: return try broadcastBinary(a, b, as: T.self) { Swift.min($0, $1) }
        }
    }

    static func binary(_ op: Binary) -> OpRegistry.Factory {
        { ctx in
            guard ctx.node.inputs.count == 2 else {
                throw ctx.invalid("inputs", "\(op.rawValue) takes 2 inputs, got \(ctx.node.inputs.count)")
            }
            return Kernel(label: "broadcast") { inputs in
                [try apply(op, inputs.required(0, "A"), inputs.required(1, "B"))]
            }
        }
    }

    /// Sum, Max, Min over one or more inputs, folding pairwise with broadcasting.
    static func variadic(_ op: Binary) -> OpRegistry.Factory {
        { ctx in
            guard !ctx.node.inputs.isEmpty else {
                throw ctx.invalid("inputs", "\(ctx.node.opType) needs at least one input")
            }
            return Kernel(label: "broadcast") { inputs in
                var acc = try inputs.required(0, "data_0")
                for i in 1..<max(inputs.count, 1) {
                    acc = try apply(op, acc, inputs.required(i, "data_\(i)"))
                }
                return [acc]
            }
        }
    }

    /// Mean: the variadic sum divided by the input count (float types only).
    static func mean(_ ctx: OpContext) throws -> Kernel {
        let sum = try variadic(.add)(ctx)
        return Kernel(label: "broadcast") { inputs in
            guard let total = try sum.run(inputs).first ?? nil else { throw KernelError("Mean produced no output") }
            let k = Double(inputs.count)
            switch total.elementType {
            case .float32: return [try UnaryOps.mapFloat(total) { $0 / Float(k) }]
            case .float64:
                let p = total.pointer(as: Double.self)
                return [try Tensor.makeRaw(total.shape, .float64) { raw in
                    let q = raw.assumingMemoryBound(to: Double.self)
                    for i in 0..<total.count { q[i] = p[i] / k }
                }]
            default: throw KernelError("Mean needs float inputs, got \(total.elementType)")
            }
        }
    }

    /// Mod: with fmod = 1 the remainder takes the dividend's sign (C fmod), with fmod = 0 the
    /// divisor's (Python's %, A - floor(A / B) * B). Floats take fmod = 0 from opset 28 on;
    /// before it fmod = 1 was their only form.
    static func mod(_ ctx: OpContext) throws -> Kernel {
        let fmod = try ctx.int("fmod", default: 0) != 0
        let floorModOfFloats = ctx.opset >= 28
        return Kernel(label: "broadcast") { inputs in
            let a = try inputs.required(0, "A"), b = try inputs.required(1, "B")
            guard a.elementType == b.elementType else {
                throw KernelError("Mod inputs have different types: \(a.elementType) and \(b.elementType)")
            }
            if !fmod && (a.elementType == .float32 || a.elementType == .float64) {
                guard floorModOfFloats else {
                    throw KernelError("Mod of \(a.elementType) inputs needs fmod = 1 before opset 28")
                }
                return [a.elementType == .float32 ? try floorMod(a, b, Float.self) : try floorMod(a, b, Double.self)]
            }
            return [try withArithmeticType(a.elementType, "Mod") { t in try mod(a, b, t, fmod: fmod) }]
        }
    }

    private static func mod<T: ArithmeticScalar>(_ a: Tensor, _ b: Tensor, _ t: T.Type, fmod: Bool) throws -> Tensor {
        let zero = T(clamping: 0)
        return try broadcastBinary(a, b, as: T.self) { x, y in
            let r = try T.remainder(x, y)
            return !fmod && r != zero && (r < zero) != (y < zero) ? T.add(r, y) : r
        }
    }

    /// Floating-point Mod with fmod = 0: the remainder moved to the divisor's sign; a zero
    /// result takes the divisor's sign, and x mod ±inf is x or ±inf by the signs (opset 28).
    private static func floorMod<T: BinaryFloatingPoint & TensorScalar>(_ a: Tensor, _ b: Tensor, _ t: T.Type) throws -> Tensor {
        try broadcastBinary(a, b, as: T.self) { x, y in
            let r = x.truncatingRemainder(dividingBy: y)
            if r == 0 { return T(signOf: y, magnitudeOf: 0) }
            return (r < 0) != (y < 0) ? r + y : r
        }
    }

    /// Pow: base and exponent may have different types (opset 12+); the result has the
    /// base's type. Integer bases are computed in Double and truncated back.
    static func pow(_ ctx: OpContext) throws -> Kernel {
        Kernel(label: "broadcast") { inputs in
            let base = try inputs.required(0, "X"), exponent = try inputs.required(1, "Y")
            switch base.elementType {
            case .float32:
                let e = try CastOps.convert(exponent, to: .float32)
                return [try broadcastBinary(base, e, as: Float.self) { x, y in y == 2 ? x * x : Foundation.pow(x, y) }]
            case .float64, .int32, .int64:
                let b = try CastOps.convert(base, to: .float64), e = try CastOps.convert(exponent, to: .float64)
                let r = try broadcastBinary(b, e, as: Double.self) { x, y in y == 2 ? x * x : Foundation.pow(x, y) }
                return [try CastOps.convert(r, to: base.elementType)]
            default:
                throw KernelError("Pow does not support a \(base.elementType) base")
            }
        }
    }
}
