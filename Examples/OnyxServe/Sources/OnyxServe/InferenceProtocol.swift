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

    /// One tensor of an inference request: `data` in the JSON, or `binary_data_size`
    /// bytes of the binary section (binary tensor data extension).
    struct RequestInput: Sendable {
        var name: String
        var shape: [Int]
        var datatype: String
        var data: NestedNumbers?
        var binaryDataSize: Int?

        init(_ f: JSONField) throws {
            name = try f.required("name").string()
            shape = try f.required("shape").array().map { try $0.int() }
            datatype = try f.required("datatype").string()
            binaryDataSize = try f.optional("parameters")?.optional("binary_data_size")?.int()
            data = try f.optional("data")?.numbers()
            if data == nil && binaryDataSize == nil {
                throw JSONField.Mismatch(path: "", message: "missing field 'data' in \(f.path) (or parameters.binary_data_size with binary data)")
            }
        }
    }

    /// An output the client asks for, as JSON data or (binary_data) raw bytes.
    struct RequestOutput: Sendable {
        var name: String
        var binaryData: Bool?

        init(_ f: JSONField) throws {
            name = try f.required("name").string()
            binaryData = try f.optional("parameters")?.optional("binary_data")?.bool()
        }
    }

    /// `POST /v2/models/{name}/infer`.
    struct InferenceRequest: Sendable {
        var id: String?
        var inputs: [RequestInput]
        var outputs: [RequestOutput]?
        /// `parameters.binary_data_output`: every output as raw bytes unless an output says otherwise.
        var binaryDataOutput: Bool

        init(_ f: JSONField) throws {
            id = try f.optional("id")?.string()
            inputs = try f.required("inputs").array().map(RequestInput.init)
            outputs = try f.optional("outputs")?.array().map(RequestOutput.init)
            binaryDataOutput = try f.optional("parameters")?.optional("binary_data_output")?.bool() ?? false
        }
    }

    /// Parameters of a response output sent as raw bytes.
    struct BinaryParameters: Encodable, Sendable {
        var binary_data_size: Int
    }

    /// One output tensor of a response: `data` flat and row-major, or (binary) nothing here
    /// and `parameters.binary_data_size` bytes in the binary section.
    struct ResponseOutput: Encodable, Sendable {
        var name: String
        var shape: [Int]
        var datatype: String
        var data: TensorData?
        var parameters: BinaryParameters?

        init(name: String, shape: [Int], datatype: String, data: TensorData? = nil) {
            self.name = name
            self.shape = shape
            self.datatype = datatype
            self.data = data
        }
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
    struct PredictRequest: Sendable {
        var inputs: NestedNumbers

        init(_ f: JSONField) throws {
            inputs = try f.required("inputs").numbers()
        }
    }

    /// Rows of the first graph output, each flattened.
    struct PredictResponse: Encodable, Sendable {
        var outputs: [TensorData]
    }
}
