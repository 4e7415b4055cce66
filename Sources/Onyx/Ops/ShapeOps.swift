/// Ops that only rearrange or relabel data: Reshape, Flatten, Squeeze, Unsqueeze,
/// Identity, Dropout, Shape.
enum ShapeOps {
    static func identity(_ ctx: OpContext) throws -> Kernel {
        Kernel(label: "alias") { inputs in [try inputs.required(0, "input")] }
    }

    /// Inference-mode Dropout: the input passes through; the optional mask is all true.
    static func dropout(_ ctx: OpContext) throws -> Kernel {
        let wantMask = ctx.wantsOutput(1)
        return Kernel(label: "alias") { inputs in
            let x = try inputs.required(0, "data")
            if let training = inputs.optional(2), training.count > 0, training.int64Value(at: 0) != 0,
               (inputs.optional(1).flatMap { $0.count > 0 ? $0.floatValue(at: 0) : nil } ?? 0.5) != 0 {
                throw KernelError("training_mode=true with a non-zero ratio is random and not supported (inference only)")
            }
            guard wantMask else { return [x] }
            let mask = try Tensor.makeRaw(x.shape, .bool) { $0.initializeMemory(as: UInt8.self, repeating: 1, count: max(x.count, 1)) }
            return [x, mask]
        }
    }

    static func reshape(_ ctx: OpContext) throws -> Kernel {
        let allowZero = ctx.opset >= 14 ? try ctx.int("allowzero", default: 0) != 0 : false
        return Kernel(label: "alias") { inputs in
            let x = try inputs.required(0, "data"), spec = try inputs.required(1, "shape")
            guard spec.elementType == .int64, spec.rank == 1 else {
                throw KernelError("shape must be a 1-D int64 tensor, got \(spec.elementType) \(spec.shape)")
            }
            let requested = spec.int64s.map { Int($0) }
            var out: [Int] = []
            var inferAt: Int?
            for (i, d) in requested.enumerated() {
                switch d {
                case -1:
                    guard inferAt == nil else { throw KernelError("shape \(requested) has more than one -1") }
                    inferAt = i; out.append(1)
                case 0 where !allowZero:
                    guard i < x.rank else { throw KernelError("shape \(requested) copies dim \(i) (0) but the input \(x.shape) has rank \(x.rank)") }
                    out.append(x.shape[i])
                default:
                    guard d >= 0 else { throw KernelError("shape \(requested) has invalid dim \(d)") }
                    out.append(d)
                }
            }
            if let at = inferAt {
                let known = try checkedElementCount(out)
                guard known > 0, x.count % known == 0 else {
                    throw KernelError("cannot reshape \(x.shape) (\(x.count) elements) to \(requested)")
                }
                out[at] = x.count / known
            }
            guard try checkedElementCount(out) == x.count else {
                throw KernelError("cannot reshape \(x.shape) (\(x.count) elements) to \(requested) (\(out.reduce(1, *)) elements)")
            }
            return [x.reshaped(out)]
        }
    }

    static func flatten(_ ctx: OpContext) throws -> Kernel {
        let axis = try ctx.int("axis", default: 1)
        return Kernel(label: "alias") { inputs in
            let x = try inputs.required(0, "input")
            let a = axis < 0 ? axis + x.rank : axis
            guard a >= 0 && a <= x.rank else { throw KernelError("axis \(axis) is out of range for rank \(x.rank)") }
            return [x.reshaped([x.shape[..<a].reduce(1, *), x.shape[a...].reduce(1, *)])]
        }
    }

    /// Axes come from the attribute before opset 13 and from input 1 after.
    private static func axes(_ ctx: OpContext) throws -> (attribute: [Int]?, fromInput: Bool) {
        ctx.opset >= 13 ? (nil, true) : (try ctx.ints("axes"), false)
    }

    static func squeeze(_ ctx: OpContext) throws -> Kernel {
        let (attrAxes, fromInput) = try axes(ctx)
        return Kernel(label: "alias") { inputs in
            let x = try inputs.required(0, "data")
            let given = fromInput ? inputs.optional(1).map { $0.int64s.map { Int($0) } } : attrAxes
            var drop = Set<Int>()
            if let given {
                for ax in given {
                    let a = try normalizeAxis(ax, rank: x.rank)
                    guard x.shape[a] == 1 else { throw KernelError("cannot squeeze axis \(ax) of shape \(x.shape): size is not 1") }
                    drop.insert(a)
                }
            } else {
                drop = Set(x.shape.indices.filter { x.shape[$0] == 1 })
            }
            return [x.reshaped(x.shape.indices.filter { !drop.contains($0) }.map { x.shape[$0] })]
        }
    }

    static func unsqueeze(_ ctx: OpContext) throws -> Kernel {
        let (attrAxes, fromInput) = try axes(ctx)
        if !fromInput && attrAxes == nil { throw ctx.invalid("axes", "is required") }
        return Kernel(label: "alias") { inputs in
            let x = try inputs.required(0, "data")
            let given = fromInput ? try inputs.required(1, "axes").int64s.map { Int($0) } : attrAxes!
            let outRank = x.rank + given.count
            let positions = try Set(given.map { try normalizeAxis($0, rank: outRank) })
            guard positions.count == given.count else { throw KernelError("axes \(given) has duplicates") }
            var out: [Int] = []
            var src = x.shape.makeIterator()
            for i in 0..<outRank { out.append(positions.contains(i) ? 1 : src.next()!) }
            return [x.reshaped(out)]
        }
    }

    static func shape(_ ctx: OpContext) throws -> Kernel {
        let start = try ctx.int("start", default: 0)
        let end = try ctx.int("end", default: Int.max)
        return Kernel(label: "shape") { inputs in
            let x = try inputs.required(0, "data")
            let r = x.rank
            func clamp(_ v: Int) -> Int { v < 0 ? max(0, v + r) : min(v, r) }
            let lo = clamp(start), hi = max(clamp(end), lo)
            return [Tensor.int64Vector(x.shape[lo..<hi].map { Int64($0) })]
        }
    }
}
