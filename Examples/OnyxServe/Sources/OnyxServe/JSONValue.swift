import Foundation

/// A JSON number as written: integers stay exact (INT64 needs all 64 bits), others are Double.
enum JSONNumber: Sendable, Equatable {
    case integer(Int64)
    case real(Double)

    var double: Double {
        switch self {
        case .integer(let i): return Double(i)
        case .real(let d): return d
        }
    }
}

/// A parsed JSON document. Request bodies are parsed into this by `JSONParser` (tensor
/// payloads are mostly numbers, which it reads without allocating per number), then mapped
/// to the protocol's requests by `JSONField`.
enum JSONValue: Sendable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    /// An array whose elements are all numbers (tensor rows), kept flat: 16 bytes a number.
    case numbers([JSONNumber])
    case number(JSONNumber)
    case string(String)
    case bool(Bool)
    case null

    /// What the value is, for error messages.
    var kind: String {
        switch self {
        case .object: return "an object"
        case .array, .numbers: return "an array"
        case .number: return "a number"
        case .string: return "a string"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }
}

/// A strict RFC 8259 parser over UTF-8 bytes. Errors give the byte offset and what was
/// expected there; nesting deeper than `maxDepth` is refused rather than recursed into.
struct JSONParser {
    struct Failure: Error, CustomStringConvertible {
        let offset: Int
        let expected: String
        var description: String { "the body is not valid JSON: expected \(expected) at byte \(offset)" }
    }

    static let maxDepth = 64

    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var depth = 0

    /// Parses one complete document (surrounding whitespace allowed).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.i == bytes.count else { throw Failure(offset: parser.i, expected: "the end of the document") }
        return value
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private var current: UInt8? { i < bytes.count ? bytes[i] : nil }

