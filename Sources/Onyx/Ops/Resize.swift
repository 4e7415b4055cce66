import Foundation

/// Resize (opsets 10-19: nearest, linear and cubic; every coordinate_transformation_mode and
/// nearest_mode; exclude_outside, extrapolation_value, axes, keep_aspect_ratio_policy) and
/// Upsample (opsets 7-9). Float32. Applied one axis at a time, innermost first, each output
/// index reading a few weighted input indices along that axis (the N-d interpolation of
/// ONNX's reference is separable in the same order, extrapolation included).
enum ResizeOp {
    enum Mode: String { case nearest, linear, cubic }

    struct Settings {
        var mode = Mode.nearest
        var coordinates = "half_pixel"
        var nearest = "round_prefer_floor"
        var cubicA: Double = -0.75
        var excludeOutside = false
        var extrapolation: Float = 0
        var axes: [Int]?
        var aspectPolicy = "stretch"
    }

    static func resize(_ ctx: OpContext) throws -> Kernel {
        var s = Settings()
        let modeName = try ctx.string("mode", default: "nearest")
        guard let mode = Mode(rawValue: modeName) else { throw ctx.invalid("mode", "'\(modeName)' is not nearest, linear or cubic") }
        s.mode = mode
        if ctx.opset >= 11 {
            s.coordinates = try ctx.string("coordinate_transformation_mode", default: "half_pixel")
            s.nearest = try ctx.string("nearest_mode", default: "round_prefer_floor")
            s.cubicA = Double(try ctx.float("cubic_coeff_a", default: -0.75))
            s.excludeOutside = try ctx.int("exclude_outside", default: 0) != 0
            s.extrapolation = try ctx.float("extrapolation_value", default: 0)
        } else {
            s.coordinates = "asymmetric"
            s.nearest = "floor"
            guard mode != .cubic else { throw ctx.invalid("mode", "cubic needs opset 11 or later") }
        }
        let knownModes = ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize"]
        guard knownModes.contains(s.coordinates) else {
            throw ctx.invalid("coordinate_transformation_mode", "'\(s.coordinates)' is not one of \(knownModes.joined(separator: ", "))")
        }
        guard ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"].contains(s.nearest) else {
            throw ctx.invalid("nearest_mode", "'\(s.nearest)' is not round_prefer_floor, round_prefer_ceil, floor or ceil")
        }
        if ctx.opset >= 18 {
            if try ctx.int("antialias", default: 0) != 0 { throw ctx.invalid("antialias", "antialiased resizing is not supported") }
            s.axes = try ctx.ints("axes")
            s.aspectPolicy = try ctx.string("keep_aspect_ratio_policy", default: "stretch")
            guard ["stretch", "not_larger", "not_smaller"].contains(s.aspectPolicy) else {
                throw ctx.invalid("keep_aspect_ratio_policy", "'\(s.aspectPolicy)' is not stretch, not_larger or not_smaller")
            }
        }
        let legacy = ctx.opset < 11 // inputs X, scales
        let settings = s
        return Kernel(label: "resize_" + modeName) { inputs in
            let x = try inputs.required(0, "X")
            let roi = legacy ? nil : inputs.optional(1).flatMap { $0.count > 0 ? $0.floats.map(Double.init) : nil }
            let scales = inputs.optional(legacy ? 1 : 2).flatMap { $0.count > 0 ? $0.floats.map(Double.init) : nil }
            let sizes = legacy ? nil : inputs.optional(3).flatMap { $0.count > 0 ? $0.int64s.map { Int($0) } : nil }
            return [try run(x, settings, roi: roi, scales: scales, sizes: sizes)]
        }
    }

    /// Upsample: scales from the attribute (opset 7) or input 1 (opset 9); asymmetric coordinates.
    static func upsample(_ ctx: OpContext) throws -> Kernel {
        var s = Settings()
        let modeName = try ctx.string("mode", default: "nearest")
        guard let mode = Mode(rawValue: modeName), mode != .cubic else { throw ctx.invalid("mode", "'\(modeName)' is not nearest or linear") }
        s.mode = mode
        s.coordinates = "asymmetric"
        s.nearest = "floor"
        let attrScales = ctx.opset < 9 ? try ctx.floats("scales")?.map(Double.init) : nil
        if ctx.opset < 9 && attrScales == nil { throw ctx.invalid("scales", "is required") }
        let settings = s
        return Kernel(label: "resize_" + modeName) { inputs in
            let x = try inputs.required(0, "X")
            let scales = try attrScales ?? inputs.required(1, "scales").floats.map(Double.init)
            return [try run(x, settings, roi: nil, scales: scales, sizes: nil)]
        }
    }

    static func run(_ x: Tensor, _ s: Settings, roi: [Double]?, scales: [Double]?, sizes: [Int]?) throws -> Tensor {
        try x.requireFloat("X")
        let rank = x.rank
        let axes = try (s.axes ?? Array(0..<rank)).map { try normalizeAxis($0, rank: rank) }
        guard Set(axes).count == axes.count else { throw KernelError("axes \(s.axes ?? []) repeat an axis") }
        var scale = [Double](repeating: 1, count: rank), outShape = x.shape
        if let sizes {
            guard scales == nil else { throw KernelError("give scales or sizes, not both") }
            guard sizes.count == axes.count, sizes.allSatisfy({ $0 >= 0 }) else {
                throw KernelError("sizes \(sizes) must have \(axes.count) non-negative values")
            }
            var ratios = zip(axes, sizes).map { Double($1) / Double(max(x.shape[$0], 1)) }
            if s.aspectPolicy != "stretch" {
                let r = s.aspectPolicy == "not_larger" ? ratios.min() ?? 1 : ratios.max() ?? 1
                ratios = ratios.map { _ in r }
            }
            for (i, a) in axes.enumerated() {
                scale[a] = ratios[i]
                let o = s.aspectPolicy == "stretch" ? Double(sizes[i]) : (ratios[i] * Double(x.shape[a])).rounded()
                guard o < Double(1 << 40) else { throw KernelError("sizes \(sizes) make \(x.shape) too large") }
                outShape[a] = Int(o)
            }
        } else if let scales {
            guard scales.count == axes.count, scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw KernelError("scales \(scales) must have \(axes.count) positive values")
            }
            for (i, a) in axes.enumerated() {
                scale[a] = scales[i]
                let o = (Double(x.shape[a]) * scales[i]).rounded(.down)
                guard o < Double(1 << 40) else { throw KernelError("scales \(scales) make \(x.shape) too large") }
                outShape[a] = Int(o)
            }
        } else {
            throw KernelError("Resize needs scales or sizes")
        }
        _ = try checkedElementCount(outShape)
        var roiStart = [Double](repeating: 0, count: rank), roiEnd = [Double](repeating: 1, count: rank)
        if s.coordinates == "tf_crop_and_resize" {
            guard let roi, roi.count == 2 * axes.count, roi.allSatisfy({ $0.isFinite }) else {
                throw KernelError("tf_crop_and_resize needs roi with \(2 * axes.count) finite values, got \(roi ?? [])")
            }
            for (i, a) in axes.enumerated() { roiStart[a] = roi[i]; roiEnd[a] = roi[i + axes.count] }
        }
        var y = x
        for a in stride(from: rank - 1, through: 0, by: -1) where outShape[a] != x.shape[a] || scale[a] != 1
            || s.coordinates == "tf_crop_and_resize" {
            let taps = try Taps(input: x.shape[a], output: outShape[a], scale: scale[a], roi: (roiStart[a], roiEnd[a]), s)
            y = try taps.apply(y, axis: a, extrapolation: s.extrapolation)
        }
        return y
    }

    /// For each output index along one axis: the input indices it reads and their weights,
    /// or nil when it falls outside the input (tf_crop_and_resize extrapolation).
    struct Taps {
        let width: Int
        var index: [Int] = [], weight: [Float] = [], outside: [Bool] = []
        let output: Int

        init(input: Int, output: Int, scale: Double, roi: (Double, Double), _ s: Settings) throws {
            guard input > 0 || output == 0 else { throw KernelError("cannot resize an empty axis to \(output)") }
            self.output = output
            width = s.mode == .nearest ? 1 : s.mode == .linear ? 2 : 4
            // Coordinates in float32 arithmetic, as onnxruntime computes them: at exact .0/.5
            // boundaries (e.g. scale 0.6) float64 would round the other way.
            let I = Float(input), O = Float(output), scale = Float(scale), roi = (Float(roi.0), Float(roi.1))
            for o in 0..<output {
                let d = Float(o)
                var xo: Float
                switch s.coordinates {
                case "half_pixel": xo = (d + 0.5) / scale - 0.5
                case "half_pixel_symmetric":
                    let adjustment = O / (scale * I), center = I / 2
                    xo = center * (1 - adjustment) + (d + 0.5) / scale - 0.5
                case "pytorch_half_pixel": xo = output > 1 ? (d + 0.5) / scale - 0.5 : 0
                case "align_corners":
                    // Over the rounded output length, as onnxruntime does (ONNX's reference
                    // divides by input * scale, which differs when the scale does not divide evenly).
                    xo = output == 1 ? 0 : d * (I - 1) / (O - 1)
                case "asymmetric": xo = d / scale
                default: // tf_crop_and_resize
                    xo = output > 1 ? roi.0 * (I - 1) + d * (roi.1 - roi.0) * (I - 1) / (O - 1) : 0.5 * (roi.0 + roi.1) * (I - 1)
                }
                // Finite scales and roi keep coordinates within a few input lengths; anything
                // else (overflow in float32) is refused rather than converted to an index.
                guard xo.isFinite, abs(xo) < Float(1 << 40) else {
                    throw KernelError("resize coordinate \(xo) for output index \(o) is out of range (scale \(scale))")
                }
                let out = s.coordinates == "tf_crop_and_resize" && (xo < 0 || xo > I - 1)
                outside.append(out)
                if out { xo = 0 }
                switch s.mode {
                case .nearest:
                    var n: Float
                    switch s.nearest {
                    case "round_prefer_ceil": n = (xo + 0.5).rounded(.down)
                    case "floor": n = xo.rounded(.down)
                    case "ceil": n = xo.rounded(.up)
                    default: n = xo == xo.rounded(.down) + 0.5 ? xo.rounded(.down) : xo.rounded()
                    }
                    index.append(Int(min(max(n, 0), I - 1)))
                    weight.append(1)
                case .linear:
                    let c = min(max(xo, 0), I - 1)
                    let i0 = c.rounded(.down), f = c - i0
                    index += [Int(i0), Int(min(i0 + 1, I - 1))]
                    weight += [Float(1 - f), Float(f)]
                case .cubic:
                    let i0 = Double(xo.rounded(.down)), f = Double(xo) - i0, a = s.cubicA
                    func k(_ t: Double) -> Double {
                        let t = abs(t)
                        if t <= 1 { return (a + 2) * t * t * t - (a + 3) * t * t + 1 }
                        if t < 2 { return a * t * t * t - 5 * a * t * t + 8 * a * t - 4 * a }
                        return 0
                    }
                    var w = [k(1 + f), k(f), k(1 - f), k(2 - f)]
                    let idx = (-1...2).map { Int(i0) + $0 }
                    if s.excludeOutside {
                        for j in 0..<4 where idx[j] < 0 || idx[j] >= input { w[j] = 0 }
                        let sum = w.reduce(0, +)
                        if sum != 0 { w = w.map { $0 / sum } }
                    }
                    index += idx.map { min(max($0, 0), input - 1) }
                    weight += w.map { Float($0) }
                }
            }
        }

        /// x resized along `axis`: [outer, input, inner] -> [outer, output, inner].
        func apply(_ x: Tensor, axis: Int, extrapolation: Float) throws -> Tensor {
            var shape = x.shape
            let input = shape[axis]
            shape[axis] = output
            let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *)
            let px = x.pointer(as: Float.self)
            return try Tensor.makeFloat(shape) { py, _ in
                for o in 0..<outer {
                    let src = px + o * input * inner
                    for j in 0..<output {
                        let dst = py + (o * output + j) * inner
                        if outside[j] {
                            dst.initialize(repeating: extrapolation, count: inner)
                            continue
                        }
                        let i0 = index[j * width], w0 = weight[j * width]
                        for q in 0..<inner { dst[q] = w0 * src[i0 * inner + q] }
                        for t in 1..<width {
                            let i = index[j * width + t], w = weight[j * width + t]
                            if w == 0 { continue }
                            for q in 0..<inner { dst[q] += w * src[i * inner + q] }
                        }
                    }
                }
            }
        }
    }
}
