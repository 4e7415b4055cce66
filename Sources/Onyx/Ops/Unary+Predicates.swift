/// Sign (any numeric type; NaN stays NaN) and the float tests IsNaN and IsInf (bool outputs).
enum PredicateOps {
    static func sign(_ ctx: OpContext) throws -> Kernel {
        Kernel(label: "sign") { inputs in
            let x = try inputs.required(0, "input")
            return [try withArithmeticType(x.elementType, "Sign") { t in try sign(x, t) }]
        }
    }

    private static func sign<T: ArithmeticScalar>(_ x: Tensor, _ t: T.Type) throws -> Tensor {
        let zero = T(clamping: 0), one = T(clamping: 1), minusOne = T(clamping: -1)
        let px = x.pointer(as: T.self)
        return try Tensor.makeRaw(x.shape, x.elementType) { raw in
            let py = raw.assumingMemoryBound(to: T.self)
            for i in 0..<x.count {
                let v = px[i]
                py[i] = v > zero ? one : (v < zero ? minusOne : (v == zero ? zero : v))
            }
        }
    }

    static func isNaN(_ ctx: OpContext) throws -> Kernel {
        Kernel(label: "isnan") { inputs in
            let x = try inputs.required(0, "X")
            return [try test(x, "IsNaN") { $0.isNaN }]
        }
    }

    /// Infinities of the signs `detect_negative` and `detect_positive` select (both by default).
    static func isInf(_ ctx: OpContext) throws -> Kernel {
        let negative = try ctx.int("detect_negative", default: 1) != 0
        let positive = try ctx.int("detect_positive", default: 1) != 0
        return Kernel(label: "isinf") { inputs in
            let x = try inputs.required(0, "X")
            return [try test(x, "IsInf") { $0.isInfinite && ($0 < 0 ? negative : positive) }]
        }
    }

    /// A bool tensor of `f` over the elements of a float32 or float64 tensor.
    private static func test(_ x: Tensor, _ what: String, _ f: (Double) -> Bool) throws -> Tensor {
        switch x.elementType {
        case .float32:
            let px = x.pointer(as: Float.self)
            return try Tensor.makeRaw(x.shape, .bool) { raw in
                let py = raw.assumingMemoryBound(to: UInt8.self)
                for i in 0..<x.count { py[i] = f(Double(px[i])) ? 1 : 0 }
            }
        case .float64:
            let px = x.pointer(as: Double.self)
            return try Tensor.makeRaw(x.shape, .bool) { raw in
                let py = raw.assumingMemoryBound(to: UInt8.self)
                for i in 0..<x.count { py[i] = f(px[i]) ? 1 : 0 }
            }
        default:
            throw KernelError("\(what) takes a float or double input, got \(x.elementType)")
        }
    }
}
