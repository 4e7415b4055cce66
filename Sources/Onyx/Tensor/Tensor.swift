import Foundation

/// A dense, row-major tensor: a shape, an element type and contiguous storage.
///
/// Tensors are values: the storage is shared between copies and never mutated after a
/// tensor is built, so tensors can be passed between threads freely.
public struct Tensor: @unchecked Sendable {
    /// The dimensions, outermost first. A scalar has shape `[]`.
    public let shape: [Int]
    /// The type of every element.
    public let elementType: ElementType
    let storage: TensorStorage

    /// The number of elements (the product of the dims; 1 for a scalar).
    public var count: Int { shape.reduce(1, *) }
    /// The number of dimensions.
    public var rank: Int { shape.count }

    init(shape: [Int], elementType: ElementType, storage: TensorStorage) {
        self.shape = shape
        self.elementType = elementType
        self.storage = storage
    }

    /// A zero-filled tensor.
    public init(zeros shape: [Int], elementType: ElementType = .float32) {
        let n = shape.reduce(1, *)
        self.init(shape: shape, elementType: elementType,
                  storage: TensorStorage(zeroedByteCount: n * elementType.byteSize))
    }

    /// A tensor holding `scalars` in row-major order; `scalars.count` must equal the
    /// product of `shape`.
    public init<T: TensorScalar>(shape: [Int], scalars: [T]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw OnyxError.invalidTensor("negative dimension in shape \(shape)")
        }
        let n = shape.reduce(1, *)
        guard n == scalars.count else {
            throw OnyxError.invalidTensor(
                "shape \(shape) holds \(n) elements but \(scalars.count) values were given")
        }
        let storage = TensorStorage(byteCount: n * T.elementType.byteSize)
        scalars.withUnsafeBytes { src in
            if let base = src.baseAddress { storage.bytes.copyMemory(from: base, byteCount: src.count) }
        }
        self.init(shape: shape, elementType: T.elementType, storage: storage)
    }

    /// A float32 tensor (convenience for the most common case).
    public init(shape: [Int], floats: [Float]) throws {
        try self.init(shape: shape, scalars: floats)
    }

    /// A 0-d tensor holding one value.
    public init<T: TensorScalar>(scalar: T) {
        // A one-element array always matches shape [].
        self = try! Tensor(shape: [], scalars: [scalar])
    }

    /// The elements as `T`, which must be this tensor's element type.
    public func scalars<T: TensorScalar>(as type: T.Type = T.self) throws -> [T] {
        guard T.elementType == elementType else {
            throw OnyxError.invalidTensor("tensor holds \(elementType), not \(T.elementType)")
        }
        return Array(UnsafeBufferPointer(start: storage.bytes.assumingMemoryBound(to: T.self), count: count))
    }

    /// The elements converted to Float, whatever the element type.
    public var floats: [Float] {
        if elementType == .float32 { return withBuffer(as: Float.self) { Array($0) } }
        return (0..<count).map { floatValue(at: $0) }
    }

    /// The elements converted to Int64, whatever the element type (floats truncate).
    public var int64s: [Int64] {
        if elementType == .int64 { return withBuffer(as: Int64.self) { Array($0) } }
        return (0..<count).map { int64Value(at: $0) }
    }

    /// Element `i` (flat index) converted to Float.
    func floatValue(at i: Int) -> Float {
        let p = storage.bytes
        switch elementType {
        case .float32: return p.load(fromByteOffset: i * 4, as: Float.self)
        case .float64: return Float(p.load(fromByteOffset: i * 8, as: Double.self))
        case .int64: return Float(p.load(fromByteOffset: i * 8, as: Int64.self))
        case .int32: return Float(p.load(fromByteOffset: i * 4, as: Int32.self))
        case .int8: return Float(p.load(fromByteOffset: i, as: Int8.self))
        case .uint8: return Float(p.load(fromByteOffset: i, as: UInt8.self))
        case .bool: return p.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0
        case .int16: return Float(p.load(fromByteOffset: i * 2, as: Int16.self))
        case .uint16: return Float(p.load(fromByteOffset: i * 2, as: UInt16.self))
        case .uint32: return Float(p.load(fromByteOffset: i * 4, as: UInt32.self))
        case .uint64: return Float(p.load(fromByteOffset: i * 8, as: UInt64.self))
        }
    }

    /// Element `i` (flat index) converted to Int64.
    func int64Value(at i: Int) -> Int64 {
        let p = storage.bytes
        switch elementType {
        case .int64: return p.load(fromByteOffset: i * 8, as: Int64.self)
        case .int32: return Int64(p.load(fromByteOffset: i * 4, as: Int32.self))
        case .int8: return Int64(p.load(fromByteOffset: i, as: Int8.self))
        case .uint8, .bool: return Int64(p.load(fromByteOffset: i, as: UInt8.self))
        case .int16: return Int64(p.load(fromByteOffset: i * 2, as: Int16.self))
        case .uint16: return Int64(p.load(fromByteOffset: i * 2, as: UInt16.self))
        case .uint32: return Int64(p.load(fromByteOffset: i * 4, as: UInt32.self))
        case .uint64: return Int64(bitPattern: p.load(fromByteOffset: i * 8, as: UInt64.self))
        case .float32:
            let v = p.load(fromByteOffset: i * 4, as: Float.self)
            return v.isFinite ? Int64(clamping: Int(exactly: v.rounded(.towardZero)) ?? 0) : 0
        case .float64:
            let v = p.load(fromByteOffset: i * 8, as: Double.self)
            return v.isFinite ? Int64(exactly: v.rounded(.towardZero)) ?? 0 : 0
        }
    }

    /// The same storage seen with another shape of equal element count.
    func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, elementType: elementType, storage: storage)
    }

    /// Read-only typed view of the elements.
    func withBuffer<T, R>(as: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.bytes.assumingMemoryBound(to: T.self), count: count))
    }

    /// Typed pointer to the elements; callers must respect `elementType`.
    func pointer<T>(as: T.Type) -> UnsafeMutablePointer<T> {
        storage.bytes.assumingMemoryBound(to: T.self)
    }
}

