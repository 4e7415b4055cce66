import Foundation
import Onyx
import OnyxBenchKit

// onyx-bench: end-to-end and per-node latency of one model. See BenchOptions.usage.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

do {
    let options = try BenchOptions(arguments: Array(CommandLine.arguments.dropFirst()),
                                   defaultThreads: ProcessInfo.processInfo.activeProcessorCount)
    if options.clients != nil {
        let comparison = try await BatcherBench.run(options) { line in
            FileHandle.standardError.write(Data("[onyx-bench] \(line)\n".utf8))
        }
        print(BatcherBench.text(comparison, model: options.model), terminator: "")
        if let path = options.json { try BatcherBench.json(comparison, model: options.model).write(to: URL(fileURLWithPath: path)) }
        exit(0)
    }
    let result = try BenchRunner.run(options) { line in
        FileHandle.standardError.write(Data("[onyx-bench] \(line)\n".utf8))
    }
    print(BenchReport.text(result))
    if let path = options.json { try BenchReport.json(result).write(to: URL(fileURLWithPath: path)) }
    if let path = options.trace { try BenchReport.trace(result).write(to: URL(fileURLWithPath: path)) }
} catch let e as BenchOptions.ParseError {
    fail(e.description)
} catch let e as OnyxError {
    fail(e.description)
} catch {
    fail("\(error.localizedDescription)")
}
