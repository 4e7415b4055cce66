import Foundation

/// GroupNormalization, LpNormalization, MeanVarianceNormalization and the experimental
/// ImageScaler of opsets before 10. Statistics accumulate in Double; outputs are float32.
extension NormalizationOps {
    /// Statistics over each group of C / num_groups channels of an image; scale and bias per
    /// channel from opset 21, per group in opset 18.
    static func groupNorm(_ ctx: OpContext) throws -> Kernel {
        let epsilon = Double(try ctx.float("epsilon", default: 1e-5))
        let groups = try ctx.int("num_groups", default: 0)
        guard groups >= 1 else { throw ctx.invalid("num_groups", "must be at least 1, got \(groups)") }
        let perChannel = ctx.opset >= 21
        return Kernel(label: "groupnorm") { inputs in
            let x = try inputs.required(0, "X"), scale = try inputs.required(1, "scale"), bias = try inputs.required(2, "bias")
            try x.requireFloat("X")
            guard x.rank >= 2 else { throw KernelError("X must be [N, C, ...], got \(x.shape)") }
            let c = x.shape[1]
            guard c % groups == 0 else { throw KernelError("\(c) channels do not split into \(groups) groups") }
            let expected = perChannel ? c : groups
            for (t, what) in [(scale, "scale"), (bias, "bias")] {
                try t.requireFloat(what)
                guard t.count == expected else {
                    throw KernelError("\(what) has shape \(t.shape), expected \(expected) values (one per \(perChannel ? "channel" : "group"))")
                }
            }
            let gamma = scale.floats, beta = bias.floats, px = x.pointer(as: Float.self)
            let plane = x.shape[2...].reduce(1, *), perGroup = c / groups
            return [try Tensor.makeFloat(x.shape) { py, _ in
                for g in 0..<(x.shape[0] * groups) {
                    let block = g * perGroup * plane
                    let (m, invStd) = meanAndInvStd(px + block, perGroup * plane, epsilon)
                    for k in 0..<perGroup {
                        let ch = (g % groups) * perGroup + k, at = perChannel ? ch : g % groups
                        let row = px + block + k * plane, out = py + block + k * plane
                        let s = invStd * gamma[at]
                        for j in 0..<plane { out[j] = (row[j] - m) * s + beta[at] }
                    }
                }
            }]
        }
    }

    /// x / ||x||_p along `axis` (p = 1 or 2); zero vectors stay zero.
    static func lpNorm(_ ctx: OpContext) throws -> Kernel {
        let axis = try ctx.int("axis", default: -1), p = try ctx.int("p", default: 2)
        guard p == 1 || p == 2 else { throw ctx.invalid("p", "must be 1 or 2, got \(p)") }
        return Kernel(label: "lpnorm") { inputs in
            let x = try inputs.required(0, "input")
            try x.requireFloat("input")
            let a = try normalizeAxis(axis, rank: x.rank)
            let dim = x.shape[a], outer = x.shape[..<a].reduce(1, *), inner = x.shape[(a + 1)...].reduce(1, *)
            let px = x.pointer(as: Float.self)
            return [try Tensor.makeFloat(x.shape) { py, _ in
                for o in 0..<outer {
                    for i in 0..<inner {
                        let base = o * dim * inner + i
                        var norm = 0.0
                        for j in 0..<dim {
                            let v = Double(px[base + j * inner])
                            norm += p == 1 ? Swift.abs(v) : v * v
                        }
                        if p == 2 { norm = norm.squareRoot() }
                        // A zero vector stays zero (as ONNX's reference computes it), not 0/0.
                        for j in 0..<dim { py[base + j * inner] = norm == 0 ? 0 : Float(Double(px[base + j * inner]) / norm) }
                    }
                }
            }]
        }
    }

    /// (x - mean) / (std + 1e-9) with mean and (population) std over `axes` (default 0, 2, 3).
    static func meanVarianceNorm(_ ctx: OpContext) throws -> Kernel {
        let axesAttr = try ctx.ints("axes") ?? [0, 2, 3]
        return Kernel(label: "mvn") { inputs in
            let x = try inputs.required(0, "X")
            try x.requireFloat("X")
            var axes = Set<Int>()
            for ax in axesAttr {
                guard axes.insert(try normalizeAxis(ax, rank: x.rank, "axes")).inserted else {
                    throw KernelError("axes \(axesAttr) repeat an axis")
                }
            }
            let kept = x.shape.indices.map { axes.contains($0) ? 1 : x.shape[$0] }
            let count = Double(max(axes.reduce(1) { $0 * x.shape[$1] }, 1))
            let slots = try checkedElementCount(kept)
            let strides = Broadcast.strides(of: kept, in: x.shape)
            let px = x.pointer(as: Float.self)
            var sums = [Double](repeating: 0, count: slots), squares = [Double](repeating: 0, count: slots)
            Broadcast.forEachRow(x.shape, strides, strides) { o, ia, _, n, s, _ in
                for j in 0..<n { sums[ia + j * s] += Double(px[o + j]) }
            }
            let means = sums.map { $0 / count }
            Broadcast.forEachRow(x.shape, strides, strides) { o, ia, _, n, s, _ in
                for j in 0..<n { let d = Double(px[o + j]) - means[ia + j * s]; squares[ia + j * s] += d * d }
            }
            let scales = squares.map { 1 / (($0 / count).squareRoot() + 1e-9) }
            return [try Tensor.makeFloat(x.shape) { py, _ in
                Broadcast.forEachRow(x.shape, strides, strides) { o, ia, _, n, s, _ in
                    for j in 0..<n {
                        let slot = ia + j * s
                        py[o + j] = Float((Double(px[o + j]) - means[slot]) * scales[slot])
                    }
                }
            }]
        }
    }

    /// y[n, c, ...] = scale * x[n, c, ...] + bias[c] (an op of older exported models, e.g. the
    /// model zoo's Tiny YOLOv2; experimental in ONNX and gone from opset 10).
    static func imageScaler(_ ctx: OpContext) throws -> Kernel {
        let scale = try ctx.float("scale", default: 1)
        let bias = try ctx.floats("bias")
        return Kernel(label: "image_scaler") { inputs in
            let x = try inputs.required(0, "input")
            try x.requireFloat("input")
            guard x.rank >= 2 else { throw KernelError("input must be [N, C, ...], got \(x.shape)") }
            let c = x.shape[1], plane = x.shape[2...].reduce(1, *)
            let b = bias ?? [Float](repeating: 0, count: c)
            guard b.count == c else { throw KernelError("bias has \(b.count) values but the input has \(c) channels") }
            let px = x.pointer(as: Float.self)
            return [try Tensor.makeFloat(x.shape) { py, _ in
                for p in 0..<(x.shape[0] * c) {
                    let offset = b[p % c]
                    for j in 0..<plane { py[p * plane + j] = scale * px[p * plane + j] + offset }
                }
            }]
        }
    }
}
