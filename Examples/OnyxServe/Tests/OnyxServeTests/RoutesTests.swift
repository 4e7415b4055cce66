import Foundation
import Hummingbird
import HummingbirdTesting
import Onyx
import Testing
@testable import OnyxServe

@Suite("Routes")
struct RoutesTests {
    @Test func serverMetadata() async throws {
        try await withServer { client, _ in
            let response = try await client.execute(uri: "/v2", method: .get)
            #expect(response.status == .ok)
            let json = try response.json
            #expect(json["name"] as? String == "onyx-serve")
            #expect(json["version"] as? String == ServeVersion.current)
            #expect(json["extensions"] as? [String] == [])
        }
    }

    @Test(arguments: ["/v2/health/live", "/healthz", "/v2/health/ready", "/readyz", "/v2/models/mlp_fraud/ready"])
    func healthRoutesAnswer200WhenReady(path: String) async throws {
        try await withServer { client, _ in
            let response = try await client.execute(uri: path, method: .get)
            #expect(response.status == .ok, "\(path)")
        }
    }

    @Test func modelMetadata() async throws {
        try await withServer { client, context in
            let response = try await client.execute(uri: "/v2/models/mlp_fraud", method: .get)
            #expect(response.status == .ok)
            let json = try response.json
            #expect(json["name"] as? String == "mlp_fraud")
            #expect(json["platform"] as? String == "onnx")
            let inputs = try #require(json["inputs"] as? [[String: Any]])
            #expect(inputs.count == context.model.session.inputs.count)
            let first = try #require(inputs.first)
            #expect(first["name"] as? String == context.model.session.inputs[0].name)
            #expect(first["datatype"] as? String == "FP32")
            let shape = try #require(first["shape"] as? [Int])
            #expect(shape == TensorCodec.shape(of: context.model.session.inputs[0]))
            #expect(shape.first == -1, "the batch dim is symbolic and shown as -1")
            let outputs = try #require(json["outputs"] as? [[String: Any]])
            #expect(outputs.map { $0["name"] as? String } == context.model.session.outputs.map(\.name))
        }
    }

    @Test func inferAgreesWithSessionRun() async throws {
        try await withServer { client, context in
            let session = context.model.session
            let (shape, values) = sampleRows(session, rows: 3)
            let body: [String: Any] = ["inputs": [["name": session.inputs[0].name, "shape": shape, "datatype": "FP32", "data": values]]]
            let response = try await client.post("/v2/models/mlp_fraud/infer", object: body)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let json = try response.json
            #expect(json["model_name"] as? String == "mlp_fraud")
            let outputs = try #require(json["outputs"] as? [[String: Any]])
            let expected = try session.run([session.inputs[0].name: Tensor(shape: shape, floats: values)])
            #expect(outputs.count == session.outputs.count)
            for output in outputs {
                let name = try #require(output["name"] as? String)
                let want = try #require(expected[name])
                #expect(output["shape"] as? [Int] == want.shape)
                #expect(output["datatype"] as? String == TensorCodec.datatype(of: want.elementType))
                let got = try #require(output["data"] as? [Double])
                #expect(got.count == want.count)
                for (g, w) in zip(got, want.floats) { #expect(abs(Float(g) - w) <= 1e-5) }
            }
        }
    }

    @Test func inferAcceptsNestedDataAndFiltersOutputs() async throws {
        try await withServer { client, context in
            let session = context.model.session
            let (shape, values) = sampleRows(session, rows: 2)
            let width = values.count / 2
            let nested = [Array(values[0..<width]), Array(values[width...])]
            let outputName = session.outputs[0].name
            let body: [String: Any] = [
                "inputs": [["name": session.inputs[0].name, "shape": shape, "datatype": "FP32", "data": nested]],
                "outputs": [["name": outputName]],
            ]
            let response = try await client.post("/v2/models/mlp_fraud/infer", object: body)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let outputs = try #require(try response.json["outputs"] as? [[String: Any]])
            #expect(outputs.map { $0["name"] as? String } == [outputName])
            let expected = try session.run([session.inputs[0].name: Tensor(shape: shape, floats: values)])[outputName]!
            let got = try #require(outputs[0]["data"] as? [Double])
            for (g, w) in zip(got, expected.floats) { #expect(abs(Float(g) - w) <= 1e-5) }
        }
    }

    @Test func predictReturnsRowsOfTheFirstOutput() async throws {
        try await withServer { client, context in
            let session = context.model.session
            let (shape, values) = sampleRows(session, rows: 4)
            let width = values.count / 4
            let rows = (0..<4).map { Array(values[$0 * width ..< ($0 + 1) * width]) }
            let response = try await client.post("/predict", object: ["inputs": rows])
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let outputs = try #require(try response.json["outputs"] as? [[Double]])
            let expected = try session.run([session.inputs[0].name: Tensor(shape: shape, floats: values)])[session.outputs[0].name]!
            #expect(outputs.count == 4)
            let flat = outputs.flatMap { $0 }
            #expect(flat.count == expected.count)
            for (g, w) in zip(flat, expected.floats) { #expect(abs(Float(g) - w) <= 1e-5) }
        }
    }

    @Test func metricsListTheServerSeriesAfterTraffic() async throws {
        try await withServer { client, context in
            let session = context.model.session
            let (shape, values) = sampleRows(session, rows: 1)
            _ = try await client.post("/v2/models/mlp_fraud/infer",
                                      object: ["inputs": [["name": session.inputs[0].name, "shape": shape, "datatype": "FP32", "data": values]]])
            _ = try await client.execute(uri: "/nope", method: .get)
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: response.body)
            for name in ["http_request_duration_seconds_bucket", "http_requests_total", "http_requests_in_flight",
                         "onyx_inference_batch_size_bucket", "onyx_inference_queue_duration_seconds_bucket",
                         "onyx_inference_compute_duration_seconds_bucket", "onyx_inference_requests_total",
                         "onyx_queue_depth", "onyx_model_ready", "process_cpu_seconds_total",
                         "process_resident_memory_bytes"] {
                #expect(text.contains(name), "missing \(name)")
            }
            #expect(text.contains(#"endpoint="/v2/models/{name}/infer""#))
            #expect(text.contains(#"onyx_inference_requests_total{model="mlp_fraud",outcome="ok"}"#))
            #expect(text.contains(#"onyx_model_ready{model="mlp_fraud"} 1"#))
            #expect(text.contains(#"le="0.0005""#) && text.contains(#"le="10.0""#) || text.contains(#"le="10""#))
        }
    }

    @Test func readinessTurnsFalseWhenDraining() async throws {
        try await withServer { client, context in
            #expect(try await client.execute(uri: "/v2/health/ready", method: .get).status == .ok)
            context.state.markDraining()
            #expect(try await client.execute(uri: "/v2/health/ready", method: .get).status == .serviceUnavailable)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .serviceUnavailable)
            #expect(try await client.execute(uri: "/v2/models/mlp_fraud/ready", method: .get).status == .serviceUnavailable)
            #expect(try await client.execute(uri: "/v2/health/live", method: .get).status == .ok)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"onyx_model_ready{model="mlp_fraud"} 0"#))
        }
    }

    @Test func notReadyBeforeWarmUp() {
        let state = ServerState()
        #expect(!state.isReady)
        state.markWarmedUp()
        #expect(state.isReady)
        state.markDraining()
        #expect(!state.isReady)
    }
}
