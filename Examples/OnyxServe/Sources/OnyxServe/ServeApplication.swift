import Hummingbird
import Logging
import Onyx
import ServiceLifecycle

/// What the routes share: the configuration, readiness, metrics and the served model.
public struct ServeContext: Sendable {
    public let configuration: ServeConfiguration
    public let state: ServerState
    public let metrics: ServeMetrics
    public let model: ServedModel
}

/// Every route the server has, with its methods: a known path with another method gets 405.
/// `HostileRequestTests.everyRouteAnswersAndOtherMethodsAre405` checks this list against the router.
let serveRoutes: [(path: String, methods: [HTTPRequest.Method])] = [
    ("/v2", [.get]), ("/v2/health/live", [.get]), ("/healthz", [.get]), ("/v2/health/ready", [.get]),
    ("/readyz", [.get]), ("/v2/models/{name}", [.get]), ("/v2/models/{name}/ready", [.get]),
    ("/v2/models/{name}/infer", [.post]), ("/predict", [.post]), ("/metrics", [.get]),
]

/// Builds the `onyx-serve` application: loads the model (throws on a bad model), wires the
/// routes, and adds the warm-up service that makes the server ready.
public func buildApplication(configuration: ServeConfiguration, logger: Logger? = nil)
    throws -> (application: some ApplicationProtocol, context: ServeContext)
{
    let logger = logger ?? {
        var l = Logger(label: "onyx-serve", factory: { ServeLogHandler(label: $0) })
        l.logLevel = .info
        return l
    }()
    let metrics = ServeMetrics(model: configuration.modelName)
    let name = configuration.modelName
    let state = ServerState(onChange: { ready in metrics.modelReady(name).set(to: ready ? 1 : 0) })
    let model = try ServedModel(configuration: configuration, metrics: metrics)
    let context = ServeContext(configuration: configuration, state: state, metrics: metrics, model: model)

    let router = Router()
    router.add(middleware: HTTPMetricsMiddleware(metrics: metrics))
    router.add(middleware: JSONErrorMiddleware(maxBodyBytes: configuration.maxBodyBytes))
    router.add(middleware: MethodNotAllowedMiddleware(routes: serveRoutes))
    // The batcher's queue plus one running batch: past that, shed before reading the body.
    let gate = AdmissionGate(limit: configuration.maxQueueSize + configuration.maxBatchSize)
    router.add(middleware: AdmissionMiddleware(gate: gate, onRejected: {
        metrics.recordInference(model: name, outcome: "overloaded")
    }))
    router.addHealthRoutes(context)
    router.addModelRoutes(context)
    router.addPredictRoute(context)
    router.addMetricsRoute(context)

    let app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "onyx-serve"),
        services: [InferenceService(context: context, logger: logger),
                   MemoryTrimService(intervalSeconds: configuration.memoryTrimSeconds)],
        logger: logger)
    return (app, context)
}
