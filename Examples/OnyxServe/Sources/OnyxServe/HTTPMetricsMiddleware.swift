import Dispatch
import Hummingbird

/// Records `http_request_duration_seconds`, `http_requests_total` and `http_requests_in_flight`
/// labelled by method, route template and status. Hummingbird resolves the route before router
/// middleware runs, so `context.endpointPath` is the template (`/v2/models/{name}/infer`).
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServeMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let method = request.method.rawValue
        let endpoint = context.endpointPath ?? "unmatched"
        let inFlight = metrics.inFlight(method: method, endpoint: endpoint)
        inFlight.increment()
        defer { inFlight.decrement() }
        let status: Int
        do {
            let response = try await next(request, context)
            status = response.status.code
            record(method: method, endpoint: endpoint, status: status, start: start)
            return response
        } catch {
            status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(method: method, endpoint: endpoint, status: status, start: start)
            throw error
        }
    }

    private func record(method: String, endpoint: String, status: Int, start: UInt64) {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        metrics.recordRequest(method: method, endpoint: endpoint, status: status, seconds: seconds)
    }
}
