import Foundation

/// Renders a `BenchResult` as the readable table, the JSON document and the trace file.
public enum BenchReport {
    static func f(_ v: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", v) }

    public static func text(_ r: BenchResult) -> String {
        let o = r.options, e = r.endToEnd
        var lines = [
            "model: \(o.model)   batch \(o.batch)   threads \(o.threads)",
            "load: parse \(f(r.parseMs, 1)) ms   optimize \(f(r.optimizeMs, 1)) ms   plan \(f(r.planMs, 1)) ms",
            "end-to-end over \(e.count) runs (\(o.warmup) warm-up)\(o.profile || o.trace != nil ? "; per-node times from as many profiled runs after them" : ""):",
            "  min \(f(e.min)) ms   p50 \(f(e.p50)) ms   p95 \(f(e.p95)) ms   p99 \(f(e.p99)) ms   mean \(f(e.mean)) ms",
            "  throughput \(f(r.throughput, 1)) inferences/s (batch / p50)",
            "peak RSS: \(f(r.peakRSSMegabytes, 1)) MB",
        ]
        if !r.ops.isEmpty {
            lines.append("")
            lines.append("per node (sorted by total time):")
            let header = ["node", "op", "kernel", "output", "count", "p50 ms", "p95 ms", "total ms", "share", "GFLOP/s"]
            let rows = r.ops.map { op in
                [op.node, op.opType, op.kernel, "[" + op.outputShape.map(String.init).joined(separator: ",") + "]",
                 "\(op.stats.count)", f(op.stats.p50), f(op.stats.p95), f(op.stats.total, 1),
                 f(op.share * 100, 1) + "%", op.gflops.map { f($0, 1) } ?? "-"]
            }
            lines += table(header, rows)
            lines.append("")
            lines.append("per op type:")
            lines += table(["op", "nodes", "total ms", "share"], r.opTypes.map {
                [$0.opType, "\($0.count)", f($0.totalMs, 1), f($0.share * 100, 1) + "%"]
            })
        }
        return lines.joined(separator: "\n")
    }

    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, s in
                c < 4 ? s.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                      : String(repeating: " ", count: widths[c] - s.count) + s
            }.joined(separator: "  ")
        }
        return [line(header)] + rows.map(line)
    }

    public static func jsonObject(_ r: BenchResult) -> [String: Any] {
        let e = r.endToEnd
        return [
            "model": r.options.model, "batch": r.options.batch, "threads": r.options.threads, "iterations": e.count,
            "warmup": r.options.warmup,
            "load_ms": ["parse": r.parseMs, "optimize": r.optimizeMs, "plan": r.planMs],
            "end_to_end": ["min_ms": e.min, "p50_ms": e.p50, "p95_ms": e.p95, "p99_ms": e.p99, "mean_ms": e.mean,
                           "throughput_per_s": r.throughput],
            "ops": r.ops.map { op -> [String: Any] in
                ["node": op.node, "op_type": op.opType, "kernel": op.kernel, "count": op.stats.count,
                 "output_shape": op.outputShape,
                 "p50_ms": op.stats.p50, "p95_ms": op.stats.p95, "total_ms": op.stats.total, "share": op.share,
                 "gflops": op.gflops.map { $0 as Any } ?? NSNull()]
            },
            "op_types": r.opTypes.map { ["op_type": $0.opType, "count": $0.count, "total_ms": $0.totalMs, "share": $0.share] },
            "peak_rss_mb": r.peakRSSMegabytes,
        ]
    }

    public static func json(_ r: BenchResult) throws -> Data {
        try JSONSerialization.data(withJSONObject: jsonObject(r), options: [.prettyPrinted, .sortedKeys])
    }

    public static func trace(_ r: BenchResult) throws -> Data {
        try JSONSerialization.data(withJSONObject: r.trace.map(\.jsonObject), options: [])
    }
}
