import COnyxKernels
import Foundation

/// Winograd F(4x4,3x3) for 3x3 stride-1 convs: weights transformed once at load, then per
/// image an input transform, 36 sgemm calls (one per tile element) and an output transform.
enum WinogradConv {
    /// Transformed weights, u[xi][m][c], shared by every run of the node.
    final class Weights: @unchecked Sendable {
        let u: UnsafeMutablePointer<Float>
        let outChannels: Int, inChannels: Int

        init(_ w: Tensor) {
            outChannels = w.shape[0]; inChannels = w.shape[1]
            u = .allocate(capacity: 36 * outChannels * inChannels)
            onyx_winograd43_weights(w.pointer(as: Float.self), Int64(outChannels), Int64(inChannels), u)
        }

        deinit { u.deallocate() }
    }

    /// Transforms the weights the first time a run takes the Winograd path: whether it does
    /// depends on the image size, so layers that never use it (small late stages) never pay
    /// the 4x memory of the transformed weights.
    final class LazyWeights: @unchecked Sendable {
        private let w: Tensor
        private var transformed: Weights?
        private let lock = NSLock()

        init(_ w: Tensor) { self.w = w }

        var weights: Weights {
            lock.lock()
            defer { lock.unlock() }
            if let t = transformed { return t }
            let t = Weights(w)
            transformed = t
            return t
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
        // Row buffers live on the stack, so very wide images stay on im2col.
        return tiles >= minTiles && p.c >= minChannels && p.m >= minChannels && p.geometry.out_w <= 512
    }

    static let minTiles = 16
    static let minChannels = 16

    static func run(_ p: ConvProblem, weights: Weights, px: UnsafePointer<Float>, py: UnsafeMutablePointer<Float>,
                    bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, epilogue: Epilogue, threads: Int) {
        var g = p.geometry
        let tilesH = (Int(g.out_h) + 3) / 4, tilesW = (Int(g.out_w) + 3) / 4, tiles = tilesH * tilesW
        let vBuffer = ScratchBuffer(floats: 36 * p.c * tiles), mBuffer = ScratchBuffer(floats: 36 * p.m * tiles)
        defer { vBuffer.release(); mBuffer.release() }
        let v = vBuffer.pointer, mm = mBuffer.pointer
        for img in 0..<p.n {
            let x = px + img * p.c * p.inPlane, y = py + img * p.m * p.outPlane
            withUnsafePointer(to: &g) { gp in
                Parallel.forEachChunk(p.c, threads: threads, minimumPerChunk: 4) { r in
                    onyx_winograd43_input(x, gp, Int64(p.c), Int64(r.lowerBound), Int64(r.upperBound), Int64(tilesH), Int64(tilesW), v)
                }
            }
            // mm[xi] (M x T) = u[xi] (M x C) * v[xi] (C x T): 36 independent products,
            // shared out whole between the threads.
            Parallel.forEachChunk(36, threads: threads) { r in
                for xi in r {
                    Sgemm.runSingle(transA: false, transB: false, m: p.m, n: tiles, k: p.c, alpha: 1,
                                    a: weights.u + xi * p.m * p.c, lda: p.c, b: v + xi * p.c * tiles, ldb: tiles,
                                    beta: 0, c: mm + xi * p.m * tiles, ldc: tiles)
                }
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
