import COnyxKernels
import Foundation

/// BatchNormalization (inference) and LRN.
enum NormalizationOps {
    // y = scale[c] * (x - mean[c]) / sqrt(var[c] + epsilon) + bias[c]
    static func batchNorm(_ ctx: OpContext) throws -> Kernel {
        let epsilon = try ctx.float("epsilon", default: 1e-5)
        // Before opset 9, spatial=0 gives every activation (c, d1, ...) its own statistics.
        let perActivation = try ctx.opset < 9 && ctx.int("spatial", default: 1) == 0
        if ctx.opset >= 14, try ctx.int("training_mode", default: 0) != 0 {
            throw ctx.invalid("training_mode", "training mode is not supported (inference only)")
        }
        if (1..<ctx.outputCount).contains(where: { ctx.wantsOutput($0) }) {
            throw ctx.invalid("outputs", "running/saved statistics outputs exist only in training mode, which is not supported")
        }
        return Kernel(label: "batchnorm") { inputs in
            let x = try inputs.required(0, "X")
            let params = try (1...4).map { try inputs.required($0, ["scale", "B", "mean", "var"][$0 - 1]) }
            try x.requireFloat("X")
            guard x.rank >= 2 else { throw KernelError("X must be at least 2-D, got \(x.shape)") }
            // Statistics per channel, or per activation (all dims after the batch) when spatial=0.
            let c = perActivation ? x.shape[1...].reduce(1, *) : x.shape[1]
            for (i, p) in params.enumerated() {
                try p.requireFloat(["scale", "B", "mean", "var"][i])
                guard p.count == c else {
                    throw KernelError("\(["scale", "B", "mean", "var"][i]) has shape \(p.shape), expected \(c) values")
                }
            }
            let (scale, bias, mean, variance) = (params[0].floats, params[1].floats, params[2].floats, params[3].floats)
            let mul = (0..<c).map { scale[$0] / (variance[$0] + epsilon).squareRoot() }
            let add = (0..<c).map { bias[$0] - mean[$0] * mul[$0] }
            let plane = perActivation ? 1 : x.shape[2...].reduce(1, *)
            let px = x.pointer(as: Float.self)
            return [try Tensor.makeFloat(x.shape) { py, _ in
                for img in 0..<x.shape[0] {
                    let off = img * c * plane
                    onyx_channel_affine_f32(px + off, py + off, mul, add, Int64(c), Int64(plane))
                }
            }]
        }
    }

    // y = x / (bias + alpha / size * sum_{c' in window(c)} x[c']^2) ^ beta
    static func lrn(_ ctx: OpContext) throws -> Kernel {
        let alpha = try ctx.float("alpha", default: 1e-4)
        let beta = try ctx.float("beta", default: 0.75)
        let bias = try ctx.float("bias", default: 1)
        let size = try ctx.int("size", default: 0)
        guard size >= 1 else { throw ctx.invalid("size", "is required and must be positive, got \(size)") }
        return Kernel(label: "lrn") { inputs in
            let x = try inputs.required(0, "X")
            try x.requireFloat("X")
            guard x.rank >= 2 else { throw KernelError("X must be at least 2-D, got \(x.shape)") }
            let n = x.shape[0], c = x.shape[1], plane = x.shape[2...].reduce(1, *)
            let before = (size - 1) / 2, after = size - 1 - before
            let px = x.pointer(as: Float.self)
            return [try Tensor.makeFloat(x.shape) { py, _ in
                for img in 0..<n { for ch in 0..<c { for i in 0..<plane {
                    var sq: Float = 0
                    for cc in max(0, ch - before)...min(c - 1, ch + after) {
                        let v = px[(img * c + cc) * plane + i]
                        sq += v * v
                    }
                    let at = (img * c + ch) * plane + i
                    py[at] = px[at] / Foundation.pow(bias + alpha / Float(size) * sq, beta)
                } } }
            }]
        }
    }
}
