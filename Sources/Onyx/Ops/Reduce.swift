import Foundation

/// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
/// ReduceSumSquare, ReduceLogSum and ReduceLogSumExp over any set of axes. Axes come from the
/// attribute until the op's input form (ReduceSum opset 13, the others opset 18); no axes
/// means all of them, unless `noop_with_empty_axes` is set. Float sums and products accumulate
/// in Double; integer ones wrap, as the integer arithmetic ops do.
enum ReduceOps {
    enum Kind: String {
        case sum = "ReduceSum", mean = "ReduceMean", max = "ReduceMax", min = "ReduceMin", prod = "ReduceProd"
        case l1 = "ReduceL1", l2 = "ReduceL2", sumSquare = "ReduceSumSquare", logSum = "ReduceLogSum"
        case logSumExp = "ReduceLogSumExp"
    }

    static func make(_ kind: Kind) -> OpRegistry.Factory {
        { ctx in
            let axesFromInput = ctx.opset >= (kind == .sum ? 13 : 18)
            let attrAxes = axesFromInput ? nil : try ctx.ints("axes")
            let keepDims = try ctx.int("keepdims", default: 1) != 0
            let noopWithEmptyAxes = try ctx.int("noop_with_empty_axes", default: 0) != 0
            return Kernel(label: kind.rawValue.dropFirst(6).lowercased() + "_reduce") { inputs in
                let x = try inputs.required(0, "data")
                let given = (axesFromInput ? inputs.optional(1).map { $0.int64s.map { Int($0) } } : attrAxes) ?? []
                if given.isEmpty && noopWithEmptyAxes { return [x] }
                var axes = Set<Int>()
                for ax in given {
                    guard axes.insert(try normalizeAxis(ax, rank: x.rank)).inserted else {
                        throw KernelError("axes \(given) repeat an axis")
                    }
                }
                if given.isEmpty { axes = Set(0..<x.rank) }
                let kept = x.shape.indices.map { axes.contains($0) ? 1 : x.shape[$0] }
                let outShape = keepDims ? kept : x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] }
                let reduced = axes.reduce(1) { $0 * x.shape[$1] }
                // Bool max/min is byte max/min (any/all).
                if x.elementType == .bool, kind == .max || kind == .min {
                    let bytes = Tensor(shape: x.shape, elementType: .uint8, storage: x.storage)
                    let r = try reduce(kind, bytes, kept, reduced, UInt8.self)
                    return [Tensor(shape: outShape, elementType: .bool, storage: r.storage)]
                }
                return [try withArithmeticType(x.elementType, kind.rawValue) { t in
                    try reduce(kind, x, kept, reduced, t).reshaped(outShape)
                }]
            }
        }
    }

    private static func reduce<T: ArithmeticScalar>(_ kind: Kind, _ x: Tensor, _ kept: [Int], _ reduced: Int,
                                                    _ t: T.Type) throws -> Tensor {
        let isFloat = T.self == Float.self || T.self == Double.self
        let zero = T(clamping: 0)
        switch kind {
        case .max: return try fold(x, kept, T(clamping: -.infinity)) { a, v in v > a || v != v ? v : a }
        case .min: return try fold(x, kept, T(clamping: .infinity)) { a, v in v < a || v != v ? v : a }
        case .sum, .mean:
            let divisor = kind == .mean ? reduced : 1
            if isFloat {
                let sums = try fold(x, kept, 0.0, as: T.self) { $0 + $1.doubleValue }
                return try finish(sums, kept, x.elementType) { T(clamping: $0 / Double(divisor)) }
            }
            let sums = try fold(x, kept, T(clamping: 0), as: T.self) { T.add($0, $1) }
            return try finish(sums, kept, x.elementType) { try T.divide($0, T(clamping: Double(divisor))) }
        case .prod:
            if isFloat { return try doubles(x, kept, 1, as: T.self, { $0 * $1 }, { $0 }) }
            return try fold(x, kept, T(clamping: 1)) { T.mul($0, $1) }
        case .l1:
            if isFloat { return try doubles(x, kept, 0, as: T.self, { $0 + Swift.abs($1) }, { $0 }) }
            return try fold(x, kept, zero) { T.add($0, $1 < zero ? T.sub(zero, $1) : $1) }
        case .sumSquare:
            if isFloat { return try doubles(x, kept, 0, as: T.self, { $0 + $1 * $1 }, { $0 }) }
            return try fold(x, kept, zero) { T.add($0, T.mul($1, $1)) }
        case .l2: return try doubles(x, kept, 0, as: T.self, { $0 + $1 * $1 }, { $0.squareRoot() })
        case .logSum: return try doubles(x, kept, 0, as: T.self, { $0 + $1 }, { Foundation.log($0) })
        case .logSumExp:
            // max + log(sum(exp(x - max))) per slot, so large values do not overflow exp.
            let maxima = try fold(x, kept, -Double.infinity, as: T.self) { a, v in
                let d = v.doubleValue
                return d > a || d != d ? d : a
            }
            let sums = try foldIndexed(x, kept, 0.0, as: T.self) { slot, a, v in
                a + Foundation.exp(v.doubleValue - maxima[slot])
            }
            return try finish(Array(zip(maxima, sums)), kept, x.elementType) { m, s in
                T(clamping: m.isInfinite || m.isNaN ? m : m + Foundation.log(s))
            }
        }
    }

    /// Folds the elements as Doubles with `f`, then writes `last(acc)` in x's type.
    private static func doubles<T: ArithmeticScalar>(_ x: Tensor, _ kept: [Int], _ initial: Double, as: T.Type,
                                                     _ f: (Double, Double) -> Double,
                                                     _ last: (Double) -> Double) throws -> Tensor {
        let acc = try fold(x, kept, initial, as: T.self) { f($0, $1.doubleValue) }
        return try finish(acc, kept, x.elementType) { T(clamping: last($0)) }
    }

    /// Folds every element of `x` into its output slot (`kept`: x's shape with reduced axes 1).
    private static func fold<T: TensorScalar, A>(_ x: Tensor, _ kept: [Int], _ initial: A, as: T.Type = T.self,
                                                 _ f: (A, T) -> A) throws -> [A] {
        try foldIndexed(x, kept, initial, as: T.self) { _, a, v in f(a, v) }
    }

    /// The same, also telling `f` which output slot it folds into.
    private static func foldIndexed<T: TensorScalar, A>(_ x: Tensor, _ kept: [Int], _ initial: A, as: T.Type = T.self,
                                                        _ f: (Int, A, T) -> A) throws -> [A] {
        var acc = [A](repeating: initial, count: try checkedElementCount(kept))
        let strides = Broadcast.strides(of: kept, in: x.shape)
        let px = x.pointer(as: T.self)
        acc.withUnsafeMutableBufferPointer { out in
            Broadcast.forEachRow(x.shape, strides, strides) { o, ia, _, n, s, _ in
                for j in 0..<n { out[ia + j * s] = f(ia + j * s, out[ia + j * s], px[o + j]) }
            }
        }
        return acc
    }

    private static func fold<T: ArithmeticScalar>(_ x: Tensor, _ kept: [Int], _ initial: T,
                                                  _ f: (T, T) -> T) throws -> Tensor {
        try finish(try fold(x, kept, initial, as: T.self, f), kept, x.elementType) { $0 }
    }

    private static func finish<A, T>(_ acc: [A], _ shape: [Int], _ type: ElementType, _ f: (A) throws -> T) throws -> Tensor {
        try Tensor.makeRaw(shape, type) { raw in
            let p = raw.assumingMemoryBound(to: T.self)
            for (i, a) in acc.enumerated() { p[i] = try f(a) }
        }
    }
}

