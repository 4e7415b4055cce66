import COnyxKernels

/// Convs whose products are a few hundred columns wide (output images of 13x13 to 32x32: the
/// 1x1 and strided 3x3 layers in the middle of ResNets, MobileNets and SqueezeNets). These
/// run `onyx_gemm_panels` (AVX-512) on weights packed once, with the im2col columns (or a 1x1
/// conv's input) written straight into its B panels and the epilogue applied as the product
/// is stored. OpenBLAS re-packs the weights on every call, a large share at these widths,
/// and its product then needs an epilogue pass of its own.
enum PanelConv {
    static let available = onyx_gemm_panels_available() != 0

    /// Weights this path can take: one group, at least one full panel of output channels.
    static func applies(weights: [Int], group: Int) -> Bool {
        available && group == 1 && weights.count >= 3 && weights[0] >= Int(ONYX_PANEL_MR)
    }

    /// Images of at most this many output pixels take the panel kernel (C micro-benchmark,
    /// AVX-512, against OpenBLAS with the epilogue pass: 0.84-0.92x the time at 169-784
    /// columns; at 3136 and more OpenBLAS's own packing is amortized and the two are level).
    static let maxPixels = 1024

    /// Rows [m0, m1) of a part when `parts` share `m` rows in whole panels.
    static func rows(part: Int, of parts: Int, m: Int) -> (Int, Int) {
        let unit = Int(ONYX_PANEL_MR), units = (m + unit - 1) / unit
        return (min(m, unit * (units * part / parts)), min(m, unit * (units * (part + 1) / parts)))
    }
}
