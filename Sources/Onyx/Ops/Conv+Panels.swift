import COnyxKernels

/// Convs whose products are wider than the narrow kernel's (more than 64 output pixels per
/// block): `onyx_gemm_panels` (AVX-512) on weights packed once, with the im2col columns (or a
/// 1x1 conv's input) written straight into its B panels and the epilogue applied as the
/// product is stored. OpenBLAS re-packs the weights on every call (a large share at a few
/// hundred columns) and its product then needs an epilogue pass of its own. C micro-benchmark
/// against OpenBLAS plus the epilogue pass, 1 thread: 0.84-0.92x the time at 169-784 columns,
/// 0.7-1.0x on the 1x1 layers of 56x56 and 112x112 images.
enum PanelConv {
    static let available = onyx_gemm_panels_available() != 0

    /// Weights this path can take: one group, at least one full panel of output channels.
    static func applies(weights: [Int], group: Int) -> Bool {
        available && group == 1 && weights.count >= 3 && weights[0] >= Int(ONYX_PANEL_MR)
    }

    /// Rows [m0, m1) of a part when `parts` share `m` rows in whole panels.
    static func rows(part: Int, of parts: Int, m: Int) -> (Int, Int) {
        let unit = Int(ONYX_PANEL_MR), units = (m + unit - 1) / unit
        return (min(m, unit * (units * part / parts)), min(m, unit * (units * (part + 1) / parts)))
    }
}