/// ArgMax and ArgMin along one axis (int64 indices; the first extreme unless
/// `select_last_index`).
enum ArgReduceOps {
    static func make(max: Bool) -> OpRegistry.Factory {
        { ctx in
            let axis = try ctx.int("axis", default: 0)
            let keepDims = try ctx.int("keepdims", default: 1) != 0
            let last = try ctx.int("select_last_index", default: 0) != 0
            return Kernel(label: max ? "argmax" : "argmin") { inputs in
                let x = try inputs.required(0, "data")
                let a = try normalizeAxis(axis, rank: x.rank)
                let dim = x.shape[a]
                guard dim > 0 else { throw KernelError("axis \(axis) of \(x.shape) is empty: no index to return") }
                var outShape = x.shape
                if keepDims { outShape[a] = 1 } else { outShape.remove(at: a) }
                let outer = x.shape[..<a].reduce(1, *), inner = x.shape[(a + 1)...].reduce(1, *)
                return [try withArithmeticType(x.elementType, max ? "ArgMax" : "ArgMin") { t in
                    try indices(x, t, outShape, outer, dim, inner, max, last)
                }]
            }
        }
    }

    private static func indices<T: ArithmeticScalar>(_ x: Tensor, _ t: T.Type, _ shape: [Int], _ outer: Int, _ dim: Int,
                                                     _ inner: Int, _ max: Bool, _ last: Bool) throws -> Tensor {
        let px = x.pointer(as: T.self)
        return try Tensor.makeRaw(shape, .int64) { raw in
            let py = raw.assumingMemoryBound(to: Int64.self)
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * dim * inner + i
                    var best = px[base], at = 0
                    for j in 1..<dim {
                        let v = px[base + j * inner]
                        let better = max ? (last ? v >= best : v > best) : (last ? v <= best : v < best)
                        if better { best = v; at = j }
                    }
                    py[o * inner + i] = Int64(at)
                }
            }
        }
    }
}
