import Foundation
import Hummingbird
import Onyx

/// The binary tensor data extension of the KServe v2 protocol: a body made of a JSON header
/// (`Inference-Header-Content-Length` bytes) followed by raw little-endian tensors, each
/// input announcing its size with `parameters.binary_data_size`, in input order.
enum BinaryTensorData {
    static let headerLength = HTTPFields.Element.Name("Inference-Header-Content-Length")!

    /// The JSON header's length if the request has the binary extension's header.
    static func jsonLength(_ headers: HTTPFields, bodyBytes: Int) throws -> Int? {
        guard let text = headers[headerLength] else { return nil }
        guard let n = byteCount(text), n > 0, n <= bodyBytes else {
            throw APIError.badRequest("Inference-Header-Content-Length is '\(text)': it must be a byte count between 1 and the body's \(bodyBytes) bytes")
        }
        return n
    }

    /// Decimal digits with optional spaces or tabs around them, or nil (cheaper than
    /// Foundation's trimming, which showed up on every binary request).
    static func byteCount(_ text: String) -> Int? {
        var value = 0, digits = 0, trailing = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard !trailing, digits < 18 else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                if digits > 0 { trailing = true }
            default:
                return nil
            }
        }
        return digits > 0 ? value : nil
    }

    /// Bytes per element of the datatypes accepted as binary data.
    static func elementSize(_ type: ElementType) -> Int {
        switch type {
        case .float32: return 4
        case .int64: return 8
        default: return type.byteSize
        }
    }

    /// A tensor from raw little-endian bytes; `what` names it in errors.
    static func tensor(_ bytes: UnsafeRawBufferPointer, shape: [Int], type: ElementType, what: String) throws -> Tensor {
        if let bad = shape.firstIndex(where: { $0 < 0 }) {
            throw APIError.badRequest("\(what): shape \(shape) has a negative dim at index \(bad)")
        }
        let (count, overflow) = shape.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        let size = elementSize(type)
        guard !overflow, count.multipliedReportingOverflow(by: size).partialValue == bytes.count,
              !count.multipliedReportingOverflow(by: size).overflow else {
            throw APIError.badRequest("\(what): binary_data_size is \(bytes.count) bytes but shape \(shape) of \(TensorCodec.datatype(of: type)) needs \(overflow ? "more than fits in memory" : "\(count * size) bytes")")
        }
        switch type {
        case .float32:
            let values = [Float](unsafeUninitializedCapacity: count) { buffer, n in
                if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes) }
                n = count
            }
            return try Tensor(shape: shape, floats: values)
        case .int64:
            let values = [Int64](unsafeUninitializedCapacity: count) { buffer, n in
                if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes) }
                n = count
            }
            return try Tensor(shape: shape, scalars: values)
        default:
            throw APIError.badRequest("\(what): datatype \(TensorCodec.datatype(of: type)) is not accepted; use FP32 or INT64")
        }
    }

    /// The raw bytes of a tensor, appended to `buffer`.
    static func append(_ tensor: Tensor, to buffer: inout ByteBuffer) throws {
        switch tensor.elementType {
        case .float32: tensor.floats.withUnsafeBytes { _ = buffer.writeBytes($0) }
        case .int64: tensor.int64s.withUnsafeBytes { _ = buffer.writeBytes($0) }
        case .float64: try tensor.scalars(as: Double.self).withUnsafeBytes { _ = buffer.writeBytes($0) }
        case .int32: try tensor.scalars(as: Int32.self).withUnsafeBytes { _ = buffer.writeBytes($0) }
        case .int16: try tensor.scalars(as: Int16.self).withUnsafeBytes { _ = buffer.writeBytes($0) }
        case .int8: try tensor.scalars(as: Int8.self).withUnsafeBytes { _ = buffer.writeBytes($0) }
        case .uint8: try tensor.scalars(as: UInt8.self).withUnsafeBytes { _ = buffer.writeBytes($0) }
        case .uint16: try tensor.scalars(as: UInt16.self).withUnsafeBytes { _ = buffer.writeBytes($0) }
        case .uint32: try tensor.scalars(as: UInt32.self).withUnsafeBytes { _ = buffer.writeBytes($0) }
        case .uint64: try tensor.scalars(as: UInt64.self).withUnsafeBytes { _ = buffer.writeBytes($0) }
        case .bool: try tensor.scalars(as: Bool.self).withUnsafeBytes { _ = buffer.writeBytes($0) }
        }
    }
}
