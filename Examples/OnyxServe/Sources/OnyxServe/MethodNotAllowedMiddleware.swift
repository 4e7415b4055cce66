import Hummingbird

/// Answers 405 with an `Allow` header (RFC 9110 §15.5.6) when the path is one of the server's
/// routes but the method is not one it has; the router alone answers 404 for both. Unknown
/// paths stay 404. Added inside `JSONErrorMiddleware`, so the 405 has a JSON body too.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each route's template split into segments (`{name}` matches any one segment) and its methods.
    let routes: [(segments: [Substring], methods: [HTTPRequest.Method])]

    init(routes: [(path: String, methods: [HTTPRequest.Method])]) {
        self.routes = routes.map { ($0.path.split(separator: "/"), $0.methods) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let allowed = methods(for: request.uri.path), !allowed.contains(request.method) else { throw error }
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            throw APIError(status: .methodNotAllowed,
                           message: "method \(request.method.rawValue) is not allowed here; allowed: \(allow)",
                           headers: [.allow: allow])
        }
    }

    /// The methods of the route `path` matches, or nil when it matches none.
    func methods(for path: String) -> [HTTPRequest.Method]? {
        let parts = path.split(separator: "/")
        return routes.first { route in
            route.segments.count == parts.count && zip(route.segments, parts).allSatisfy { $0 == "{name}" || $0 == $1 }
        }?.methods
    }
}
