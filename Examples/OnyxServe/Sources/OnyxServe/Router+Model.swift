import Hummingbird
import Onyx

extension Router {
    /// `GET /v2/models/{name}`, `GET /v2/models/{name}/ready`, `POST /v2/models/{name}/infer`.
    func addModelRoutes(_ serve: ServeContext) {
        get("/v2/models/{name}") { _, context in
            let model = try serve.model(named: context.parameters.get("name"))
            return try InferenceProtocol.ModelMetadata(
                name: model.name, versions: ["1"], platform: "onnx",
                inputs: model.session.inputs.map(TensorCodec.metadata),
                outputs: model.session.outputs.map(TensorCodec.metadata)).jsonResponse()
        }
        get("/v2/models/{name}/ready") { _, context in
            let model = try serve.model(named: context.parameters.get("name"))
            let ready = serve.state.isReady
            return try InferenceProtocol.ModelReady(name: model.name, ready: ready)
                .jsonResponse(status: ready ? .ok : .serviceUnavailable)
        }
        post("/v2/models/{name}/infer") { request, context in
            _ = try serve.model(named: context.parameters.get("name"))   // 404 for an unknown name
            var request = request
            let buffer = try await request.collectBody(limit: serve.configuration.maxBodyBytes)
            let jsonLength = try BinaryTensorData.jsonLength(request.headers, bodyBytes: buffer.readableBytes)
            let (body, inputs) = try buffer.withUnsafeReadableBytes { raw in
                let split = jsonLength ?? raw.count
                let json = try parseJSON(UnsafeRawBufferPointer(rebasing: raw[..<split]))
                let body = try decodeRequest { try InferenceProtocol.InferenceRequest(json) }
                return (body, try serve.tensors(from: body, binary: UnsafeRawBufferPointer(rebasing: raw[split...])))
            }
            let wanted = try serve.requestedOutputs(body)
            let outputs = try await serve.infer(inputs)
            return try serve.inferResponse(body, wanted: wanted, outputs: outputs)
        }
    }
}

extension InferenceProtocol {
    /// `GET /v2/models/{name}/ready`.
    struct ModelReady: Codable, Sendable {
        var name: String
        var ready: Bool
    }
}

extension ServeContext {
    /// The served model if `name` is its name, else 404.
    func model(named name: String?) throws -> ServedModel {
        guard let name, name == model.name else {
            throw APIError.notFound("unknown model '\(name ?? "")'; this server serves '\(model.name)'")
        }
        return model
    }

    /// The request's inputs as tensors, checked against the graph's inputs by name and type;
    /// inputs with `binary_data_size` take their bytes from `binary` in order.
    func tensors(from body: InferenceProtocol.InferenceRequest, binary: UnsafeRawBufferPointer) throws -> [String: Tensor] {
        let declared = model.session.inputs
        var tensors: [String: Tensor] = [:]
        var offset = 0
        for (i, input) in body.inputs.enumerated() {
            let what = "input '\(input.name)'"
            guard let info = declared.first(where: { $0.name == input.name }) else {
                let names = declared.map { "'\($0.name)'" }.joined(separator: ", ")
                throw APIError.badRequest("inputs[\(i)]: the model has no input '\(input.name)'; its inputs are \(names)")
            }
            guard tensors[input.name] == nil else { throw APIError.badRequest("\(what) is given twice") }
            let type = try TensorCodec.elementType(input.datatype, what: what)
            if let expected = info.elementType, expected != type {
                throw APIError.badRequest("\(what): datatype \(input.datatype) but the model expects \(TensorCodec.datatype(of: expected))")
            }
            if let size = input.binaryDataSize {
                guard input.data == nil else { throw APIError.badRequest("\(what): give either data or parameters.binary_data_size, not both") }
                guard size >= 0, size <= binary.count - offset else {
                    throw APIError.badRequest("\(what): binary_data_size is \(size) but \(binary.count - offset) bytes of binary data are left")
                }
                let bytes = UnsafeRawBufferPointer(rebasing: binary[offset..<(offset + size)])
                tensors[input.name] = try BinaryTensorData.tensor(bytes, shape: input.shape, type: type, what: what)
                offset += size
            } else if let data = input.data {
                tensors[input.name] = try TensorCodec.tensor(data.values, shape: input.shape, type: type, what: what)
            }
        }
        guard offset == binary.count else {
            throw APIError.badRequest("\(binary.count - offset) bytes of binary data after the JSON header are claimed by no input's binary_data_size")
        }
        if let missing = declared.first(where: { tensors[$0.name] == nil }) {
            throw APIError.badRequest("missing input '\(missing.name)' (\(TensorCodec.datatype(of: missing.elementType ?? .float32)) \(TensorCodec.shape(of: missing)))")
        }
        return tensors
    }

