/// Checks a `run` call's inputs against the graph's declared inputs: names, element
/// types, ranks, fixed dims, and that each symbolic dim has one value across inputs.
enum InputValidator {
    static func validate(_ feeds: [String: Tensor], against declared: [ValueInfo]) throws {
        let expected = declared.map(\.name)
        if let unknown = feeds.keys.sorted().first(where: { !expected.contains($0) }) {
            throw OnyxError.invalidInput("'\(unknown)' is not an input of this model (inputs: \(expected.joined(separator: ", ")))")
        }
        var bound: [String: (Int, String)] = [:]
        for info in declared {
            guard let t = feeds[info.name] else {
                throw OnyxError.invalidInput("missing input '\(info.name)'\(describe(info))")
            }
            do { _ = try checkedElementCount(t.shape) } catch {
                throw OnyxError.invalidInput("input '\(info.name)' has shape \(t.shape), which is too large")
            }
            if let et = info.elementType, et != t.elementType {
                throw OnyxError.invalidInput("input '\(info.name)' must be \(et), got \(t.elementType)")
            }
            guard let dims = info.shape else { continue }
            guard dims.count == t.rank else {
                throw OnyxError.invalidInput("input '\(info.name)' must have shape \(render(dims)) (rank \(dims.count)), got \(t.shape)")
            }
            for (axis, d) in dims.enumerated() {
                switch d {
                case .fixed(let n) where n != t.shape[axis]:
                    throw OnyxError.invalidInput("input '\(info.name)' must have shape \(render(dims)), got \(t.shape) (axis \(axis) is \(t.shape[axis]), expected \(n))")
                case .symbolic(let s):
                    if let (v, other) = bound[s], v != t.shape[axis] {
                        throw OnyxError.invalidInput("dimension '\(s)' is \(v) in input '\(other)' but \(t.shape[axis]) in input '\(info.name)'")
                    }
                    bound[s] = (t.shape[axis], info.name)
                default: break
                }
            }
        }
    }

    static func render(_ dims: [Dim]) -> String { "[" + dims.map(\.description).joined(separator: ", ") + "]" }

    private static func describe(_ info: ValueInfo) -> String {
        var parts: [String] = []
        if let et = info.elementType { parts.append("\(et)") }
        if let s = info.shape { parts.append(render(s)) }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: " ") + ")"
    }
}
