import Onyx

/// One complete ("ph": "X") event of the Chrome trace format, which chrome://tracing and
/// Perfetto load.
public struct TraceEvent: Sendable, Equatable {
    public let name: String
    public let category: String
    public let startMicros: Double
    public let durationMicros: Double
    public let run: Int

    static func events(for timings: [NodeTiming], runStartMicros: Double, run: Int) -> [TraceEvent] {
        timings.map { t in
            TraceEvent(name: "\(t.name.isEmpty ? "#\(t.nodeIndex)" : t.name) (\(t.opType))", category: t.opType,
                       startMicros: runStartMicros + Double(t.startNanos) / 1000,
                       durationMicros: Double(t.durationNanos) / 1000, run: run)
        }
    }

    /// The JSON object for this event.
    public var jsonObject: [String: Any] {
        ["name": name, "cat": category, "ph": "X", "ts": startMicros, "dur": durationMicros,
         "pid": 1, "tid": 1, "args": ["run": run]]
    }
}
