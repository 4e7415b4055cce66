import Foundation
import Hummingbird

/// Load shedding at the door: at most `limit` inference requests (POST) are inside the server at
/// once, from their head to their answer. One more gets 503 with Retry-After at once, before its
/// body is read or parsed. On a small model the HTTP and JSON work, not the batcher, is what runs
/// out first, so the batcher's queue bound alone would let requests pile up unanswered.
struct AdmissionMiddleware<Context: RequestContext>: RouterMiddleware {
    let gate: AdmissionGate
    let onRejected: @Sendable () -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post else { return try await next(request, context) }
        guard gate.enter() else {
            onRejected()
            throw APIError(status: .serviceUnavailable,
                           message: "overloaded: \(gate.limit) inference requests are already in progress; retry later",
                           headers: [.retryAfter: "1"])
        }
        defer { gate.leave() }
        return try await next(request, context)
    }
}

/// A counter with a ceiling, shared by all connections.
final class AdmissionGate: @unchecked Sendable { // guarded by `lock`
    let limit: Int
    private let lock = NSLock()
    private var inside = 0

    init(limit: Int) { self.limit = limit }

    /// Takes a place if one is free.
    func enter() -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard inside < limit else { return false }
        inside += 1
        return true
    }

    func leave() {
        lock.lock(); defer { lock.unlock() }
        inside -= 1
    }

    /// Requests inside now.
    var count: Int {
        lock.lock(); defer { lock.unlock() }
        return inside
    }
}
