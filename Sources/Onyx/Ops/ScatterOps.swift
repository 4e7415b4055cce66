/// ScatterElements, ScatterND and GatherND: elements placed or picked by index tuples, with
/// the reductions of opsets 16 (add, mul) and 18 (max, min).
enum ScatterOps {
    enum Reduction: String { case none, add, mul, max, min }

    static func reduction(_ ctx: OpContext) throws -> Reduction {
        let name = try ctx.string("reduction", default: "none")
        guard let r = Reduction(rawValue: name), ctx.opset >= 18 || (r != .max && r != .min) else {
            throw ctx.invalid("reduction", "'\(name)' is not a reduction of this opset (none, add, mul; max, min from 18)")
        }
        return r
    }

    /// output = data, then output[index of each update] (op)= update. Each element of
    /// `targets` is the flat output element an update goes to; `inner` consecutive elements
    /// move per target.
    private static func scatter(_ data: Tensor, _ updates: Tensor, targets: [Int], inner: Int,
                                _ reduction: Reduction) throws -> Tensor {
        guard data.elementType == updates.elementType else {
            throw KernelError("updates are \(updates.elementType) but data is \(data.elementType)")
        }
        let es = data.elementType.byteSize
        let out = try Tensor.makeRaw(data.shape, data.elementType) { dst in
            dst.copyMemory(from: data.storage.bytes, byteCount: data.count * es)
        }
        if reduction == .none {
            let src = UnsafeRawPointer(updates.storage.bytes), dst = out.storage.bytes
            for (n, t) in targets.enumerated() {
                (dst + t * es).copyMemory(from: src + n * inner * es, byteCount: inner * es)
            }
            return out
        }
        try withArithmeticType(data.elementType, "reduction \(reduction.rawValue)") { t in
            try reduce(out, updates, targets, inner, reduction, t)
        }
        return out
    }

    private static func reduce<T: ArithmeticScalar>(_ out: Tensor, _ updates: Tensor, _ targets: [Int], _ inner: Int,
                                                    _ reduction: Reduction, _ t: T.Type) throws {
        let dst = out.storage.bytes.assumingMemoryBound(to: T.self), src = updates.pointer(as: T.self)
        for (n, base) in targets.enumerated() {
            for j in 0..<inner {
                let u = src[n * inner + j], v = dst[base + j]
                switch reduction {
                case .add: dst[base + j] = T.add(v, u)
                case .mul: dst[base + j] = T.mul(v, u)
                case .max: dst[base + j] = Swift.max(v, u)
                case .min: dst[base + j] = Swift.min(v, u)
                case .none: dst[base + j] = u
                }
            }
        }
    }

    static func scatterElements(_ ctx: OpContext) throws -> Kernel {
        let axis = try ctx.int("axis", default: 0)
        let reduction = try reduction(ctx)
        return Kernel(label: "scatter") { inputs in
            let data = try inputs.required(0, "data"), indices = try inputs.required(1, "indices")
            let updates = try inputs.required(2, "updates")
            try indices.requireIndices("indices")
            guard indices.shape == updates.shape, indices.rank == data.rank, data.rank > 0 else {
                throw KernelError("indices \(indices.shape) and updates \(updates.shape) must share a shape of data's rank (data \(data.shape))")
            }
            let a = try normalizeAxis(axis, rank: data.rank)
            for d in 0..<data.rank where d != a && indices.shape[d] > data.shape[d] {
                throw KernelError("indices \(indices.shape) exceed data \(data.shape) in dim \(d)")
            }
            let dim = data.shape[a], strides = IndexOps.contiguousStrides(data.shape)
            var position = [Int](repeating: 0, count: indices.rank)
            var targets: [Int] = []
            targets.reserveCapacity(indices.count)
            for raw in indices.int64s {
                let i = raw < 0 ? Int(raw) + dim : Int(raw)
                guard i >= 0 && i < dim else {
                    throw KernelError("index \(raw) at \(position) is out of range for axis \(axis) of size \(dim)")
                }
                var offset = 0
                for d in 0..<position.count { offset += (d == a ? i : position[d]) * strides[d] }
                targets.append(offset)
                IndexOps.advance(&position, in: indices.shape)
            }
            return [try scatter(data, updates, targets: targets, inner: 1, reduction)]
        }
    }

