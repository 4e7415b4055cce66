import COnyxKernels

/// ConvTranspose (1-D to 3-D, groups, strides, dilations, pads, output_padding, output_shape,
/// auto_pad): per image and group, col = W_g^T x X_g as one sgemm, then col2im adds every
/// column into the output window it came from, then the bias.
enum ConvTransposeOp {
    static func make(_ ctx: OpContext) throws -> Kernel {
        let window = try WindowAttributes(ctx, kernelRequired: false)
        let group = try ctx.int("group", default: 1)
        guard group >= 1 else { throw ctx.invalid("group", "\(group) must be at least 1") }
        let outputPadding = try ctx.ints("output_padding")
        let outputShape = try ctx.ints("output_shape")
        for (name, values) in [("output_padding", outputPadding), ("output_shape", outputShape)] {
            if let v = values, v.contains(where: { $0 < 0 || $0 > 1 << 24 }) { throw ctx.invalid(name, "\(v) is out of range") }
        }
        let threads = ctx.threads
        return Kernel(label: "col2im+sgemm") { inputs in
            let x = try inputs.required(0, "X"), w = try inputs.required(1, "W")
            try x.requireFloat("X"); try w.requireFloat("W")
            let bias = inputs.optional(2)
            let r = x.rank - 2
            guard r >= 1, r <= 3, w.rank == x.rank else {
                throw KernelError("X \(x.shape) and W \(w.shape) must both be [N, C, D1, ...] with 1 to 3 spatial dims")
            }
            let (n, c) = (x.shape[0], x.shape[1])
            guard w.shape[0] == c, c % group == 0 else {
                throw KernelError("W \(w.shape) needs \(c) input channels (X \(x.shape)) divisible by group \(group)")
            }
            let mg = w.shape[1], m = mg * group, cg = c / group
            let kernel = Array(w.shape[2...])
            if let k = window.kernel, k != kernel { throw KernelError("kernel_shape \(k) does not match W \(w.shape)") }
            if let b = bias {
                try b.requireFloat("B")
                guard b.count == m else { throw KernelError("B has \(b.count) values for \(m) output channels") }
            }
            let inSize = Array(x.shape[2...])
            let geometry = try Geometry(inSize: inSize, kernel: kernel, window: window,
                                        outputPadding: outputPadding, outputShape: outputShape)
            let outPlane = geometry.out.reduce(1, *), inPlane = inSize.reduce(1, *), k = kernel.reduce(1, *)
            let px = x.pointer(as: Float.self), pw = w.pointer(as: Float.self)
            let col = ScratchBuffer(floats: try checkedElementCount([mg * k, inPlane], limit: maxTensorBytes / 4))
            defer { col.release() }
            return [try Tensor.makeFloat([n, m] + geometry.out) { py, total in
                py.initialize(repeating: 0, count: total)
                for img in 0..<n {
                    for g in 0..<group {
                        // col[mg * k, inPlane] = W_g[cg, mg * k]^T x X_g[cg, inPlane]
                        Sgemm.run(transA: true, transB: false, m: mg * k, n: inPlane, k: cg, alpha: 1,
                                  a: pw + g * cg * mg * k, lda: mg * k, b: px + (img * c + g * cg) * inPlane, ldb: inPlane,
                                  beta: 0, c: col.pointer, ldc: inPlane, threads: threads)
                        geometry.col2im(col.pointer, channels: mg, into: py + (img * m + g * mg) * outPlane)
                    }
                    if let pb = bias?.pointer(as: Float.self) {
                        onyx_channel_epilogue_f32(py + img * m * outPlane, nil, pb, nil, Int64(m), Int64(outPlane),
                                                  Int32(ONYX_ACT_NONE.rawValue), 0, 0)
                    }
                }
            }]
        }
    }

    /// Output size and padding per spatial dim, and the col2im scatter.
    struct Geometry {
        let inSize: [Int], kernel: [Int], strides: [Int], dilations: [Int], padBegin: [Int], out: [Int]

