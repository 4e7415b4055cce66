import Hummingbird
import Onyx

extension Router {
    /// `POST /predict`: `{"inputs": [[...], ...]}` rows of the first graph input in,
    /// `{"outputs": [[...], ...]}` rows of the first graph output out.
    func addPredictRoute(_ serve: ServeContext) {
        post("/predict") { request, _ in
            var request = request
            let json = try await request.readJSON(limit: serve.configuration.maxBodyBytes)
            let body = try decodeRequest { try InferenceProtocol.PredictRequest(json) }
            let session = serve.model.session
            guard let first = session.inputs.first, let output = session.outputs.first else {
                throw APIError(status: .internalServerError, message: "the model has no inputs or outputs")
            }
            guard session.inputs.count == 1 else {
                throw APIError.badRequest("/predict needs a model with one input; this one has \(session.inputs.count): use /v2/models/\(serve.model.name)/infer")
            }
            guard body.inputs.shape.count >= 2 else {
                throw APIError.badRequest("'inputs' must be an array of rows (an array of arrays), got shape \(body.inputs.shape)")
            }
            let tensor = try TensorCodec.tensor(body.inputs.values, shape: body.inputs.shape,
                                                type: first.elementType ?? .float32, what: "inputs")
            let outputs = try await serve.infer([first.name: tensor])
            guard let result = outputs[output.name] else {
                throw APIError(status: .internalServerError, message: "the model returned no '\(output.name)'")
            }
            let rows = result.shape.first ?? 1
            return try InferenceProtocol.PredictResponse(outputs: TensorCodec.rows(try TensorCodec.data(result), rows: rows))
                .jsonResponse()
        }
    }
}
