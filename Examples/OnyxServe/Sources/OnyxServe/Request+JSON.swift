import Foundation
import Hummingbird

extension Request {
    /// Collects the body (at most `limit` bytes, else 413) and parses it as JSON.
    mutating func readJSON(limit: Int) async throws -> JSONField {
        let buffer = try await collectBody(limit: limit)
        return try buffer.withUnsafeReadableBytes { try parseJSON($0) }
    }

    /// Collects the body, at most `limit` bytes, else 413: at once when Content-Length already
    /// says more, without waiting for (or reading) the body.
    mutating func collectBody(limit: Int) async throws -> ByteBuffer {
        if let declared = headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw HTTPError(.contentTooLarge)
        }
        return try await collectBody(upTo: limit)
    }
}

/// Parses a JSON document, turning syntax errors into a 400 that says where.
func parseJSON(_ bytes: UnsafeRawBufferPointer) throws -> JSONField {
    guard !bytes.isEmpty else { throw APIError.badRequest("malformed JSON: the request body is empty") }
    do {
        return JSONField(try JSONParser.parse(bytes.bindMemory(to: UInt8.self)))
    } catch let failure as JSONParser.Failure {
        throw APIError.badRequest("malformed JSON: \(failure)")
    }
}

/// Builds a request from parsed JSON, turning a missing or mistyped field into a 400 that
/// names it.
func decodeRequest<T>(_ make: () throws -> T) throws -> T {
    do {
        return try make()
    } catch let mismatch as JSONField.Mismatch {
        throw APIError.badRequest("malformed JSON: \(mismatch)")
    }
}

extension Encodable {
    /// A 200 (or `status`) JSON response of this value.
    func jsonResponse(status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try jsonBytes())))
    }

    /// This value as JSON (sorted keys; non-finite floats as "inf", "-inf", "nan").
    func jsonData() throws -> Data { Data(try jsonBytes()) }

    /// The JSON bytes: written by `JSONWriter` for the responses that support it (the
    /// inference answers), by Foundation's encoder for the rest (small metadata answers).
    private func jsonBytes() throws -> [UInt8] {
        if let writable = self as? any JSONWritable {
            var json = JSONWriter()
            writable.write(to: &json)
            return json.bytes
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return Array(try encoder.encode(self))
    }
}
