import COnnxProto
import Foundation

/// Opset versions of the default domain that Onyx implements.
public enum SupportedOpsets {
    /// Oldest default-domain opset accepted.
    public static let minimum = 7
    /// Newest default-domain opset accepted (onnx 1.23.2 writes 28). Ops whose newest
    /// version changed their meaning check `OpContext.opset` (Mod of floats, SpaceToDepth's
    /// mode); ops new in 26-28 are reported as unsupported like any other.
    public static let maximum = 28
}

/// Parses ONNX bytes with protobuf-c and builds the IR, validating as it goes.
struct ModelImporter {
    var baseDirectory: URL?

    struct Result {
        var graph: Graph
        var irVersion: Int
        var producer: String
        var opsets: [String: Int]
    }

    func importModel(_ data: Data) throws -> Result {
        try importModel(unpacking: Self.unpack(data))
    }

    /// Reads and parses a model file, letting go of the file's bytes before the IR is built:
    /// at the peak, memory holds the parse and then the tensors, never the file as well.
    func importModel(contentsOf url: URL) throws -> Result {
        let model = try Self.unpack(Self.read(url))
        return try importModel(unpacking: model)
    }

    static func read(_ url: URL) throws -> Data {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            throw OnyxError.io("cannot read model file '\(url.path)': no such file")
        }
        if isDirectory.boolValue {
            let inside = url.appendingPathComponent("model.onnx").path
            let hint = FileManager.default.fileExists(atPath: inside) ? " (the model in it is '\(inside)')" : ""
            throw OnyxError.io("cannot read model file '\(url.path)': it is a directory\(hint)")
        }
        do {
            return try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw OnyxError.io("cannot read model file '\(url.path)': \(error.localizedDescription)")
        }
    }

    static func unpack(_ data: Data) throws -> UnsafeMutablePointer<Onnx__ModelProto> {
        guard !data.isEmpty else { throw OnyxError.invalidModel("the file is empty") }
        let model: UnsafeMutablePointer<Onnx__ModelProto>? = data.withUnsafeBytes { raw in
            onnx__model_proto__unpack(nil, raw.count, raw.bindMemory(to: UInt8.self).baseAddress)
        }
        guard let model else {
            throw OnyxError.invalidModel(
                "not an ONNX protobuf: \(data.count) bytes could not be parsed (truncated or not a model file)")
        }
        return model
    }

    /// Builds the IR from a parsed model, then frees the parse.
    private func importModel(unpacking model: UnsafeMutablePointer<Onnx__ModelProto>) throws -> Result {
        defer { onnx__model_proto__free_unpacked(model, nil) }
        let m = model.pointee
        guard let graphProto = m.graph else {
            throw OnyxError.invalidModel("the model has no graph (is this an ONNX model file?)")
        }
        let opset = try defaultOpset(m)
        let graph = try importGraph(graphProto.pointee, opset: opset)
        var opsets: [String: Int] = [:]
        for i in 0..<m.n_opset_import {
            guard let imp = m.opset_import[i]?.pointee else { continue }
            let domain = imp.domain.map { String(cString: $0) } ?? ""
            opsets[domain.isEmpty ? "ai.onnx" : domain] = Int(imp.version)
        }
        return Result(graph: graph, irVersion: Int(m.ir_version),
                      producer: m.producer_name.map { String(cString: $0) } ?? "", opsets: opsets)
    }

    private func defaultOpset(_ m: Onnx__ModelProto) throws -> Int {
        var version: Int?
        for i in 0..<m.n_opset_import {
            guard let imp = m.opset_import[i]?.pointee else { continue }
            let domain = imp.domain.map { String(cString: $0) } ?? ""
            if domain.isEmpty || domain == "ai.onnx" {
                version = Int(imp.version)
            }
            // Other domains are checked where a node uses them: their ops are reported
            // as unsupported, with the domain, all together.
        }
        guard let v = version else {
            throw OnyxError.invalidModel("the model imports no opset of the default ONNX domain")
        }
        guard (SupportedOpsets.minimum...SupportedOpsets.maximum).contains(v) else {
            throw OnyxError.unsupportedOpset(domain: "", version: v)
        }
        return v
    }

    private func importGraph(_ g: Onnx__GraphProto, opset: Int) throws -> Graph {
        if g.n_sparse_initializer > 0 {
            throw OnyxError.invalidModel("the graph has sparse initializers, which are not supported")
        }
        let decoder = TensorProtoDecoder(baseDirectory: baseDirectory)
        var initializers: [String: Tensor] = [:]
        for i in 0..<g.n_initializer {
            guard let t = g.initializer[i] else { continue }
            let name = t.pointee.name.map { String(cString: $0) } ?? ""
            guard !name.isEmpty else { throw OnyxError.invalidModel("initializer \(i) has no name") }
            guard initializers[name] == nil else {
                throw OnyxError.invalidModel("initializer '\(name)' is defined twice")
            }
            initializers[name] = try decoder.decode(t, what: "initializer '\(name)'")
        }
        var inputs: [ValueInfo] = []
        for i in 0..<g.n_input {
            guard let v = g.input[i] else { continue }
            let info = try valueInfo(v.pointee, role: "graph input")
            if initializers[info.name] == nil { inputs.append(info) }
        }
        var outputs: [ValueInfo] = []
        for i in 0..<g.n_output {
            guard let v = g.output[i] else { continue }
            outputs.append(try valueInfo(v.pointee, role: "graph output"))
        }
        guard !outputs.isEmpty else { throw OnyxError.invalidModel("the graph declares no outputs") }
        var nodes: [Node] = []
        for i in 0..<g.n_node {
            guard let n = g.node[i] else { continue }
            nodes.append(try node(n.pointee, index: i, opset: opset, decoder: decoder))
        }
        let graph = Graph(nodes: nodes, initializers: initializers, inputs: inputs,
                          outputs: outputs, opset: opset)
        return try GraphValidator.sorted(graph)
    }

    private func valueInfo(_ v: Onnx__ValueInfoProto, role: String) throws -> ValueInfo {
        let name = v.name.map { String(cString: $0) } ?? ""
        guard !name.isEmpty else { throw OnyxError.invalidModel("a \(role) has no name") }
        guard let type = v.type?.pointee else {
            return ValueInfo(name: name, elementType: nil, shape: nil)
        }
        guard type.value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, let tt = type.tensor_type?.pointee else {
            throw OnyxError.invalidModel("\(role) '\(name)' is not a tensor (sequences, maps and optionals are not supported)")
        }
        var elementType: ElementType?
        if tt.has_elem_type != 0 && tt.elem_type != 0 {
            guard let et = ElementType(rawValue: tt.elem_type) else {
                throw OnyxError.invalidModel(
                    "\(role) '\(name)' has unsupported element type \(ElementType.onnxName(of: tt.elem_type))")
            }
            elementType = et
        }
        var shape: [Dim]?
        if let sp = tt.shape?.pointee {
            shape = try (0..<sp.n_dim).map { i -> Dim in
                guard let d = sp.dim[i]?.pointee else { return .unknown }
                switch d.value_case {
                case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE:
                    guard d.dim_value >= 0 else {
                        throw OnyxError.invalidModel("\(role) '\(name)' has negative dimension \(d.dim_value) at axis \(i)")
                    }
                    return .fixed(Int(d.dim_value))
                case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM:
                    let p = d.dim_param.map { String(cString: $0) } ?? ""
                    return p.isEmpty ? .unknown : .symbolic(p)
                default:
                    return .unknown
                }
            }
        }
        return ValueInfo(name: name, elementType: elementType, shape: shape)
    }

    private func node(_ n: Onnx__NodeProto, index: Int, opset: Int, decoder: TensorProtoDecoder) throws -> Node {
        func strings(_ p: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ count: Int) -> [String] {
            (0..<count).map { i in p?[i].map { String(cString: $0) } ?? "" }
        }
        var opType = n.op_type.map { String(cString: $0) } ?? ""
        let domain = n.domain.map { String(cString: $0) } ?? ""
        if !domain.isEmpty && domain != "ai.onnx" { opType = "\(domain)::\(opType)" }
        let name = n.name.map { String(cString: $0) } ?? ""
        var attributes: [String: AttributeValue] = [:]
        for i in 0..<n.n_attribute {
            guard let a = n.attribute[i]?.pointee else { continue }
            let attrName = a.name.map { String(cString: $0) } ?? ""
            let what = "attribute '\(attrName)' of node \(index) '\(name)' (\(opType))"
            attributes[attrName] = try AttributeReader.read(a, what: what, decoder: decoder)
        }
        return Node(name: name, opType: opType, inputs: strings(n.input, n.n_input),
                    outputs: strings(n.output, n.n_output), attributes: attributes, index: index)
    }
}
