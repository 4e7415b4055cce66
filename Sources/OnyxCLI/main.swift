import Foundation
import Onyx

// `onyx info MODEL [--json]` and `onyx run MODEL --input FILE.pb ... --output-dir DIR [--threads N]`.
// Any failure prints one `error: ...` line on stderr and exits 1.

let usage = """
    usage: onyx info MODEL [--json]
           onyx run MODEL --input FILE.pb [--input FILE.pb ...] --output-dir DIR [--threads N]
    """

struct UsageError: Error, CustomStringConvertible { let description: String }

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

do {
    var args = Array(CommandLine.arguments.dropFirst())
    guard let command = args.first else { throw UsageError(description: "no command given\n\(usage)") }
    args.removeFirst()
    switch command {
    case "info": try InfoCommand(arguments: args).run()
    case "run": try RunCommand(arguments: args).run()
    case "-h", "--help", "help": print(usage)
    default: throw UsageError(description: "unknown command '\(command)'\n\(usage)")
    }
} catch let error as OnyxError {
    fail(error.description)
} catch let error as UsageError {
    fail(error.description)
} catch {
    fail("\(error)")
}
