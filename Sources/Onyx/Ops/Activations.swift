import Foundation

/// Activations beyond Relu/LeakyRelu/Sigmoid/Tanh/Clip: the piecewise ones of mobile
/// networks (HardSigmoid, HardSwish, ThresholdedRelu, Shrink), the exponential family (Elu,
/// Selu, Celu, Softplus, Softsign, Mish), Gelu, and PRelu with its learned slope.
enum ActivationOps {
    static let hardSigmoid: OpRegistry.Factory = UnaryOps.float("hard_sigmoid") { ctx in
        let alpha = try ctx.float("alpha", default: 0.2), beta = try ctx.float("beta", default: 0.5)
        return { x in Swift.max(0, Swift.min(1, alpha * x + beta)) }
    }

    /// x * HardSigmoid(x) with alpha 1/6, beta 0.5 (MobileNetV3's h-swish).
    static let hardSwish: OpRegistry.Factory = UnaryOps.float("hard_swish") { _ in
        { x in x * Swift.max(0, Swift.min(1, x / 6 + 0.5)) }
    }

    static let elu: OpRegistry.Factory = UnaryOps.float("elu") { ctx in
        let alpha = try ctx.float("alpha", default: 1)
        return { x in x >= 0 ? x : alpha * Foundation.expm1(x) }
    }

    static let selu: OpRegistry.Factory = UnaryOps.float("selu") { ctx in
        let alpha = try ctx.float("alpha", default: 1.67326319217681884765625)
        let gamma = try ctx.float("gamma", default: 1.05070102214813232421875)
        return { x in x > 0 ? gamma * x : gamma * alpha * Foundation.expm1(x) }
    }

    /// log(1 + e^x), written so neither branch overflows.
    static let softplus: OpRegistry.Factory = UnaryOps.float("softplus") { _ in
        { x in x > 0 ? x + Foundation.log1p(Foundation.exp(-x)) : Foundation.log1p(Foundation.exp(x)) }
    }

    /// max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
    static let celu: OpRegistry.Factory = UnaryOps.float("celu") { ctx in
        let alpha = try ctx.float("alpha", default: 1)
        return { x in Swift.max(0, x) + Swift.min(0, alpha * Foundation.expm1(x / alpha)) }
    }

    static let thresholdedRelu: OpRegistry.Factory = UnaryOps.float("thresholded_relu") { ctx in
        let alpha = try ctx.float("alpha", default: 1)
        return { x in x > alpha ? x : 0 }
    }

    /// x - bias above lambd, x + bias below -lambd, 0 between.
    static let shrink: OpRegistry.Factory = UnaryOps.float("shrink") { ctx in
        let bias = try ctx.float("bias", default: 0), lambd = try ctx.float("lambd", default: 0.5)
        return { x in x < -lambd ? x + bias : (x > lambd ? x - bias : 0) }
    }

    /// x * tanh(softplus(x)), computed in Double.
    static let mish: OpRegistry.Factory = UnaryOps.float("mish") { _ in
        { x in
            let d = Double(x)
            let softplus = d > 0 ? d + Foundation.log1p(Foundation.exp(-d)) : Foundation.log1p(Foundation.exp(d))
            return Float(d * Foundation.tanh(softplus))
        }
    }

    /// 0.5 x (1 + erf(x / sqrt 2)), or with approximate = "tanh" the tanh form; in Double.
    static let gelu: OpRegistry.Factory = UnaryOps.float("gelu") { ctx in
        let approximate = try ctx.string("approximate", default: "none")
        switch approximate {
        case "none":
            return { x in let d = Double(x); return Float(0.5 * d * (1 + Foundation.erf(d / 2.0.squareRoot()))) }
        case "tanh":
            let c = (2 / Double.pi).squareRoot()
            return { x in let d = Double(x); return Float(0.5 * d * (1 + Foundation.tanh(c * (d + 0.044715 * d * d * d)))) }
        default:
            throw ctx.invalid("approximate", "must be \"none\" or \"tanh\", got \"\(approximate)\"")
        }
    }

    static let softsign: OpRegistry.Factory = UnaryOps.float("softsign") { _ in { x in x / (1 + Swift.abs(x)) } }

    /// y = x < 0 ? slope * x : x, with slope broadcast to x's shape (unidirectionally).
    static func prelu(_ ctx: OpContext) throws -> Kernel {
        Kernel(label: "prelu") { inputs in
            let x = try inputs.required(0, "X"), slope = try inputs.required(1, "slope")
            guard x.elementType == slope.elementType else {
                throw KernelError("slope is \(slope.elementType) but X is \(x.elementType)")
            }
            guard try Broadcast.shape(x.shape, slope.shape) == x.shape else {
                throw KernelError("slope \(slope.shape) does not broadcast to X \(x.shape)")
            }
            return [try withArithmeticType(x.elementType, "PRelu") { t in try prelu(x, slope, t) }]
        }
    }

    private static func prelu<T: ArithmeticScalar>(_ x: Tensor, _ slope: Tensor, _ t: T.Type) throws -> Tensor {
        let zero = T(clamping: 0)
        return try broadcastBinary(x, slope, as: T.self) { v, s in v < zero ? T.mul(s, v) : v }
    }
}
