import Foundation
import Testing
@testable import Onyx

/// Hostile shapes and attributes found by review: each must end in an OnyxError (at load or
/// at run), never a trap, a hang or an absurd allocation.
@Suite struct RobustnessTests {
    /// Loads `b`, runs it on `feeds`, and returns the error (nil when it ran).
    func outcome(_ b: ModelBuilder, _ feeds: [String: Tensor]) -> OnyxError? {
        do {
            let session = try InferenceSession(model: Model(data: b.build()), options: .init(threads: 2))
            _ = try session.run(feeds)
            return nil
        } catch let e as OnyxError {
            return e
        } catch {
            Issue.record("not an OnyxError: \(error)")
            return nil
        }
    }

    static func single(_ op: String, inputs: [String], ints: [String: [Int64]] = [:], int: [String: Int64] = [:],
                       opset: Int64 = 13) -> ModelBuilder {
        var b = ModelBuilder()
        b.opset = opset
        b.output("y", [nil])
        b.outputs = [("y", 1, [])]
        b.nodes = [.init(op: op, inputs: inputs, outputs: ["y"], name: "n", ints: ints, int: int)]
        return b
    }

    @Test func axisZeroOnScalarsIsAnError() {
        let s = Tensor(scalar: Float(1))
        var concat = Self.single("Concat", inputs: ["a", "b"], int: ["axis": 0])
        concat.inputs = [("a", 1, []), ("b", 1, [])]
        #expect(outcome(concat, ["a": s, "b": s])?.description.contains("out of range") == true)
        var gather = Self.single("Gather", inputs: ["a", "i"])
        gather.inputs = [("a", 1, [])]
        gather.initializer("i", dims: [1], int64s: [0])
        #expect(outcome(gather, ["a": s]) != nil)
        var squeeze = Self.single("Squeeze", inputs: ["a"], ints: ["axes": [0]], opset: 11)
        squeeze.inputs = [("a", 1, [])]
        #expect(outcome(squeeze, ["a": s]) != nil)
    }

    @Test func extremePadsAreAnError() {
        var b = Self.single("Pad", inputs: ["a", "p"], opset: 18)
        b.inputs = [("a", 1, [3])]
        b.initializer("p", dims: [2], int64s: [Int64.min, 0])
        #expect(outcome(b, ["a": try! Tensor(shape: [3], floats: [1, 2, 3])])?.description.contains("implausibly large") == true)
    }

    @Test func zeroDimsDoNotHideHugeOnes() {
        var b = Self.single("Flatten", inputs: ["a"])
        b.inputs = [("a", 1, [nil, nil, nil])]
        let t = try! Tensor(shape: [0, 1 << 40, 1 << 40], floats: [])
        #expect(outcome(b, ["a": t])?.description.contains("too large") == true)
    }

    @Test func hugeResultsFailInsteadOfAllocating() {
        var add = Self.single("Add", inputs: ["a", "b"])
        add.inputs = [("a", 1, [nil, 1]), ("b", 1, [1, nil])]
        let col = try! Tensor(shape: [1 << 20, 1], floats: Array(repeating: 0, count: 1 << 20))
        let row = try! Tensor(shape: [1, 1 << 20], floats: Array(repeating: 0, count: 1 << 20))
        #expect(outcome(add, ["a": col, "b": row])?.description.contains("too large") == true)
    }

    @Test func convGroupOverflowAndEmptyImages() {
        var b = Self.single("Conv", inputs: ["x", "w"], int: ["group": 1 << 62])
        b.inputs = [("x", 1, [1, 4, 1, 1])]
        b.initializer("w", dims: [1, 4, 1, 1], floats: [1, 1, 1, 1])
        #expect(outcome(b, ["x": try! Tensor(shape: [1, 4, 1, 1], floats: [1, 2, 3, 4])]) != nil)
        // Padding around a zero-height image: the output is all padding (zeros), computed
        // without reading the empty input.
        var padded = ModelBuilder()
        padded.inputs = [("x", 1, [1, 1, 0, 4])]
        padded.outputs = [("y", 1, [1, 1, 2, 4])]
        padded.initializer("w", dims: [1, 1, 1, 1], floats: [2])
        padded.nodes = [.init(op: "Conv", inputs: ["x", "w"], outputs: ["y"], ints: ["pads": [1, 0, 1, 0]])]
        let session = try? InferenceSession(model: Model(data: padded.build()), options: .init(threads: 1))
        let y = try? session?.run(["x": try! Tensor(shape: [1, 1, 0, 4], floats: [])])["y"]
        #expect(y?.shape == [1, 1, 2, 4] && y?.floats == Array(repeating: 0, count: 8))
    }

    @Test func poolingWithAbsurdWindowsIsRefused() {
        var b = Self.single("AveragePool", inputs: ["x"], ints: ["kernel_shape": [1 << 24, 1 << 24], "pads": [1 << 23, 1 << 23, 1 << 23, 1 << 23]])
        b.inputs = [("x", 1, [1, 1, 1, 1])]
        #expect(outcome(b, ["x": try! Tensor(shape: [1, 1, 1, 1], floats: [1])]) != nil)
    }

    @Test func wideOneDimensionalPoolingRuns() throws {
        var b = Self.single("MaxPool", inputs: ["x"], ints: ["kernel_shape": [2], "strides": [2]])
        b.inputs = [("x", 1, [1, 1, 3_000_000])]
        let x = try Tensor(shape: [1, 1, 3_000_000], floats: (0..<3_000_000).map { Float($0 % 7) })
        let session = try InferenceSession(model: Model(data: b.build()), options: .init(threads: 1))
        let y = try session.run(["x": x])["y"]!
        #expect(y.shape == [1, 1, 1_500_000])
        #expect(Array(y.floats.prefix(4)) == [1, 3, 5, 6])
    }

    @Test func longIdentityChainsOptimizeInLinearTime() throws {
        var b = ModelBuilder.relu()
        let n = 5000
        b.nodes = (0..<n).map { i in
            .init(op: "Identity", inputs: [i == 0 ? "x" : "v\(i - 1)"], outputs: ["v\(i)"])
        } + [.init(op: "Relu", inputs: ["v\(n - 1)"], outputs: ["y"])]
        let session = try InferenceSession(model: Model(data: b.build()), options: .init(threads: 1))
        #expect(session.graph.nodes.count == 1)
        let y = try session.run(["x": Tensor(shape: [1, 4], floats: [-1, 2, -3, 4])])["y"]!
        #expect(y.floats == [0, 2, 0, 4])
    }
}
