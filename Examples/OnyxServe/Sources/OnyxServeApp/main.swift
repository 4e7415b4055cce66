import Foundation
import Hummingbird
import Logging
import OnyxServe
import ServiceLifecycle

/// Prints one `error: ...` line and exits 1.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(ServeConfiguration.usage)
    exit(0)
}

let configuration: ServeConfiguration
do {
    configuration = try ServeConfiguration.parse(
        arguments: arguments, environment: ProcessInfo.processInfo.environment,
        defaultModelPath: ServeConfiguration.bundledModelPath())
} catch {
    fail("\(error)")
}
guard FileManager.default.fileExists(atPath: configuration.modelPath) else {
    fail("model file not found: \(configuration.modelPath) (set --model or ONYX_MODEL)")
}

var logger = Logger(label: "onyx-serve", factory: { ServeLogHandler(label: $0) })
logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info

do {
    let (app, context) = try buildApplication(configuration: configuration, logger: logger)
    logger.info("serving '\(configuration.modelName)' from \(configuration.modelPath) on \(configuration.host):\(configuration.port)")
    // Shutdown runs in reverse order: the drain service first (readiness false, keep serving for
    // the drain delay), then the application (stop accepting, finish in-flight requests, then
    // drain the batcher).
    let group = ServiceGroup(configuration: .init(
        services: [app, DrainService(state: context.state, delaySeconds: configuration.drainDelaySeconds, logger: logger)],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger))
    try await group.run()
    logger.info("stopped")
} catch {
    fail("\(error)")
}
