/// Command-line options of `onyx-bench`.
public struct BenchOptions: Equatable, Sendable {
    public var model: String = ""
    public var batch: Int = 1
    public var threads: Int = 1
    public var warmup: Int = 10
    public var iterations: Int = 100
    public var duration: Double?
    public var inputs: String?
    public var seed: UInt64 = 42
    public var profile = false
    public var optimize = true
    public var json: String?
    public var trace: String?
    /// Batcher mode: this many concurrent clients, batching on and off alternating.
    public var clients: Int?
    public var maxBatchSize: Int = 16
    public var rounds: Int = 3

    public static let usage = """
        usage: onyx-bench MODEL [--batch N] [--threads T] [--warmup W] [--iterations I | --duration SECONDS]
                          [--inputs DIR] [--seed S] [--profile] [--no-optimize] [--json FILE] [--trace FILE]
               onyx-bench MODEL --clients C [--max-batch-size B] [--rounds R] [--duration SECONDS]
                          [--batch N] [--threads T] [--json FILE]
          (the second form: C concurrent requests of N rows on a Batcher, max batch size B (16)
           against 1, alternating for R rounds (3) of SECONDS each (5))
        """

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public init() {}

    /// Parses arguments (without the program name).
    public init(arguments: [String], defaultThreads: Int) throws {
        threads = defaultThreads
        var i = 0
        func value(_ flag: String) throws -> String {
            guard i + 1 < arguments.count else { throw ParseError(description: "\(flag) needs a value") }
            i += 1
            return arguments[i]
        }
        func positive(_ flag: String, allowZero: Bool = false) throws -> Int {
            let v = try value(flag)
            guard let n = Int(v), n > 0 || (allowZero && n == 0) else {
                throw ParseError(description: "\(flag) must be a \(allowZero ? "non-negative" : "positive") integer, got '\(v)'")
            }
            return n
        }
        var sawIterations = false
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--batch": batch = try positive(a)
            case "--threads": threads = try positive(a)
            case "--warmup": warmup = try positive(a, allowZero: true)
            case "--iterations": iterations = try positive(a); sawIterations = true
            case "--duration":
                let v = try value(a)
                guard let d = Double(v), d > 0 else { throw ParseError(description: "--duration must be positive seconds, got '\(v)'") }
                duration = d
            case "--inputs": inputs = try value(a)
            case "--seed":
                let v = try value(a)
                guard let s = UInt64(v) else { throw ParseError(description: "--seed must be a non-negative integer, got '\(v)'") }
                seed = s
            case "--clients": clients = try positive(a)
            case "--max-batch-size": maxBatchSize = try positive(a)
            case "--rounds": rounds = try positive(a)
            case "--profile": profile = true
            case "--no-optimize": optimize = false
            case "--json": json = try value(a)
            case "--trace": trace = try value(a)
            case "-h", "--help": throw ParseError(description: Self.usage)
            default:
                if a.hasPrefix("--") { throw ParseError(description: "unknown option '\(a)'\n\(Self.usage)") }
                guard model.isEmpty else { throw ParseError(description: "more than one MODEL given ('\(model)', '\(a)')") }
                model = a
            }
            i += 1
        }
        if model.isEmpty { throw ParseError(description: "no MODEL given\n\(Self.usage)") }
        if sawIterations && duration != nil { throw ParseError(description: "--iterations and --duration are exclusive") }
        if clients != nil && (profile || trace != nil || sawIterations) {
            throw ParseError(description: "--clients does not go with --profile, --trace or --iterations")
        }
    }
}
