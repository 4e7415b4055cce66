import Foundation

/// Metric handles by label values, made once. Creating a handle through the registry checks the
/// metric and label names and builds the help text every time (about 9% of the server's CPU when
/// done per request); the registry returns the same object for the same labels, so keeping it
/// here changes nothing that `/metrics` prints.
final class MetricHandles<Key: Hashable & Sendable, Handle: AnyObject & Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var handles: [Key: Handle] = [:] // guarded by `lock`
    private let make: @Sendable (Key) -> Handle

    init(_ make: @escaping @Sendable (Key) -> Handle) { self.make = make }

    subscript(key: Key) -> Handle {
        lock.lock()
        if let handle = handles[key] {
            lock.unlock()
            return handle
        }
        lock.unlock()
        let handle = make(key) // outside the lock: the registry takes its own
        lock.lock(); defer { lock.unlock() }
        if let raced = handles[key] { return raced }
        handles[key] = handle
        return handle
    }
}

/// The labels of one answered request.
struct RequestLabels: Hashable, Sendable {
    let method: String
    let endpoint: String
    let status: Int
}

/// The labels of a request in flight.
struct RouteLabels: Hashable, Sendable {
    let method: String
    let endpoint: String
}

/// A model and an outcome label.
struct OutcomeLabels: Hashable, Sendable {
    let model: String
    let outcome: String
}
