import Dispatch
import Foundation
import Onyx

/// One closed-loop load run on a `Batcher`.
public struct BatcherLoadRun: Sendable {
    public let maxBatchSize: Int
    public let requests: Int
    public let seconds: Double
    /// Per-request latency, submit to answer (ms).
    public let latency: LatencyStats
    /// Batched runs the batcher made, and the rows they held.
    public let runs: Int
    public let rows: Int
    /// Process CPU time (user + system) per answered request (ms).
    public let cpuMsPerRequest: Double

    public var requestsPerSecond: Double { seconds > 0 ? Double(requests) / seconds : 0 }
    public var rowsPerRun: Double { runs > 0 ? Double(rows) / Double(runs) : 0 }
}

/// What batching buys for one model on this machine, without any HTTP in the way: `clients`
/// tasks each submit a request and send the next one as soon as it is answered, against a
/// batcher with the given max batch size and against one with max batch size 1 (batching off),
/// alternating for a number of rounds on the same session.
public enum BatcherBench {
    /// Runs the load for `seconds` (after `warmupSeconds` not counted, and for at least two
    /// requests per client, so that a starved run still measures something), then shuts the
    /// batcher down.
    public static func run(session: InferenceSession, feeds: [String: Tensor], clients: Int, maxBatchSize: Int,
                           seconds: Double, warmupSeconds: Double = 1,
                           maxQueueDelay: Double = Batcher.Policy().maxQueueDelay) async throws -> BatcherLoadRun {
        let counter = RunCounter()
        let batcher = Batcher(session: session,
                              policy: .init(maxBatchSize: maxBatchSize, maxQueueDelay: maxQueueDelay,
                                            maxQueueSize: max(256, clients * 2)),
                              onBatch: { counter.add(rows: $0.rows) })
        let window = LoadWindow(minimumRequests: 2 * clients)
        let measured: (samples: [Double], cpu: Double, runs: Int, rows: Int)
        do {
            measured = try await withThrowingTaskGroup(of: [Double].self, returning: ([Double], Double, Int, Int).self) { group in
                for _ in 0..<clients {
                    group.addTask {
                        var samples: [Double] = []
                        while true {
                            let t0 = DispatchTime.now().uptimeNanoseconds
                            let (send, counts) = window.begin(at: t0)
                            guard send else { return samples }
                            _ = try await batcher.submit(feeds)
                            if counts { samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6) }
                        }
                    }
                }
                try await Task.sleep(nanoseconds: UInt64(warmupSeconds * 1e9))
                // The window opens once CPU time and runs are read, however late this task wakes.
                let cpu0 = processCPUSeconds()
                let counted0 = counter.snapshot()
                window.open(at: DispatchTime.now().uptimeNanoseconds, seconds: seconds)
                var all: [Double] = []
                for try await samples in group { all += samples }
                let counted1 = counter.snapshot()
                return (all, processCPUSeconds() - cpu0, counted1.runs - counted0.runs, counted1.rows - counted0.rows)
            }
        } catch {
            await batcher.shutdown() // a failed request (say, inputs the model rejects) ends the run
            throw error
        }
        await batcher.shutdown()
        let samples = measured.samples
        return BatcherLoadRun(maxBatchSize: maxBatchSize, requests: samples.count, seconds: window.seconds,
                              latency: LatencyStats(samples: samples), runs: measured.runs, rows: measured.rows,
                              cpuMsPerRequest: samples.isEmpty ? 0 : measured.cpu * 1000 / Double(samples.count))
    }

    /// User + system CPU seconds of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// The measured window of a load run: opened by the driver after the warm-up, closed by the
/// first client that finds it past its length with enough requests counted; requests started
/// inside it count, and no client starts another once it is closed.
final class LoadWindow: @unchecked Sendable {
    private let lock = NSLock()
    private let minimumRequests: Int
    private var opened: UInt64?
    private var end = UInt64.max
    private var closed: UInt64?
    private var started = 0

    init(minimumRequests: Int) { self.minimumRequests = minimumRequests }

    func open(at t: UInt64, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        opened = t
        end = t + UInt64(seconds * 1e9)
    }

    /// Before a client's request at `t`: whether to send it, and whether it counts.
    func begin(at t: UInt64) -> (send: Bool, counts: Bool) {
        lock.lock(); defer { lock.unlock() }
        if closed != nil { return (false, false) }
        guard let o = opened, t >= o else { return (true, false) }
        if t >= end && started >= minimumRequests {
            closed = t
            return (false, false)
        }
        started += 1
        return (true, true)
    }

    /// The window's length so far (seconds).
    var seconds: Double {
        lock.lock(); defer { lock.unlock() }
        guard let o = opened else { return 0 }
        return Double((closed ?? DispatchTime.now().uptimeNanoseconds) - o) / 1e9
    }
}

/// Counts the batcher's runs and rows (its hook runs on the inference thread).
final class RunCounter: @unchecked Sendable {
    struct Snapshot { let runs: Int; let rows: Int }
    private let lock = NSLock()
    private var runs = 0, rows = 0

