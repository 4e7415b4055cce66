import Foundation
import Hummingbird
import HummingbirdTesting
import Onyx
import Testing
@testable import OnyxServe

/// The binary tensor data extension: JSON header + raw little-endian tensors.
@Suite("Binary tensor data")
struct BinaryDataTests {
    /// A request body: `header` as JSON, then `binary`; the header's length in the header field.
    func post(_ client: any TestClientProtocol, header: [String: Any], binary: [UInt8],
              headerLength: String? = nil) async throws -> TestResponse {
        let json = try JSONSerialization.data(withJSONObject: header)
        var body = ByteBuffer(bytes: json)
        body.writeBytes(binary)
        var headers: HTTPFields = [.contentType: "application/octet-stream"]
        headers[BinaryTensorData.headerLength] = headerLength ?? "\(json.count)"
        return try await client.execute(uri: "/v2/models/mlp_fraud/infer", method: .post, headers: headers, body: body)
    }

    func bytes(_ values: [Float]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    @Test func binaryInputsAndOutputsAgreeWithSessionRun() async throws {
        try await withServer { client, context in
            let session = context.model.session
            let (shape, values) = sampleRows(session, rows: 5)
            let expected = try session.run([session.inputs[0].name: Tensor(shape: shape, floats: values)])
            let input: [String: Any] = ["name": session.inputs[0].name, "shape": shape, "datatype": "FP32",
                                        "parameters": ["binary_data_size": values.count * 4]]
            let response = try await post(client, header: ["inputs": [input], "parameters": ["binary_data_output": true]],
                                          binary: bytes(values))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            #expect(response.headers[.contentType] == "application/octet-stream")
            let headerLength = try #require(response.headers[BinaryTensorData.headerLength].flatMap { Int($0) })
            let body = Array(response.body.readableBytesView)
            let header = try #require(try JSONSerialization.jsonObject(with: Data(body[..<headerLength])) as? [String: Any])
            let outputs = try #require(header["outputs"] as? [[String: Any]])
            var offset = headerLength
            for output in outputs {
                let name = try #require(output["name"] as? String)
                let want = try #require(expected[name])
                #expect(output["data"] == nil, "binary outputs carry no JSON data")
                let size = try #require((output["parameters"] as? [String: Any])?["binary_data_size"] as? Int)
                #expect(size == want.count * 4)
                let got = body[offset..<(offset + size)].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                #expect(got == want.floats, "\(name): binary output equals session.run's")
                offset += size
            }
            #expect(offset == body.count, "nothing after the last output")
        }
    }

    @Test func binaryInputWithJSONOutput() async throws {
        try await withServer { client, context in
            let session = context.model.session
            let (shape, values) = sampleRows(session, rows: 2)
            let input: [String: Any] = ["name": session.inputs[0].name, "shape": shape, "datatype": "FP32",
                                        "parameters": ["binary_data_size": values.count * 4]]
            let response = try await post(client, header: ["inputs": [input]], binary: bytes(values))
            #expect(response.status == .ok)
            #expect(response.headers[BinaryTensorData.headerLength] == nil)
            let outputs = try #require(try response.json["outputs"] as? [[String: Any]])
            let want = try session.run([session.inputs[0].name: Tensor(shape: shape, floats: values)])
            for output in outputs {
                let got = try #require(output["data"] as? [Double]).map(Float.init)
                #expect(got == want[output["name"] as! String]?.floats)
            }
        }
    }

    @Test func badBinaryRequestsAre400() async throws {
        try await withServer { client, context in
            let session = context.model.session
            let (shape, values) = sampleRows(session, rows: 1)
            func input(size: Int) -> [String: Any] {
                ["name": session.inputs[0].name, "shape": shape, "datatype": "FP32", "parameters": ["binary_data_size": size]]
            }
            let cases: [(String, [String: Any], [UInt8], String?, String)] = [
                ("size too small for the shape", ["inputs": [input(size: 8)]], Array(bytes(values).prefix(8)), nil, "needs"),
                ("more bytes than claimed", ["inputs": [input(size: values.count * 4)]], bytes(values) + [1, 2, 3], nil, "claimed by no input"),
                ("fewer bytes than claimed", ["inputs": [input(size: values.count * 4)]], Array(bytes(values).dropLast(4)), nil, "are left"),
                ("header length past the body", ["inputs": [input(size: values.count * 4)]], bytes(values), "999999", "Inference-Header-Content-Length"),
                ("header length not a number", ["inputs": [input(size: values.count * 4)]], bytes(values), "ten", "Inference-Header-Content-Length"),
                ("header cut inside the JSON", ["inputs": [input(size: values.count * 4)]], bytes(values), "10", "malformed JSON"),
            ]
            for (what, header, binary, length, message) in cases {
                let response = try await post(client, header: header, binary: binary, headerLength: length)
                #expect(response.status == .badRequest, "\(what)")
                #expect(response.errorMessage?.contains(message) == true, "\(what): \(response.errorMessage ?? "")")
            }
        }
    }
}

/// The `Inference-Header-Content-Length` value: digits, spaces or tabs around them allowed.
@Suite("Header length")
struct HeaderLengthTests {
    @Test func parsesDigitsWithSpacesAround() {
        #expect(BinaryTensorData.byteCount("42") == 42)
        #expect(BinaryTensorData.byteCount(" \t123  ") == 123)
        #expect(BinaryTensorData.byteCount("0") == 0)
    }

    @Test func rejectsAnythingElse() {
        for text in ["", "  ", "1 2", "-5", "+5", "12a", "ten", "1e3", "99999999999999999999"] {
            #expect(BinaryTensorData.byteCount(text) == nil, "\(text)")
        }
    }
}
