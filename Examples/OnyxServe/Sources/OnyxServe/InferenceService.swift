import Logging
import ServiceLifecycle

/// Warms the model up (one inference through the batcher), marks the server ready, and on
/// shutdown lets the batcher finish its queue. Runs inside the application's service group,
/// so it is shut down after the HTTP server has finished its in-flight requests.
struct InferenceService: Service {
    let context: ServeContext
    let logger: Logger

    func run() async throws {
        let model = context.model
        let started = ContinuousClock.now
        _ = try await model.batcher.submit(try model.warmUpInputs(), deadline: 60)
        context.state.markWarmedUp()
        logger.info("model ready", metadata: [
            "model": "\(model.name)", "warmup": "\(ContinuousClock.now - started)",
        ])
        try? await gracefulShutdown()
        context.state.markDraining()
        await model.batcher.shutdown()
        logger.info("batcher drained")
    }
}

/// Shut down first on SIGTERM: turns readiness false at once, keeps the server serving for
/// the drain delay (so load balancers stop routing here), then lets shutdown go on.
public struct DrainService: Service {
    let state: ServerState
    let delaySeconds: Double
    let logger: Logger

    /// Marks `state` draining on shutdown, then waits `delaySeconds`.
    public init(state: ServerState, delaySeconds: Double, logger: Logger) {
        self.state = state
        self.delaySeconds = delaySeconds
        self.logger = logger
    }

    public func run() async throws {
        try? await gracefulShutdown()
        state.markDraining()
        logger.info("draining: readiness is false, serving for \(delaySeconds) s before stopping")
        try? await Task.sleep(for: .milliseconds(Int(delaySeconds * 1000)))
    }
}
