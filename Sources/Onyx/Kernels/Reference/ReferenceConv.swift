/// Plain loops with no tricks: the definition the fast conv and pooling kernels are
/// checked against in tests.
enum ReferenceKernels {
    // y[n, m, oh, ow] = b[m] + sum_{c, i, j} w[m, c, i, j] * x[n, g*Cg + c, oh*sh - pt + i*dh, ow*sw - pl + j*dw]
    static func conv2D(x: Tensor, w: Tensor, bias: Tensor?, group: Int, geometry geo: WindowGeometry) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (m, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let (oh, ow) = (geo.output[0], geo.output[1]), mg = m / group
        let xs = x.floats, ws = w.floats, bs = bias?.floats
        var y = [Float](repeating: 0, count: n * m * oh * ow)
        for img in 0..<n { for om in 0..<m { for r in 0..<oh { for col in 0..<ow {
            var acc = bs?[om] ?? 0
            let gi = om / mg
            for ci in 0..<cg { for i in 0..<kh { for j in 0..<kw {
                let ih = r * geo.strides[0] - geo.pads[0] + i * geo.dilations[0]
                let iw = col * geo.strides[1] - geo.pads[1] + j * geo.dilations[1]
                guard ih >= 0, ih < h, iw >= 0, iw < wd else { continue }
                acc += ws[((om * cg + ci) * kh + i) * kw + j] * xs[((img * c + gi * cg + ci) * h + ih) * wd + iw]
            } } }
            y[((img * m + om) * oh + r) * ow + col] = acc
        } } } }
        return try! Tensor(shape: [n, m, oh, ow], floats: y)
    }

    /// Max pooling by definition (windows clipped to the input).
    static func maxPool2D(x: Tensor, geometry geo: WindowGeometry) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = (geo.output[0], geo.output[1])
        let xs = x.floats
        var y = [Float](repeating: -.infinity, count: n * c * oh * ow)
        for p in 0..<(n * c) { for r in 0..<oh { for col in 0..<ow {
            var best = -Float.infinity
            for i in 0..<geo.kernel[0] { for j in 0..<geo.kernel[1] {
                let ih = r * geo.strides[0] - geo.pads[0] + i * geo.dilations[0]
                let iw = col * geo.strides[1] - geo.pads[1] + j * geo.dilations[1]
                guard ih >= 0, ih < h, iw >= 0, iw < wd else { continue }
                best = max(best, xs[(p * h + ih) * wd + iw])
            } }
            y[(p * oh + r) * ow + col] = best
        } } }
        return try! Tensor(shape: [n, c, oh, ow], floats: y)
    }

    /// Average pooling by definition: the sum over taps inside the input, divided by the taps
    /// inside the padded input (`includePad`) or inside the input.
    static func avgPool2D(x: Tensor, geometry geo: WindowGeometry, includePad: Bool) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = (geo.output[0], geo.output[1])
        let xs = x.floats
        var y = [Float](repeating: 0, count: n * c * oh * ow)
        for p in 0..<(n * c) { for r in 0..<oh { for col in 0..<ow {
            var sum: Float = 0
            var valid = 0, padded = 0
            for i in 0..<geo.kernel[0] { for j in 0..<geo.kernel[1] {
                let ih = r * geo.strides[0] - geo.pads[0] + i * geo.dilations[0]
                let iw = col * geo.strides[1] - geo.pads[1] + j * geo.dilations[1]
                guard ih >= -geo.pads[0], ih < h + geo.pads[2], iw >= -geo.pads[1], iw < wd + geo.pads[3] else { continue }
                padded += 1
                guard ih >= 0, ih < h, iw >= 0, iw < wd else { continue }
                sum += xs[(p * h + ih) * wd + iw]
                valid += 1
            } }
            let divisor = includePad ? padded : valid
            y[(p * oh + r) * ow + col] = divisor > 0 ? sum / Float(divisor) : 0
        } } }
        return try! Tensor(shape: [n, c, oh, ow], floats: y)
    }
}
