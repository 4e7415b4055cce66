/// Output sizes and padding for sliding-window ops (Conv, MaxPool, AveragePool).
struct WindowGeometry: Equatable {
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    /// Begin pads for every spatial axis, then end pads (ONNX order).
    var pads: [Int]
    var output: [Int]

    enum AutoPad: String { case notSet = "NOTSET", sameUpper = "SAME_UPPER", sameLower = "SAME_LOWER", valid = "VALID" }

    /// Resolves output sizes for `input` spatial dims; `ceilMode` applies to pooling only.
    static func resolve(input: [Int], kernel: [Int], strides: [Int], dilations: [Int],
                        pads explicitPads: [Int], autoPad: AutoPad, ceilMode: Bool) throws -> WindowGeometry {
        let r = input.count
        var pads = explicitPads
        var output = [Int](repeating: 0, count: r)
        for i in 0..<r {
            guard max(kernel[i], strides[i], dilations[i], pads[i], pads[i + r]) <= 1 << 24 else {
                throw KernelError("window parameters along spatial axis \(i) are implausibly large")
            }
            let effective = (kernel[i] - 1) * dilations[i] + 1
            switch autoPad {
            case .notSet:
                let span = input[i] + pads[i] + pads[i + r] - effective
                guard span >= 0 else {
                    throw KernelError("window of \(effective) (kernel \(kernel[i]), dilation \(dilations[i])) is larger than the padded input \(input[i] + pads[i] + pads[i + r]) along spatial axis \(i)")
                }
                var out = (ceilMode ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1
                // A window that would start inside the right padding is dropped.
                if ceilMode && (out - 1) * strides[i] >= input[i] + pads[i] { out -= 1 }
                output[i] = out
            case .valid:
                let span = input[i] - effective
                guard span >= 0 else {
                    throw KernelError("window of \(effective) is larger than the input \(input[i]) along spatial axis \(i) (auto_pad VALID)")
                }
                output[i] = (ceilMode ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1
                pads[i] = 0; pads[i + r] = 0
            case .sameUpper, .sameLower:
                let out = (input[i] + strides[i] - 1) / strides[i]
                let total = max(0, (out - 1) * strides[i] + effective - input[i])
                let small = total / 2, large = total - total / 2
                pads[i] = autoPad == .sameUpper ? small : large
                pads[i + r] = autoPad == .sameUpper ? large : small
                output[i] = out
            }
        }
        return WindowGeometry(kernel: kernel, strides: strides, dilations: dilations, pads: pads, output: output)
    }
}

/// Window attributes shared by Conv and the pooling ops, parsed and checked at load.
struct WindowAttributes {
    var kernel: [Int]?
    var strides: [Int]?
    var dilations: [Int]?
    var pads: [Int]?
    var autoPad: WindowGeometry.AutoPad

    init(_ ctx: OpContext, kernelRequired: Bool) throws {
        kernel = try ctx.ints("kernel_shape")
        strides = try ctx.ints("strides")
        dilations = try ctx.ints("dilations")
        pads = try ctx.ints("pads")
        let ap = try ctx.string("auto_pad", default: "NOTSET")
        guard let parsed = WindowGeometry.AutoPad(rawValue: ap) else {
            throw ctx.invalid("auto_pad", "'\(ap)' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID")
        }
        autoPad = parsed
        if kernelRequired && kernel == nil { throw ctx.invalid("kernel_shape", "is required") }
        if let k = kernel, k.contains(where: { $0 <= 0 }) { throw ctx.invalid("kernel_shape", "\(k) must be positive") }
        if let s = strides, s.contains(where: { $0 <= 0 }) { throw ctx.invalid("strides", "\(s) must be positive") }
        if let d = dilations, d.contains(where: { $0 <= 0 }) { throw ctx.invalid("dilations", "\(d) must be positive") }
        if let p = pads, p.contains(where: { $0 < 0 }) { throw ctx.invalid("pads", "\(p) must not be negative") }
        // Absurd values would overflow the size arithmetic; no real model comes close.
        for (name, values) in [("kernel_shape", kernel), ("strides", strides), ("dilations", dilations), ("pads", pads)] {
            if let v = values, v.contains(where: { $0 > 1 << 24 }) { throw ctx.invalid(name, "\(v) is implausibly large") }
        }
        if let k = kernel {
            let r = k.count
            if let s = strides, s.count != r { throw ctx.invalid("strides", "has \(s.count) values for a \(r)-D kernel") }
            if let d = dilations, d.count != r { throw ctx.invalid("dilations", "has \(d.count) values for a \(r)-D kernel") }
            if let p = pads, p.count != 2 * r { throw ctx.invalid("pads", "has \(p.count) values; a \(r)-D kernel needs \(2 * r)") }
        }
    }

    /// Full geometry for `spatial` input dims and `kernelShape` (from W when not given).
    func geometry(spatial: [Int], kernelShape: [Int], ceilMode: Bool) throws -> WindowGeometry {
        let r = spatial.count
        guard kernelShape.count == r else {
            throw KernelError("kernel has \(kernelShape.count) spatial dims but the input has \(r)")
        }
        let s = strides ?? Array(repeating: 1, count: r)
        let d = dilations ?? Array(repeating: 1, count: r)
        let p = pads ?? Array(repeating: 0, count: 2 * r)
        guard s.count == r, d.count == r, p.count == 2 * r else {
            throw KernelError("strides/dilations/pads do not match \(r) spatial dims")
        }
        return try WindowGeometry.resolve(input: spatial, kernel: kernelShape, strides: s, dilations: d,
                                          pads: p, autoPad: autoPad, ceilMode: ceilMode)
    }
}
