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

/// A JSON number or a (possibly nested) array of numbers, flattened in row-major order with
/// the shape its nesting describes (`[[1,2],[3,4]]` → shape [2, 2]).
struct NestedNumbers: Decodable, Sendable {
    /// The numbers in row-major order.
    var values: [JSONNumber]
    /// The nesting's shape; [] for a bare number.
    var shape: [Int]

    init(values: [JSONNumber], shape: [Int]) {
        self.values = values
        self.shape = shape
    }

    init(from decoder: Decoder) throws {
        // Numbers first: a failed decode throws, and throwing once per number (rather than
        // once per array) made large payloads take seconds.
        if let single = try? decoder.singleValueContainer(), let d = try? single.decode(Double.self) {
            if d.rounded() == d, abs(d) < 9_007_199_254_740_992 {
                values = [.integer(Int64(d))]
            } else if d.rounded() == d, let i = try? single.decode(Int64.self) {
                values = [.integer(i)] // beyond 2^53: read the digits exactly
            } else {
                values = [.real(d)]
            }
            shape = []
            return
        }
        if var array = try? decoder.unkeyedContainer() {
            var values: [JSONNumber] = []
            var innerShape: [Int]?
            var count = 0
            while !array.isAtEnd {
                let element = try array.decode(NestedNumbers.self)
                if let innerShape, innerShape != element.shape {
                    throw DecodingError.dataCorruptedError(
                        in: array, debugDescription: "ragged array: element \(count) has shape \(element.shape) but element 0 has \(innerShape)")
                }
                innerShape = element.shape
                values.append(contentsOf: element.values)
                count += 1
            }
            self.values = values
            shape = [count] + (innerShape ?? [])
            return
        }
        let single = try decoder.singleValueContainer()
        if let b = try? single.decode(Bool.self) {
            values = [.integer(b ? 1 : 0)]
        } else {
            throw DecodingError.dataCorruptedError(in: single, debugDescription: "expected a number or an array of numbers")
        }
        shape = []
    }
}
