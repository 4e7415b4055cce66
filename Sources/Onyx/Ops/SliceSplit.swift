/// Slice (strided windows along any axes, negative steps included) and Split (cut along
/// one axis into the node's outputs). Both copy raw element bytes, so every type works.
extension DataMovementOps {
    /// Starts/ends/axes are attributes before opset 10; inputs (with steps) from then on.
    static func slice(_ ctx: OpContext) throws -> Kernel {
        let legacy = ctx.opset < 10
        let attrStarts = legacy ? try ctx.ints("starts") : nil
        let attrEnds = legacy ? try ctx.ints("ends") : nil
        let attrAxes = legacy ? try ctx.ints("axes") : nil
        if legacy && (attrStarts == nil || attrEnds == nil) { throw ctx.invalid("starts", "starts and ends are required") }
        return Kernel(label: "slice") { inputs in
            let x = try inputs.required(0, "data")
            func ints(_ i: Int) -> [Int]? { inputs.optional(i).map { $0.int64s.map { Int($0) } } }
            let starts = legacy ? attrStarts! : try inputs.required(1, "starts").int64s.map { Int($0) }
            let ends = legacy ? attrEnds! : try inputs.required(2, "ends").int64s.map { Int($0) }
            let axes = (legacy ? attrAxes : ints(3)) ?? Array(0..<starts.count)
            let steps = (legacy ? nil : ints(4)) ?? [Int](repeating: 1, count: starts.count)
            guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
                throw KernelError("starts (\(starts.count)), ends (\(ends.count)), axes (\(axes.count)) and steps (\(steps.count)) must have the same length")
            }
            var begin = [Int](repeating: 0, count: x.rank), step = [Int](repeating: 1, count: x.rank)
            var outShape = x.shape, seen = Set<Int>()
            for i in starts.indices {
                let a = try normalizeAxis(axes[i], rank: x.rank)
                guard seen.insert(a).inserted else { throw KernelError("axes \(axes) repeat axis \(a)") }
                guard steps[i] != 0 else { throw KernelError("steps[\(i)] is 0") }
                (begin[a], outShape[a]) = window(start: starts[i], end: ends[i], step: steps[i], dim: x.shape[a])
                step[a] = outShape[a] > 1 ? steps[i] : 1 // a huge step taking one element must not overflow a stride
            }
            return [try strided(x, begin: begin, step: step, outShape: outShape)]
        }
    }

    /// First index and length of `start..<end` by `step` on an axis of size `dim`, with
    /// negative indices counted from the end and bounds clamped as ONNX specifies.
    private static func window(start: Int, end: Int, step: Int, dim: Int) -> (Int, Int) {
        var s = start < 0 ? start + dim : start, e = end < 0 ? end + dim : end
        if step > 0 {
            s = min(max(s, 0), dim); e = min(max(e, 0), dim)
            return (s, e > s ? (e - s - 1) / step + 1 : 0)
        }
        guard dim > 0 else { return (0, 0) }
        s = min(max(s, 0), dim - 1); e = min(max(e, -1), dim - 1)
        let magnitude = step == .min ? Int.max : -step
        return (s, s > e ? (s - e - 1) / magnitude + 1 : 0)
    }

    /// Copies the elements at begin + i * step (per axis) into a new tensor of `outShape`.
    private static func strided(_ x: Tensor, begin: [Int], step: [Int], outShape: [Int]) throws -> Tensor {
        var inStrides = [Int](repeating: 1, count: x.rank)
        for d in stride(from: x.rank - 2, through: 0, by: -1) { inStrides[d] = inStrides[d + 1] * x.shape[d + 1] }
        let base = zip(begin, inStrides).reduce(0) { $0 + $1.0 * $1.1 }
        return try stridedCopy(x, outShape, zip(step, inStrides).map { $0 * $1 }, offset: base)
    }

    /// A new tensor of `shape` whose element at each index is x's at `offset` plus the index
    /// dotted with `strides` (in elements; 0 repeats, negative walks backwards).
    static func stridedCopy(_ x: Tensor, _ shape: [Int], _ strides: [Int], offset: Int = 0) throws -> Tensor {
        let es = x.elementType.byteSize, src = x.storage.bytes + offset * es
        return try Tensor.makeRaw(shape, x.elementType) { dst in
            Broadcast.forEachRow(shape, strides, strides) { o, ia, _, n, step, _ in
                if step == 1 {
                    (dst + o * es).copyMemory(from: src + ia * es, byteCount: n * es)
                } else {
                    for j in 0..<n { (dst + (o + j) * es).copyMemory(from: src + (ia + j * step) * es, byteCount: es) }
                }
            }
        }
    }

    /// Split sizes come from the `split` attribute (before opset 13) or input (13+); without
    /// them the axis is cut into equal parts, one per output, or from opset 18 into
    /// `num_outputs` parts of ceil(dim / num_outputs) with a smaller last part.
    static func split(_ ctx: OpContext) throws -> Kernel {
        let axis = try ctx.int("axis", default: 0)
        let attrSplit = ctx.opset < 13 ? try ctx.ints("split") : nil
        let numOutputs = ctx.opset >= 18 && ctx.node.attributes["num_outputs"] != nil ? try ctx.int("num_outputs", default: 0) : nil
        let outputs = ctx.outputCount, splitFromInput = ctx.opset >= 13
        if let k = numOutputs, k != outputs {
            throw ctx.invalid("num_outputs", "is \(k) but the node has \(outputs) outputs")
        }
        return Kernel(label: "split") { inputs in
            let x = try inputs.required(0, "input")
            let a = try normalizeAxis(axis, rank: x.rank)
            let dim = x.shape[a]
            let given = attrSplit ?? (splitFromInput ? inputs.optional(1).map { $0.int64s.map { Int($0) } } : nil)
            var sizes: [Int]
            if let given, !given.isEmpty {
                guard given.count == outputs, given.allSatisfy({ $0 >= 0 && $0 <= dim }), given.reduce(0, +) == dim else {
                    throw KernelError("split \(given) must have \(outputs) non-negative sizes summing to axis \(a)'s size \(dim)")
                }
                sizes = given
            } else if numOutputs != nil {
                let chunk = (dim + outputs - 1) / max(outputs, 1)
                sizes = (0..<outputs).map { min(chunk, max(0, dim - $0 * chunk)) }
            } else {
                guard outputs > 0, dim % outputs == 0 else {
                    throw KernelError("axis \(a) of size \(dim) does not split into \(outputs) equal parts")
                }
                sizes = [Int](repeating: dim / outputs, count: outputs)
            }
            let es = x.elementType.byteSize
            let outer = x.shape[..<a].reduce(1, *), inner = x.shape[(a + 1)...].reduce(1, *) * es
            var offset = 0
            return try sizes.map { size in
                var shape = x.shape
                shape[a] = size
                let row = size * inner, from = offset
                offset += row
                return try Tensor.makeRaw(shape, x.elementType) { dst in
                    for o in 0..<outer where row > 0 {
                        (dst + o * row).copyMemory(from: x.storage.bytes + o * dim * inner + from, byteCount: row)
                    }
                }
            }
        }
    }
}
