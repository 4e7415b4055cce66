/// Element types a `Tensor` can hold, numbered as ONNX's `TensorProto.DataType`.
public enum ElementType: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case float32 = 1
    case uint8 = 2
    case int8 = 3
    case uint16 = 4
    case int16 = 5
    case int32 = 6
    case int64 = 7
    case bool = 9
    case float64 = 11
    case uint32 = 12
    case uint64 = 13

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .float32, .int32, .uint32: return 4
        case .int64, .float64, .uint64: return 8
        }
    }

    /// The ONNX name of the type, as error messages print it.
    public var description: String {
        switch self {
        case .float32: return "float32"
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .int32: return "int32"
        case .int64: return "int64"
        case .bool: return "bool"
        case .float64: return "float64"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        }
    }

    /// Names for ONNX data type codes we do not support, so errors can say what was found.
    static func onnxName(of code: Int32) -> String {
        if let known = ElementType(rawValue: code) { return known.description }
        let names: [Int32: String] = [
            0: "undefined", 8: "string", 10: "float16",
            14: "complex64", 15: "complex128", 16: "bfloat16",
        ]
        return names[code] ?? "data type \(code)"
    }
}

/// Swift scalar types that map to an `ElementType`.
public protocol TensorScalar: Sendable {
    /// The element type this scalar is stored as.
    static var elementType: ElementType { get }
}
extension Float: TensorScalar { public static var elementType: ElementType { .float32 } }
extension Double: TensorScalar { public static var elementType: ElementType { .float64 } }
extension Int64: TensorScalar { public static var elementType: ElementType { .int64 } }
extension Int32: TensorScalar { public static var elementType: ElementType { .int32 } }
extension Int8: TensorScalar { public static var elementType: ElementType { .int8 } }
extension UInt8: TensorScalar { public static var elementType: ElementType { .uint8 } }
extension Int16: TensorScalar { public static var elementType: ElementType { .int16 } }
extension UInt16: TensorScalar { public static var elementType: ElementType { .uint16 } }
extension UInt32: TensorScalar { public static var elementType: ElementType { .uint32 } }
extension UInt64: TensorScalar { public static var elementType: ElementType { .uint64 } }
extension Bool: TensorScalar { public static var elementType: ElementType { .bool } }
