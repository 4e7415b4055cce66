import COnyxKernels

/// A network's first conv (1-4 input channels, e.g. RGB) run directly: with K = 27 or 147
/// its im2col product is too short a reduction for sgemm (the ResNet stem ran at ~40
/// GFLOP/s). `onyx_conv_first_layer_*`: the padded input split by column phase once per
/// image, then blocks of 4 channels by 96 outputs of a row (AVX-512).
enum FirstLayerConv {
    /// True when this CPU runs the kernel at all (AVX-512).
    static let available: Bool = {
        var g = onyx_conv_geometry()
        g.channels = 1; g.kernel_h = 1; g.kernel_w = 1; g.stride_h = 1; g.stride_w = 1
        g.dilation_h = 1; g.dilation_w = 1; g.in_h = 1; g.in_w = 1; g.out_h = 1; g.out_w = 1
        return onyx_conv_first_layer_applies(&g) != 0
    }()

    /// The label a conv with these constant weights gets at load, when its geometry fits.
    static func likely(weights: [Int], group: Int, window: WindowAttributes) -> Bool {
        available && group == 1 && weights.count == 4 && weights[1] <= 4 && weights[2] * weights[3] <= 64
            && (window.dilations ?? [1, 1]).allSatisfy { $0 == 1 } && (window.strides ?? [1, 1]).allSatisfy { $0 <= 4 }
    }

    /// True when this CPU and conv take the direct kernel (bias and activation fuse; a fused
    /// residual does not).
    static func applies(_ p: ConvProblem, residual: Bool) -> Bool {
        guard p.group == 1, !residual, p.c <= 4 else { return false }
        var g = p.geometry
        return onyx_conv_first_layer_applies(&g) != 0
    }

    static func run(_ p: ConvProblem, px: UnsafePointer<Float>, pw: UnsafePointer<Float>, py: UnsafeMutablePointer<Float>,
                    bias: UnsafePointer<Float>?, epilogue: Epilogue, threads: Int) {
        var g = p.geometry
        let scratch = ScratchBuffer(floats: Int(onyx_conv_first_layer_scratch_floats(&g)))
        defer { scratch.release() }
        let outH = Int(g.out_h)
        for img in 0..<p.n {
            onyx_conv_first_layer_prepare(px + img * p.c * p.inPlane, &g, scratch.pointer)
            let y = py + img * p.m * p.outPlane
            // Output rows shared out; every part reads the same phase planes.
            Parallel.forEachChunk(outH, threads: threads, minimumPerChunk: 4) { rows in
                var part = g
                onyx_conv_first_layer_rows(scratch.pointer, &part, pw, bias, Int64(p.m), y, Int64(rows.lowerBound),
                                           Int64(rows.upperBound), Int32(epilogue.act.rawValue), epilogue.alpha, epilogue.beta)
            }
        }
    }
}
