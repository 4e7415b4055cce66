import Foundation
import Hummingbird
import HummingbirdTesting
import Onyx
import Testing
@testable import OnyxServe

/// The bundled fraud MLP, found from this file's location.
let bundledModelPath: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Models/mlp_fraud/model.onnx").path

/// A configuration for tests: the bundled model, a free port, small limits.
func testConfiguration(_ change: (inout ServeConfiguration) -> Void = { _ in }) -> ServeConfiguration {
    var config = ServeConfiguration(modelPath: bundledModelPath, port: 0, threads: 1, drainDelaySeconds: 0)
    change(&config)
    return config
}

/// Starts the server in-process on an ephemeral port, waits until it is ready, and runs `body`.
func withServer<T>(_ config: ServeConfiguration = testConfiguration(), waitForReady: Bool = true,
                   _ body: @Sendable (any TestClientProtocol, ServeContext) async throws -> T) async throws -> T {
    let (app, context) = try buildApplication(configuration: config)
    return try await app.test(.live) { client in
        if waitForReady {
            let deadline = ContinuousClock.now + .seconds(20)
            while !context.state.isReady {
                guard ContinuousClock.now < deadline else { Issue.record("server never became ready"); break }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        return try await body(client, context)
    }
}

extension TestResponse {
    /// The body parsed as a JSON object.
    var json: [String: Any] {
        get throws {
            let object = try JSONSerialization.jsonObject(with: Data(buffer: body))
            return try #require(object as? [String: Any])
        }
    }

    /// The `error` message of a JSON error body.
    var errorMessage: String? { (try? json)?["error"] as? String }
}

extension TestClientProtocol {
    /// POSTs `text` as a JSON body.
    func post(_ uri: String, json text: String) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: [.contentType: "application/json"],
                          body: ByteBuffer(string: text))
    }

    /// POSTs `object` serialized as JSON.
    func post(_ uri: String, object: Any) async throws -> TestResponse {
        let data = try JSONSerialization.data(withJSONObject: object)
        return try await post(uri, json: String(decoding: data, as: UTF8.self))
    }
}

/// Deterministic inputs for the first graph input with `rows` rows.
func sampleRows(_ session: InferenceSession, rows: Int) -> (shape: [Int], values: [Float]) {
    let dims = (session.inputs[0].shape ?? []).dropFirst().map { dim -> Int in
        if case .fixed(let n) = dim { return n }
        return 1
    }
    let shape = [rows] + dims
    let count = shape.reduce(1, *)
    return (shape, (0..<count).map { Float(($0 * 37) % 101) / 101 - 0.5 })
}
