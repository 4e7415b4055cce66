import Foundation

/// Activations beyond Relu/LeakyRelu/Sigmoid/Tanh/Clip: the piecewise ones of mobile
/// networks (HardSigmoid, HardSwish), the exponential family (Elu, Selu, Softplus,
/// Softsign) and PRelu with its learned slope.
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