    /// The value of the eight bytes at `k` if they are all ASCII digits (one 64-bit load:
    /// digit check and the three pairwise combining steps of SWAR decimal parsing).
    @inline(__always)
    private func eightDigits(at k: Int) -> UInt64? {
        guard k + 8 <= bytes.count else { return nil }
        let v = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + k).loadUnaligned(as: UInt64.self))
        // Each byte 0x30...0x39: high nibble 3, and adding 6 keeps it 3.
        guard (v & 0xF0F0_F0F0_F0F0_F0F0) | (((v &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4)
            == 0x3333_3333_3333_3333 else { return nil }
        var x = v & 0x0F0F_0F0F_0F0F_0F0F                      // first digit in the low byte
        x = (x &* 2561) >> 8                                    // pairs: 10 * d0 + d1
        x = ((x & 0x00FF_00FF_00FF_00FF) &* 6_553_601) >> 16   // fours: 100 * p0 + p1
        return ((x & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) >> 32   // 10000 * q0 + q1
    }

    private mutating func skipWhitespace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func value() throws -> JSONValue {
        guard let c = current else { throw Failure(offset: i, expected: "a value") }
        switch c {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw Failure(offset: i, expected: "a value")
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count else { throw Failure(offset: i, expected: "'\(word)'") }
        for k in 0..<n where bytes[i + k] != word.utf8Start[k] { throw Failure(offset: i, expected: "'\(word)'") }
        i += n
    }

    private mutating func enter() throws {
        depth += 1
        guard depth <= Self.maxDepth else { throw Failure(offset: i, expected: "at most \(Self.maxDepth) levels of nesting") }
    }

    private mutating func object() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        i += 1
        var fields: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") { i += 1; return .object(fields) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw Failure(offset: i, expected: "a field name in quotes") }
            let key = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw Failure(offset: i, expected: "':'") }
            i += 1
            skipWhitespace()
            fields.append((key, try value()))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "}"): i += 1; return .object(fields)
            default: throw Failure(offset: i, expected: "',' or '}'")
            }
        }
    }

    private mutating func array() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        i += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { i += 1; return .array(elements) }
        // Rows of numbers: read straight into a flat array while every element is a number.
        if let c = current, c == UInt8(ascii: "-") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) {
            var numbers: [JSONNumber] = []
            while true {
                numbers.append(try number())
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","):
                    i += 1
                    skipWhitespace()
                    if let c = current, c == UInt8(ascii: "-") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) { continue }
                    elements = numbers.map { .number($0) } // something else follows: go generic
                case UInt8(ascii: "]"): i += 1; return .numbers(numbers)
                default: throw Failure(offset: i, expected: "',' or ']'")
                }
                break
            }
        }
        while true {
            skipWhitespace()
            elements.append(try value())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "]"): i += 1; return .array(elements)
            default: throw Failure(offset: i, expected: "',' or ']'")
            }
        }
    }

    private mutating func string() throws -> String {
        let start = i
        i += 1
        var plainEnd = i
        // Fast path: no escapes.
        while plainEnd < bytes.count, bytes[plainEnd] != UInt8(ascii: "\""), bytes[plainEnd] != UInt8(ascii: "\\"),
              bytes[plainEnd] >= 0x20 { plainEnd += 1 }
        if plainEnd < bytes.count, bytes[plainEnd] == UInt8(ascii: "\"") {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<plainEnd]), as: UTF8.self)
            i = plainEnd + 1
            return text
        }
        var out = [UInt8](bytes[i..<plainEnd])
        i = plainEnd
        while true {
            guard let c = current else { throw Failure(offset: start, expected: "a closing '\"' for this string") }
            if c == UInt8(ascii: "\"") { i += 1; break }
            if c < 0x20 { throw Failure(offset: i, expected: "no control characters inside a string") }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard let e = current else { throw Failure(offset: i, expected: "an escape") }
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar), current == UInt8(ascii: "\\"), i + 1 < bytes.count,
                   bytes[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw Failure(offset: i - 6, expected: "a low surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
            default: throw Failure(offset: i - 1, expected: "a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw Failure(offset: i, expected: "four hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw Failure(offset: i, expected: "a hex digit")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    /// Exact powers of ten as Doubles (10^22 is the last one a Double holds exactly).
    private static let powersOfTen: [Double] = (0...22).map { e in (0..<e).reduce(1.0) { r, _ in r * 10 } }
    #if arch(x86_64) && !os(Windows)
    /// 10^0 ... 10^27, each exact in Float80 (5^27 < 2^64).
    private static let powersOfTen80: [Float80] = (0...27).map { e in (0..<e).reduce(Float80(1)) { r, _ in r * 10 } }
    #endif

    /// Integers (no fraction or exponent) that fit in Int64 stay exact. Other numbers with
    /// at most 15 significant digits and a small exponent are one correctly rounded
    /// multiplication or division of exact Doubles; up to 19 digits (float32 values printed
    /// in full, as Python and numpy clients send them, have 16-17) the same in 80-bit
    /// extended precision where there is one (x86), rounded once more to a Double unless the
    /// extended result sits exactly on a Double midpoint; the rest go to strtod (correctly
    /// rounded).
    private mutating func number() throws -> JSONNumber {
        let start = i
        var negative = false
        if current == UInt8(ascii: "-") { negative = true; i += 1 }
        guard let first = current, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else {
            throw Failure(offset: i, expected: "a digit")
        }
        var mantissa: UInt64 = 0
        var digits = 0          // significant digits accumulated in mantissa
        var dropped = 0         // integer digits beyond what mantissa holds
        var exactInteger = true
        if first == UInt8(ascii: "0") {
            i += 1
        } else {
            while let c = current, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                if digits < 19 { mantissa = mantissa * 10 + UInt64(c - UInt8(ascii: "0")); digits += 1 } else { dropped += 1 }
                i += 1
            }
        }
        var exponent = dropped
        var truncated = dropped > 0   // digits left out of `mantissa`
        if current == UInt8(ascii: ".") {
            exactInteger = false
            i += 1
            guard let c = current, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else {
                throw Failure(offset: i, expected: "a digit after '.'")
            }
            while let c = current, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                // Past the leading zeros, eight digits at a time while they fit.
                if mantissa != 0, digits <= 11, let eight = eightDigits(at: i) {
                    mantissa = mantissa &* 100_000_000 &+ eight
                    digits += 8
                    exponent -= 8
                    i += 8
                    continue
                }
                if digits < 19 {
                    if mantissa != 0 || c != UInt8(ascii: "0") { digits += 1 }
                    mantissa = mantissa * 10 + UInt64(c - UInt8(ascii: "0"))
                    exponent -= 1
                } else if c != UInt8(ascii: "0") {
                    truncated = true
                }
                i += 1
            }
        }
        if let c = current, c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            exactInteger = false
            i += 1
            var expNegative = false
            if let s = current, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { expNegative = s == UInt8(ascii: "-"); i += 1 }
            guard let d = current, d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else {
                throw Failure(offset: i, expected: "a digit in the exponent")
            }
            var e = 0
            while let d = current, d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") {
                if e < 100_000 { e = e * 10 + Int(d - UInt8(ascii: "0")) }
                i += 1
            }
            exponent += expNegative ? -e : e
        }
        if exactInteger, dropped == 0 {
            if negative, mantissa == 0 { return .real(-0.0) }
            if negative, mantissa <= UInt64(Int64.max) + 1 {
                return .integer(mantissa == UInt64(Int64.max) + 1 ? .min : -Int64(mantissa))
            }
            if !negative, mantissa <= UInt64(Int64.max) { return .integer(Int64(mantissa)) }
        }
        if digits <= 15, abs(exponent) <= 22 {
            let m = Double(mantissa)
            let v = exponent >= 0 ? m * Self.powersOfTen[exponent] : m / Self.powersOfTen[-exponent]
            return .real(negative ? -v : v)
        }
        #if arch(x86_64) && !os(Windows)
        if !truncated, abs(exponent) <= 27 {
            // mantissa < 10^19 < 2^64 and 10^|exponent| are exact: one rounding to 64 bits.
            let m = Float80(mantissa)
            let q = exponent >= 0 ? m * Self.powersOfTen80[exponent] : m / Self.powersOfTen80[-exponent]
            // The 11 bits a Double drops: exactly half-way and the true value could lie on
            // either side, so only then is the second rounding in doubt (1 in 2048).
            if q.significandBitPattern & 0x7FF != 0x400 {
                let v = Double(q)
                return .real(negative ? -v : v)
            }
        }
        #endif
        // The grammar was checked above, so strtod reads exactly these bytes.
        let length = i - start
        let v = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { text in
            for k in 0..<length { text[k] = CChar(bitPattern: bytes[start + k]) }
            text[length] = 0
            return strtod(text.baseAddress!, nil)
        }
        return .real(v)
    }
}
