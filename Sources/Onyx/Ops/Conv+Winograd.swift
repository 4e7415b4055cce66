import COnyxKernels
import Foundation

/// Winograd F(4x4,3x3) for 3x3 stride-1 convs: weights transformed once, then per image an
/// input transform, 36 GEMMs (one per tile element) and an output transform.
enum WinogradConv {
    /// The transformed weights U_xi (M x C) of each of the 36 tile elements, made on first
    /// use (layers that never take this path never pay their 4x memory) and shared by every
    /// run of the node. Two forms, each made only if used: row-major for OpenBLAS sgemm, and
    /// packed panels for `onyx_gemm_packed`.
    final class Weights: @unchecked Sendable {
        let outChannels: Int, inChannels: Int
        /// Floats between consecutive packed U_xi.
        let packedStride: Int
        private let w: Tensor
        /// Per-output-channel factors folded into the transformed weights (a
        /// BatchNormalization whose scale the conv applies, see `FusedAttributes.scale`).
        private let scale: [Float]?
        private var plainU: UnsafeMutablePointer<Float>?
        private var packedU: UnsafeMutablePointer<Float>?
        private let lock = NSLock()

        init(_ w: Tensor, scale: [Float]? = nil) {
            self.w = w
            self.scale = scale
            outChannels = w.shape[0]; inChannels = w.shape[1]
            packedStride = Int(onyx_gemm_packed_a_floats(Int64(outChannels), Int64(inChannels)))
        }

        deinit { plainU?.deallocate(); packedU?.deallocate() }

        private var matrixFloats: Int { outChannels * inChannels }

        private func transformed() -> UnsafeMutablePointer<Float> {
            let u = UnsafeMutablePointer<Float>.allocate(capacity: 36 * matrixFloats)
            onyx_winograd43_weights(w.pointer(as: Float.self), Int64(outChannels), Int64(inChannels), u)
            if let scale {
                for xi in 0..<36 {
                    for m in 0..<outChannels {
                        let row = u + xi * matrixFloats + m * inChannels
                        for c in 0..<inChannels { row[c] *= scale[m] }
                    }
                }
            }
            return u
        }

        /// u[xi][m][c], row-major.
        var plain: UnsafeMutablePointer<Float> {
            lock.lock(); defer { lock.unlock() }
            if let u = plainU { return u }
            let u = transformed()
            plainU = u
            return u
        }

        /// U_xi packed in panels of `ONYX_GEMM_MR` rows, `packedStride` floats apart.
        var packed: UnsafeMutablePointer<Float> {
            lock.lock(); defer { lock.unlock() }
            if let u = packedU { return u }
            let plain = plainU ?? transformed()
            defer { if plainU == nil { plain.deallocate() } }
            let u = UnsafeMutablePointer<Float>.allocate(capacity: 36 * packedStride)
            for xi in 0..<36 {
                onyx_gemm_pack_a(plain + xi * matrixFloats, Int64(inChannels), Int64(outChannels), Int64(inChannels),
                                 u + xi * packedStride)
            }
            packedU = u
            return u
        }
    }

    /// True for the convs this path computes: 3x3 kernels, unit strides and dilations, one group.
    static func applies(weights: [Int], group: Int, window: WindowAttributes) -> Bool {
        weights.count == 4 && weights[2] == 3 && weights[3] == 3 && group == 1
            && (window.strides ?? [1, 1]) == [1, 1] && (window.dilations ?? [1, 1]) == [1, 1]
    }

    /// Cost rule: the transforms only pay off with enough tiles and channels to feed sgemm.
    static func worthIt(_ p: ConvProblem) -> Bool {
        let tiles = ((Int(p.geometry.out_h) + 3) / 4) * ((Int(p.geometry.out_w) + 3) / 4)
        return tiles >= minTiles && p.c >= minChannels && p.m >= minChannels
    }

    static let minTiles = 16
    static let minChannels = 16

    /// Below this many tiles (e.g. 14x14 images: 16 tiles) the 36 products are too narrow
    /// for OpenBLAS, which re-packs the weights on every call; Onyx's packed-weight GEMM
    /// does them 1.3-1.7x faster there. From 32 tiles up OpenBLAS's small-matrix kernel is
    /// faster (measured on Winograd layers of ResNet-18, AVX-512 machine).
    static let packedGemmMaxTiles = 32

    static func run(_ p: ConvProblem, weights: Weights, px: UnsafePointer<Float>, py: UnsafeMutablePointer<Float>,
                    bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, epilogue: Epilogue, threads: Int) {
        var g = p.geometry
        let tilesH = (Int(g.out_h) + 3) / 4, tilesW = (Int(g.out_w) + 3) / 4, tiles = tilesH * tilesW
        let ld = Int(onyx_winograd43_row_stride(Int64(tiles)))   // whole 64-byte lines per row
        let vBuffer = ScratchBuffer(floats: 36 * p.c * ld), mBuffer = ScratchBuffer(floats: 36 * p.m * ld)
        defer { vBuffer.release(); mBuffer.release() }
        let v = vBuffer.pointer, mm = mBuffer.pointer
        // mm[xi] (M x T) = U_xi (M x C) * v[xi] (C x T): 36 independent products.
        let product: (Int) -> Void
        if tiles < packedGemmMaxTiles {
            let u = weights.packed, stride = weights.packedStride
            let panels = Int64((tiles + Int(ONYX_GEMM_NR) - 1) / Int(ONYX_GEMM_NR))
            product = { xi in
                onyx_gemm_packed(Int64(p.m), Int64(tiles), Int64(p.c), u + xi * stride,
                                 v + xi * p.c * ld, Int64(ld), mm + xi * p.m * ld, Int64(ld), 0, panels)
            }
        } else {
            let u = weights.plain
            product = { xi in
                Sgemm.runSingle(transA: false, transB: false, m: p.m, n: tiles, k: p.c, alpha: 1,
                                a: u + xi * p.m * p.c, lda: p.c, b: v + xi * p.c * ld, ldb: ld,
                                beta: 0, c: mm + xi * p.m * ld, ldc: ld)
            }
        }
        for img in 0..<p.n {
            let x = px + img * p.c * p.inPlane, y = py + img * p.m * p.outPlane
            withUnsafePointer(to: &g) { gp in
                Parallel.forEachChunk(p.c, threads: threads, minimumPerChunk: 4) { r in
                    onyx_winograd43_input(x, gp, Int64(p.c), Int64(r.lowerBound), Int64(r.upperBound), Int64(tilesH), Int64(tilesW), v)
                }
            }
            // The products are shared out whole between the threads.
            Parallel.forEachChunk(36, threads: threads) { r in
                for xi in r { product(xi) }
            }
            withUnsafePointer(to: &g) { gp in
                Parallel.forEachChunk(p.m, threads: threads, minimumPerChunk: 4) { r in
                    onyx_winograd43_output(mm, Int64(p.m), Int64(r.lowerBound), Int64(r.upperBound), gp,
                                           Int64(tilesH), Int64(tilesW), y, bias, residual.map { $0 + img * p.m * p.outPlane },
                                           Int32(epilogue.act.rawValue), epilogue.alpha, epilogue.beta)
                }
            }
        }
    }
}
