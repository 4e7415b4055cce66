import Foundation
import Onyx

/// Builds the inputs a benchmark feeds: from a backend-test folder, or random with a seed.
public enum InputFactory {
    /// Reads `input_<i>.pb` files from `dir` (a data-set folder, or a case folder holding
    /// `test_data_set_0`), matching by name and else by position.
    public static func load(from dir: String, for inputs: [ValueInfo]) throws -> [String: Tensor] {
        var folder = URL(fileURLWithPath: dir)
        let nested = folder.appendingPathComponent("test_data_set_0")
        if FileManager.default.fileExists(atPath: nested.path) { folder = nested }
        var feeds: [String: Tensor] = [:]
        var i = 0
        while true {
            let url = folder.appendingPathComponent("input_\(i).pb")
            guard FileManager.default.fileExists(atPath: url.path) else { break }
            let (name, tensor) = try Tensor.fromProto(Data(contentsOf: url))
            let target = inputs.contains { $0.name == name } ? name : (i < inputs.count ? inputs[i].name : name)
            feeds[target] = tensor
            i += 1
        }
        if i == 0 { throw OnyxError.io("no input_0.pb in '\(folder.path)'") }
        return feeds
    }

    /// Random inputs: symbolic dims become `batch`, unknown dims 1; floats are uniform in
    /// [-1, 1), integers in [0, 10).
    public static func random(for inputs: [ValueInfo], batch: Int, seed: UInt64) throws -> [String: Tensor] {
        var rng = SplitMix64(seed: seed)
        var feeds: [String: Tensor] = [:]
        for info in inputs {
            let shape = (info.shape ?? []).map { d -> Int in
                switch d {
                case .fixed(let n): return n
                case .symbolic: return batch
                case .unknown: return 1
                }
            }
            let n = shape.reduce(1, *)
            switch info.elementType ?? .float32 {
            case .int64:
                feeds[info.name] = try Tensor(shape: shape, scalars: (0..<n).map { _ in Int64(rng.next() % 10) })
            case .int32:
                feeds[info.name] = try Tensor(shape: shape, scalars: (0..<n).map { _ in Int32(rng.next() % 10) })
            default:
                feeds[info.name] = try Tensor(shape: shape, floats: (0..<n).map { _ in rng.nextUnitFloat() * 2 - 1 })
            }
        }
        return feeds
    }
}

/// A small, fast, seedable generator (SplitMix64), so inputs are reproducible.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUnitFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }
}