    func add(rows n: Int) { lock.lock(); runs += 1; rows += n; lock.unlock() }
    func snapshot() -> Snapshot { lock.lock(); defer { lock.unlock() }; return Snapshot(runs: runs, rows: rows) }
}

/// Batching on and off, alternating rounds on one session (`onyx-bench MODEL --clients N`).
public struct BatchingComparison: Sendable {
    public let clients: Int
    public let rowsPerRequest: Int
    public let threads: Int
    public let on: [BatcherLoadRun]
    public let off: [BatcherLoadRun]

    /// The run with the median req/s (the lower middle for an even count).
    static func median(_ runs: [BatcherLoadRun]) -> BatcherLoadRun? {
        let sorted = runs.sorted { $0.requestsPerSecond < $1.requestsPerSecond }
        return sorted.isEmpty ? nil : sorted[(sorted.count - 1) / 2]
    }

    /// Median req/s with batching on over median req/s with it off.
    public var speedup: Double {
        guard let a = Self.median(on), let b = Self.median(off), b.requestsPerSecond > 0 else { return 0 }
        return a.requestsPerSecond / b.requestsPerSecond
    }
}

extension BatcherBench {
    /// `rounds` rounds, each a run with batching on (`maxBatchSize`) then one with it off.
    public static func compare(session: InferenceSession, feeds: [String: Tensor], rowsPerRequest: Int, clients: Int,
                               maxBatchSize: Int, seconds: Double, rounds: Int,
                               progress: (String) -> Void = { _ in }) async throws -> BatchingComparison {
        var on: [BatcherLoadRun] = [], off: [BatcherLoadRun] = []
        for round in 1...rounds {
            for size in [maxBatchSize, 1] {
                let run = try await run(session: session, feeds: feeds, clients: clients, maxBatchSize: size, seconds: seconds)
                if size == 1 { off.append(run) } else { on.append(run) }
                progress("round \(round): \(line(run))")
            }
        }
        return BatchingComparison(clients: clients, rowsPerRequest: rowsPerRequest, threads: session.options.threads,
                                  on: on, off: off)
    }

    /// `onyx-bench MODEL --clients C`: loads the model and runs `compare` as the options say.
    public static func run(_ o: BenchOptions, progress: (String) -> Void = { _ in }) async throws -> BatchingComparison {
        let session = try InferenceSession(model: Model(contentsOf: URL(fileURLWithPath: o.model)),
                                           options: .init(threads: o.threads, optimize: o.optimize))
        return try await compare(session: session, feeds: BenchRunner.feeds(o, for: session), rowsPerRequest: o.batch,
                                 clients: o.clients ?? 1, maxBatchSize: o.maxBatchSize, seconds: o.duration ?? 5,
                                 rounds: o.rounds, progress: progress)
    }

    static func line(_ r: BatcherLoadRun) -> String {
        String(format: "max batch %3d: %9.1f req/s  p50 %8.3f  p99 %8.3f ms  %5.1f rows/run  CPU %.3f ms/request",
               r.maxBatchSize, r.requestsPerSecond, r.latency.p50, r.latency.p99, r.rowsPerRun, r.cpuMsPerRequest)
    }

    /// The comparison as text: every run, then the medians and their ratio.
    public static func text(_ c: BatchingComparison, model: String) -> String {
        var out = "model: \(model)   \(c.clients) clients, \(c.rowsPerRequest) row(s) per request, \(c.threads) threads\n"
        out += "batching on and off alternating, \(c.on.count) round(s); each run's req/s counts requests started in its window\n"
        for (i, (a, b)) in zip(c.on, c.off).enumerated() {
            out += "  round \(i + 1)  on   \(line(a))\n"
            out += "  round \(i + 1)  off  \(line(b))\n"
        }
        if let a = BatchingComparison.median(c.on), let b = BatchingComparison.median(c.off) {
            out += String(format: "median: on %.1f req/s, off %.1f req/s: batching gives %.2fx the throughput; CPU per request %.3f vs %.3f ms\n",
                          a.requestsPerSecond, b.requestsPerSecond, c.speedup, a.cpuMsPerRequest, b.cpuMsPerRequest)
        }
        return out
    }

    /// The comparison as JSON.
    public static func json(_ c: BatchingComparison, model: String) throws -> Data {
        func run(_ r: BatcherLoadRun) -> [String: Any] {
            ["max_batch_size": r.maxBatchSize, "requests": r.requests, "seconds": r.seconds,
             "requests_per_second": r.requestsPerSecond, "p50_ms": r.latency.p50, "p95_ms": r.latency.p95,
             "p99_ms": r.latency.p99, "runs": r.runs, "rows_per_run": r.rowsPerRun, "cpu_ms_per_request": r.cpuMsPerRequest]
        }
        let object: [String: Any] = ["model": model, "clients": c.clients, "rows_per_request": c.rowsPerRequest,
                                     "threads": c.threads, "on": c.on.map(run), "off": c.off.map(run), "speedup": c.speedup]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}
