/// A JSON number or a (possibly nested) array of numbers, flattened in row-major order with
/// the shape its nesting describes (`[[1,2],[3,4]]` → shape [2, 2]). Booleans count as 0/1.
struct NestedNumbers: Sendable {
    /// The numbers in row-major order.
    var values: [JSONNumber]
    /// The nesting's shape; [] for a bare number.
    var shape: [Int]

    init(values: [JSONNumber], shape: [Int]) {
        self.values = values
        self.shape = shape
    }

    /// Flattens `value`; `path` names it in errors (e.g. `inputs[0].data`).
    init(_ value: JSONValue, path: String) throws {
        var values: [JSONNumber] = []
        let shape = try Self.flatten(value, path: path, into: &values)
        self.init(values: values, shape: shape)
    }

    private static func flatten(_ value: JSONValue, path: String, into values: inout [JSONNumber]) throws -> [Int] {
        switch value {
        case .number(let n):
            values.append(n)
            return []
        case .bool(let b):
            values.append(.integer(b ? 1 : 0))
            return []
        case .numbers(let row):
            values.append(contentsOf: row)
            return [row.count]
        case .array(let elements):
            if values.isEmpty { values.reserveCapacity(elements.count) }
            var inner: [Int]?
            for (k, element) in elements.enumerated() {
                // Rows of plain numbers are the common case: no recursion, no shape arrays.
                if case .number(let n) = element, inner == nil || inner!.isEmpty {
                    values.append(n)
                    inner = []
                    continue
                }
                let shape = try flatten(element, path: path, into: &values)
                if let inner, inner != shape {
                    throw JSONField.Mismatch(path: path, message: "ragged array: element \(k) has shape \(shape) but element 0 has \(inner)")
                }
                inner = shape
            }
            return [elements.count] + (inner ?? [])
        default:
            throw JSONField.Mismatch(path: path, message: "expected a number or an array of numbers, got \(value.kind)")
        }
    }
}
