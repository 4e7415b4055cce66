import Foundation
import Testing
@testable import OnyxServe

@Suite("JSON parser")
struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue {
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { try JSONParser.parse(UnsafeBufferPointer($0)) }
    }

    func number(_ text: String) throws -> JSONNumber {
        guard case .number(let n) = try parse(text) else { throw JSONField.Mismatch(path: text, message: "not a number") }
        return n
    }

    @Test func integersStayExact() throws {
        #expect(try number("0") == .integer(0))
        #expect(try number("-17") == .integer(-17))
        #expect(try number("9007199254740993") == .integer(9_007_199_254_740_993))   // 2^53 + 1
        #expect(try number("9223372036854775807") == .integer(.max))
        #expect(try number("-9223372036854775808") == .integer(.min))
        #expect(try number("9223372036854775808") == .real(9_223_372_036_854_775_808)) // past Int64
        #expect(try number("123456789012345678901234") == .real(123456789012345678901234.0))
    }

    @Test func realsAreCorrectlyRounded() throws {
        // Random decimal strings of every length and exponent, against the standard library.
        var state: UInt64 = 42
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        for _ in 0..<20_000 {
            let digits = String(next() % 10_000_000_000_000_000)
            let point = Int(next() % UInt64(digits.count + 1))
            var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            if text.hasPrefix(".") { text = "0" + text }
            if text.hasSuffix(".") { text += "0" }
            if next() % 2 == 0 { text += "e\(Int(next() % 80) - 40)" }
            if next() % 2 == 0 { text = "-" + text }
            let want = try #require(Double(text))
            #expect(try number(text).double == want, "\(text)")
        }
        // Float32 values printed in full (16-17 significant digits, as Python sends numpy
        // float32 data), and 18-19 digit mantissas with exponents around the fast path's edges.
        for k in 0..<50_000 {
            let text: String
            if k % 2 == 0 {
                let f = Float(bitPattern: UInt32(truncatingIfNeeded: next()) & 0x7F7F_FFFF)   // finite, either sign
                guard f.isFinite else { continue }
                text = "\(Double(f))"
            } else {
                let digits = String(next() % 10_000_000_000_000_000_000 as UInt64)
                text = "0.\(digits)e\(Int(next() % 70) - 35)"
            }
            let want = try #require(Double(text))
            #expect(try number(text).double == want, "\(text)")
        }
        #expect(try number("-0").double.sign == .minus)
        #expect(try number("1E400").double == .infinity)
        #expect(try number("2.5e-324").double == 0 || (try number("2.5e-324").double).isSubnormal)
    }

    @Test func stringsAndStructure() throws {
        guard case .object(let fields) = try parse(#" { "a\"b\\n\u00e9\ud83d\ude00" : [true, false, null, {}, []] } "#) else {
            Issue.record("not an object"); return
        }
        #expect(fields.first?.key == "a\"b\\n\u{e9}\u{1F600}")
        guard case .array(let items) = fields.first?.value else { Issue.record("not an array"); return }
        #expect(items.map(\.kind) == ["a boolean", "a boolean", "null", "an object", "an array"])
    }

    @Test(arguments: [
        ("", 0), ("{", 1), ("[1, 2", 5), ("[1,]", 3), ("{\"a\" 1}", 5), ("01", 1), ("1.", 2), ("-", 1),
        ("1e", 2), ("\"abc", 0), ("\"a\tb\"", 2), ("tru", 0), ("[1] x", 4), ("\"\\x\"", 2), ("{\"a\":1,}", 7),
    ])
    func syntaxErrorsSayWhere(_ example: (String, Int)) {
        do {
            _ = try parse(example.0)
            Issue.record("'\(example.0)' parsed")
        } catch let failure as JSONParser.Failure {
            #expect(failure.offset == example.1, "'\(example.0)': \(failure)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func deepNestingIsRefusedNotRecursedInto() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Failure.self) { try parse(deep) }
        let fine = String(repeating: "[", count: JSONParser.maxDepth) + "1" + String(repeating: "]", count: JSONParser.maxDepth)
        #expect(throws: Never.self) { try parse(fine) }
    }

    @Test func fieldsNameTheirPath() throws {
        let body = JSONField(try parse(#"{"inputs": [{"name": "x", "shape": [1, "2"], "datatype": "FP32", "data": [1, 2]}]}"#))
        do {
            _ = try InferenceProtocol.InferenceRequest(body)
            Issue.record("a string dim was accepted")
        } catch let mismatch as JSONField.Mismatch {
            #expect(mismatch.description == "field 'inputs[0].shape[1]': should be an integer, got a string")
        }
        let nested = try NestedNumbers(try parse("[[1, 2, 3], [4, 5, 6]]"), path: "data")
        #expect(nested.shape == [2, 3])
        #expect(nested.values == (1...6).map { JSONNumber.integer(Int64($0)) })
        #expect(throws: JSONField.Mismatch.self) { try NestedNumbers(try parse("[[1, 2], [3]]"), path: "data") }
        #expect(throws: JSONField.Mismatch.self) { try NestedNumbers(try parse("[1, [2]]"), path: "data") }
        #expect(throws: JSONField.Mismatch.self) { try NestedNumbers(try parse("[1, \"2\"]"), path: "data") }
    }
}
