/// Ops that copy elements between layouts: Transpose, Concat, Gather, Pad. They work on
/// raw element bytes, so every element type is supported.
enum DataMovementOps {
    static func transpose(_ ctx: OpContext) throws -> Kernel {
        let perm = try ctx.ints("perm")
        return Kernel(label: "transpose") { inputs in
            let x = try inputs.required(0, "data")
            let p = perm ?? Array((0..<x.rank).reversed())
            guard p.count == x.rank, Set(p) == Set(0..<x.rank) else {
                throw KernelError("perm \(p) is not a permutation of the \(x.rank) axes of \(x.shape)")
            }
            return [try transpose(x, p)]
        }
    }

    static func transpose(_ x: Tensor, _ perm: [Int]) throws -> Tensor {
        let outShape = perm.map { x.shape[$0] }
        let es = x.elementType.byteSize
        var inStrides = [Int](repeating: 1, count: x.rank)
        for i in stride(from: x.rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * x.shape[i + 1] }
        let strides = perm.map { inStrides[$0] }
        let src = x.storage.bytes
        return try Tensor.makeRaw(outShape, x.elementType) { dst in
            var o = 0
            Broadcast.forEachRow(outShape, strides, strides) { _, ia, _, n, step, _ in
                for j in 0..<n {
                    (dst + (o + j) * es).copyMemory(from: src + (ia + j * step) * es, byteCount: es)
                }
                o += n
            }
        }
    }

    static func concat(_ ctx: OpContext) throws -> Kernel {
        guard let axis = try ctx.ints("axis")?.first else { throw ctx.invalid("axis", "is required") }
        return Kernel(label: "concat") { inputs in
            let parts = try inputs.indices.map { try inputs.required($0, "input \($0)") }
            guard let first = parts.first else { throw KernelError("Concat needs at least one input") }
            let a = try normalizeAxis(axis, rank: first.rank)
            var outShape = first.shape
            outShape[a] = 0
            for (i, t) in parts.enumerated() {
                guard t.elementType == first.elementType, t.rank == first.rank,
                      t.shape.indices.allSatisfy({ $0 == a || t.shape[$0] == first.shape[$0] }) else {
                    throw KernelError("input \(i) \(t.elementType) \(t.shape) does not match input 0 \(first.elementType) \(first.shape) outside axis \(a)")
                }
                outShape[a] += t.shape[a]
            }
            let es = first.elementType.byteSize
            let outer = first.shape[..<a].reduce(1, *)
            let inner = first.shape[(a + 1)...].reduce(1, *)
            let outRow = outShape[a] * inner * es
            return [try Tensor.makeRaw(outShape, first.elementType) { dst in
                var offset = 0
                for t in parts {
                    let row = t.shape[a] * inner * es
                    for o in 0..<outer where row > 0 {
                        (dst + o * outRow + offset).copyMemory(from: t.storage.bytes + o * row, byteCount: row)
                    }
                    offset += row
                }
            }]
        }
    }

    // out[i0..i(a-1), j..., i(a+1)...] = data[i0..i(a-1), indices[j...], i(a+1)...]
    static func gather(_ ctx: OpContext) throws -> Kernel {
        let axis = try ctx.int("axis", default: 0)
        return Kernel(label: "gather") { inputs in
            let data = try inputs.required(0, "data"), indices = try inputs.required(1, "indices")
            try indices.requireIndices("indices")
            let a = try normalizeAxis(axis, rank: data.rank)
            let dim = data.shape[a]
            let idx = try indices.int64s.map { raw -> Int in
                let v = Int(raw) < 0 ? Int(raw) + dim : Int(raw)
                guard v >= 0 && v < dim else { throw KernelError("index \(raw) is out of range for axis \(axis) of size \(dim)") }
                return v
            }
            let outShape = Array(data.shape[..<a]) + indices.shape + Array(data.shape[(a + 1)...])
            let es = data.elementType.byteSize
            let outer = data.shape[..<a].reduce(1, *), inner = data.shape[(a + 1)...].reduce(1, *) * es
            return [try Tensor.makeRaw(outShape, data.elementType) { dst in
                var o = dst
                for i in 0..<outer {
                    for j in idx {
                        o.copyMemory(from: data.storage.bytes + (i * dim + j) * inner, byteCount: inner)
                        o += inner
                    }
                }
            }]
        }
    }

    enum PadMode: String { case constant, reflect, edge, wrap }

    static func pad(_ ctx: OpContext) throws -> Kernel {
        let modeName = try ctx.string("mode", default: "constant")
        guard let mode = PadMode(rawValue: modeName), mode != .wrap || ctx.opset >= 19 else {
            throw ctx.invalid("mode", "'\(modeName)' is not a supported pad mode (constant, reflect, edge)")
        }
        let legacy = ctx.opset < 11
        let attrPads = legacy ? try ctx.ints("pads") : nil
        let attrValue = try ctx.float("value", default: 0)
        if legacy && attrPads == nil { throw ctx.invalid("pads", "is required") }
        return Kernel(label: "pad") { inputs in
            let x = try inputs.required(0, "data")
            var pads: [Int]
            // Before opset 11 the fill value is a float attribute; use it in the data's type.
            var fill: Tensor? = legacy
                ? try withArithmeticType(x.elementType, "Pad") { t in try constantScalar(t, Double(attrValue)) } : nil
            if legacy {
                pads = attrPads!
            } else {
                pads = try inputs.required(1, "pads").int64s.map { Int($0) }
                if let v = inputs.optional(2) { fill = v }
                if let axesT = inputs.optional(3) {
                    let axes = try axesT.int64s.map { try normalizeAxis(Int($0), rank: x.rank) }
                    guard pads.count == 2 * axes.count else {
                        throw KernelError("pads has \(pads.count) values for \(axes.count) axes")
                    }
                    var full = [Int](repeating: 0, count: 2 * x.rank)
                    for (i, ax) in axes.enumerated() { full[ax] = pads[i]; full[ax + x.rank] = pads[i + axes.count] }
                    pads = full
                }
            }
            guard pads.count == 2 * x.rank else {
                throw KernelError("pads has \(pads.count) values; input \(x.shape) needs \(2 * x.rank)")
            }
            return [try pad(x, pads: pads, mode: mode, fill: fill)]
        }
    }

