import Foundation
import Testing
import Onyx
@testable import OnyxBenchKit

/// onyx-bench's arithmetic and output formats.
@Suite struct BenchTests {
    @Test func nearestRankPercentiles() {
        let s = (1...100).map(Double.init)
        #expect(LatencyStats.nearestRank(s, 50) == 50)
        #expect(LatencyStats.nearestRank(s, 95) == 95)
        #expect(LatencyStats.nearestRank(s, 99) == 99)
        #expect(LatencyStats.nearestRank(s, 100) == 100)
        // n = 10: P95 rank = ceil(9.5) = 10, P50 rank = 5.
        let ten = [10.0, 1, 9, 2, 8, 3, 7, 4, 6, 5].sorted()
        #expect(LatencyStats.nearestRank(ten, 50) == 5)
        #expect(LatencyStats.nearestRank(ten, 95) == 10)
        #expect(LatencyStats.nearestRank([4.0], 99) == 4)
        #expect(LatencyStats.nearestRank([], 50) == 0)
        let stats = LatencyStats(samples: [3, 1, 2, 4])
        #expect(stats.min == 1 && stats.p50 == 2 && stats.p95 == 4 && stats.mean == 2.5 && stats.count == 4)
    }

    @Test func optionParsing() throws {
        let o = try BenchOptions(arguments: ["m.onnx", "--batch", "4", "--threads", "2", "--duration", "1.5", "--profile"],
                                 defaultThreads: 8)
        #expect(o.model == "m.onnx" && o.batch == 4 && o.threads == 2 && o.duration == 1.5 && o.profile)
        #expect(o.warmup == 10 && o.iterations == 100)
        #expect(try BenchOptions(arguments: ["m.onnx"], defaultThreads: 3).threads == 3)
        for bad in [["m.onnx", "--batch", "0"], ["--profile"], ["m.onnx", "--iterations", "5", "--duration", "1"],
                    ["m.onnx", "--nope"], ["m.onnx", "--seed"]] {
            #expect(throws: BenchOptions.ParseError.self) { try BenchOptions(arguments: bad, defaultThreads: 1) }
        }
    }

    @Test func batcherModeOptions() throws {
        let o = try BenchOptions(arguments: ["m.onnx", "--clients", "32", "--max-batch-size", "8", "--rounds", "2"],
                                 defaultThreads: 2)
        #expect(o.clients == 32 && o.maxBatchSize == 8 && o.rounds == 2)
        #expect(try BenchOptions(arguments: ["m.onnx"], defaultThreads: 1).clients == nil)
        for bad in [["m.onnx", "--clients", "0"], ["m.onnx", "--clients", "4", "--profile"],
                    ["m.onnx", "--clients", "4", "--iterations", "3"], ["m.onnx", "--max-batch-size", "x"]] {
            #expect(throws: BenchOptions.ParseError.self) { try BenchOptions(arguments: bad, defaultThreads: 1) }
        }
    }

    /// Batcher mode answers every client's request: with batching on the runs hold several
    /// rows (fewer runs than requests), with it off one row each.
    @Test func batcherModeComparesOnAndOff() async throws {
        let session = try InferenceSession(contentsOf: repoRoot.appendingPathComponent("Models/mlp_fraud/model.onnx"),
                                           options: .init(threads: 1))
        let feeds = try InputFactory.random(for: session.inputs, batch: 1, seed: 1)
        // A long queue delay, so that clients starved by tests running alongside still meet in a batch.
        let on = try await BatcherBench.run(session: session, feeds: feeds, clients: 8, maxBatchSize: 8, seconds: 0.3,
                                            warmupSeconds: 0.2, maxQueueDelay: 0.05)
        let off = try await BatcherBench.run(session: session, feeds: feeds, clients: 8, maxBatchSize: 1, seconds: 0.3,
                                             warmupSeconds: 0.2)
        let c = BatchingComparison(clients: 8, rowsPerRequest: 1, threads: 1, on: [on], off: [off])
        #expect(on.requests >= 16 && off.requests >= 16, "at least two requests per client are counted")
        #expect(on.latency.count == on.requests && on.seconds >= 0.3)
        #expect(on.requestsPerSecond == Double(on.requests) / on.seconds)
        #expect(off.runs >= off.requests && off.rowsPerRun == 1, "batching off runs one row at a time")
        #expect(on.rowsPerRun > 1 && on.runs < on.rows, "batching on coalesces the clients' rows")
        #expect(on.cpuMsPerRequest > 0 && off.cpuMsPerRequest > 0)
        let d = try #require(try JSONSerialization.jsonObject(with: BatcherBench.json(c, model: "m")) as? [String: Any])
        #expect((d["on"] as? [[String: Any]])?.first?["max_batch_size"] as? Int == 8)
        #expect((d["off"] as? [[String: Any]])?.first?["rows_per_run"] as? Double == 1)
        #expect(BatcherBench.text(c, model: "m").contains("batching gives"))
    }

