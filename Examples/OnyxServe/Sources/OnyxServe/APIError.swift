import Foundation
import Hummingbird
import Onyx

/// An error answered as `{"error": "..."}` with its status.
public struct APIError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status sent.
    public let status: HTTPResponse.Status
    /// What is wrong, as a sentence for the client.
    public let message: String
    /// Extra headers (e.g. Retry-After).
    public var headers: HTTPFields = [:]

    public var description: String { message }

    /// A client error with `message`.
    public static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, message: message) }
    /// An unknown model or route.
    public static func notFound(_ message: String) -> APIError { APIError(status: .notFound, message: message) }

    /// The status and message for any error a route can throw: batcher failures, Onyx errors,
    /// body limits, Hummingbird's own errors.
    public static func from(_ error: Error, maxBodyBytes: Int) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let failure as Batcher.Failure:
            switch failure {
            case .overloaded:
                return APIError(status: .serviceUnavailable, message: failure.description, headers: [.retryAfter: "1"])
            case .timedOut:
                return APIError(status: .gatewayTimeout, message: failure.description)
            case .shuttingDown:
                return APIError(status: .serviceUnavailable, message: failure.description, headers: [.retryAfter: "5"])
            }
        case let error as OnyxError:
            switch error {
            case .invalidInput, .invalidTensor:
                return APIError(status: .badRequest, message: error.description)
            default:
                return APIError(status: .internalServerError, message: error.description)
            }
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .notFound("no route for this method and path")
            case .contentTooLarge:
                return APIError(status: .contentTooLarge, message: "request body is larger than the limit of \(maxBodyBytes) bytes")
            default: return APIError(status: error.status, message: error.body ?? error.status.reasonPhrase)
            }
        case let error as any HTTPResponseError:
            // NIOTooManyBytesError (body over the limit) arrives here as 413.
            if error.status == .contentTooLarge {
                return APIError(status: .contentTooLarge, message: "request body is larger than the limit of \(maxBodyBytes) bytes")
            }
            return APIError(status: error.status, message: error.status.reasonPhrase)
        case is CancellationError:
            return APIError(status: .serviceUnavailable, message: "the request was cancelled", headers: [.retryAfter: "1"])
        default:
            return APIError(status: .internalServerError, message: "internal error: \(error)")
        }
    }

    /// The JSON response.
    func response() -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        let body = (try? JSONEncoder().encode(["error": message])) ?? Data(#"{"error":"unencodable"}"#.utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
