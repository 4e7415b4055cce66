import COnnxProto

/// Reads one `AttributeProto`, honouring its `type` tag (or inferring it in old models).
enum AttributeReader {
    // AttributeProto.AttributeType codes.
    private enum Kind: Int32 {
        case undefined = 0, float = 1, int = 2, string = 3, tensor = 4, graph = 5
        case floats = 6, ints = 7, strings = 8, tensors = 9, graphs = 10
        case sparseTensor = 11, sparseTensors = 12, typeProto = 13, typeProtos = 14
    }

    static func read(_ a: Onnx__AttributeProto, what: String, decoder: TensorProtoDecoder) throws -> AttributeValue {
        if let ref = a.ref_attr_name, ref.pointee != 0 {
            return .unsupported("a reference to function attribute '\(String(cString: ref))'")
        }
        var kind = Kind(rawValue: a.has_type != 0 ? a.type : 0)
        if kind == .undefined { kind = inferKind(a) }
        switch kind {
        case .float: return .float(a.f)
        case .int: return .int(a.i)
        case .string: return .string(string(a.s))
        case .tensor:
            guard let t = a.t else { throw OnyxError.invalidModel("\(what) is a tensor attribute without a tensor") }
            return .tensor(try decoder.decode(t, what: what))
        case .floats: return .floats(Array(UnsafeBufferPointer(start: a.floats, count: a.n_floats)))
        case .ints: return .ints(Array(UnsafeBufferPointer(start: a.ints, count: a.n_ints)))
        case .strings: return .strings((0..<a.n_strings).map { string(a.strings[$0]) })
        case .graph, .graphs: return .unsupported("a subgraph")
        case .sparseTensor, .sparseTensors: return .unsupported("a sparse tensor")
        case .tensors: return .unsupported("a list of tensors")
        case .typeProto, .typeProtos: return .unsupported("a type")
        case .undefined, .none:
            throw OnyxError.invalidModel("\(what) has unknown attribute type \(a.type)")
        }
    }

    private static func inferKind(_ a: Onnx__AttributeProto) -> Kind {
        if a.has_f != 0 { return .float }
        if a.has_i != 0 { return .int }
        if a.has_s != 0 { return .string }
        if a.t != nil { return .tensor }
        if a.has_g != 0 { return .graph }
        if a.n_floats > 0 { return .floats }
        if a.n_ints > 0 { return .ints }
        if a.n_strings > 0 { return .strings }
        return .undefined
    }

    private static func string(_ b: ProtobufCBinaryData) -> String {
        guard b.len > 0, let p = b.data else { return "" }
        return String(decoding: UnsafeBufferPointer(start: p, count: b.len), as: UTF8.self)
    }
}
