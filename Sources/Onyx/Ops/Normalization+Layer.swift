import Foundation

/// LayerNormalization (over the trailing axes from `axis`) and InstanceNormalization (over
/// each image's channel plane). Statistics accumulate in Double; outputs are float32.
extension NormalizationOps {
    static func layerNorm(_ ctx: OpContext) throws -> Kernel {
        let axis = try ctx.int("axis", default: -1)
        let epsilon = Double(try ctx.float("epsilon", default: 1e-5))
        let wantMean = ctx.wantsOutput(1), wantInvStd = ctx.wantsOutput(2)
        return Kernel(label: "layernorm") { inputs in
            let x = try inputs.required(0, "X"), scale = try inputs.required(1, "Scale")
            try x.requireFloat("X")
            try scale.requireFloat("Scale")
            let a = try normalizeAxis(axis, rank: x.rank)
            let normalized = Array(x.shape[a...])
            func spread(_ t: Tensor, _ what: String) throws -> [Float] {
                try t.requireFloat(what)
                guard try Broadcast.shape(t.shape, normalized) == normalized else {
                    throw KernelError("\(what) \(t.shape) does not broadcast to the normalized shape \(normalized)")
                }
                return try DataMovementOps.stridedCopy(t, normalized, Broadcast.strides(of: t.shape, in: normalized)).floats
            }
            let gamma = try spread(scale, "Scale"), beta = try inputs.optional(2).map { try spread($0, "B") }
            let outer = x.shape[..<a].reduce(1, *), inner = normalized.reduce(1, *)
            let statShape = Array(x.shape[..<a]) + [Int](repeating: 1, count: x.rank - a)
            var means = [Float](repeating: 0, count: outer), invStds = [Float](repeating: 0, count: outer)
            let px = x.pointer(as: Float.self)
            let y = try Tensor.makeFloat(x.shape) { py, _ in
                for o in 0..<outer {
                    let row = px + o * inner, out = py + o * inner
                    let (m, s) = meanAndInvStd(row, inner, epsilon)
                    for j in 0..<inner { out[j] = (row[j] - m) * s * gamma[j] + (beta?[j] ?? 0) }
                    means[o] = m; invStds[o] = s
                }
            }
            return [y, wantMean ? try Tensor(shape: statShape, floats: means) : nil,
                    wantInvStd ? try Tensor(shape: statShape, floats: invStds) : nil]
        }
    }

    static func instanceNorm(_ ctx: OpContext) throws -> Kernel {
        let epsilon = Double(try ctx.float("epsilon", default: 1e-5))
        return Kernel(label: "instancenorm") { inputs in
            let x = try inputs.required(0, "input"), scale = try inputs.required(1, "scale"), bias = try inputs.required(2, "B")
            try x.requireFloat("input")
            guard x.rank >= 3 else { throw KernelError("input must be [N, C, D1, ...], got \(x.shape)") }
            let c = x.shape[1], plane = x.shape[2...].reduce(1, *)
            for (t, what) in [(scale, "scale"), (bias, "B")] {
                try t.requireFloat(what)
                guard t.count == c else { throw KernelError("\(what) has shape \(t.shape), expected \(c) values") }
            }
            let gamma = scale.floats, beta = bias.floats, px = x.pointer(as: Float.self)
            return [try Tensor.makeFloat(x.shape) { py, _ in
                for p in 0..<(x.shape[0] * c) {
                    let row = px + p * plane, out = py + p * plane, ch = p % c
                    let (m, invStd) = meanAndInvStd(row, plane, epsilon)
                    let s = invStd * gamma[ch]
                    for j in 0..<plane { out[j] = (row[j] - m) * s + beta[ch] }
                }
            }]
        }
    }

    /// Mean and 1 / sqrt(variance + epsilon) of n floats (population variance, in Double).
    static func meanAndInvStd(_ row: UnsafePointer<Float>, _ n: Int, _ epsilon: Double) -> (Float, Float) {
        var sum = 0.0
        for j in 0..<n { sum += Double(row[j]) }
        let mean = sum / Double(max(n, 1))
        var squares = 0.0
        for j in 0..<n { let d = Double(row[j]) - mean; squares += d * d }
        return (Float(mean), Float(1 / (squares / Double(max(n, 1)) + epsilon).squareRoot()))
    }
}
