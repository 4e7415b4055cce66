import Foundation

/// Readiness of the server: ready once the model is loaded and warmed up, and not draining.
public final class ServerState: @unchecked Sendable { // guarded by `lock`
    private let lock = NSLock()
    private var warmedUp = false
    private var draining = false
    private let onChange: @Sendable (Bool) -> Void

    /// `onChange` hears every change of readiness (for the `onyx_model_ready` gauge).
    public init(onChange: @escaping @Sendable (Bool) -> Void = { _ in }) {
        self.onChange = onChange
    }

    /// True when the load balancer should send traffic here.
    public var isReady: Bool {
        lock.lock(); defer { lock.unlock() }
        return warmedUp && !draining
    }

    /// True once the warm-up inference has run.
    public var isWarmedUp: Bool {
        lock.lock(); defer { lock.unlock() }
        return warmedUp
    }

    /// True after shutdown began.
    public var isDraining: Bool {
        lock.lock(); defer { lock.unlock() }
        return draining
    }

    /// Records that the model loaded and one inference ran.
    public func markWarmedUp() { update { $0.warmedUp = true } }

    /// Records that shutdown began: readiness turns false for good.
    public func markDraining() { update { $0.draining = true } }

    private func update(_ change: (ServerState) -> Void) {
        lock.lock()
        change(self)
        let ready = warmedUp && !draining
        lock.unlock()
        onChange(ready)
    }
}
