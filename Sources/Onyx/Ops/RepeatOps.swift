/// Ops that repeat data: Expand (broadcast to a shape), Tile (repeat along each axis),
/// Range (an arithmetic sequence), DepthToSpace and SpaceToDepth (channel <-> pixel blocks).
enum RepeatOps {
    static func expand(_ ctx: OpContext) throws -> Kernel {
        Kernel(label: "expand") { inputs in
            let x = try inputs.required(0, "input"), spec = try inputs.required(1, "shape")
            guard spec.rank == 1, spec.elementType == .int64 else {
                throw KernelError("shape must be a 1-D int64 tensor, got \(spec.elementType) \(spec.shape)")
            }
            let wanted = spec.int64s.map { Int($0) }
            guard wanted.allSatisfy({ $0 >= 0 }) else { throw KernelError("shape \(wanted) has a negative dim") }
            let outShape = try Broadcast.shape(x.shape, wanted)
            return [try DataMovementOps.stridedCopy(x, outShape, Broadcast.strides(of: x.shape, in: outShape))]
        }
    }

    static func tile(_ ctx: OpContext) throws -> Kernel {
        Kernel(label: "tile") { inputs in
            let x = try inputs.required(0, "input"), r = try inputs.required(1, "repeats")
            let repeats = r.int64s.map { Int($0) }
            guard repeats.count == x.rank, repeats.allSatisfy({ $0 >= 0 }) else {
                throw KernelError("repeats \(repeats) must have \(x.rank) non-negative values for input \(x.shape)")
            }
            var outShape: [Int] = []
            for (d, k) in zip(x.shape, repeats) {
                let (p, overflow) = d.multipliedReportingOverflow(by: k)
                guard !overflow else { throw KernelError("repeats \(repeats) make input \(x.shape) too large") }
                outShape.append(p)
            }
            _ = try checkedElementCount(outShape)
            // View the output as [r0, d0, r1, d1, ...]: the repeat axes have stride 0.
            var viewShape: [Int] = [], strides: [Int] = []
            var s = 1
            var inStrides = [Int](repeating: 0, count: x.rank)
            for d in stride(from: x.rank - 1, through: 0, by: -1) { inStrides[d] = s; s *= x.shape[d] }
            for d in 0..<x.rank {
                viewShape += [repeats[d], x.shape[d]]
                strides += [0, inStrides[d]]
            }
            return [try DataMovementOps.stridedCopy(x, viewShape, strides).reshaped(outShape)]
        }
    }

    /// start, start + delta, ... up to (not including) limit: max(ceil((limit - start) / delta), 0) values.
    static func range(_ ctx: OpContext) throws -> Kernel {
        Kernel(label: "range") { inputs in
            let parts = try ["start", "limit", "delta"].enumerated().map { try inputs.required($0, $1) }
            let type = parts[0].elementType
            for (p, name) in zip(parts, ["start", "limit", "delta"]) {
                guard p.count == 1 else { throw KernelError("\(name) must be a scalar, got shape \(p.shape)") }
                guard p.elementType == type else { throw KernelError("\(name) is \(p.elementType) but start is \(type)") }
            }
            let (start, limit, delta) = (parts[0].floatValueExact(at: 0), parts[1].floatValueExact(at: 0), parts[2].floatValueExact(at: 0))
            guard delta != 0 else { throw KernelError("delta is 0") }
            let span = ((limit - start) / delta).rounded(.up)
            guard !span.isNaN, span < Double(1 << 52) else {
                throw KernelError("range from \(start) to \(limit) by \(delta) has too many values")
            }
            let count = try checkedElementCount([span > 0 ? Int(span) : 0])
            switch type {
            case .float32:
                let s = parts[0].pointer(as: Float.self)[0], d = parts[2].pointer(as: Float.self)[0]
                return [try Tensor.makeFloat([count]) { p, _ in for i in 0..<count { p[i] = s + Float(i) * d } }]
            case .float64:
                return [try Tensor.makeRaw([count], .float64) { raw in
                    let p = raw.assumingMemoryBound(to: Double.self)
                    for i in 0..<count { p[i] = start + Double(i) * delta }
                }]
            case .int16, .int32, .int64:
                let s = parts[0].int64Value(at: 0), d = parts[2].int64Value(at: 0)
                return [try CastOps.convert(Tensor.int64Vector((0..<count).map { s &+ Int64($0) &* d }), to: type)]
            default:
                throw KernelError("Range does not support \(type)")
            }
        }
    }

    /// DepthToSpace (DCR or CRD order) and SpaceToDepth: a reshape, a transpose, a reshape.
    static func depthToSpace(_ ctx: OpContext) throws -> Kernel {
        let b = try ctx.int("blocksize", default: 0)
        let mode = try ctx.string("mode", default: "DCR")
        guard b > 0, b <= 1 << 16 else { throw ctx.invalid("blocksize", "\(b) must be between 1 and 65536") }
        guard mode == "DCR" || mode == "CRD" else { throw ctx.invalid("mode", "'\(mode)' is not DCR or CRD") }
        return Kernel(label: "transpose") { inputs in
            let x = try inputs.required(0, "input")
            guard x.rank == 4, x.shape[1] % (b * b) == 0 else {
                throw KernelError("input \(x.shape) must be [N, C, H, W] with C divisible by blocksize² (\(b * b))")
            }
            let (n, c, h, w) = (x.shape[0], x.shape[1] / (b * b), x.shape[2], x.shape[3])
            let split = mode == "DCR" ? [n, b, b, c, h, w] : [n, c, b, b, h, w]
            let perm = mode == "DCR" ? [0, 3, 4, 1, 5, 2] : [0, 1, 4, 2, 5, 3]
            return [try DataMovementOps.transpose(x.reshaped(split), perm).reshaped([n, c, h * b, w * b])]
        }
    }

    /// SpaceToDepth: output channels ordered block row, block column, then input channel
    /// (DCR, the only order before opset 28) or input channel first (CRD).
    static func spaceToDepth(_ ctx: OpContext) throws -> Kernel {
        let b = try ctx.int("blocksize", default: 0)
        let mode = try ctx.string("mode", default: "DCR")
        guard b > 0, b <= 1 << 16 else { throw ctx.invalid("blocksize", "\(b) must be between 1 and 65536") }
        guard mode == "DCR" || mode == "CRD" else { throw ctx.invalid("mode", "'\(mode)' is not DCR or CRD") }
        let perm = mode == "DCR" ? [0, 3, 5, 1, 2, 4] : [0, 1, 3, 5, 2, 4]
        return Kernel(label: "transpose") { inputs in
            let x = try inputs.required(0, "input")
            guard x.rank == 4, x.shape[2] % b == 0, x.shape[3] % b == 0 else {
                throw KernelError("input \(x.shape) must be [N, C, H, W] with H and W divisible by blocksize \(b)")
            }
            let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2] / b, x.shape[3] / b)
            let t = try DataMovementOps.transpose(x.reshaped([n, c, h, b, w, b]), perm)
            return [t.reshaped([n, c * b * b, h, w])]
        }
    }
}
