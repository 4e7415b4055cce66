import Dispatch
import Foundation
import Onyx

/// Per-node figures aggregated over the profiled runs.
public struct OpSummary: Sendable {
    public let node: String
    public let opType: String
    public let kernel: String
    public let outputShape: [Int]
    public let stats: LatencyStats
    public let share: Double
    public let gflops: Double?
}

/// Per-op-type totals over the profiled runs.
public struct OpTypeSummary: Sendable {
    public let opType: String
    public let count: Int
    public let totalMs: Double
    public let share: Double
}

/// Everything one `onyx-bench` invocation measured.
public struct BenchResult: Sendable {
    public let options: BenchOptions
    public let parseMs: Double
    public let optimizeMs: Double
    public let planMs: Double
    public let endToEnd: LatencyStats
    public let ops: [OpSummary]
    public let opTypes: [OpTypeSummary]
    public let peakRSSMegabytes: Double
    public let trace: [TraceEvent]

    /// Inferences per second at the median latency.
    public var throughput: Double { endToEnd.p50 > 0 ? Double(options.batch) * 1000 / endToEnd.p50 : 0 }
}

/// Loads the model, warms up, times the runs.
public enum BenchRunner {
    static func millis(_ from: UInt64, _ to: UInt64) -> Double { Double(to - from) / 1e6 }
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    public static func run(_ o: BenchOptions, progress: (String) -> Void = { _ in }) throws -> BenchResult {
        let t0 = now()
        let model = try Model(contentsOf: URL(fileURLWithPath: o.model))
        let t1 = now()
        let session = try InferenceSession(model: model, options: .init(threads: o.threads, optimize: o.optimize))
        let prep = session.preparationMilliseconds
        let feeds = try Self.feeds(o, for: session)
        let profiling = o.profile || o.trace != nil
        for _ in 0..<o.warmup { _ = try session.run(feeds) }

        // End-to-end figures always come from plain runs, so profiling cannot change them;
        // with --profile/--trace the same number of profiled runs follows for per-node times.
        var samples: [Double] = []
        let benchStart = now()
        var lastProgress = benchStart
        let deadline = o.duration.map { benchStart + UInt64($0 * 1e9) }
        func progressTick(_ what: String, _ done: Int, _ total: Int?) {
            if now() - lastProgress > 2_000_000_000 {
                lastProgress = now()
                progress("\(what): \(done)\(total.map { "/\($0)" } ?? "") runs, \(String(format: "%.1f", Double(lastProgress - benchStart) / 1e9)) s")
            }
        }
        while deadline.map({ now() < $0 }) ?? (samples.count < o.iterations) {
            let start = now()
            _ = try session.run(feeds)
            samples.append(millis(start, now()))
            progressTick("timed", samples.count, deadline == nil ? o.iterations : nil)
        }
        var perStep: [Int: [Double]] = [:]
        var firstTimings: [NodeTiming] = []
        var trace: [TraceEvent] = []
        var profiledTotal = 0.0
        if profiling {
            let traceStart = now()
            for i in 0..<samples.count {
                let start = now()
                let (_, timings) = try session.runProfiled(feeds)
                profiledTotal += millis(start, now())
                if firstTimings.isEmpty { firstTimings = timings }
                for t in timings { perStep[t.step, default: []].append(Double(t.durationNanos) / 1e6) }
                if o.trace != nil {
                    trace += TraceEvent.events(for: timings, runStartMicros: Double(start - traceStart) / 1000, run: i)
                }
                progressTick("profiled", i + 1, samples.count)
            }
        }
        let e2e = LatencyStats(samples: samples)
        let (ops, types) = summarize(firstTimings, perStep, e2eTotal: profiledTotal)
        return BenchResult(options: o, parseMs: millis(t0, t1), optimizeMs: prep.optimize, planMs: prep.plan,
                           endToEnd: e2e, ops: ops, opTypes: types,
                           peakRSSMegabytes: ResourceUsage.peakRSSMegabytes(), trace: trace)
    }

    /// The inputs the options ask for: read from `--inputs`, or random rows of `--batch`.
    static func feeds(_ o: BenchOptions, for session: InferenceSession) throws -> [String: Tensor] {
        try o.inputs.map { try InputFactory.load(from: $0, for: session.inputs) }
            ?? InputFactory.random(for: session.inputs, batch: o.batch, seed: o.seed)
    }

    static func summarize(_ nodes: [NodeTiming], _ perStep: [Int: [Double]], e2eTotal: Double) -> ([OpSummary], [OpTypeSummary]) {
        var ops: [OpSummary] = []
        var byType: [String: (count: Int, total: Double)] = [:]
        for n in nodes {
            let stats = LatencyStats(samples: perStep[n.step] ?? [])
            let gflops = n.flops.flatMap { f in stats.p50 > 0 ? f / (stats.p50 / 1000) / 1e9 : nil }
            ops.append(OpSummary(node: n.name.isEmpty ? "#\(n.nodeIndex)" : n.name, opType: n.opType, kernel: n.kernel,
                                 outputShape: n.outputShape, stats: stats,
                                 share: e2eTotal > 0 ? stats.total / e2eTotal : 0, gflops: gflops))
            byType[n.opType, default: (0, 0)].count += 1
            byType[n.opType, default: (0, 0)].total += stats.total
        }
        ops.sort { $0.stats.total > $1.stats.total }
        let types = byType.map { OpTypeSummary(opType: $0.key, count: $0.value.count, totalMs: $0.value.total,
                                               share: e2eTotal > 0 ? $0.value.total / e2eTotal : 0) }
            .sorted { $0.totalMs > $1.totalMs }
        return (ops, types)
    }
}
