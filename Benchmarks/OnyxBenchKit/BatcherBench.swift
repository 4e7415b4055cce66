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
    /// Runs the load for `seconds` (after `warmupSeconds` not counted) and shuts the batcher down.
    public static func run(session: InferenceSession, feeds: [String: Tensor], clients: Int, maxBatchSize: Int,
                           seconds: Double, warmupSeconds: Double = 1) async throws -> BatcherLoadRun {
        let counter = RunCounter()
        let batcher = Batcher(session: session,
                              policy: .init(maxBatchSize: maxBatchSize, maxQueueSize: max(256, clients * 2)),
                              onBatch: { counter.add(rows: $0.rows) })
        let measureFrom = DispatchTime.now().uptimeNanoseconds + UInt64(warmupSeconds * 1e9)
        let end = measureFrom + UInt64(seconds * 1e9)
        // The window opens when the CPU time and run count are first read (at `measureFrom`, or
        // later if this task wakes late); requests started inside it are counted, and the CPU
        // time and runs are read again once every client has its last answer.
        let measured: ([Double], Double, Double, Int, Int)
        do { measured = try await withThrowingTaskGroup(
            of: [(start: UInt64, ms: Double)].self, returning: ([Double], Double, Double, Int, Int).self
        ) { group in
            for _ in 0..<clients {
                group.addTask {
                    var samples: [(start: UInt64, ms: Double)] = []
                    while true {
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        if t0 >= end { return samples }
                        _ = try await batcher.submit(feeds)
                        if t0 >= measureFrom { samples.append((t0, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)) }
                    }
                }
            }
            let now = DispatchTime.now().uptimeNanoseconds
            if measureFrom > now { try await Task.sleep(nanoseconds: measureFrom - now) }
            let cpu0 = processCPUSeconds()
            let counted0 = counter.snapshot()
            let opened = min(DispatchTime.now().uptimeNanoseconds, end - 1)
            var all: [Double] = []
            for try await samples in group { all += samples.filter { $0.start >= opened }.map(\.ms) }
            let counted1 = counter.snapshot()
            return (all, Double(end - opened) / 1e9, processCPUSeconds() - cpu0,
                    counted1.runs - counted0.runs, counted1.rows - counted0.rows)
        } } catch {
            await batcher.shutdown() // a failed request (say, inputs the model rejects) ends the run
            throw error
        }
        await batcher.shutdown()
        let (samples, window, cpuSeconds, runs, rows) = measured
        return BatcherLoadRun(maxBatchSize: maxBatchSize, requests: samples.count, seconds: window,
                              latency: LatencyStats(samples: samples), runs: runs, rows: rows,
                              cpuMsPerRequest: samples.isEmpty ? 0 : cpuSeconds * 1000 / Double(samples.count))
    }

    /// User + system CPU seconds of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
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
