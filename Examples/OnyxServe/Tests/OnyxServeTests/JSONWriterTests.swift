import Foundation
import Testing
@testable import OnyxServe

/// The hand-written response JSON says the same as Foundation's encoder did.
@Suite("JSON writer")
struct JSONWriterTests {
    static func encoderJSON<T: Encodable>(_ value: T) throws -> Any {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try JSONSerialization.jsonObject(with: encoder.encode(value))
    }

    static func writerJSON(_ value: some JSONWritable) throws -> (Any, String) {
        var json = JSONWriter()
        value.write(to: &json)
        return (try JSONSerialization.jsonObject(with: Data(json.bytes)), String(decoding: json.bytes, as: UTF8.self))
    }

    @Test func inferenceResponsesMatchTheEncoder() throws {
        var binary = InferenceProtocol.ResponseOutput(name: "probs", shape: [2, 0], datatype: "FP32")
        binary.parameters = .init(binary_data_size: 0)
        let responses = [
            InferenceProtocol.InferenceResponse(model_name: "m\"odel\\ \u{1}\n", id: "req-1", outputs: [
                .init(name: "y", shape: [2, 3], datatype: "FP32",
                      data: .floats([0.1, -2.5e-7, 3.4e38, .infinity, -.infinity, .nan])),
                .init(name: "i", shape: [3], datatype: "INT64", data: .integers([.min, 0, .max])),
                .init(name: "u", shape: [1], datatype: "UINT64", data: .unsigned([.max])),
                .init(name: "b", shape: [2], datatype: "BOOL", data: .bools([true, false])),
                .init(name: "d", shape: [2], datatype: "FP64", data: .doubles([1e-300, 0.30000000000000004])),
                binary,
            ]),
            InferenceProtocol.InferenceResponse(model_name: "plain", id: nil, outputs: []),
        ]
        for response in responses {
            let (written, text) = try Self.writerJSON(response)
            #expect((written as? NSDictionary) == (try Self.encoderJSON(response) as? NSDictionary), "\(text)")
        }
    }

    @Test func predictResponseMatchesTheEncoder() throws {
        let response = InferenceProtocol.PredictResponse(outputs: [.floats([0.25, 1, -0.0]), .floats([Float.leastNonzeroMagnitude, 7])])
        let (written, text) = try Self.writerJSON(response)
        #expect((written as? NSDictionary) == (try Self.encoderJSON(response) as? NSDictionary), "\(text)")
        #expect(text.hasPrefix("{\"outputs\":[["))
    }
}
