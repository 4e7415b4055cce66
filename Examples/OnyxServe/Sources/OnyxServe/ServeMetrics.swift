import Onyx
import Prometheus

/// The server's Prometheus metrics, all in one registry that `GET /metrics` prints.
public final class ServeMetrics: Sendable {
    /// The registry `/metrics` emits.
    public let registry: PrometheusCollectorRegistry
    private let process: ProcessMetrics
    private let inFlightGauges: MetricHandles<RouteLabels, Gauge>
    private let requestSeries: MetricHandles<RequestLabels, RequestSeries>
    private let inferenceCounters: MetricHandles<OutcomeLabels, Counter>
    private let batchSeries: MetricHandles<String, BatchSeries>

    /// The two series one answered request updates.
    final class RequestSeries: Sendable {
        let duration: ValueHistogram
        let count: Counter
        init(_ duration: ValueHistogram, _ count: Counter) { (self.duration, self.count) = (duration, count) }
    }

    /// The three histograms one batched run updates.
    final class BatchSeries: Sendable {
        let size, queue, compute: ValueHistogram
        init(_ size: ValueHistogram, _ queue: ValueHistogram, _ compute: ValueHistogram) {
            (self.size, self.queue, self.compute) = (size, queue, compute)
        }
    }

    /// Request latency buckets, 0.5 ms to 10 s; 0.3/0.35/0.4 s bracket the default 350 ms
    /// SLO so a P95 near it is read from narrow buckets, not interpolated across 0.25-0.5 s.
    static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.35, 0.4, 0.5, 1, 2.5, 5, 10]
    /// Rows per batched run.
    static let batchSizeBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256]

    /// Names and help lines; the full name is `metricName_unitName`. (Computed: the descriptor
    /// type is not Sendable, so it cannot be a stored static.)
    enum Name {
        static var requestDuration: MetricNameDescriptor {
            .init(metricName: "http_request_duration", unitName: "seconds", helpText: "Time from request head to response, by route template.")
        }
        static var requests: MetricNameDescriptor {
            .init(metricName: "http_requests", unitName: "total", helpText: "HTTP requests answered, by route template and status.")
        }
        static var inFlight: MetricNameDescriptor {
            .init(metricName: "http_requests_in_flight", unitName: "", helpText: "HTTP requests being handled now.")
        }
        static var batchSize: MetricNameDescriptor {
            .init(metricName: "onyx_inference_batch_size", unitName: "", helpText: "Rows per batched run.")
        }
        static var queueDuration: MetricNameDescriptor {
            .init(metricName: "onyx_inference_queue_duration", unitName: "seconds", helpText: "Time a request waited in the batcher's queue.")
        }
        static var computeDuration: MetricNameDescriptor {
            .init(metricName: "onyx_inference_compute_duration", unitName: "seconds", helpText: "Time one batched run took.")
        }
        static var inferenceRequests: MetricNameDescriptor {
            .init(metricName: "onyx_inference_requests", unitName: "total", helpText: "Inference requests by outcome.")
        }
        static var queueDepth: MetricNameDescriptor {
            .init(metricName: "onyx_queue_depth", unitName: "", helpText: "Requests waiting in the batcher's queue.")
        }
        static var modelReady: MetricNameDescriptor {
            .init(metricName: "onyx_model_ready", unitName: "", helpText: "1 when the model is loaded, warmed up and not draining.")
        }
    }

    /// Creates the registry with the model-level series present from the start.
    public init(model: String, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        process = ProcessMetrics(registry: registry)
        inFlightGauges = MetricHandles { key in
            registry.makeGauge(descriptor: Name.inFlight, labels: [("method", key.method), ("endpoint", key.endpoint)])
        }
        requestSeries = MetricHandles { key in
            let labels = [("method", key.method), ("endpoint", key.endpoint), ("status", String(key.status))]
            return RequestSeries(registry.makeValueHistogram(descriptor: Name.requestDuration, labels: labels, buckets: Self.latencyBuckets),
                                 registry.makeCounter(descriptor: Name.requests, labels: labels))
        }
        inferenceCounters = MetricHandles { key in
            registry.makeCounter(descriptor: Name.inferenceRequests, labels: [("model", key.model), ("outcome", key.outcome)])
        }
        batchSeries = MetricHandles { model in
            let labels = [("model", model)]
            return BatchSeries(registry.makeValueHistogram(descriptor: Name.batchSize, labels: labels, buckets: Self.batchSizeBuckets),
                               registry.makeValueHistogram(descriptor: Name.queueDuration, labels: labels, buckets: Self.latencyBuckets),
                               registry.makeValueHistogram(descriptor: Name.computeDuration, labels: labels, buckets: Self.latencyBuckets))
        }
        modelReady(model).set(to: 0)
        queueDepth(model).set(to: 0)
    }

    // MARK: HTTP

    func inFlight(method: String, endpoint: String) -> Gauge {
        inFlightGauges[RouteLabels(method: method, endpoint: endpoint)]
    }

    /// Records one answered request.
    func recordRequest(method: String, endpoint: String, status: Int, seconds: Double) {
        let series = requestSeries[RequestLabels(method: method, endpoint: endpoint, status: status)]
        series.duration.record(seconds)
        series.count.increment()
    }

    // MARK: Inference

    func modelReady(_ model: String) -> Gauge {
        registry.makeGauge(descriptor: Name.modelReady, labels: [("model", model)])
    }

    func queueDepth(_ model: String) -> Gauge {
        registry.makeGauge(descriptor: Name.queueDepth, labels: [("model", model)])
    }

    /// Counts one inference request by how it ended: ok, invalid, overloaded, timed_out,
    /// shutting_down, not_ready, cancelled, error.
    func recordInference(model: String, outcome: String) {
        inferenceCounters[OutcomeLabels(model: model, outcome: outcome)].increment()
    }

    /// Records one batched run: its rows, each request's queue wait, and its compute time.
    func recordBatch(_ report: Batcher.BatchReport, model: String) {
        let series = batchSeries[model]
        series.size.record(Double(report.rows))
        for seconds in report.queueSeconds { series.queue.record(seconds) }
        series.compute.record(report.computeSeconds)
    }

    /// The registry in Prometheus text format.
    public func render() -> String {
        process.update()
        return registry.emitToString()
    }
}
