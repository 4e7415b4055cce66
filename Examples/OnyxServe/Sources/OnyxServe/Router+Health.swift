import Hummingbird

extension Router {
    /// `GET /v2`, liveness and readiness (KServe paths and the `/healthz`, `/readyz` aliases).
    func addHealthRoutes(_ serve: ServeContext) {
        get("/v2") { _, _ in
            try InferenceProtocol.ServerMetadata(name: "onyx-serve", version: ServeVersion.current,
                                                 extensions: []).jsonResponse()
        }
        let live: @Sendable (Request, Context) async throws -> Response = { _, _ in
            try ["live": true].jsonResponse()
        }
        let ready: @Sendable (Request, Context) async throws -> Response = { _, _ in
            let isReady = serve.state.isReady
            return try ["ready": isReady].jsonResponse(status: isReady ? .ok : .serviceUnavailable)
        }
        get("/v2/health/live", use: live)
        get("/healthz", use: live)
        get("/v2/health/ready", use: ready)
        get("/readyz", use: ready)
    }
}

/// The server's version, reported by `GET /v2`.
public enum ServeVersion {
    public static let current = "0.1.0"
}
