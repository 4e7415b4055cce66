import Foundation
import Prometheus

/// Process and container figures, read at scrape time: CPU seconds and resident memory from
/// /proc, and CPU throttling from the cgroup's cpu.stat (when the file exists), so an
/// autoscaler can see throttling that average CPU hides. Counters advance by the change
/// since the last scrape.
final class ProcessMetrics: @unchecked Sendable {
    private let registry: PrometheusCollectorRegistry
    private let lock = NSLock()
    private var last: [String: Double] = [:]

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    func update() {
        lock.lock()
        defer { lock.unlock() }
        if let cpu = Self.cpuSeconds() {
            advance("process_cpu_seconds_total", to: cpu, help: "CPU time of this process (user + system).")
        }
        if let rss = Self.residentBytes() {
            registry.makeGauge(descriptor: .init(metricName: "process_resident_memory", unitName: "bytes",
                                                 helpText: "Resident memory of this process."))
                .set(to: rss)
        }
        let stat = Self.cgroupCPUStat()
        if let usec = stat["throttled_usec"] {
            advance("onyx_cpu_throttled_seconds_total", to: usec / 1e6, help: "Time the container's CPU was throttled (cgroup cpu.stat).")
        }
        if let periods = stat["nr_periods"] {
            advance("onyx_cpu_periods_total", to: periods, help: "CFS enforcement periods of the container (cgroup cpu.stat), the denominator of the throttled-periods ratio.")
        }
        if let periods = stat["nr_throttled"] {
            advance("onyx_cpu_throttled_periods_total", to: periods, help: "CFS periods in which the container was throttled (cgroup cpu.stat).")
        }
    }

    /// Moves counter `name` up to `value` (counters only increase).
    private func advance(_ name: String, to value: Double, help: String) {
        let counter = registry.makeDurationCounter(name: name, help: help)
        let delta = value - (last[name] ?? 0)
        if delta > 0 { counter.increment(by: delta) }
        last[name] = max(value, last[name] ?? 0)
    }

    /// utime + stime from /proc/self/stat, in seconds.
    static func cpuSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident pages from /proc/self/statm, in bytes.
    static func residentBytes() -> Double? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return nil }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Key/value pairs of the cgroup v2 cpu.stat, or empty outside a cgroup that has one.
    static func cgroupCPUStat() -> [String: Double] {
        guard let text = try? String(contentsOfFile: "/sys/fs/cgroup/cpu.stat", encoding: .utf8) else { return [:] }
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = Double(parts[1]) { out[String(parts[0])] = v }
        }
        return out
    }
}

extension PrometheusCollectorRegistry {
    /// A counter of seconds or events, named in full (no unit suffix added).
    func makeDurationCounter(name: String, help: String) -> Counter {
        makeCounter(descriptor: .init(metricName: name, unitName: "", helpText: help))
    }
}
