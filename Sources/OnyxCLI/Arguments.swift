/// A tiny flag parser: positional arguments plus `--flag value` and `--switch`.
struct Arguments {
    var positional: [String] = []
    var values: [String: [String]] = [:]
    var switches: Set<String> = []

    init(_ args: [String], valueFlags: Set<String>, switchFlags: Set<String>) throws {
        var i = 0
        while i < args.count {
            let a = args[i]
            if valueFlags.contains(a) {
                guard i + 1 < args.count else { throw UsageError(description: "\(a) needs a value") }
                values[a, default: []].append(args[i + 1])
                i += 2
            } else if switchFlags.contains(a) {
                switches.insert(a)
                i += 1
            } else if a.hasPrefix("--") {
                throw UsageError(description: "unknown option '\(a)'")
            } else {
                positional.append(a)
                i += 1
            }
        }
    }
}
