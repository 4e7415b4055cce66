import COnyxKernels
import Foundation

/// A conv's or matrix product's weights (M rows of `k` values: one group) copied once, on
/// first use, into the panel layout of one of Onyx's GEMM kernels, and kept for every later
/// run of the node. Made lazily, so a layer whose runs never take that kernel (say, images
/// too large for it) never pays the copy.
final class PackedWeights: @unchecked Sendable {
    enum Layout {
        /// `onyx_gemm_pack_a`: panels of ONYX_GEMM_MR rows (the narrow and packed kernels).
        case narrow
        /// `onyx_gemm_panels_pack_a`: panels of ONYX_PANEL_MR rows (the panel kernel).
        case panels
    }

    let layout: Layout
    private let w: Tensor
    private var packed: UnsafeMutablePointer<Float>?
    private let lock = NSLock()

    init(_ w: Tensor, layout: Layout) {
        self.w = w
        self.layout = layout
    }

    deinit { packed?.deallocate() }

    var pointer: UnsafePointer<Float> {
        lock.lock(); defer { lock.unlock() }
        if let a = packed { return UnsafePointer(a) }
        let m = Int64(w.shape[0]), k = Int64(w.count / max(w.shape[0], 1))
        let a: UnsafeMutablePointer<Float>
        switch layout {
        case .narrow:
            a = .allocate(capacity: Int(onyx_gemm_packed_a_floats(m, k)))
            onyx_gemm_pack_a(w.pointer(as: Float.self), k, m, k, a)
        case .panels:
            a = .allocate(capacity: Int(onyx_gemm_panels_a_floats(m, k)))
            onyx_gemm_panels_pack_a(w.pointer(as: Float.self), k, m, k, a)
        }
        packed = a
        return UnsafePointer(a)
    }
}
