/// Ops that pick or place elements by index: GatherElements, TopK, OneHot, NonZero.
enum IndexOps {
    /// out[..., i, ...] = data[..., indices[..., i, ...], ...] along `axis`; indices has
    /// data's rank, each other dim no larger than data's.
    static func gatherElements(_ ctx: OpContext) throws -> Kernel {
        let axis = try ctx.int("axis", default: 0)
        return Kernel(label: "gather_elements") { inputs in
            let data = try inputs.required(0, "data"), indices = try inputs.required(1, "indices")
            try indices.requireIndices("indices")
            guard indices.rank == data.rank, data.rank > 0 else {
                throw KernelError("indices \(indices.shape) must have the rank of data \(data.shape) (at least 1)")
            }
            let a = try normalizeAxis(axis, rank: data.rank)
            for d in 0..<data.rank where d != a && indices.shape[d] > data.shape[d] {
                throw KernelError("indices \(indices.shape) exceed data \(data.shape) in dim \(d)")
            }
            let dim = data.shape[a], es = data.elementType.byteSize
            let dataStrides = contiguousStrides(data.shape), idx = indices.int64s
            let src = UnsafeRawPointer(data.storage.bytes)
            return [try Tensor.makeRaw(indices.shape, data.elementType) { dst in
                var position = [Int](repeating: 0, count: indices.rank)
                for (n, raw) in idx.enumerated() {
                    let i = raw < 0 ? Int(raw) + dim : Int(raw)
                    guard i >= 0 && i < dim else {
                        throw KernelError("index \(raw) at \(position) is out of range for axis \(axis) of size \(dim)")
                    }
                    var offset = 0
                    for d in 0..<position.count { offset += (d == a ? i : position[d]) * dataStrides[d] }
                    (dst + n * es).copyMemory(from: src + offset * es, byteCount: es)
                    advance(&position, in: indices.shape)
                }
            }]
        }
    }

    /// The `k` largest (or smallest) elements along `axis` and their int64 indices, sorted;
    /// equal values keep their index order. k comes from an attribute before opset 10.
    static func topK(_ ctx: OpContext) throws -> Kernel {
        let axis = try ctx.int("axis", default: -1)
        let largest = try ctx.int("largest", default: 1) != 0
        let attrK = ctx.opset < 10 ? try ctx.int("k", default: -1) : nil
        return Kernel(label: "topk") { inputs in
            let x = try inputs.required(0, "X")
            let k: Int
            if let attrK { k = attrK } else {
                let kt = try inputs.required(1, "K")
                guard kt.count == 1, kt.elementType == .int64 else {
                    throw KernelError("K must be one int64, got \(kt.elementType) of shape \(kt.shape)")
                }
                k = Int(kt.int64s[0])
            }
            let a = try normalizeAxis(axis, rank: x.rank)
            guard k >= 0 && k <= x.shape[a] else { throw KernelError("k = \(k) is outside 0...\(x.shape[a]) (axis \(axis) of \(x.shape))") }
            return try withArithmeticType(x.elementType, "TopK") { t in try topK(x, t, axis: a, k: k, largest: largest) }
        }
    }

