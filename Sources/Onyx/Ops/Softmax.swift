import COnyxKernels
import Foundation

/// Softmax and LogSoftmax: before opset 13 the input is coerced to 2-D at `axis`
/// (default 1) and normalized over the flattened tail; from 13 over the single `axis`
/// (default -1).
enum SoftmaxOps {
    static func make(log: Bool) -> OpRegistry.Factory {
        { ctx in
            let coerce = ctx.opset < 13
            let axis = try ctx.int("axis", default: coerce ? 1 : -1)
            return Kernel(label: log ? "logsoftmax" : "softmax") { inputs in
                let x = try inputs.required(0, "input")
                try x.requireFloat("input")
                let rank = x.rank
                let a = rank == 0 ? 0 : try normalizeAxis(axis, rank: rank)
                // Softmax over `len` elements spaced `stride` apart, for each (outer, inner) pair.
                let outer: Int, len: Int, inner: Int
                if coerce {
                    outer = x.shape[..<min(a, rank)].reduce(1, *); len = x.shape[min(a, rank)...].reduce(1, *); inner = 1
                } else if rank == 0 {
                    outer = 1; len = 1; inner = 1
                } else {
                    outer = x.shape[..<a].reduce(1, *); len = x.shape[a]; inner = x.shape[(a + 1)...].reduce(1, *)
                }
                let px = x.pointer(as: Float.self)
                var ok = true
                let y = try Tensor.makeFloat(x.shape) { py, _ in
                    ok = onyx_softmax_f32(px, py, Int64(outer), Int64(len), Int64(inner), log ? 1 : 0) != 0
                }
                guard ok else { throw KernelError("out of memory for the softmax of \(inner) strided rows") }
                return [y]
            }
        }
    }
}
