import Foundation

/// Process resource figures.
public enum ResourceUsage {
    /// Peak resident set size of this process, in megabytes: `VmHWM` from
    /// /proc/self/status. (getrusage's ru_maxrss would include the peak of a parent that
    /// exec'd us, which misreports small models started from a big process.)
    public static func peakRSSMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