/// Largest tensor Onyx creates, in bytes; bigger results fail with an error instead of
/// exhausting memory. 4 GiB unless the environment variable `ONYX_MAX_TENSOR_BYTES` sets a
/// lower or higher cap when the process starts (a service loading untrusted models, or the
/// fuzzer, lowers it so a tiny hostile model cannot ask for gigabytes).
let maxTensorBytes = tensorByteLimit(environment: ProcessInfo.processInfo.environment)

/// The tensor size cap from `ONYX_MAX_TENSOR_BYTES` (a positive byte count), else 4 GiB.
func tensorByteLimit(environment: [String: String]) -> Int {
    guard let text = environment["ONYX_MAX_TENSOR_BYTES"], let n = Int(text), n > 0 else { return 1 << 32 }
    return n
}

/// The element count of `shape`, or throws when a dim is negative or the shape is too large.
/// Zero dims do not hide the others: the product of all non-zero dims must stay within
/// `limit` too, so later index arithmetic on the shape cannot overflow.
func checkedElementCount(_ shape: [Int], limit: Int = maxTensorBytes) throws -> Int {
    var bound = 1
    var hasZero = false
    for d in shape {
        guard d >= 0 else { throw KernelError("shape \(shape) has a negative dim") }
        if d == 0 { hasZero = true; continue }
        let (p, overflow) = bound.multipliedReportingOverflow(by: d)
        guard !overflow, p <= limit else { throw KernelError("shape \(shape) is too large (limit \(limit) elements)") }
        bound = p
    }
    return hasZero ? 0 : bound
}

extension Tensor {
    /// A new float32 tensor whose contents `fill` writes (every element must be written).
    /// Throws when the shape is too large to allocate.
    static func makeFloat(_ shape: [Int], _ fill: (UnsafeMutablePointer<Float>, Int) throws -> Void) throws -> Tensor {
        let n = try checkedElementCount(shape, limit: maxTensorBytes / 4)
        let storage = TensorStorage(byteCount: n * 4)
        try fill(storage.bytes.assumingMemoryBound(to: Float.self), n)
        return Tensor(shape: shape, elementType: .float32, storage: storage)
    }

    /// A new tensor of `type` whose raw bytes `fill` writes.
    static func makeRaw(_ shape: [Int], _ type: ElementType, zeroed: Bool = false,
                        _ fill: (UnsafeMutableRawPointer) throws -> Void) throws -> Tensor {
        let n = try checkedElementCount(shape, limit: maxTensorBytes / type.byteSize) * type.byteSize
        let storage = zeroed ? TensorStorage(zeroedByteCount: n) : TensorStorage(byteCount: n)
        try fill(storage.bytes)
        return Tensor(shape: shape, elementType: type, storage: storage)
    }

    /// A 1-D int64 tensor.
    static func int64Vector(_ values: [Int64]) -> Tensor {
        try! Tensor(shape: [values.count], scalars: values)
    }
}