    /// A 0-d tensor of type `t` holding `value`.
    static func constantScalar<T: ArithmeticScalar>(_ t: T.Type, _ value: Double) throws -> Tensor {
        try Tensor(shape: [], scalars: [T(clamping: value)])
    }

    static func pad(_ x: Tensor, pads: [Int], mode: PadMode, fill: Tensor?) throws -> Tensor {
        let r = x.rank
        guard pads.allSatisfy({ $0 >= -(1 << 40) && $0 <= 1 << 40 }) else { throw KernelError("pads \(pads) are implausibly large") }
        let outShape = try (0..<r).map { i -> Int in
            let d = x.shape[i] + pads[i] + pads[i + r]
            guard d >= 0 else { throw KernelError("pads \(pads) remove more than the \(x.shape[i]) elements of axis \(i)") }
            return d
        }
        if mode != .constant, let i = (0..<r).first(where: { x.shape[$0] == 0 && outShape[$0] > 0 }) {
            throw KernelError("\(mode.rawValue) padding needs a non-empty axis \(i)")
        }
        if mode == .reflect, let i = (0..<r).first(where: { max(pads[$0], pads[$0 + r]) >= x.shape[$0] && x.shape[$0] > 1 || x.shape[$0] == 1 && (pads[$0] > 0 || pads[$0 + r] > 0) }) {
            throw KernelError("reflect padding of axis \(i) (size \(x.shape[i])) needs pads smaller than the size")
        }
        let es = x.elementType.byteSize
        var fillBytes = [UInt8](repeating: 0, count: es)
        if let fill, fill.count > 0 {
            guard fill.elementType == x.elementType else {
                throw KernelError("constant_value is \(fill.elementType) but data is \(x.elementType)")
            }
            fillBytes = Array(UnsafeRawBufferPointer(start: fill.storage.bytes, count: es))
        }
        var inStrides = [Int](repeating: 1, count: r)
        for i in stride(from: r - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * x.shape[i + 1] }
        let total = try checkedElementCount(outShape)
        let src = x.storage.bytes
        // Source index along one axis for output index `o`, or nil for a constant-pad element.
        func source(_ o: Int, axis d: Int) -> Int? {
            let n = x.shape[d]
            let i = o - pads[d]
            if i >= 0 && i < n { return i }
            switch mode {
            case .constant: return nil
            case .edge: return min(max(i, 0), n - 1)
            case .reflect: return i < 0 ? -i : 2 * (n - 1) - i
            case .wrap: return ((i % n) + n) % n
            }
        }
        return try Tensor.makeRaw(outShape, x.elementType) { dst in
            guard total > 0 else { return }
            guard r > 0 else { dst.copyMemory(from: src, byteCount: es); return }
            // Row by row along the last axis: the part of each row inside the input is one
            // copy, the padding on either side a fill (constant) or a per-element mapping.
            let width = outShape[r - 1], n = x.shape[r - 1], left = pads[r - 1]
            let lo = min(max(left, 0), width), hi = min(max(left + n, lo), width)
            var index = [Int](repeating: 0, count: r - 1)
            for row in 0..<(total / width) {
                let out = dst + row * width * es
                var base: Int? = 0
                for d in 0..<(r - 1) {
                    guard let i = source(index[d], axis: d) else { base = nil; break }
                    base! += i * inStrides[d]
                }
                if let base {
                    if hi > lo { out.advanced(by: lo * es).copyMemory(from: src + (base + lo - left) * es, byteCount: (hi - lo) * es) }
                    if mode == .constant {
                        Self.fill(out, count: lo, pattern: fillBytes)
                        Self.fill(out + hi * es, count: width - hi, pattern: fillBytes)
                    } else {
                        for j in 0..<lo { (out + j * es).copyMemory(from: src + (base + source(j, axis: r - 1)!) * es, byteCount: es) }
                        for j in hi..<width { (out + j * es).copyMemory(from: src + (base + source(j, axis: r - 1)!) * es, byteCount: es) }
                    }
                } else {
                    Self.fill(out, count: width, pattern: fillBytes)
                }
                var d = r - 2
                while d >= 0 {
                    index[d] += 1
                    if index[d] < outShape[d] { break }
                    index[d] = 0; d -= 1
                }
            }
        }
    }

    /// Writes `count` copies of the element `pattern` at `dst`, doubling each copy.
    static func fill(_ dst: UnsafeMutableRawPointer, count: Int, pattern: [UInt8]) {
        guard count > 0 else { return }
        let es = pattern.count
        if pattern.allSatisfy({ $0 == 0 }) { dst.initializeMemory(as: UInt8.self, repeating: 0, count: count * es); return }
        pattern.withUnsafeBytes { dst.copyMemory(from: $0.baseAddress!, byteCount: es) }
        var done = 1
        while done < count {
            let n = min(done, count - done)
            (dst + done * es).copyMemory(from: dst, byteCount: n * es)
            done += n
        }
    }
}
