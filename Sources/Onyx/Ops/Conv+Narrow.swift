import COnyxKernels

/// Convs on small images (7x7 at the end of ResNets and MobileNets: 49 output pixels) with
/// long reductions: their products have few columns, where OpenBLAS spends a quarter of the
/// time re-packing the weights on every call. These run `onyx_gemm_narrow` on weights packed
/// once, on first use (a layer that never sees a small image never pays the copy).
enum NarrowConv {
    static let available = onyx_gemm_narrow_available() != 0

    /// Weights worth a packed copy: one group, at least two panels of output channels and a
    /// reduction long enough that packing per call would cost OpenBLAS a large share.
    static func applies(weights: [Int], group: Int) -> Bool {
        available && group == 1 && weights.count >= 3 && weights[0] >= minChannels
            && weights.dropFirst().reduce(1, *) >= minReduction
    }

    /// Products at most this wide take the narrow kernel (C micro-benchmark, AVX-512, against
    /// OpenBLAS: 1.2-1.5x faster at n = 49 and k >= 512, even at n = 169-196, slower past 256).
    static let maxColumns = 64
    static let minReduction = 256
    static let minChannels = 32

    /// Rows a part's share is rounded to: a pair of panels, one block of the kernel.
    static let rowUnit = 2 * Int(ONYX_GEMM_MR)
}
