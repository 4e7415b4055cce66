import COnnxProto
import Foundation

extension Tensor {
    /// Decodes a serialized ONNX `TensorProto` (e.g. a backend-test `input_0.pb`).
    /// Returns the tensor and the proto's `name` field ("" when absent).
    public static func fromProto(_ data: Data) throws -> (name: String, tensor: Tensor) {
        let proto: UnsafeMutablePointer<Onnx__TensorProto>? = data.withUnsafeBytes { raw in
            onnx__tensor_proto__unpack(nil, raw.count, raw.bindMemory(to: UInt8.self).baseAddress)
        }
        guard let proto else {
            throw OnyxError.invalidTensor("not a valid TensorProto (\(data.count) bytes could not be parsed)")
        }
        defer { onnx__tensor_proto__free_unpacked(proto, nil) }
        let name = proto.pointee.name.map { String(cString: $0) } ?? ""
        let tensor = try TensorProtoDecoder(baseDirectory: nil).decode(proto, what: "tensor '\(name)'")
        return (name, tensor)
    }

    /// Decodes a serialized `TensorProto` (convenience ignoring its name).
    public init(protoData data: Data) throws {
        self = try Tensor.fromProto(data).tensor
    }

    /// Serializes as an ONNX `TensorProto` with `raw_data` and the given name.
    public func protoData(name: String = "") -> Data {
        var out = ProtoWriter()
        for d in shape { out.varintField(1, UInt64(d)) }
        out.varintField(2, UInt64(elementType.rawValue))
        if !name.isEmpty { out.bytesField(8, Data(name.utf8)) }
        out.bytesField(9, Data(bytes: storage.bytes, count: count * elementType.byteSize))
        return out.data
    }
}

/// Minimal protobuf wire-format writer for the few messages Onyx emits.
struct ProtoWriter {
    var data = Data()

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            data.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        data.append(UInt8(v))
    }

    mutating func varintField(_ field: UInt64, _ value: UInt64) {
        varint(field << 3)
        varint(value)
    }

    mutating func bytesField(_ field: UInt64, _ bytes: Data) {
        varint(field << 3 | 2)
        varint(UInt64(bytes.count))
        data.append(bytes)
    }
}
