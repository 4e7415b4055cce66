/// JSON bodies of the KServe v2 / Open Inference Protocol REST API.
enum InferenceProtocol {
    /// `GET /v2`.
    struct ServerMetadata: Codable, Sendable {
        var name: String
        var version: String
        var extensions: [String]
    }

    /// One input or output in `GET /v2/models/{name}`.
    struct TensorMetadata: Codable, Sendable {
        var name: String
        var datatype: String
        var shape: [Int]
    }

    /// `GET /v2/models/{name}`.
    struct ModelMetadata: Codable, Sendable {
        var name: String
        var versions: [String]
        var platform: String
        var inputs: [TensorMetadata]
        var outputs: [TensorMetadata]
    }

    /// One tensor of an inference request.
    struct RequestInput: Decodable, Sendable {
        var name: String
        var shape: [Int]
        var datatype: String
        var data: NestedNumbers
    }

    /// An output the client asks for.
    struct RequestOutput: Decodable, Sendable {
        var name: String
    }

    /// `POST /v2/models/{name}/infer`.
    struct InferenceRequest: Decodable, Sendable {
        var id: String?
        var inputs: [RequestInput]
        var outputs: [RequestOutput]?
    }

    /// One output tensor of a response; `data` is flat, row-major.
    struct ResponseOutput: Encodable, Sendable {
        var name: String
        var shape: [Int]
        var datatype: String
        var data: TensorData
    }

    /// Flat tensor values of one element type.
    enum TensorData: Encodable, Sendable {
        case floats([Float])
        case doubles([Double])
        case integers([Int64])
        case unsigned([UInt64])
        case bools([Bool])

        func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .floats(let v): try c.encode(v)
            case .doubles(let v): try c.encode(v)
            case .integers(let v): try c.encode(v)
            case .unsigned(let v): try c.encode(v)
            case .bools(let v): try c.encode(v)
            }
        }
    }

    /// The answer to an inference request.
    struct InferenceResponse: Encodable, Sendable {
        var model_name: String
        var id: String?
        var outputs: [ResponseOutput]
    }

    /// `POST /predict`: rows of the first graph input.
    struct PredictRequest: Decodable, Sendable {
        var inputs: NestedNumbers
    }

    /// Rows of the first graph output, each flattened.
    struct PredictResponse: Encodable, Sendable {
        var outputs: [TensorData]
    }
}