    static func scatterND(_ ctx: OpContext) throws -> Kernel {
        let reduction = try reduction(ctx)
        return Kernel(label: "scatter") { inputs in
            let data = try inputs.required(0, "data"), indices = try inputs.required(1, "indices")
            let updates = try inputs.required(2, "updates")
            try indices.requireIndices("indices")
            let (targets, inner, lead) = try tuples(indices, data.shape, batchDims: 0)
            let expected = lead + Array(data.shape[(indices.shape.last ?? 0)...])
            guard updates.shape == expected else {
                throw KernelError("updates \(updates.shape) must have shape \(expected) for indices \(indices.shape) into data \(data.shape)")
            }
            return [try scatter(data, updates, targets: targets, inner: inner, reduction)]
        }
    }

    static func gatherND(_ ctx: OpContext) throws -> Kernel {
        let batchDims = ctx.opset >= 12 ? try ctx.int("batch_dims", default: 0) : 0
        return Kernel(label: "gather_nd") { inputs in
            let data = try inputs.required(0, "data"), indices = try inputs.required(1, "indices")
            try indices.requireIndices("indices")
            let (sources, inner, lead) = try tuples(indices, data.shape, batchDims: batchDims)
            let k = indices.shape.last ?? 0
            let outShape = lead + Array(data.shape[(batchDims + k)...])
            let es = data.elementType.byteSize, src = UnsafeRawPointer(data.storage.bytes)
            return [try Tensor.makeRaw(outShape, data.elementType) { dst in
                for (n, s) in sources.enumerated() {
                    (dst + n * inner * es).copyMemory(from: src + s * es, byteCount: inner * es)
                }
            }]
        }
    }

    /// The flat data offsets that the index tuples of `indices` ([..., k], the first
    /// `batchDims` dims shared with data) select, the elements per tuple, and the leading
    /// shape (indices' shape without its last dim).
    private static func tuples(_ indices: Tensor, _ shape: [Int], batchDims b: Int) throws -> ([Int], Int, [Int]) {
        guard indices.rank >= 1, b >= 0, b < indices.rank else {
            throw KernelError("indices \(indices.shape) and batch_dims \(b) do not fit data \(shape)")
        }
        let k = indices.shape[indices.rank - 1]
        guard k >= 1 && b + k <= shape.count else {
            throw KernelError("index tuples of length \(k) (indices \(indices.shape)) do not fit data \(shape) with batch_dims \(b)")
        }
        guard Array(indices.shape[..<b]) == Array(shape[..<b]) else {
            throw KernelError("the first \(b) dims of indices \(indices.shape) and data \(shape) must match (batch_dims)")
        }
        let strides = IndexOps.contiguousStrides(shape)
        let inner = shape[(b + k)...].reduce(1, *)
        let batchSize = shape[..<b].reduce(1, *), batchStride = b > 0 ? strides[b - 1] : 0
        let tuplesPerBatch = indices.shape[b..<(indices.rank - 1)].reduce(1, *)
        let idx = indices.int64s
        var offsets: [Int] = []
        offsets.reserveCapacity(batchSize * tuplesPerBatch)
        for batch in 0..<batchSize {
            for t in 0..<tuplesPerBatch {
                let tuple = (batch * tuplesPerBatch + t) * k
                var offset = batch * batchStride
                for j in 0..<k {
                    let dim = shape[b + j], raw = idx[tuple + j]
                    let i = raw < 0 ? Int(raw) + dim : Int(raw)
                    guard i >= 0 && i < dim else {
                        throw KernelError("index \(raw) of tuple \(batch * tuplesPerBatch + t) is out of range for dim \(b + j) of size \(dim)")
                    }
                    offset += i * strides[b + j]
                }
                offsets.append(offset)
            }
        }
        return (offsets, inner, Array(indices.shape.dropLast()))
    }
}
