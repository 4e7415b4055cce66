/// Multidirectional (numpy) broadcasting.
enum Broadcast {
    /// The broadcast shape of `a` and `b`, or throws naming both.
    static func shape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
                throw KernelError("shapes \(a) and \(b) cannot be broadcast together")
            }
        }
        return out
    }

    /// Element strides of `shape` seen inside `outShape` (0 along broadcast axes).
    static func strides(of shape: [Int], in outShape: [Int]) -> [Int] {
        let offset = outShape.count - shape.count
        var strides = [Int](repeating: 0, count: outShape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i + offset] = shape[i] == 1 ? 0 : s
            s *= shape[i]
        }
        return strides
    }

    /// Calls `body(outOffset, aOffset, bOffset, n, aStep, bStep)` for each run of the
    /// innermost axis of the broadcast iteration.
    @inline(__always)
    static func forEachRow(_ outShape: [Int], _ sa: [Int], _ sb: [Int],
                           _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        let rank = outShape.count
        if rank == 0 { body(0, 0, 0, 1, 0, 0); return }
        let inner = outShape[rank - 1]
        let outer = outShape.dropLast().reduce(1, *)
        if inner == 0 || outer == 0 { return }
        var index = [Int](repeating: 0, count: rank)
        var offA = 0, offB = 0
        for row in 0..<outer {
            body(row * inner, offA, offB, inner, sa[rank - 1], sb[rank - 1])
            // Advance the outer multi-index (odometer), updating the operand offsets.
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                offA += sa[d]; offB += sb[d]
                if index[d] < outShape[d] { break }
                offA -= sa[d] * index[d]; offB -= sb[d] * index[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}

/// Scalars that the arithmetic kernels handle.
protocol ArithmeticScalar: TensorScalar, Comparable {
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func divide(_ a: Self, _ b: Self) throws -> Self
}
extension Float: ArithmeticScalar {
    static func divide(_ a: Float, _ b: Float) -> Float { a / b }
}
extension Double: ArithmeticScalar {
    static func divide(_ a: Double, _ b: Double) -> Double { a / b }
}
extension Int64: ArithmeticScalar {
    static func + (a: Int64, b: Int64) -> Int64 { a &+ b }
    static func - (a: Int64, b: Int64) -> Int64 { a &- b }
    static func * (a: Int64, b: Int64) -> Int64 { a &* b }
    static func divide(_ a: Int64, _ b: Int64) throws -> Int64 {
        guard b != 0 else { throw KernelError("integer division by zero") }
        return a.dividedReportingOverflow(by: b).partialValue
    }
}
extension Int32: ArithmeticScalar {
    static func + (a: Int32, b: Int32) -> Int32 { a &+ b }
    static func - (a: Int32, b: Int32) -> Int32 { a &- b }
    static func * (a: Int32, b: Int32) -> Int32 { a &* b }
    static func divide(_ a: Int32, _ b: Int32) throws -> Int32 {
        guard b != 0 else { throw KernelError("integer division by zero") }
        return a.dividedReportingOverflow(by: b).partialValue
    }
}

/// z = f(x, y) elementwise with broadcasting.
@inline(__always)
func broadcastBinary<T: TensorScalar>(_ a: Tensor, _ b: Tensor, as: T.Type,
                                      _ f: (T, T) throws -> T) throws -> Tensor {
    let outShape = try Broadcast.shape(a.shape, b.shape)
    let pa = a.pointer(as: T.self), pb = b.pointer(as: T.self)
    return try Tensor.makeRaw(outShape, T.elementType) { raw in
        let po = raw.assumingMemoryBound(to: T.self)
        let n = outShape.reduce(1, *)
        if a.shape == b.shape {
            for i in 0..<n { po[i] = try f(pa[i], pb[i]) }
            return
        }
        if b.count == 1 {
            let vb = pb[0]
            if a.count == n { for i in 0..<n { po[i] = try f(pa[i], vb) }; return }
        }
        if a.count == 1 && b.count == n {
            let va = pa[0]
            for i in 0..<n { po[i] = try f(va, pb[i]) }
            return
        }
        var failure: Error?
        Broadcast.forEachRow(outShape, Broadcast.strides(of: a.shape, in: outShape),
                             Broadcast.strides(of: b.shape, in: outShape)) { o, ia, ib, len, sa, sb in
            guard failure == nil else { return }
            do {
                for j in 0..<len { po[o + j] = try f(pa[ia + j * sa], pb[ib + j * sb]) }
            } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
