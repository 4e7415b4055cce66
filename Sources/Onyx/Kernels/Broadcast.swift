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

/// Scalars that the arithmetic kernels handle. Integers wrap on overflow (as C and
/// onnxruntime do) instead of trapping.
protocol ArithmeticScalar: TensorScalar, Comparable {
    static func add(_ a: Self, _ b: Self) -> Self
    static func sub(_ a: Self, _ b: Self) -> Self
    static func mul(_ a: Self, _ b: Self) -> Self
    static func divide(_ a: Self, _ b: Self) throws -> Self
    /// a - b * trunc(a / b), the sign of `a` (C's fmod and %).
    static func remainder(_ a: Self, _ b: Self) throws -> Self
    /// The value nearest to `v` (clamped for integers).
    init(clamping v: Double)
    /// The value as a Double (rounded for integers past 2^53).
    var doubleValue: Double { get }
}

protocol FloatArithmetic: ArithmeticScalar, BinaryFloatingPoint {}
extension FloatArithmetic {
    static func add(_ a: Self, _ b: Self) -> Self { a + b }
    static func sub(_ a: Self, _ b: Self) -> Self { a - b }
    static func mul(_ a: Self, _ b: Self) -> Self { a * b }
    static func divide(_ a: Self, _ b: Self) -> Self { a / b }
    static func remainder(_ a: Self, _ b: Self) -> Self { a.truncatingRemainder(dividingBy: b) }
    init(clamping v: Double) { self.init(v) }
    var doubleValue: Double { Double(self) }
}
extension Float: FloatArithmetic {}
extension Double: FloatArithmetic {}

protocol IntegerArithmetic: ArithmeticScalar, FixedWidthInteger {}
extension IntegerArithmetic {
    static func add(_ a: Self, _ b: Self) -> Self { a &+ b }
    static func sub(_ a: Self, _ b: Self) -> Self { a &- b }
    static func mul(_ a: Self, _ b: Self) -> Self { a &* b }
    static func divide(_ a: Self, _ b: Self) throws -> Self {
        guard b != 0 else { throw KernelError("integer division by zero") }
        return a.dividedReportingOverflow(by: b).partialValue
    }
    static func remainder(_ a: Self, _ b: Self) throws -> Self {
        guard b != 0 else { throw KernelError("integer modulo by zero") }
        return a.remainderReportingOverflow(dividingBy: b).partialValue
    }
    init(clamping v: Double) {
        if v.isNaN { self = 0 } else if v <= Double(Self.min) { self = .min } else if v >= Double(Self.max) { self = .max } else { self.init(v) }
    }
    var doubleValue: Double { Double(self) }
}
extension Int8: IntegerArithmetic {}
extension UInt8: IntegerArithmetic {}
extension Int16: IntegerArithmetic {}
extension UInt16: IntegerArithmetic {}
extension Int32: IntegerArithmetic {}
extension UInt32: IntegerArithmetic {}
extension Int64: IntegerArithmetic {}
extension UInt64: IntegerArithmetic {}

/// Calls `body` with the Swift scalar type of `type`, for the numeric element types.
func withArithmeticType<R>(_ type: ElementType, _ what: String,
                           _ body: (any ArithmeticScalar.Type) throws -> R) throws -> R {
    switch type {
    case .float32: return try body(Float.self)
    case .float64: return try body(Double.self)
    case .int8: return try body(Int8.self)
    case .uint8: return try body(UInt8.self)
    case .int16: return try body(Int16.self)
    case .uint16: return try body(UInt16.self)
    case .int32: return try body(Int32.self)
    case .uint32: return try body(UInt32.self)
    case .int64: return try body(Int64.self)
    case .uint64: return try body(UInt64.self)
    case .bool: throw KernelError("\(what) does not support bool")
    }
}

/// z = f(x, y) elementwise with broadcasting.
@inline(__always)
func broadcastBinary<T: TensorScalar>(_ a: Tensor, _ b: Tensor, as: T.Type,
                                      _ f: (T, T) throws -> T) throws -> Tensor {
    try broadcastMap(a, b, as: T.self, into: T.elementType, f)
}

/// f(x, y) elementwise with broadcasting, into a tensor of `type` whose elements are `U`s
/// (e.g. bool results stored as bytes).
@inline(__always)
func broadcastMap<T: TensorScalar, U>(_ a: Tensor, _ b: Tensor, as: T.Type, into type: ElementType,
                                      _ f: (T, T) throws -> U) throws -> Tensor {
    let outShape = try Broadcast.shape(a.shape, b.shape)
    let pa = a.pointer(as: T.self), pb = b.pointer(as: T.self)
    return try Tensor.makeRaw(outShape, type) { raw in
        let po = raw.assumingMemoryBound(to: U.self)
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