    /// Inputs the model rejects end the comparison with the model's error, not a hang.
    @Test func batcherModeReportsARejectedInput() async throws {
        let session = try InferenceSession(contentsOf: repoRoot.appendingPathComponent("Models/mlp_fraud/model.onnx"),
                                           options: .init(threads: 1))
        let wrong = try Tensor(shape: [1, 3], floats: [1, 2, 3])
        await #expect(throws: OnyxError.self) {
            _ = try await BatcherBench.compare(session: session, feeds: [session.inputs[0].name: wrong], rowsPerRequest: 1,
                                               clients: 4, maxBatchSize: 4, seconds: 0.2, rounds: 1)
        }
    }

    static let resnetMiniNodes = try! InferenceSession(
        contentsOf: repoRoot.appendingPathComponent("Models/resnet_mini/model.onnx"), options: .init(threads: 1)).graph.nodes.count

    func benchResnetMini() throws -> BenchResult {
        var o = BenchOptions()
        o.model = repoRoot.appendingPathComponent("Models/resnet_mini/model.onnx").path
        o.batch = 2; o.threads = 1; o.warmup = 1; o.iterations = 5; o.profile = true; o.trace = "unused"
        return try BenchRunner.run(o)
    }

    @Test func jsonHasTheDocumentedShape() throws {
        let r = try benchResnetMini()
        let data = try BenchReport.json(r)
        let d = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(d["model"] is String && d["batch"] as? Int == 2 && d["threads"] as? Int == 1 && d["iterations"] as? Int == 5)
        let load = try #require(d["load_ms"] as? [String: Double])
        #expect(Set(load.keys) == ["parse", "optimize", "plan"])
        let e2e = try #require(d["end_to_end"] as? [String: Double])
        #expect(Set(e2e.keys) == ["min_ms", "p50_ms", "p95_ms", "p99_ms", "mean_ms", "throughput_per_s"])
        #expect(e2e["min_ms"]! <= e2e["p50_ms"]! && e2e["p50_ms"]! <= e2e["p95_ms"]! && e2e["p95_ms"]! <= e2e["p99_ms"]!)
        #expect(abs(e2e["throughput_per_s"]! - 2000 / e2e["p50_ms"]!) < 1e-6)
        let ops = try #require(d["ops"] as? [[String: Any]])
        #expect(ops.count == Self.resnetMiniNodes, "one entry per node of the optimized resnet_mini")
        for op in ops {
            #expect(op["node"] is String && op["op_type"] is String && op["kernel"] is String)
            #expect(op["count"] as? Int == 5)
            #expect(op["p50_ms"] is Double && op["p95_ms"] is Double && op["total_ms"] is Double && op["share"] is Double)
            let isCompute = ["Conv", "Gemm", "MatMul"].contains(op["op_type"] as! String)
            #expect(isCompute ? op["gflops"] is Double : op["gflops"] is NSNull, "gflops for \(op["node"]!)")
        }
        let totals = ops.map { $0["total_ms"] as! Double }
        #expect(totals == totals.sorted(by: >), "ops sorted by total time")
        let shares = ops.map { $0["share"] as! Double }.reduce(0, +)
        #expect(shares > 0.5 && shares <= 1.0001, "node shares of the run add up to at most the whole run")
        let types = try #require(d["op_types"] as? [[String: Any]])
        #expect(types.map { $0["count"] as! Int }.reduce(0, +) == Self.resnetMiniNodes)
        #expect(d["peak_rss_mb"] as? Double ?? 0 > 1)
    }

    @Test func traceIsChromeTraceFormat() throws {
        let r = try benchResnetMini()
        let events = try #require(try JSONSerialization.jsonObject(with: BenchReport.trace(r)) as? [[String: Any]])
        #expect(events.count == Self.resnetMiniNodes * 5)
        var lastEndPerRun: [Int: Double] = [:]
        for e in events {
            #expect(e["ph"] as? String == "X")
            let ts = try #require(e["ts"] as? Double), dur = try #require(e["dur"] as? Double)
            #expect(ts >= 0 && dur >= 0)
            #expect((e["name"] as? String)?.contains("(") == true && e["pid"] is Int && e["tid"] is Int)
            let run = (e["args"] as? [String: Any])?["run"] as? Int ?? -1
            #expect(ts + 1e-3 >= lastEndPerRun[run, default: 0], "events of one run do not overlap")
            lastEndPerRun[run] = ts + dur
        }
    }

    @Test func textReportNamesTheFigures() throws {
        let text = BenchReport.text(try benchResnetMini())
        for needle in ["load: parse", "p50", "p95", "p99", "throughput", "peak RSS", "per node", "per op type", "GFLOP/s"] {
            #expect(text.contains(needle), "missing \(needle)")
        }
    }
}
