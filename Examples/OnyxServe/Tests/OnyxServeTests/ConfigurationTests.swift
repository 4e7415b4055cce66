import Foundation
import Logging
import ServiceLifecycle
import Testing
@testable import OnyxServe

@Suite("Configuration and shutdown")
struct ConfigurationTests {
    @Test func defaults() throws {
        let config = try ServeConfiguration.parse(arguments: [], environment: [:], defaultModelPath: "/m/mlp_fraud/model.onnx")
        #expect(config.modelName == "mlp_fraud")
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 8080)
        #expect(config.maxBodyBytes == 8 << 20)
        #expect(config.memoryTrimSeconds == 10)
    }

    @Test func memoryTrimIntervalFromEnvironmentAndZeroTurnsItOff() throws {
        let config = try ServeConfiguration.parse(arguments: [], environment: ["ONYX_MEMORY_TRIM_SECONDS": "0"],
                                                  defaultModelPath: "m.onnx")
        #expect(config.memoryTrimSeconds == 0)
        #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.parse(arguments: ["--memory-trim-seconds", "-1"], environment: [:], defaultModelPath: "m.onnx")
        }
    }

    #if canImport(Glibc)
    @Test func trimGivesFreedHeapPagesBack() {
        // 64 MiB of 16 KiB blocks, every other one freed: the free pages sit between live
        // blocks, where glibc does not return them by itself.
        let blocks = (0..<4096).map { _ -> UnsafeMutableRawPointer in
            let p = UnsafeMutableRawPointer.allocate(byteCount: 16 << 10, alignment: 16)
            p.initializeMemory(as: UInt8.self, repeating: 1, count: 16 << 10)
            return p
        }
        for (i, p) in blocks.enumerated() where i % 2 == 0 { p.deallocate() }
        #expect(MemoryTrimService.trim(), "malloc_trim returned no memory")
        for (i, p) in blocks.enumerated() where i % 2 == 1 { p.deallocate() }
    }
    #endif

    @Test func trimServiceStopsOnShutdown() async throws {
        let group = ServiceGroup(configuration: .init(services: [MemoryTrimService(intervalSeconds: 0.01)],
                                                      logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(50))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func flagWinsOverEnvironment() throws {
        let config = try ServeConfiguration.parse(
            arguments: ["--port", "9000", "--max-batch-size=4", "--model", "/x/lenet5/model.onnx"],
            environment: ["ONYX_PORT": "7000", "ONYX_HOST": "0.0.0.0", "ONYX_THREADS": "3", "ONYX_MODEL": "/y/z.onnx"],
            defaultModelPath: "/m/mlp_fraud/model.onnx")
        #expect(config.port == 9000)
        #expect(config.host == "0.0.0.0")
        #expect(config.threads == 3)
        #expect(config.maxBatchSize == 4)
        #expect(config.modelPath == "/x/lenet5/model.onnx")
        #expect(config.modelName == "lenet5")
    }

    @Test(arguments: [["--port", "http"], ["--threads", "0"], ["--max-queue-delay-ms", "-1"], ["--bogus", "1"], ["--port"]])
    func badValuesAreErrors(arguments: [String]) {
        #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.parse(arguments: arguments, environment: [:], defaultModelPath: "m.onnx")
        }
    }

    @Test func badEnvironmentValueNamesTheVariable() {
        do {
            _ = try ServeConfiguration.parse(arguments: [], environment: ["ONYX_PORT": "eighty"], defaultModelPath: "m.onnx")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("ONYX_PORT"))
        }
    }

    @Test func bundledModelIsFound() {
        #expect(FileManager.default.fileExists(atPath: ServeConfiguration.bundledModelPath(workingDirectory: "/nonexistent")))
    }

    @Test func drainServiceTurnsReadinessOffThenWaits() async throws {
        let state = ServerState()
        state.markWarmedUp()
        let drain = DrainService(state: state, delaySeconds: 2, logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [drain], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(50))
            #expect(state.isReady)
            let shutdown = ContinuousClock.now
            await group.triggerGracefulShutdown()
            // Polled rather than slept for a fixed time: a loaded machine may schedule the
            // drain service late, but readiness must turn false well inside the drain delay.
            while state.isReady && ContinuousClock.now - shutdown < .seconds(1.5) {
                try await Task.sleep(for: .milliseconds(5))
            }
            let turnedFalse = ContinuousClock.now - shutdown
            #expect(!state.isReady, "readiness is false as soon as shutdown begins")
            try await tasks.waitForAll()
            let stopped = ContinuousClock.now - shutdown
            #expect(turnedFalse < .seconds(1.5), "readiness turned false \(turnedFalse) after shutdown began")
            #expect(stopped >= .seconds(2), "the group waited the drain delay, stopped after \(stopped)")
        }
    }
}
