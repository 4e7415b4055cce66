import COnyxKernels

/// Conv (1-D and 2-D, grouped and depthwise). The algorithm is chosen per node:
/// depthwise convs run a direct kernel, 1x1 stride-1 unpadded convs multiply the input
/// straight through sgemm, the rest go through im2col + sgemm. Bias, a fused residual
/// add and a fused activation are applied in one pass over the output.
enum ConvOp {
    enum Algorithm: String {
        case depthwise, pointwise = "1x1-sgemm", im2col = "im2col+sgemm", winograd = "winograd43", firstLayer = "direct-first-layer"
    }

    static func make(_ ctx: OpContext) throws -> Kernel {
        let window = try WindowAttributes(ctx, kernelRequired: false)
        let group = try ctx.int("group", default: 1)
        guard group >= 1 else { throw ctx.invalid("group", "\(group) must be at least 1") }
        guard ctx.node.inputs.count >= 2 else { throw ctx.invalid("inputs", "Conv needs X and W") }
        let epilogue = try Epilogue(ctx)
        let hasResidual = try ctx.int(FusedAttributes.residual, default: 0) != 0
        guard ctx.node.inputs.count <= (hasResidual ? 4 : 3) else {
            throw ctx.invalid("inputs", "Conv takes X, W and an optional B, got \(ctx.node.inputs.count) inputs")
        }
        let threads = ctx.threads
        // A BatchNormalization folded into the epilogue: y = (W * x) * scale[m] + B[m].
        let channelScale = try ctx.floats(FusedAttributes.scale)
        let scaleTensor = try channelScale.map { try Tensor(shape: [$0.count], floats: $0) }
        // With constant weights the algorithm (and so the profile label) is known at load;
        // Winograd weights are transformed once, on first use.
        let constW = ctx.constants[ctx.node.inputs[1]].flatMap { $0.elementType == .float32 ? $0 : nil }
        var algo = constW.map { algorithm(weights: $0.shape, group: group, window: window) }
        // The direct first layer takes no fused residual and no epilogue scale (see FirstLayerConv.applies).
        if algo == .firstLayer && (hasResidual || ctx.node.attributes[FusedAttributes.scale] != nil) { algo = .im2col }
        var label = algo?.rawValue ?? "conv"
        let winograd = constW.flatMap { w in
            WinogradConv.applies(weights: w.shape, group: group, window: window)
                && (channelScale == nil || channelScale?.count == w.shape[0])
                ? WinogradConv.Weights(w, scale: channelScale) : nil
        }
        if winograd != nil { label = Algorithm.winograd.rawValue + "|" + label }
        let narrow = constW.flatMap { w in NarrowConv.applies(weights: w.shape, group: group) ? PackedWeights(w, layout: .narrow) : nil }
        let panels = constW.flatMap { w in PanelConv.applies(weights: w.shape, group: group) ? PackedWeights(w, layout: .panels) : nil }
        return Kernel(label: label + epilogue.labelSuffix(residual: hasResidual)) { inputs in
            let x = try inputs.required(0, "X"), w = try inputs.required(1, "W")
            try x.requireFloat("X"); try w.requireFloat("W")
            let problem = try ConvProblem(x: x, w: w, bias: inputs.optional(2), window: window, group: group)
            if let s = channelScale, s.count != problem.m {
                throw KernelError("\(FusedAttributes.scale) has \(s.count) factors for \(problem.m) output channels")
            }
            var residual = hasResidual ? try inputs.required(3, "residual") : nil
            var lateResidual: Tensor?
            if let r = residual, r.elementType != .float32 || r.shape != problem.outputShape {
                lateResidual = r // not the output's shape: add with broadcasting after the conv
                residual = nil
            }
            let useWinograd = winograd != nil && WinogradConv.worthIt(problem)
            var y = try run(problem, x: x, w: w, scale: scaleTensor, bias: inputs.optional(2), residual: residual,
                        epilogue: lateResidual == nil ? epilogue : .none, winograd: useWinograd ? winograd : nil,
                        narrow: narrow, panels: panels, threads: threads)
            if let r = lateResidual {
                y = try ElementwiseOps.apply(.add, y, r)
                if epilogue.act != ONYX_ACT_NONE { y = try UnaryOps.activation(y, epilogue.act, epilogue.alpha, epilogue.beta) }
            }
            return [y]
        }
    }