    private static func topK<T: ArithmeticScalar>(_ x: Tensor, _ t: T.Type, axis: Int, k: Int, largest: Bool) throws -> [Tensor] {
        let dim = x.shape[axis], outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *)
        var shape = x.shape
        shape[axis] = k
        let px = x.pointer(as: T.self)
        var order = [Int](repeating: 0, count: dim)
        var chosen = [Int](repeating: 0, count: outer * inner * k)
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * dim * inner + i
                for j in 0..<dim { order[j] = j }
                // NaN sorts as the largest value, as onnxruntime does.
                order.sort { p, q in
                    let u = px[base + p * inner], v = px[base + q * inner]
                    if u == v || (u != u && v != v) { return p < q }
                    if u != u { return largest }
                    if v != v { return !largest }
                    return largest ? u > v : u < v
                }
                for j in 0..<k { chosen[(o * k + j) * inner + i] = base + order[j] * inner }
            }
        }
        let values = try Tensor.makeRaw(shape, x.elementType) { raw in
            let p = raw.assumingMemoryBound(to: T.self)
            for (n, at) in chosen.enumerated() { p[n] = px[at] }
        }
        let indices = try Tensor.makeRaw(shape, .int64) { raw in
            let p = raw.assumingMemoryBound(to: Int64.self)
            for (n, at) in chosen.enumerated() { p[n] = Int64((at / inner) % dim) }
        }
        return [values, indices]
    }

    /// values[1] where the index (negative ones count from depth) equals the position along
    /// the new `axis` of size depth, values[0] elsewhere; indices outside [-depth, depth) match nothing.
    static func oneHot(_ ctx: OpContext) throws -> Kernel {
        let axis = try ctx.int("axis", default: -1)
        return Kernel(label: "one_hot") { inputs in
            let indices = try inputs.required(0, "indices"), depthT = try inputs.required(1, "depth")
            let values = try inputs.required(2, "values")
            guard depthT.count == 1 else { throw KernelError("depth must be a single value, got shape \(depthT.shape)") }
            guard values.count == 2 else { throw KernelError("values must hold [off, on], got shape \(values.shape)") }
            let depthValue = depthT.floatValue(at: 0)
            guard depthValue.isFinite, depthValue >= 1, depthValue < Float(Int32.max) else {
                throw KernelError("depth must be at least 1, got \(depthValue)")
            }
            let depth = Int(depthValue)
            let rank = indices.rank + 1
            let a = try normalizeAxis(axis, rank: rank)
            let outShape = Array(indices.shape[..<a]) + [depth] + Array(indices.shape[a...])
            let outer = indices.shape[..<a].reduce(1, *), inner = indices.shape[a...].reduce(1, *)
            let isFloat = indices.elementType == .float32 || indices.elementType == .float64
            let targets = (0..<indices.count).map { n -> Int in
                // Anything outside [-depth, depth) (NaN, huge floats) matches no position.
                let v: Int
                if isFloat {
                    let f = indices.floatValue(at: n).rounded(.towardZero)
                    guard f.isFinite, Swift.abs(f) <= Float(depth) else { return -1 }
                    v = Int(f)
                } else {
                    let i = indices.int64Value(at: n)
                    // A uint64 past Int64.max reads as negative here: it matches nothing.
                    if indices.elementType == .uint64 && i < 0 { return -1 }
                    guard i >= -Int64(depth), i < Int64(depth) else { return -1 }
                    v = Int(i)
                }
                return v < 0 ? v + depth : v
            }
            let es = values.elementType.byteSize
            let off = UnsafeRawPointer(values.storage.bytes), on = off + es
            return [try Tensor.makeRaw(outShape, values.elementType) { dst in
                for o in 0..<outer {
                    for d in 0..<depth {
                        for i in 0..<inner {
                            let hit = targets[o * inner + i] == d
                            (dst + ((o * depth + d) * inner + i) * es).copyMemory(from: hit ? on : off, byteCount: es)
                        }
                    }
                }
            }]
        }
    }

    /// The positions of the non-zero elements: int64 [rank, count], in row-major order.
    static func nonZero(_ ctx: OpContext) throws -> Kernel {
        Kernel(label: "nonzero") { inputs in
            let x = try inputs.required(0, "X")
            let es = x.elementType.byteSize, bytes = UnsafeRawPointer(x.storage.bytes)
            // Non-zero: any byte set, except float -0.0 (only its sign bit).
            func isNonZero(_ n: Int) -> Bool {
                switch x.elementType {
                case .float32: return bytes.load(fromByteOffset: n * 4, as: Float.self) != 0
                case .float64: return bytes.load(fromByteOffset: n * 8, as: Double.self) != 0
                default: return (0..<es).contains { bytes.load(fromByteOffset: n * es + $0, as: UInt8.self) != 0 }
                }
            }
            let hits = (0..<x.count).filter(isNonZero)
            let rank = x.rank
            return [try Tensor.makeRaw([rank, hits.count], .int64) { raw in
                let p = raw.assumingMemoryBound(to: Int64.self)
                let strides = contiguousStrides(x.shape)
                for (j, flat) in hits.enumerated() {
                    var rest = flat
                    for d in 0..<rank { p[d * hits.count + j] = Int64(rest / strides[d]); rest %= strides[d] }
                }
            }]
        }
    }

    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) { strides[d] = s; s *= shape[d] }
        return strides
    }

    /// Steps a row-major multi-index to the next position of `shape`.
    static func advance(_ position: inout [Int], in shape: [Int]) {
        var d = position.count - 1
        while d >= 0 {
            position[d] += 1
            if position[d] < shape[d] { return }
            position[d] = 0
            d -= 1
        }
    }
}
