/// CumSum, Trilu, Hardmax, Size and EyeLike.
enum ScanOps {
    /// Running sums along one axis (a scalar input), optionally exclusive and/or reversed.
    static func cumSum(_ ctx: OpContext) throws -> Kernel {
        let exclusive = try ctx.int("exclusive", default: 0) != 0
        let reverse = try ctx.int("reverse", default: 0) != 0
        return Kernel(label: "cumsum") { inputs in
            let x = try inputs.required(0, "x"), axisT = try inputs.required(1, "axis")
            guard axisT.count == 1, axisT.elementType == .int64 || axisT.elementType == .int32 else {
                throw KernelError("axis must be one int32 or int64, got \(axisT.elementType) of shape \(axisT.shape)")
            }
            let a = try normalizeAxis(Int(axisT.int64s[0]), rank: x.rank)
            let dim = x.shape[a], outer = x.shape[..<a].reduce(1, *), inner = x.shape[(a + 1)...].reduce(1, *)
            return [try withArithmeticType(x.elementType, "CumSum") { t in
                try cumSum(x, t, outer: outer, dim: dim, inner: inner, exclusive: exclusive, reverse: reverse)
            }]
        }
    }

    private static func cumSum<T: ArithmeticScalar>(_ x: Tensor, _ t: T.Type, outer: Int, dim: Int, inner: Int,
                                                    exclusive: Bool, reverse: Bool) throws -> Tensor {
        let px = x.pointer(as: T.self)
        return try Tensor.makeRaw(x.shape, x.elementType) { raw in
            let py = raw.assumingMemoryBound(to: T.self)
            for o in 0..<outer {
                for i in 0..<inner {
                    var sum = T(clamping: 0)
                    for step in 0..<dim {
                        let j = reverse ? dim - 1 - step : step
                        let at = (o * dim + j) * inner + i
                        if exclusive { py[at] = sum; sum = T.add(sum, px[at]) } else { sum = T.add(sum, px[at]); py[at] = sum }
                    }
                }
            }
        }
    }

    /// Keeps the upper (or lower) triangle of the last two dims from diagonal k, zeroing the rest.
    static func trilu(_ ctx: OpContext) throws -> Kernel {
        let upper = try ctx.int("upper", default: 1) != 0
        return Kernel(label: "trilu") { inputs in
            let x = try inputs.required(0, "input")
            guard x.rank >= 2 else { throw KernelError("input must be at least 2-D, got shape \(x.shape)") }
            var k = 0
            if let kt = inputs.optional(1) {
                guard kt.count == 1, kt.elementType == .int64 else {
                    throw KernelError("k must be one int64, got \(kt.elementType) of shape \(kt.shape)")
                }
                k = Int(clamping: kt.int64s[0])
            }
            let rows = x.shape[x.rank - 2], cols = x.shape[x.rank - 1], es = x.elementType.byteSize
            let planes = x.shape.dropLast(2).reduce(1, *)
            let src = UnsafeRawPointer(x.storage.bytes)
            return [try Tensor.makeRaw(x.shape, x.elementType, zeroed: true) { dst in
                for p in 0..<planes {
                    for r in 0..<rows {
                        // Columns kept in row r: c - r >= k (upper) or c - r <= k (lower).
                        let sum = r.addingReportingOverflow(k)
                        let d = sum.overflow ? (k > 0 ? Int.max : Int.min) : sum.partialValue
                        let lo = upper ? max(0, min(cols, d)) : 0
                        let hi = upper ? cols : (d >= cols ? cols : max(0, d + 1))
                        guard lo < hi else { continue }
                        let off = ((p * rows + r) * cols + lo) * es
                        (dst + off).copyMemory(from: src + off, byteCount: (hi - lo) * es)
                    }
                }
            }]
        }
    }

    /// 1 at the first maximum along the axis, 0 elsewhere; before opset 13 over the input
    /// coerced to 2-D at `axis` (default 1), from 13 over the single axis (default -1).
    static func hardmax(_ ctx: OpContext) throws -> Kernel {
        let coerce = ctx.opset < 13
        let axis = try ctx.int("axis", default: coerce ? 1 : -1)
        return Kernel(label: "hardmax") { inputs in
            let x = try inputs.required(0, "input")
            try x.requireFloat("input")
            let a = x.rank == 0 ? 0 : try normalizeAxis(axis, rank: x.rank)
            let outer: Int, len: Int, inner: Int
            if coerce || x.rank == 0 {
                outer = x.shape[..<a].reduce(1, *); len = x.shape[a...].reduce(1, *); inner = 1
            } else {
                outer = x.shape[..<a].reduce(1, *); len = x.shape[a]; inner = x.shape[(a + 1)...].reduce(1, *)
            }
            let px = x.pointer(as: Float.self)
            return [try Tensor.makeFloat(x.shape) { py, n in
                for i in 0..<n { py[i] = 0 }
                guard len > 0 else { return }
                for o in 0..<outer {
                    for i in 0..<inner {
                        let base = o * len * inner + i
                        var best = 0
                        for j in 1..<len where px[base + j * inner] > px[base + best * inner] { best = j }
                        py[base + best * inner] = 1
                    }
                }
            }]
        }
    }

    /// Ones on diagonal k of a 2-D tensor shaped like the input, zeros elsewhere; in `dtype`
    /// (default: the input's type).
    static func eyeLike(_ ctx: OpContext) throws -> Kernel {
        let k = try ctx.int("k", default: 0)
        let dtype = try ctx.int("dtype", default: -1)
        let type: ElementType? = dtype < 0 ? nil : ElementType(rawValue: Int32(clamping: dtype))
        if dtype >= 0 && type == nil { throw ctx.invalid("dtype", "\(dtype) is not a supported type") }
        return Kernel(label: "eye_like") { inputs in
            let x = try inputs.required(0, "input")
            guard x.rank == 2 else { throw KernelError("input must be 2-D, got shape \(x.shape)") }
            let outType = type ?? x.elementType
            let one = try CastOps.convert(Tensor(scalar: Float(1)), to: outType)
            let es = outType.byteSize, rows = x.shape[0], cols = x.shape[1]
            return [try Tensor.makeRaw(x.shape, outType, zeroed: true) { dst in
                for r in 0..<rows {
                    let (c, overflow) = r.addingReportingOverflow(k)
                    guard !overflow, c >= 0, c < cols else { continue }
                    (dst + (r * cols + c) * es).copyMemory(from: one.storage.bytes, byteCount: es)
                }
            }]
        }
    }

    /// The element count as an int64 scalar.
    static func size(_ ctx: OpContext) throws -> Kernel {
        Kernel(label: "size") { inputs in
            [Tensor(scalar: Int64(try inputs.required(0, "data").count))]
        }
    }
}
