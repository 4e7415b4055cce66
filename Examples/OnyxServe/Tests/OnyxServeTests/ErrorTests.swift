import Foundation
import Hummingbird
import HummingbirdTesting
import Onyx
import Testing
@testable import OnyxServe

@Suite("Error responses")
struct ErrorTests {
    /// A valid body with `change` applied to its only input.
    func body(_ session: InferenceSession, rows: Int = 1, _ change: (inout [String: Any]) -> Void = { _ in }) -> [String: Any] {
        let (shape, values) = sampleRows(session, rows: rows)
        var input: [String: Any] = ["name": session.inputs[0].name, "shape": shape, "datatype": "FP32", "data": values]
        change(&input)
        return ["inputs": [input]]
    }

    @Test func malformedJSONIs400() async throws {
        try await withServer { client, _ in
            for text in ["{not json", "", #"{"inputs": 3}"#, #"{"outputs": []}"#] {
                let response = try await client.post("/v2/models/mlp_fraud/infer", json: text)
                #expect(response.status == .badRequest, "\(text)")
                #expect(response.errorMessage?.hasPrefix("malformed JSON") == true, "\(response.errorMessage ?? "")")
            }
            let predict = try await client.post("/predict", json: "[1, 2")
            #expect(predict.status == .badRequest)
        }
    }

    @Test func wrongShapeIs400() async throws {
        try await withServer { client, context in
            let session = context.model.session
            // One value too few per row: the model's row width is fixed.
            let (shape, values) = sampleRows(session, rows: 2)
            let narrow = body(session) { input in
                input["shape"] = [2, shape[1] - 1]
                input["data"] = Array(values.prefix(2 * (shape[1] - 1)))
            }
            let response = try await client.post("/v2/models/mlp_fraud/infer", object: narrow)
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.contains("invalid input") == true, "\(response.errorMessage ?? "")")

            let miscounted = body(session) { $0["data"] = [1, 2, 3] }
            let second = try await client.post("/v2/models/mlp_fraud/infer", object: miscounted)
            #expect(second.status == .badRequest)
            #expect(second.errorMessage?.contains("needs") == true, "\(second.errorMessage ?? "")")

            let ragged = try await client.post("/predict", object: ["inputs": [[1, 2], [3]]])
            #expect(ragged.status == .badRequest)
            #expect(ragged.errorMessage?.contains("ragged") == true, "\(ragged.errorMessage ?? "")")
        }
    }

    @Test func wrongTypeAndMissingInputAre400() async throws {
        try await withServer { client, context in
            let session = context.model.session
            let wrongType = try await client.post("/v2/models/mlp_fraud/infer", object: body(session) { $0["datatype"] = "INT64" })
            #expect(wrongType.status == .badRequest)
            #expect(wrongType.errorMessage?.contains("expects FP32") == true, "\(wrongType.errorMessage ?? "")")

            let unknownType = try await client.post("/v2/models/mlp_fraud/infer", object: body(session) { $0["datatype"] = "BYTES" })
            #expect(unknownType.status == .badRequest)

            let unknownInput = try await client.post("/v2/models/mlp_fraud/infer", object: body(session) { $0["name"] = "nope" })
            #expect(unknownInput.status == .badRequest)
            #expect(unknownInput.errorMessage?.contains("no input 'nope'") == true)

            let missing = try await client.post("/v2/models/mlp_fraud/infer", object: ["inputs": [] as [Any]])
            #expect(missing.status == .badRequest)
            #expect(missing.errorMessage?.contains("missing input") == true)

            var unknownOutput = body(session)
            unknownOutput["outputs"] = [["name": "nope"]]
            let output = try await client.post("/v2/models/mlp_fraud/infer", object: unknownOutput)
            #expect(output.status == .badRequest)
        }
    }

    @Test func unknownModelAndRouteAre404() async throws {
        try await withServer { client, context in
            let model = try await client.post("/v2/models/other/infer", object: body(context.model.session))
            #expect(model.status == .notFound)
            #expect(model.errorMessage?.contains("unknown model 'other'") == true)
            #expect(try await client.execute(uri: "/v2/models/other", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/v2/models/other/ready", method: .get).status == .notFound)
            let route = try await client.execute(uri: "/no/such/route", method: .get)
            #expect(route.status == .notFound)
            #expect(route.errorMessage != nil, "404s carry a JSON error too")
        }
    }

    @Test func oversizedBodyIs413() async throws {
        try await withServer(testConfiguration { $0.maxBodyBytes = 1024 }) { client, context in
            let big = body(context.model.session, rows: 64)
            let response = try await client.post("/v2/models/mlp_fraud/infer", object: big)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorMessage?.contains("1024") == true)
            let predict = try await client.post("/predict", json: "[" + String(repeating: "1,", count: 1000) + "1]")
            #expect(predict.status == .contentTooLarge)
        }
    }

    @Test func batcherFailuresMapToStatuses() {
        let overloaded = APIError.from(Batcher.Failure.overloaded, maxBodyBytes: 1)
        #expect(overloaded.status == .serviceUnavailable)
        #expect(overloaded.headers[.retryAfter] != nil)
        #expect(APIError.from(Batcher.Failure.timedOut, maxBodyBytes: 1).status == .gatewayTimeout)
        #expect(APIError.from(OnyxError.invalidInput("x"), maxBodyBytes: 1).status == .badRequest)
    }
}
