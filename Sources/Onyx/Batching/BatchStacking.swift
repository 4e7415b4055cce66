/// Stacking requests along the batch dimension (axis 0) and splitting the results back.
enum BatchStacking {
    /// What must match for requests to share a run: names, element types and every dim but the first.
    struct Signature: Hashable {
        let entries: [String]

        init(_ inputs: [String: Tensor]) {
            entries = inputs.keys.sorted().map { name in
                let t = inputs[name]!
                return "\(name):\(t.elementType.rawValue):\(t.shape.dropFirst().map(String.init).joined(separator: "x")):\(t.rank)"
            }
        }
    }

    /// Rows a request contributes (its inputs' first dim; they must agree), or nil when the
    /// request cannot be stacked (scalars, or inputs with different first dims).
    static func rows(of inputs: [String: Tensor]) -> Int? {
        var rows: Int?
        for t in inputs.values {
            guard t.rank >= 1 else { return nil }
            if let r = rows, r != t.shape[0] { return nil }
            rows = t.shape[0]
        }
        return rows
    }

    /// Concatenates each named input of `requests` along axis 0.
    static func stack(_ requests: [[String: Tensor]]) throws -> [String: Tensor] {
        guard let first = requests.first else { return [:] }
        var out: [String: Tensor] = [:]
        for name in first.keys {
            let parts = requests.map { $0[name]! }
            let rows = parts.reduce(0) { $0 + $1.shape[0] }
            let es = parts[0].elementType.byteSize
            out[name] = try Tensor.makeRaw([rows] + parts[0].shape.dropFirst(), parts[0].elementType) { dst in
                var offset = 0
                for p in parts {
                    let bytes = p.count * es
                    if bytes > 0 { (dst + offset).copyMemory(from: p.storage.bytes, byteCount: bytes) }
                    offset += bytes
                }
            }
        }
        return out
    }

    /// Splits every output along axis 0 into the given row counts, or nil when an output's
    /// first dim is not the total (the model does not map rows to rows).
    static func split(_ outputs: [String: Tensor], rows: [Int]) throws -> [[String: Tensor]]? {
        let total = rows.reduce(0, +)
        var result = [[String: Tensor]](repeating: [:], count: rows.count)
        for (name, t) in outputs {
            guard t.rank >= 1, t.shape[0] == total else { return nil }
            let rowBytes = t.count / max(total, 1) * t.elementType.byteSize
            var offset = 0
            for (i, r) in rows.enumerated() {
                result[i][name] = try Tensor.makeRaw([r] + t.shape.dropFirst(), t.elementType) { dst in
                    if r * rowBytes > 0 { dst.copyMemory(from: t.storage.bytes + offset, byteCount: r * rowBytes) }
                }
                offset += r * rowBytes
            }
        }
        return result
    }
}
