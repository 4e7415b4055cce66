import Hummingbird

extension Router {
    /// `GET /metrics` in Prometheus text format.
    func addMetricsRoute(_ serve: ServeContext) {
        get("/metrics") { _, _ in
            serve.metrics.queueDepth(serve.model.name).set(to: Double(serve.model.batcher.queueDepth))
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: serve.metrics.render())))
        }
    }
}
