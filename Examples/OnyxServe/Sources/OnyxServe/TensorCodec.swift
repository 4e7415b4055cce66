import Onyx

/// Converts between the protocol's JSON tensors and Onyx `Tensor`s, naming what is wrong.
enum TensorCodec {
    /// The protocol's datatype name of an element type.
    static func datatype(of type: ElementType) -> String {
        switch type {
        case .float32: return "FP32"
        case .float64: return "FP64"
        case .int64: return "INT64"
        case .int32: return "INT32"
        case .int16: return "INT16"
        case .int8: return "INT8"
        case .uint8: return "UINT8"
        case .uint16: return "UINT16"
        case .uint32: return "UINT32"
        case .uint64: return "UINT64"
        case .bool: return "BOOL"
        }
    }

    /// Declared shape with -1 for symbolic or unknown dims.
    static func shape(of info: ValueInfo) -> [Int] {
        (info.shape ?? []).map { dim in
            if case .fixed(let n) = dim { return n }
            return -1
        }
    }

    /// Metadata entry of a graph input or output.
    static func metadata(_ info: ValueInfo) -> InferenceProtocol.TensorMetadata {
        .init(name: info.name, datatype: info.elementType.map(datatype(of:)) ?? "FP32", shape: shape(of: info))
    }

    /// A tensor of `type` and `shape` from `values`; `what` names it in errors.
    static func tensor(_ values: [JSONNumber], shape: [Int], type: ElementType, what: String) throws -> Tensor {
        if let bad = shape.firstIndex(where: { $0 < 0 }) {
            throw APIError.badRequest("\(what): shape \(shape) has a negative dim at index \(bad)")
        }
        let needed = shape.reduce(1, *)
        guard needed == values.count else {
            throw APIError.badRequest("\(what): shape \(shape) needs \(needed) values but data has \(values.count)")
        }
        switch type {
        case .float32:
            return try Tensor(shape: shape, floats: values.map { Float($0.double) })
        case .int64:
            var ints = [Int64]()
            ints.reserveCapacity(values.count)
            for (i, v) in values.enumerated() {
                switch v {
                case .integer(let n): ints.append(n)
                case .real(let d):
                    guard d.rounded() == d, let n = Int64(exactly: d) else {
                        throw APIError.badRequest("\(what): datatype INT64 but data[\(i)] = \(d) is not an integer")
                    }
                    ints.append(n)
                }
            }
            return try Tensor(shape: shape, scalars: ints)
        default:
            throw APIError.badRequest("\(what): datatype \(datatype(of: type)) is not accepted over JSON; use FP32 or INT64")
        }
    }

    /// The element type a protocol datatype names, for FP32 and INT64.
    static func elementType(_ datatype: String, what: String) throws -> ElementType {
        switch datatype.uppercased() {
        case "FP32": return .float32
        case "INT64": return .int64
        default: throw APIError.badRequest("\(what): datatype '\(datatype)' is not supported; use FP32 or INT64")
        }
    }

    /// Flat values of a tensor for JSON.
    static func data(_ tensor: Tensor) throws -> InferenceProtocol.TensorData {
        switch tensor.elementType {
        case .float32: return .floats(tensor.floats)
        case .float64: return .doubles(try tensor.scalars(as: Double.self))
        case .int64: return .integers(tensor.int64s)
        case .int32: return .integers(try tensor.scalars(as: Int32.self).map(Int64.init))
        case .int16: return .integers(try tensor.scalars(as: Int16.self).map(Int64.init))
        case .int8: return .integers(try tensor.scalars(as: Int8.self).map(Int64.init))
        case .uint8: return .integers(try tensor.scalars(as: UInt8.self).map(Int64.init))
        case .uint16: return .integers(try tensor.scalars(as: UInt16.self).map(Int64.init))
        case .uint32: return .integers(try tensor.scalars(as: UInt32.self).map(Int64.init))
        case .uint64: return .unsigned(try tensor.scalars(as: UInt64.self))
        case .bool: return .bools(try tensor.scalars(as: Bool.self))
        }
    }

    /// Splits flat tensor data into `rows` equal rows.
    static func rows(_ data: InferenceProtocol.TensorData, rows: Int) -> [InferenceProtocol.TensorData] {
        func split<T>(_ v: [T], _ make: ([T]) -> InferenceProtocol.TensorData) -> [InferenceProtocol.TensorData] {
            guard rows > 0 else { return [] }
            let width = v.count / rows
            return (0..<rows).map { make(Array(v[$0 * width ..< ($0 + 1) * width])) }
        }
        switch data {
        case .floats(let v): return split(v, InferenceProtocol.TensorData.floats)
        case .doubles(let v): return split(v, InferenceProtocol.TensorData.doubles)
        case .integers(let v): return split(v, InferenceProtocol.TensorData.integers)
        case .unsigned(let v): return split(v, InferenceProtocol.TensorData.unsigned)
        case .bools(let v): return split(v, InferenceProtocol.TensorData.bools)
        }
    }
}
