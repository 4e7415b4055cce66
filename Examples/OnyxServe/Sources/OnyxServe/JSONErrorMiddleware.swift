import Hummingbird

/// Turns every thrown error into a JSON `{"error": "..."}` response with the right status,
/// so no client mistake ever surfaces as an empty 500.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError.from(error, maxBodyBytes: maxBodyBytes)
            if apiError.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            }
            return apiError.response()
        }
    }
}
