/// Writes the server's responses as JSON bytes without Foundation's `JSONEncoder`, which on a
/// small model took about 8% of the server's CPU (a container and a boxed value per number).
/// The output matches what the encoder gave: keys sorted, absent optionals left out,
/// non-finite floats as the strings "inf", "-inf" and "nan".
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                bytes.append(Self.hexDigit(b >> 4))
                bytes.append(Self.hexDigit(b & 0xF))
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10 }

    /// A key and its colon (the caller writes the value and the commas).
    mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        raw("\":")
    }

    /// `"name":"value"`.
    mutating func member(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    mutating func number<T: BinaryFloatingPoint & LosslessStringConvertible>(_ v: T) {
        if v.isFinite {
            bytes.append(contentsOf: v.description.utf8)
        } else if v.isNaN {
            raw("\"nan\"")
        } else {
            v < 0 ? raw("\"-inf\"") : raw("\"inf\"")
        }
    }

    mutating func number<T: BinaryInteger>(_ v: T) {
        bytes.append(contentsOf: String(v).utf8)
    }

    mutating func array<T>(_ values: [T], _ element: (inout JSONWriter, T) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            element(&self, v)
        }
        bytes.append(UInt8(ascii: "]"))
    }
}

/// A response that writes itself with `JSONWriter` (`jsonData()` uses it when present).
protocol JSONWritable {
    func write(to json: inout JSONWriter)
}

extension InferenceProtocol.TensorData: JSONWritable {
    func write(to json: inout JSONWriter) {
        switch self {
        case .floats(let v): json.array(v) { $0.number($1) }
        case .doubles(let v): json.array(v) { $0.number($1) }
        case .integers(let v): json.array(v) { $0.number($1) }
        case .unsigned(let v): json.array(v) { $0.number($1) }
        case .bools(let v): json.array(v) { j, b in b ? j.raw("true") : j.raw("false") }
        }
    }
}

extension InferenceProtocol.PredictResponse: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.raw("{")
        json.key("outputs")
        json.array(outputs) { j, row in row.write(to: &j) }
        json.raw("}")
    }
}

extension InferenceProtocol.ResponseOutput: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.raw("{")
        if let data {
            json.key("data")
            data.write(to: &json)
            json.raw(",")
        }
        json.member("datatype", datatype)
        json.raw(",")
        json.member("name", name)
        if let parameters {
            json.raw(",")
            json.key("parameters")
            json.raw("{")
            json.key("binary_data_size")
            json.number(parameters.binary_data_size)
            json.raw("}")
        }
        json.raw(",")
        json.key("shape")
        json.array(shape) { $0.number($1) }
        json.raw("}")
    }
}

extension InferenceProtocol.InferenceResponse: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.raw("{")
        if let id {
            json.member("id", id)
            json.raw(",")
        }
        json.member("model_name", model_name)
        json.raw(",")
        json.key("outputs")
        json.array(outputs) { j, o in o.write(to: &j) }
        json.raw("}")
    }
}
