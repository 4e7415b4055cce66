import COnyxKernels

/// The activation a fusion pass attached to a Conv or Gemm (`onyx.activation` attributes).
struct Epilogue: Sendable {
    var act: onyx_activation
    var alpha: Float
    var beta: Float
    var name: String

    static let none = Epilogue(act: ONYX_ACT_NONE, alpha: 0, beta: 0, name: "")

    init(act: onyx_activation, alpha: Float, beta: Float, name: String) {
        self.act = act; self.alpha = alpha; self.beta = beta; self.name = name
    }

    init(_ ctx: OpContext) throws {
        let name = try ctx.string(FusedAttributes.activation, default: "")
        let alpha = try ctx.float(FusedAttributes.alpha, default: 0)
        let beta = try ctx.float(FusedAttributes.beta, default: 0)
        switch name {
        case "": self = .none
        case "Relu": self.init(act: ONYX_ACT_RELU, alpha: 0, beta: 0, name: name)
        case "LeakyRelu": self.init(act: ONYX_ACT_LEAKY, alpha: alpha, beta: 0, name: name)
        case "Clip": self.init(act: ONYX_ACT_CLIP, alpha: alpha, beta: beta, name: name)
        default: throw ctx.invalid(FusedAttributes.activation, "unknown fused activation '\(name)'")
        }
    }

    /// "+add+relu"-style suffix for kernel labels.
    func labelSuffix(residual: Bool) -> String {
        (residual ? "+add" : "") + (name.isEmpty ? "" : "+" + name.lowercased())
    }
}
