import Foundation
import Onyx

/// The one model this server serves: its session, the shared batcher, and its metadata.
public final class ServedModel: Sendable {
    /// The name in `/v2/models/{name}`.
    public let name: String
    /// The session every batch runs on.
    public let session: InferenceSession
    /// The only way requests reach the session.
    public let batcher: Batcher
    /// Queue deadline given to each request (seconds).
    public let requestTimeout: Double

    /// Loads the model and starts its batcher; `metrics` hears every batch and rejection.
    public init(configuration: ServeConfiguration, metrics: ServeMetrics) throws {
        let model = try Model(contentsOf: URL(fileURLWithPath: configuration.modelPath))
        session = try InferenceSession(model: model, options: .init(threads: configuration.threads))
        name = configuration.modelName
        requestTimeout = configuration.requestTimeoutMilliseconds / 1000
        let policy = Batcher.Policy(maxBatchSize: configuration.maxBatchSize,
                                    maxQueueDelay: configuration.maxQueueDelayMilliseconds / 1000,
                                    maxQueueSize: configuration.maxQueueSize,
                                    defaultDeadline: requestTimeout)
        let name = configuration.modelName
        batcher = Batcher(session: session, policy: policy,
                          onBatch: { report in metrics.recordBatch(report, model: name) },
                          onRejected: { _ in })
    }

    /// Runs `inputs` through the shared batcher.
    public func infer(_ inputs: [String: Tensor]) async throws -> [String: Tensor] {
        try await batcher.submit(inputs, deadline: requestTimeout)
    }

    /// One input per graph input, filled with zeros; symbolic dims become 1.
    public func warmUpInputs() throws -> [String: Tensor] {
        var inputs: [String: Tensor] = [:]
        for info in session.inputs {
            let shape = (info.shape ?? [.fixed(1)]).map { dim -> Int in
                if case .fixed(let n) = dim { return n }
                return 1
            }
            inputs[info.name] = Tensor(zeros: shape, elementType: info.elementType ?? .float32)
        }
        return inputs
    }
}