    static func algorithm(weights: [Int], group: Int, window: WindowAttributes) -> Algorithm {
        let kernelSize = weights.dropFirst(2).reduce(1, *)
        if group > 1 && weights.count >= 3 && weights[1] == 1 && weights[0] % group == 0 { return .depthwise }
        if FirstLayerConv.likely(weights: weights, group: group, window: window) { return .firstLayer }
        let unitStrides = (window.strides ?? []).allSatisfy { $0 == 1 }
        let noPads = (window.pads ?? []).allSatisfy { $0 == 0 } && window.autoPad != .sameUpper && window.autoPad != .sameLower
        return kernelSize == 1 && unitStrides && noPads ? .pointwise : .im2col
    }

    /// The conv of `p`; `scale` (one factor per output channel) multiplies the product before
    /// the bias. Winograd weights carry their own scale (see `WinogradConv.Weights`).
    static func run(_ p: ConvProblem, x: Tensor, w: Tensor, scale: Tensor? = nil, bias: Tensor?, residual: Tensor?,
                    epilogue: Epilogue, winograd: WinogradConv.Weights? = nil, narrow: PackedWeights? = nil, panels: PackedWeights? = nil,
                    threads: Int = 1) throws -> Tensor {
        let px = x.pointer(as: Float.self), pw = w.pointer(as: Float.self)
        let pb = bias.map { UnsafePointer($0.pointer(as: Float.self)) }
        let ps = scale.map { UnsafePointer($0.pointer(as: Float.self)) }
        return try Tensor.makeFloat(p.outputShape) { py, count in
            if count == 0 { return } // an empty image or no output channels: nothing to compute
            if p.kSize == 0 || p.inPlane == 0 {
                // No input to read: every output is the bias (then the residual and activation).
                for i in 0..<count { py[i] = 0 }
                for img in 0..<p.n {
                    let off = img * p.m * p.outPlane
                    onyx_channel_epilogue_f32(py + off, nil, pb, residual.map { UnsafePointer($0.pointer(as: Float.self) + off) },
                                              Int64(p.m), Int64(p.outPlane), Int32(epilogue.act.rawValue), epilogue.alpha, epilogue.beta)
                }
                return
            }
            if p.isDepthwise {
                let g = p.geometry, mult = p.m / p.c
                for img in 0..<p.n {
                    let xOff = img * p.c * p.inPlane, yOff = img * p.m * p.outPlane
                    // A residual or a scale comes before the activation, and a scale before the
                    // bias: then one channel epilogue pass finishes what the kernel leaves out.
                    let fuseAct = residual != nil || ps != nil ? .none : epilogue
                    let fuseBias = ps != nil ? nil : pb
                    // Input channels (with their `mult` outputs each) split over the threads.
                    Parallel.forEachChunk(p.c, threads: threads, minimumPerChunk: max(8, Parallel.minimumItems(of: p.inPlane))) { r in
                        var part = g
                        let m0 = r.lowerBound * mult
                        onyx_depthwise_conv2d_f32(px + xOff + r.lowerBound * p.inPlane, pw + m0 * Int(g.kernel_h * g.kernel_w),
                                                  fuseBias.map { $0 + m0 }, py + yOff + m0 * p.outPlane, Int64(r.count * mult),
                                                  Int64(mult), &part, Int32(fuseAct.act.rawValue), fuseAct.alpha, fuseAct.beta)
                    }
                    if residual != nil || ps != nil {
                        onyx_channel_epilogue_f32(py + yOff, ps, ps != nil ? pb : nil,
                                                  residual.map { UnsafePointer($0.pointer(as: Float.self) + yOff) },
                                                  Int64(p.m), Int64(p.outPlane), Int32(epilogue.act.rawValue),
                                                  epilogue.alpha, epilogue.beta)
                    }
                }
                return
            }
            let pr = residual.map { UnsafePointer($0.pointer(as: Float.self)) }
            if winograd == nil && ps == nil && FirstLayerConv.applies(p, residual: pr != nil) {
                FirstLayerConv.run(p, px: px, pw: pw, py: py, bias: pb, epilogue: epilogue, threads: threads)
                return
            }
            guard let winograd else {
                Im2colConv.run(p, px: px, pw: pw, py: py, scale: ps, bias: pb, residual: pr, epilogue: epilogue,
                               threads: threads, packed: narrow, panels: panels)
                return
            }
            WinogradConv.run(p, weights: winograd, px: px, py: py, bias: pb, residual: pr, epilogue: epilogue,
                             threads: threads)
        }
    }
}

