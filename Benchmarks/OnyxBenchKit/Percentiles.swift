/// Latency summary of a series of runs, in milliseconds.
public struct LatencyStats: Equatable, Sendable {
    public let count: Int
    public let min: Double
    public let p50: Double
    public let p95: Double
    public let p99: Double
    public let mean: Double
    public let total: Double

    /// Summarizes `samples` (milliseconds); all fields are 0 for an empty series.
    public init(samples: [Double]) {
        let sorted = samples.sorted()
        count = sorted.count
        min = sorted.first ?? 0
        p50 = Self.nearestRank(sorted, 50)
        p95 = Self.nearestRank(sorted, 95)
        p99 = Self.nearestRank(sorted, 99)
        total = sorted.reduce(0, +)
        mean = sorted.isEmpty ? 0 : total / Double(sorted.count)
    }

    /// Nearest-rank percentile: the smallest sample with at least p% of samples at or below
    /// it, i.e. `sorted[ceil(p/100 * n) - 1]`.
    public static func nearestRank(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }
}