    /// The outputs to answer with, in order, and whether each goes as binary data: the
    /// requested ones (each must exist) or all.
    func requestedOutputs(_ body: InferenceProtocol.InferenceRequest) throws -> [(name: String, binary: Bool)] {
        let all = model.session.outputs.map(\.name)
        guard let requested = body.outputs, !requested.isEmpty else { return all.map { ($0, body.binaryDataOutput) } }
        for output in requested where !all.contains(output.name) {
            throw APIError.badRequest("the model has no output '\(output.name)'; its outputs are \(all.map { "'\($0)'" }.joined(separator: ", "))")
        }
        return requested.map { ($0.name, $0.binaryData ?? body.binaryDataOutput) }
    }

    /// The response: plain JSON, or with any binary output a JSON header followed by the
    /// raw outputs, its length in `Inference-Header-Content-Length`.
    func inferResponse(_ body: InferenceProtocol.InferenceRequest, wanted: [(name: String, binary: Bool)],
                       outputs: [String: Tensor]) throws -> Response {
        var answer = InferenceProtocol.InferenceResponse(model_name: model.name, id: body.id, outputs: [])
        var binary = ByteBuffer()
        for (name, asBinary) in wanted {
            guard let tensor = outputs[name] else { continue }
            var output = InferenceProtocol.ResponseOutput(name: name, shape: tensor.shape,
                                                          datatype: TensorCodec.datatype(of: tensor.elementType))
            if asBinary {
                let before = binary.readableBytes
                try BinaryTensorData.append(tensor, to: &binary)
                output.parameters = .init(binary_data_size: binary.readableBytes - before)
            } else {
                output.data = try TensorCodec.data(tensor)
            }
            answer.outputs.append(output)
        }
        guard wanted.contains(where: { $0.binary }) else { return try answer.jsonResponse() }
        let header = try answer.jsonData()
        var bytes = ByteBuffer(bytes: header)
        bytes.writeBuffer(&binary)
        return Response(status: .ok, headers: [.contentType: "application/octet-stream",
                                               BinaryTensorData.headerLength: "\(header.count)"],
                        body: .init(byteBuffer: bytes))
    }

    /// Runs through the shared batcher, refusing before warm-up, and counts the outcome.
    func infer(_ inputs: [String: Tensor]) async throws -> [String: Tensor] {
        guard state.isWarmedUp else {
            metrics.recordInference(model: model.name, outcome: "not_ready")
            throw APIError(status: .serviceUnavailable, message: "model '\(model.name)' is not ready yet", headers: [.retryAfter: "1"])
        }
        do {
            let outputs = try await model.infer(inputs)
            metrics.recordInference(model: model.name, outcome: "ok")
            return outputs
        } catch {
            metrics.recordInference(model: model.name, outcome: Self.outcome(of: error))
            throw error
        }
    }

    static func outcome(of error: Error) -> String {
        switch error {
        case Batcher.Failure.overloaded: return "overloaded"
        case Batcher.Failure.timedOut: return "timed_out"
        case Batcher.Failure.shuttingDown: return "shutting_down"
        case OnyxError.invalidInput, OnyxError.invalidTensor: return "invalid"
        case is CancellationError: return "cancelled"
        default: return "error"
        }
    }
}
