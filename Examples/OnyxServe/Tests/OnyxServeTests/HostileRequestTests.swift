import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import OnyxServe
#if canImport(Glibc)
import Glibc
#endif

/// Requests meant to hurt: file names where a model name goes, bodies and headers far over the
/// limits, wrong methods. Sent over a real socket to the in-process server.
@Suite("Hostile requests")
struct HostileRequestTests {
    @Test func everyRouteAnswersAndOtherMethodsAre405() async throws {
        try await withServer { client, _ in
            for (template, methods) in serveRoutes {
                let path = template.replacingOccurrences(of: "{name}", with: "mlp_fraud")
                for method in methods {
                    let response = try await client.execute(uri: path, method: method, body: ByteBuffer(string: "{}"))
                    #expect(response.status != .notFound && response.status != .methodNotAllowed, "\(method) \(path) is a route")
                }
                for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] where !methods.contains(method) {
                    let response = try await client.execute(uri: path, method: method)
                    #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                    #expect(response.headers[.allow] == methods.map(\.rawValue).joined(separator: ", "))
                    #expect(response.errorMessage?.contains("not allowed") == true)
                }
            }
            // An unknown path stays 404, whatever the method.
            #expect(try await client.execute(uri: "/v3/models", method: .delete).status == .notFound)
            #expect(try await client.execute(uri: "/v2/models/mlp_fraud/infer/extra", method: .post).status == .notFound)
        }
    }

    /// Model paths are fixed at start: a file named in the URL is never opened (watched with
    /// inotify), and every such request is 404 without the file's content.
    @Test func noURLMakesTheServerReadAFile() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onyx-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let secret = folder.appendingPathComponent("model.onnx")
        try Data("top secret".utf8).write(to: secret)
        let watcher = try #require(FileWatcher(paths: [secret.path, folder.path]))

        try await withServer { client, _ in
            let absolute = secret.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let relative = "../../../../../../../..\(secret.path)"
            let encodedRelative = relative.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let names = [absolute, encodedRelative, "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "..%252F..%252Fetc%252Fpasswd",
                         "..", ".", "~root", "mlp_fraud%2F..%2F..%2Fetc%2Fpasswd", "mlp_fraud%00", "%2e%2e"]
            var attempts: [(String, HTTPRequest.Method)] = []
            for name in names {
                attempts += [("/v2/models/\(name)", .get), ("/v2/models/\(name)/ready", .get), ("/v2/models/\(name)/infer", .post)]
            }
            attempts += [("/v2/models/../../../../etc/passwd", .get), ("/../../../../etc/passwd", .get), ("/v2/\(relative)", .get),
                         ("/v2/models/mlp_fraud/../../../../etc/passwd", .get), ("/metrics/../../etc/passwd", .get)]
            for (uri, method) in attempts {
                let response = try await client.execute(uri: uri, method: method, body: ByteBuffer(string: "{}"))
                #expect(response.status == .notFound, "\(method) \(uri): \(response.status)")
                let body = String(buffer: response.body)
                #expect(!body.contains("top secret") && !body.contains("root:"), "\(uri) leaked a file: \(body)")
            }
        }
        #expect(watcher.events() == 0, "a request made the server open or read a file it was named")
        // The watcher does see a read: this test would catch one.
        _ = try Data(contentsOf: secret)
        #expect(watcher.events() > 0)
    }

    /// A 100 MB chunked upload (no Content-Length) gets 413 once the limit is passed, long before
    /// the upload ends, and memory does not grow by the upload's size.
    @Test func chunkedUploadOverTheLimitIs413Early() async throws {
        try await withServer(testConfiguration { $0.maxBodyBytes = 1 << 20 }) { client, _ in
            let port = try #require(client.port)
            let rssBefore = residentBytes()
            let (head, sentMiB, elapsed) = try await offThePool {
                let connection = try RawConnection(port: port)
                connection.send(Array("POST /v2/models/mlp_fraud/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
                let chunk = Array("100000\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "1"), count: 1 << 20) + Array("\r\n".utf8)
                let started = ContinuousClock.now
                var sentMiB = 0
                while sentMiB < 100, !connection.hasData(waitingMilliseconds: 0) {
                    guard connection.send(chunk) else { break }
                    sentMiB += 1
                }
                return (connection.receiveHead(), sentMiB, ContinuousClock.now - started)
            }
            let growth = residentBytes() - rssBefore
            #expect(head.hasPrefix("HTTP/1.1 413"), "\(head)")
            #expect(sentMiB < 64, "the 413 came only after \(sentMiB) MiB")
            #expect(elapsed < .seconds(10))
            #expect(growth < 48 << 20, "resident memory grew by \(growth >> 20) MiB")
            // The server is fine afterwards.
            #expect(try await client.execute(uri: "/v2/health/live", method: .get).status == .ok)
        }
    }

    /// Past the admission limit (queue size + batch size) an inference request gets 503 with
    /// Retry-After at once, before its body is read; places free up when requests end.
    @Test func requestsPastTheAdmissionLimitAre503AtOnce() async throws {
        try await withServer(testConfiguration { $0.maxQueueSize = 1; $0.maxBatchSize = 1 }) { client, context in
            let port = try #require(client.port)
            let (shape, values) = sampleRows(context.model.session, rows: 1)
            let body: [String: Any] = ["inputs": [["name": "input", "shape": shape, "datatype": "FP32", "data": values]]]
            // Two uploads that never finish hold both places. An upload answered at once did not
            // get a place (in about 1 run in 10 the second one was turned away although only the
            // first was inside: a place still taken for a moment, not yet explained): open another.
            let holders = try await offThePool {
                var held: [RawConnection] = []
                for _ in 0..<20 where held.count < 2 {
                    let connection = try RawConnection(port: port)
                    connection.send(Array("POST /v2/models/mlp_fraud/infer HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n".utf8))
                    if !connection.hasData(waitingMilliseconds: 200) { held.append(connection) }
                }
                return held
            }
            #expect(holders.count == 2, "two uploads should each hold a place")
            var shed: TestResponse?
            for _ in 0..<100 where shed?.status != .serviceUnavailable {
                shed = try await client.post("/v2/models/mlp_fraud/infer", object: body)
                if shed?.status != .serviceUnavailable { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(shed?.status == .serviceUnavailable)
            #expect(shed?.headers[.retryAfter] == "1")
            #expect(shed?.errorMessage?.contains("overloaded") == true)
            #expect(try await client.execute(uri: "/v2/health/ready", method: .get).status == .ok, "GETs are not shed")
            withExtendedLifetime(holders) {}
            holders.forEach { shutdown($0.fd, Int32(SHUT_RDWR)) }
            var after: TestResponse?
            for _ in 0..<100 where after?.status != .ok {
                after = try await client.post("/v2/models/mlp_fraud/infer", object: body)
                if after?.status != .ok { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(after?.status == .ok, "the places are free again once the uploads end")
        }
    }

    /// A declared Content-Length over the limit is refused without sending the body.
    @Test func declaredLengthOverTheLimitIs413() async throws {
        try await withServer(testConfiguration { $0.maxBodyBytes = 1 << 20 }) { client, _ in
            let port = try #require(client.port)
            let head = try await offThePool {
                let connection = try RawConnection(port: port)
                connection.send(Array("POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: 104857600\r\n\r\n{\"inputs\":".utf8))
                return connection.receiveHead()
            }
            #expect(head.hasPrefix("HTTP/1.1 413"), "\(head)")
        }
    }

    /// Header sections over NIO's limit (one huge header, or very many) get 400 or 431 and a
    /// closed connection; the server keeps serving.
    @Test func hugeHeadersAreRefused() async throws {
        try await withServer { client, _ in
            let port = try #require(client.port)
            let oneHuge = "GET /v2 HTTP/1.1\r\nHost: localhost\r\nX-Big: " + String(repeating: "a", count: 1 << 20) + "\r\n\r\n"
            let many = "GET /v2 HTTP/1.1\r\nHost: localhost\r\n" + (0..<20_000).map { "X-H\($0): v\r\n" }.joined() + "\r\n"
            for request in [oneHuge, many] {
                let head = try await offThePool {
                    let connection = try RawConnection(port: port)
                    connection.send(Array(request.utf8))
                    return connection.receiveHead()
                }
                // The server may close before it has read everything sent, and the reset can
                // overtake its 400: an empty answer (closed connection) is a refusal too.
                #expect(head.isEmpty || head.hasPrefix("HTTP/1.1 400") || head.hasPrefix("HTTP/1.1 431"), "\(head.prefix(80))")
            }
            #expect(try await client.execute(uri: "/v2", method: .get).status == .ok)
        }
    }

    /// Outside a container (no ONYX_HOST) the listener is on 127.0.0.1 only; the image sets
    /// ONYX_HOST=0.0.0.0 itself.
    @Test func bindsToLoopbackByDefault() async throws {
        let config = try ServeConfiguration.parse(arguments: ["--port", "0"], environment: [:], defaultModelPath: bundledModelPath)
        #expect(config.host == "127.0.0.1")
        try await withServer(testConfiguration { $0.host = config.host }) { client, _ in
            let port = try #require(client.port)
            // /proc/net/tcp: local address (hex IP:port) in field 1, state in field 3 (0A = LISTEN).
            let suffix = ":" + String(format: "%04X", port)
            var listeners: [String] = []
            for line in readWholeFile("/proc/net/tcp").split(separator: "\n") {
                let fields = line.split(separator: " ").map(String.init)
                if fields.count > 3, fields[3] == "0A", fields[1].hasSuffix(suffix) { listeners.append(fields[1]) }
            }
            #expect(listeners == ["0100007F" + suffix])
        }
    }
}

/// Runs blocking socket code on its own thread: blocking one of the few cooperative-pool threads
/// would stall the in-process server under test.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// A /proc file read to its end: it reports a size of 0, and one read gives only a page of a
/// long socket table.
func readWholeFile(_ path: String) -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        bytes += buffer[..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Resident memory of this process, from /proc/self/statm.
func residentBytes() -> Int {
    Int(ProcessMetrics.residentBytes() ?? 0)
}

/// A blocking TCP connection to 127.0.0.1 for bytes a normal client would not send.
final class RawConnection: @unchecked Sendable { // one user at a time: its fd only
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends all of `bytes`; false once the peer stopped reading or closed.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// True when there is something to read (or the peer closed) within `waitingMilliseconds`.
    func hasData(waitingMilliseconds: Int32) -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, waitingMilliseconds) > 0
    }

    /// What arrives up to the end of the response head (or 10 s of silence, or the close).
    func receiveHead() -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 1 << 16 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += buffer[..<n]
            if String(decoding: received, as: UTF8.self).contains("\r\n\r\n") { break }
        }
        return String(decoding: received, as: UTF8.self)
    }
}

/// Counts opens and reads of some files (and listings of folders) by any process, with inotify.
final class FileWatcher {
    let fd: Int32

    init?(paths: [String]) {
        fd = inotify_init1(Int32(O_NONBLOCK))
        guard fd >= 0 else { return nil }
        for path in paths where inotify_add_watch(fd, path, UInt32(IN_OPEN | IN_ACCESS)) < 0 {
            close(fd)
            return nil
        }
    }

    deinit { close(fd) }

    /// Events since the watch began.
    func events() -> Int {
        var count = 0
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return count }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= n {
                let length = buffer.withUnsafeBytes { $0.load(fromByteOffset: offset + 12, as: UInt32.self) }
                count += 1
                offset += MemoryLayout<inotify_event>.size + Int(length)
            }
        }
    }
}