        init(inSize: [Int], kernel: [Int], window: WindowAttributes, outputPadding: [Int]?, outputShape: [Int]?) throws {
            let r = inSize.count
            guard kernel.count == r else { throw KernelError("W has \(kernel.count) spatial dims, X has \(r)") }
            let strides = window.strides ?? Array(repeating: 1, count: r)
            let dilations = window.dilations ?? Array(repeating: 1, count: r)
            let extra = outputPadding ?? Array(repeating: 0, count: r)
            var pads = window.pads ?? Array(repeating: 0, count: 2 * r)
            guard strides.count == r, dilations.count == r, extra.count == r, pads.count == 2 * r else {
                throw KernelError("strides, dilations, output_padding and pads must match the \(r) spatial dims")
            }
            // The size with no padding taken off; output_shape (or SAME auto_pad) fixes the
            // output size and the padding follows from it.
            var full: [Int] = []
            for i in 0..<r {
                let span: Int = (kernel[i] - 1) * dilations[i] + 1
                full.append(strides[i] * (inSize[i] - 1) + extra[i] + span)
            }
            var wanted: [Int]? = outputShape.map { Array($0.suffix(r)) }
            if wanted == nil, window.autoPad == .sameUpper || window.autoPad == .sameLower {
                wanted = (0..<r).map { inSize[$0] * strides[$0] }
            }
            if window.autoPad == .valid { pads = Array(repeating: 0, count: 2 * r) }
            if let wanted {
                guard wanted.count == r else { throw KernelError("output_shape \(wanted) has the wrong rank for \(r) spatial dims") }
                for i in 0..<r {
                    // Negative when output_shape asks for more than the input reaches: the
                    // output is then extended with zeros at the end (ONNX's reference does so).
                    let total: Int = full[i] - wanted[i]
                    let half: Int = total >= 0 ? total / 2 : -((1 - total) / 2)   // floor(total / 2)
                    // SAME_UPPER puts the odd unit of padding at the end, otherwise at the start.
                    pads[i] = window.autoPad == .sameUpper ? half : total - half
                    pads[i + r] = total - pads[i]
                }
            }
            padBegin = Array(pads[..<r])
            self.strides = strides
            self.dilations = dilations
            out = try (0..<r).map { i in
                let o = full[i] - pads[i] - pads[i + r]
                guard o >= 0 else { throw KernelError("pads \(pads) leave no output along spatial dim \(i)") }
                return o
            }
            self.inSize = inSize
            self.kernel = kernel
            _ = try checkedElementCount(out)
        }

        /// y[ch][o] += col[ch][kpos][i] for every input position i and kernel position kpos,
        /// where o_d = i_d * stride_d - pad_d + kpos_d * dilation_d lies inside the output.
        func col2im(_ col: UnsafePointer<Float>, channels: Int, into y: UnsafeMutablePointer<Float>) {
            // Pad to 3 spatial dims (leading 1s) so one loop nest serves 1-D to 3-D.
            let pad = 3 - inSize.count
            let ins = [Int](repeating: 1, count: pad) + inSize, ks = [Int](repeating: 1, count: pad) + kernel
            let st = [Int](repeating: 1, count: pad) + strides, dl = [Int](repeating: 1, count: pad) + dilations
            let pb = [Int](repeating: 0, count: pad) + padBegin, os = [Int](repeating: 1, count: pad) + out
            let inPlane = ins.reduce(1, *), kSize = ks.reduce(1, *), outPlane = os.reduce(1, *)
            for ch in 0..<channels {
                let yc = y + ch * outPlane
                for k0 in 0..<ks[0] { for k1 in 0..<ks[1] { for k2 in 0..<ks[2] {
                    let src = col + (ch * kSize + (k0 * ks[1] + k1) * ks[2] + k2) * inPlane
                    for i0 in 0..<ins[0] {
                        let o0 = i0 * st[0] - pb[0] + k0 * dl[0]
                        guard o0 >= 0 && o0 < os[0] else { continue }
                        for i1 in 0..<ins[1] {
                            let o1 = i1 * st[1] - pb[1] + k1 * dl[1]
                            guard o1 >= 0 && o1 < os[1] else { continue }
                            let row = src + (i0 * ins[1] + i1) * ins[2]
                            let yrow = yc + (o0 * os[1] + o1) * os[2]
                            for i2 in 0..<ins[2] {
                                let o2 = i2 * st[2] - pb[2] + k2 * dl[2]
                                if o2 >= 0 && o2 < os[2] { yrow[o2] += row[i2] }
                            }
                        }
                    }
                } } }
            }
        }
    }
}
