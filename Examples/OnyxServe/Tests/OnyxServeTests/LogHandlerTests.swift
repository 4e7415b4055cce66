import Foundation
import Logging
import Synchronization
import Testing
@testable import OnyxServe

/// The server's log handler: the line format, metadata formatted when a line is written.
@Suite("Log handler")
struct LogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test func writesLevelLabelSortedMetadataSourceAndMessage() throws {
        let lines = Lines()
        var logger = Logger(label: "onyx-serve", factory: { ServeLogHandler(label: $0, write: lines.append) })
        logger[metadataKey: "zeta"] = "last"
        logger[metadataKey: "alpha"] = "first"
        logger.info("serving", metadata: ["mid": "2"], source: "test")
        logger.debug("not written at info")
        let written = lines.all
        try #require(written.count == 1)
        let line = written[0]
        #expect(line.hasSuffix(" info onyx-serve: alpha=first mid=2 zeta=last [test] serving\n"), "\(line)")
        #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} "#, options: .regularExpression) != nil, "\(line)")
    }

    @Test func metadataIsPerLoggerCopy() {
        let lines = Lines()
        let base = Logger(label: "l", factory: { ServeLogHandler(label: $0, write: lines.append) })
        var request = base
        request[metadataKey: "hb.request.id"] = "7"
        base.error("base", source: "s")
        request.error("request", source: "s")
        #expect(lines.all.map { $0.split(separator: " ", maxSplits: 1)[1] }
            == ["error l: [s] base\n", "error l: hb.request.id=7 [s] request\n"])
    }
}
