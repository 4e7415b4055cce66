import COnyxKernels

/// Conv (1-D and 2-D, grouped and depthwise) through im2col + sgemm; 1x1 stride-1
/// unpadded convs skip im2col and multiply the input directly.
enum ConvOp {
    static func make(_ ctx: OpContext) throws -> Kernel {
        let window = try WindowAttributes(ctx, kernelRequired: false)
        let group = try ctx.int("group", default: 1)
        guard group >= 1 else { throw ctx.invalid("group", "\(group) must be at least 1") }
        guard ctx.node.inputs.count >= 2 else { throw ctx.invalid("inputs", "Conv needs X and W") }
        let epilogue = try Epilogue(ctx)
        let hasResidual = try ctx.int(FusedAttributes.residual, default: 0) != 0
        return Kernel(label: "im2col+sgemm" + epilogue.labelSuffix(residual: hasResidual)) { inputs in
            let x = try inputs.required(0, "X"), w = try inputs.required(1, "W")
            try x.requireFloat("X"); try w.requireFloat("W")
            var residual = hasResidual ? try inputs.required(3, "residual") : nil
            var lateResidual: Tensor?
            if let r = residual, r.elementType != .float32 || r.shape != outputShapeHint(x: x, w: w, window: window) {
                lateResidual = r // not the output's shape: add with broadcasting after the conv
                residual = nil
            }
            var y = try run(x: x, w: w, bias: inputs.optional(2), window: window, group: group,
                            residual: residual, epilogue: lateResidual == nil ? epilogue : .none)
            if let r = lateResidual {
                y = try ElementwiseOps.apply(.add, y, r)
                if epilogue.act != ONYX_ACT_NONE { y = UnaryOps.activation(y, epilogue.act, epilogue.alpha, epilogue.beta) }
            }
            return [y]
        }
    }

    /// The output shape for X and W, or nil when they do not form a valid conv.
    static func outputShapeHint(x: Tensor, w: Tensor, window: WindowAttributes) -> [Int]? {
        guard x.rank >= 3, w.rank == x.rank,
              let geo = try? window.geometry(spatial: Array(x.shape[2...]), kernelShape: Array(w.shape[2...]), ceilMode: false)
        else { return nil }
        return [x.shape[0], w.shape[0]] + geo.output
    }

    // y[n, m, oh, ow] = b[m] + sum_{c,i,j} w[m, c, i, j] * x[n, g*Cg + c, oh*sh - pt + i*dh, ow*sw - pl + j*dw]
    static func run(x: Tensor, w: Tensor, bias: Tensor?, window: WindowAttributes, group: Int,
                    residual: Tensor? = nil, epilogue: Epilogue = .none) throws -> Tensor {
        guard x.rank == 3 || x.rank == 4 else {
            throw KernelError("X must be 3-D (1-D conv) or 4-D (2-D conv), got shape \(x.shape)")
        }
        guard w.rank == x.rank else { throw KernelError("W shape \(w.shape) does not match X shape \(x.shape)") }
        let n = x.shape[0], c = x.shape[1], m = w.shape[0], cg = w.shape[1]
        guard c == cg * group, m % group == 0 else {
            throw KernelError("X has \(c) channels, W \(w.shape) with group \(group) expects \(cg * group) and output channels divisible by the group")
        }
        let spatial = Array(x.shape[2...])
        let kShape = Array(w.shape[2...])
        if let k = window.kernel, k != kShape {
            throw KernelError("kernel_shape \(k) does not match W spatial shape \(kShape)")
        }
        let geo = try window.geometry(spatial: spatial, kernelShape: kShape, ceilMode: false)
        if let b = bias {
            try b.requireFloat("B")
            guard b.count == m, b.rank == 1 else { throw KernelError("B must have shape [\(m)], got \(b.shape)") }
        }
        // 1-D convs run as 2-D with height 1.
        let twoD = spatial.count == 2
        var g = onyx_conv_geometry()
        g.channels = Int64(cg)
        g.in_h = Int64(twoD ? spatial[0] : 1); g.in_w = Int64(spatial[twoD ? 1 : 0])
        g.kernel_h = Int64(twoD ? kShape[0] : 1); g.kernel_w = Int64(kShape[twoD ? 1 : 0])
        g.pad_top = Int64(twoD ? geo.pads[0] : 0); g.pad_left = Int64(geo.pads[twoD ? 1 : 0])
        g.stride_h = Int64(twoD ? geo.strides[0] : 1); g.stride_w = Int64(geo.strides[twoD ? 1 : 0])
        g.dilation_h = Int64(twoD ? geo.dilations[0] : 1); g.dilation_w = Int64(geo.dilations[twoD ? 1 : 0])
        g.out_h = Int64(twoD ? geo.output[0] : 1); g.out_w = Int64(geo.output[twoD ? 1 : 0])

        let outPlane = Int(g.out_h * g.out_w), inPlane = Int(g.in_h * g.in_w)
        let kSize = cg * Int(g.kernel_h * g.kernel_w)
        let mg = m / group
        let pointwise = kSize == cg && geo.strides.allSatisfy { $0 == 1 } && geo.pads.allSatisfy { $0 == 0 }
        let px = x.pointer(as: Float.self), pw = w.pointer(as: Float.self)
        let col: UnsafeMutablePointer<Float>? = pointwise ? nil : .allocate(capacity: max(1, kSize * outPlane))
        defer { col?.deallocate() }
        return Tensor.makeFloat([n, m] + geo.output) { py, _ in
            for img in 0..<n {
                for gi in 0..<group {
                    let xg = px + (img * c + gi * cg) * inPlane
                    let yg = py + (img * m + gi * mg) * outPlane
                    var src = UnsafePointer(xg)
                    if let col {
                        withUnsafePointer(to: g) { onyx_im2col_f32(xg, $0, col) }
                        src = UnsafePointer(col)
                    }
                    Sgemm.run(transA: false, transB: false, m: mg, n: outPlane, k: kSize, alpha: 1,
                              a: pw + gi * mg * kSize, lda: kSize, b: src, ldb: outPlane,
                              beta: 0, c: yg, ldc: outPlane)
                }
                if bias != nil || residual != nil || epilogue.act != ONYX_ACT_NONE {
                    let off = img * m * outPlane
                    onyx_channel_epilogue_f32(py + off, nil, bias?.pointer(as: Float.self),
                                              residual.map { UnsafePointer($0.pointer(as: Float.self) + off) },
                                              Int64(m), Int64(outPlane), Int32(epilogue.act.rawValue),
                                              epilogue.alpha, epilogue.beta)
                }
            }
        }
    }
}
