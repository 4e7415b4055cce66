/// Typed access to a parsed JSON body, each failure naming the field's path
/// (`inputs[0].shape`) so a 400 says exactly what is wrong.
struct JSONField {
    /// A field that is missing or of the wrong kind.
    struct Mismatch: Error, CustomStringConvertible {
        let path: String
        let message: String
        var description: String { path.isEmpty ? message : "field '\(path)': \(message)" }
    }

    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String = "") {
        self.value = value
        self.path = path
    }

    private func fail(_ expected: String) -> Mismatch {
        Mismatch(path: path, message: "should be \(expected), got \(value.kind)")
    }

    private func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The fields of an object.
    func object() throws -> [(key: String, value: JSONValue)] {
        guard case .object(let fields) = value else { throw fail("an object") }
        return fields
    }

    /// A field of this object (the last one when a key repeats), nil when absent or null.
    func optional(_ key: String) throws -> JSONField? {
        let fields = try object()
        guard let found = fields.last(where: { $0.key == key }) else { return nil }
        if case .null = found.value { return nil }
        return JSONField(found.value, path: child(key))
    }

    /// A field this object must have.
    func required(_ key: String) throws -> JSONField {
        guard let field = try optional(key) else {
            throw Mismatch(path: "", message: "missing field '\(key)'" + (path.isEmpty ? "" : " in \(path)"))
        }
        return field
    }

    /// The elements of an array, each with its path.
    func array() throws -> [JSONField] {
        switch value {
        case .array(let elements): return elements.enumerated().map { JSONField($1, path: "\(path)[\($0)]") }
        case .numbers(let numbers): return numbers.enumerated().map { JSONField(.number($1), path: "\(path)[\($0)]") }
        default: throw fail("an array")
        }
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw fail("a string") }
        return s
    }

    func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw fail("a boolean") }
        return b
    }

    func int() throws -> Int {
        if case .number(.integer(let n)) = value, let i = Int(exactly: n) { return i }
        if case .number(.real(let d)) = value, d.rounded() == d, let i = Int(exactly: d) { return i }
        throw fail("an integer")
    }

    func numbers() throws -> NestedNumbers { try NestedNumbers(value, path: path) }
}
