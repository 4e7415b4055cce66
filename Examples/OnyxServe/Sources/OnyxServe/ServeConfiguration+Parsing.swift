import Foundation

/// A flag or environment variable with a value `onyx-serve` cannot use.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// What is wrong, as one sentence.
    public let message: String
    public var description: String { message }
    init(_ message: String) { self.message = message }
}

extension ServeConfiguration {
    /// One setting: its flag, its environment variable, and the help line.
    struct Option {
        let flag: String
        let env: String
        let help: String
    }

    static let options: [Option] = [
        Option(flag: "--model", env: "ONYX_MODEL", help: "path of the .onnx file (default: Models/mlp_fraud/model.onnx)"),
        Option(flag: "--model-name", env: "ONYX_MODEL_NAME", help: "name served under /v2/models/{name} (default: the model's folder)"),
        Option(flag: "--host", env: "ONYX_HOST", help: "address to bind (default 127.0.0.1)"),
        Option(flag: "--port", env: "ONYX_PORT", help: "port to bind, 0 for any free one (default 8080)"),
        Option(flag: "--threads", env: "ONYX_THREADS", help: "inference threads (default: the cores available)"),
        Option(flag: "--max-batch-size", env: "ONYX_MAX_BATCH_SIZE", help: "most rows in one batched run (default 16)"),
        Option(flag: "--max-queue-delay-ms", env: "ONYX_MAX_QUEUE_DELAY_MS", help: "longest wait for a batch to fill (default 2)"),
        Option(flag: "--max-queue-size", env: "ONYX_MAX_QUEUE_SIZE", help: "most queued requests before 503 (default 256)"),
        Option(flag: "--request-timeout-ms", env: "ONYX_REQUEST_TIMEOUT_MS", help: "queue deadline before 504 (default 1000)"),
        Option(flag: "--max-body-bytes", env: "ONYX_MAX_BODY_BYTES", help: "largest request body before 413 (default 8 MiB)"),
        Option(flag: "--drain-delay-seconds", env: "ONYX_DRAIN_DELAY_SECONDS", help: "serve this long after SIGTERM with readiness false (default 5)"),
        Option(flag: "--memory-trim-seconds", env: "ONYX_MEMORY_TRIM_SECONDS", help: "give freed heap memory back to the system this often, 0 for never (default 10)"),
    ]

    /// The usage text printed by `--help`.
    public static var usage: String {
        var lines = ["usage: onyx-serve [options]", "", "Each option can also be set by its environment variable; the flag wins.", ""]
        for option in options {
            lines.append("  \(option.flag.padding(toLength: 22, withPad: " ", startingAt: 0)) \(option.env.padding(toLength: 25, withPad: " ", startingAt: 0)) \(option.help)")
        }
        return lines.joined(separator: "\n")
    }

    /// Reads the settings from `arguments` (without the program name) and `environment`.
    /// `defaultModelPath` is used when neither names a model.
    public static func parse(arguments: [String], environment: [String: String],
                             defaultModelPath: String) throws -> ServeConfiguration {
        var flags: [String: String] = [:]
        var i = 0
        while i < arguments.count {
            var arg = arguments[i]
            var value: String?
            if let eq = arg.firstIndex(of: "="), arg.hasPrefix("--") {
                value = String(arg[arg.index(after: eq)...])
                arg = String(arg[..<eq])
            }
            guard options.contains(where: { $0.flag == arg }) else {
                throw ConfigurationError("unknown option '\(arg)' (see --help)")
            }
            if value == nil {
                guard i + 1 < arguments.count else { throw ConfigurationError("option \(arg) needs a value") }
                i += 1
                value = arguments[i]
            }
            flags[arg] = value
            i += 1
        }
        func raw(_ flag: String) -> (String, String)? {
            let option = options.first { $0.flag == flag }!
            if let v = flags[flag] { return (v, option.flag) }
            if let v = environment[option.env], !v.isEmpty { return (v, option.env) }
            return nil
        }
        func int(_ flag: String, min: Int, default d: Int) throws -> Int {
            guard let (text, source) = raw(flag) else { return d }
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v >= min else {
                throw ConfigurationError("\(source) must be an integer >= \(min), got '\(text)'")
            }
            return v
        }
        func double(_ flag: String, min: Double, default d: Double) throws -> Double {
            guard let (text, source) = raw(flag) else { return d }
            guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite, v >= min else {
                throw ConfigurationError("\(source) must be a number >= \(min), got '\(text)'")
            }
            return v
        }

        let modelPath = raw("--model")?.0 ?? defaultModelPath
        let defaults = ServeConfiguration(modelPath: modelPath)
        var config = defaults
        if let (name, source) = raw("--model-name") {
            guard !name.isEmpty, !name.contains("/") else { throw ConfigurationError("\(source) must be a name without '/', got '\(name)'") }
            config.modelName = name
        }
        if let (host, _) = raw("--host") { config.host = host }
        config.port = try int("--port", min: 0, default: defaults.port)
        guard config.port <= 65535 else { throw ConfigurationError("port must be at most 65535, got \(config.port)") }
        config.threads = try int("--threads", min: 1, default: defaults.threads)
        config.maxBatchSize = try int("--max-batch-size", min: 1, default: defaults.maxBatchSize)
        config.maxQueueDelayMilliseconds = try double("--max-queue-delay-ms", min: 0, default: defaults.maxQueueDelayMilliseconds)
        config.maxQueueSize = try int("--max-queue-size", min: 1, default: defaults.maxQueueSize)
        config.requestTimeoutMilliseconds = try double("--request-timeout-ms", min: 1, default: defaults.requestTimeoutMilliseconds)
        config.maxBodyBytes = try int("--max-body-bytes", min: 1, default: defaults.maxBodyBytes)
        config.drainDelaySeconds = try double("--drain-delay-seconds", min: 0, default: defaults.drainDelaySeconds)
        config.memoryTrimSeconds = try double("--memory-trim-seconds", min: 0, default: defaults.memoryTrimSeconds)
        return config
    }

    /// The bundled model: `Models/mlp_fraud/model.onnx` under the working directory when it is
    /// there (run from the repo root), else relative to this package's folder (`../..`).
    public static func bundledModelPath(workingDirectory: String = FileManager.default.currentDirectoryPath,
                                        sourceFile: String = #filePath) -> String {
        let relative = "Models/mlp_fraud/model.onnx"
        let fromCWD = URL(fileURLWithPath: workingDirectory).appendingPathComponent(relative).path
        if FileManager.default.fileExists(atPath: fromCWD) { return fromCWD }
        // Sources/OnyxServe/<file> → Examples/OnyxServe → repo root.
        let packageRoot = URL(fileURLWithPath: sourceFile).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let repoRoot = packageRoot.deletingLastPathComponent().deletingLastPathComponent()
        let fromPackage = repoRoot.appendingPathComponent(relative).standardizedFileURL.path
        if FileManager.default.fileExists(atPath: fromPackage) { return fromPackage }
        return fromCWD
    }
}