/// One Conv call's sizes, validated.
struct ConvProblem {
    let n: Int, c: Int, m: Int, cg: Int, group: Int
    let geometry: onyx_conv_geometry
    let window: WindowGeometry
    let outputShape: [Int]
    let inPlane: Int, outPlane: Int
    /// Rows of the im2col matrix: input channels per group times kernel size.
    let kSize: Int
    var isDepthwise: Bool { group > 1 && cg == 1 && group == c }
    var isPointwise: Bool {
        kSize == cg && window.strides.allSatisfy { $0 == 1 } && window.pads.allSatisfy { $0 == 0 }
    }

    init(x: Tensor, w: Tensor, bias: Tensor?, window attrs: WindowAttributes, group: Int) throws {
        guard x.rank == 3 || x.rank == 4 else {
            throw KernelError("X must be 3-D (1-D conv) or 4-D (2-D conv), got shape \(x.shape)")
        }
        guard w.rank == x.rank else { throw KernelError("W shape \(w.shape) does not match X shape \(x.shape)") }
        n = x.shape[0]; c = x.shape[1]; m = w.shape[0]; cg = w.shape[1]; self.group = group
        guard group <= max(c, 1), c == cg * group, m % group == 0 else {
            throw KernelError("X has \(c) channels but W \(w.shape) with group \(group) expects \(cg) input channels per group (and output channels divisible by the group)")
        }
        let spatial = Array(x.shape[2...]), kShape = Array(w.shape[2...])
        if let k = attrs.kernel, k != kShape {
            throw KernelError("kernel_shape \(k) does not match W spatial shape \(kShape)")
        }
        let geo = try attrs.geometry(spatial: spatial, kernelShape: kShape, ceilMode: false)
        if let b = bias {
            try b.requireFloat("B")
            guard b.count == m, b.rank == 1 else { throw KernelError("B must have shape [\(m)], got \(b.shape)") }
        }
        window = geo
        outputShape = [n, m] + geo.output
        // 1-D convs run as 2-D with height 1.
        let twoD = spatial.count == 2, r = spatial.count
        var g = onyx_conv_geometry()
        g.channels = Int64(cg)
        g.in_h = Int64(twoD ? spatial[0] : 1); g.in_w = Int64(spatial[r - 1])
        g.kernel_h = Int64(twoD ? kShape[0] : 1); g.kernel_w = Int64(kShape[r - 1])
        g.pad_top = Int64(twoD ? geo.pads[0] : 0); g.pad_left = Int64(geo.pads[r - 1])
        g.pad_bottom = Int64(twoD ? geo.pads[2] : 0); g.pad_right = Int64(geo.pads[2 * r - 1])
        g.stride_h = Int64(twoD ? geo.strides[0] : 1); g.stride_w = Int64(geo.strides[r - 1])
        g.dilation_h = Int64(twoD ? geo.dilations[0] : 1); g.dilation_w = Int64(geo.dilations[r - 1])
        g.out_h = Int64(twoD ? geo.output[0] : 1); g.out_w = Int64(geo.output[r - 1])
        geometry = g
        inPlane = Int(g.in_h * g.in_w); outPlane = Int(g.out_h * g.out_w)
        kSize = cg * Int(g.kernel_h * g.kernel_w)
        _ = try checkedElementCount([kSize, outPlane]) // the im2col buffer
    }
}
