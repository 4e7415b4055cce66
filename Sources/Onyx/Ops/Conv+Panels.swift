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

    /// Products of at most this many multiply-adds (rows x columns x reduction) stay with
    /// OpenBLAS, whose small-matrix kernel skips packing altogether: LeNet-5's second conv (16
    /// x 100 x 150) took 0.026 ms that way against 0.037 through the panels (per-node P50,
    /// back-to-back binaries), while SqueezeNet's 16-channel squeeze layers (16 x 3025 x 128)
    /// are faster through the panels.
    static let smallProduct = 1_000_000

    /// True when a block of `rows` x `columns` over a reduction of `k` takes the panel kernel.
    static func worthIt(rows: Int, columns: Int, k: Int) -> Bool {
        rows * columns * k > smallProduct
    }

    /// Rows a part's share is rounded to: one panel.
    static let rowUnit = Int(ONYX_PANEL_MR)
}
