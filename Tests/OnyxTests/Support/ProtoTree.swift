import Foundation
@testable import Onyx

/// A protobuf message as a list of raw wire-format fields, so tests can take a real model
/// apart, change one field deep inside it and write it back, without a schema.
struct ProtoTree {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes(Data)
        case fixed32(UInt32)
    }

    var fields: [(number: Int, value: Value)] = []

    init() {}

    /// Parses `data`; nil when it is not well-formed wire format.
    init?(_ data: Data) {
        let bytes = [UInt8](data)
        var i = 0
        func varint() -> UInt64? {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while i < bytes.count, shift < 64 {
                let b = bytes[i]
                i += 1
                result |= UInt64(b & 0x7f) << shift
                if b < 0x80 { return result }
                shift += 7
            }
            return nil
        }
        func fixed(_ n: Int) -> UInt64? {
            guard bytes.count - i >= n else { return nil }
            var v: UInt64 = 0
            for k in 0..<n { v |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
            i += n
            return v
        }
        while i < bytes.count {
            guard let key = varint(), key >> 3 > 0, key >> 3 < 1 << 29 else { return nil }
            let number = Int(key >> 3)
            switch key & 7 {
            case 0:
                guard let v = varint() else { return nil }
                fields.append((number, .varint(v)))
            case 1:
                guard let v = fixed(8) else { return nil }
                fields.append((number, .fixed64(v)))
            case 2:
                guard let n = varint(), n <= UInt64(bytes.count - i) else { return nil }
                fields.append((number, .bytes(Data(bytes[i..<i + Int(n)]))))
                i += Int(n)
            case 5:
                guard let v = fixed(4) else { return nil }
                fields.append((number, .fixed32(UInt32(v))))
            default:
                return nil
            }
        }
    }

    func serialized() -> Data {
        var w = ProtoWriter()
        for (number, value) in fields {
            let n = UInt64(number)
            switch value {
            case .varint(let v): w.varintField(n, v)
            case .bytes(let d): w.bytesField(n, d)
            case .fixed64(let v):
                w.varint(n << 3 | 1)
                withUnsafeBytes(of: v.littleEndian) { w.data.append(contentsOf: $0) }
            case .fixed32(let v):
                w.varint(n << 3 | 5)
                withUnsafeBytes(of: v.littleEndian) { w.data.append(contentsOf: $0) }
            }
        }
        return w.data
    }

    /// Indices in `fields` of every field numbered `number`.
    func indices(of number: Int) -> [Int] {
        fields.indices.filter { fields[$0].number == number }
    }

    /// The submessages in field `number`, in order.
    func messages(_ number: Int) -> [ProtoTree] {
        indices(of: number).compactMap { i in
            if case .bytes(let d) = fields[i].value { return ProtoTree(d) }
            return nil
        }
    }

    /// The strings in field `number`, in order.
    func strings(_ number: Int) -> [String] {
        indices(of: number).compactMap { i in
            if case .bytes(let d) = fields[i].value { return String(decoding: d, as: UTF8.self) }
            return nil
        }
    }

    /// The integers in field `number`: unpacked varints and packed runs alike.
    func ints(_ number: Int) -> [Int64] {
        var out: [Int64] = []
        for i in indices(of: number) {
            switch fields[i].value {
            case .varint(let v): out.append(Int64(bitPattern: v))
            case .bytes(let d):
                guard let packed = ProtoTree.unpackVarints(d) else { continue }
                out += packed.map { Int64(bitPattern: $0) }
            default: continue
            }
        }
        return out
    }

    /// Applies `body` to the `k`-th submessage of field `number` (no-op when absent).
    mutating func updateMessage(_ number: Int, at k: Int, _ body: (inout ProtoTree) -> Void) {
        let idx = indices(of: number)
        guard k < idx.count, case .bytes(let d) = fields[idx[k]].value, var m = ProtoTree(d) else { return }
        body(&m)
        fields[idx[k]].value = .bytes(m.serialized())
    }

    /// Replaces every field `number` with `values` as unpacked varints, where the first was.
    mutating func setInts(_ number: Int, _ values: [Int64]) {
        let at = indices(of: number).first ?? fields.count
        fields.removeAll { $0.number == number }
        fields.insert(contentsOf: values.map { (number, Value.varint(UInt64(bitPattern: $0))) }, at: min(at, fields.count))
    }

    /// Replaces every field `number` with one length-delimited field.
    mutating func setBytes(_ number: Int, _ value: Data) {
        let at = indices(of: number).first ?? fields.count
        fields.removeAll { $0.number == number }
        fields.insert((number, .bytes(value)), at: min(at, fields.count))
    }

    mutating func setString(_ number: Int, _ value: String) { setBytes(number, Data(value.utf8)) }

    /// Replaces the `k`-th string of repeated field `number`.
    mutating func replaceString(_ number: Int, at k: Int, with value: String) {
        let idx = indices(of: number)
        guard k < idx.count else { return }
        fields[idx[k]].value = .bytes(Data(value.utf8))
    }

    /// The bytes of the first field `number`, if it is length-delimited.
    func bytes(_ number: Int) -> Data? {
        guard let i = indices(of: number).first, case .bytes(let d) = fields[i].value else { return nil }
        return d
    }

    static func unpackVarints(_ d: Data) -> [UInt64]? {
        var out: [UInt64] = []
        var v: UInt64 = 0, shift: UInt64 = 0
        for b in d {
            guard shift < 64 else { return nil }
            v |= UInt64(b & 0x7f) << shift
            if b < 0x80 { out.append(v); v = 0; shift = 0 } else { shift += 7 }
        }
        return shift == 0 ? out : nil
    }
}

/// ONNX field numbers (onnx.proto) used by the mutation tests.
enum OnnxField {
    enum Model { static let irVersion = 1, graph = 7, opsetImport = 8 }
    enum OpsetID { static let domain = 1, version = 2 }
    enum Graph { static let node = 1, initializer = 5, input = 11, output = 12, valueInfo = 13 }
    enum Node { static let input = 1, output = 2, name = 3, opType = 4, attribute = 5, domain = 7 }
    enum Attribute { static let name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, type = 20 }
    enum Tensor { static let dims = 1, dataType = 2, floatData = 4, int32Data = 5, int64Data = 7, name = 8, rawData = 9 }
    enum ValueInfo { static let name = 1, type = 2 }
    enum TypeProto { static let tensorType = 1 }
    enum TensorType { static let elemType = 1, shape = 2 }
    enum Shape { static let dim = 1 }
    enum Dimension { static let value = 1, param = 2 }
}
