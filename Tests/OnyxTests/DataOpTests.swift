import Foundation
import Testing
@testable import Onyx

/// Slice, Split, Cast and the Reduce ops on inputs the ONNX node tests do not cover:
/// bad arguments end in an error naming what is wrong, and the edge semantics hold.
@Suite struct DataOpTests {
    func run(_ b: ModelBuilder, _ feeds: [String: Tensor]) throws -> Tensor {
        let session = try InferenceSession(model: Model(data: b.build()), options: .init(threads: 1))
        return try #require(session.run(feeds)["y"])
    }

    func error(_ b: ModelBuilder, _ feeds: [String: Tensor]) -> String {
        do { _ = try run(b, feeds); return "no error" } catch { return "\(error)" }
    }

    let x = try! Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])

    func slice(starts: [Int64], ends: [Int64], axes: [Int64], steps: [Int64]) -> ModelBuilder {
        var b = RobustnessTests.single("Slice", inputs: ["x", "s", "e", "a", "t"])
        b.inputs = [("x", 1, [2, 3])]
        b.initializer("s", dims: [Int64(starts.count)], int64s: starts)
        b.initializer("e", dims: [Int64(ends.count)], int64s: ends)
        b.initializer("a", dims: [Int64(axes.count)], int64s: axes)
        b.initializer("t", dims: [Int64(steps.count)], int64s: steps)
        return b
    }

    @Test func sliceClampsExtremeBoundsAndWalksBackwards() throws {
        let all = try run(slice(starts: [Int64.min], ends: [Int64.max], axes: [1], steps: [1]), ["x": x])
        #expect(all.shape == [2, 3] && all.floats == [1, 2, 3, 4, 5, 6])
        let reversed = try run(slice(starts: [Int64.max, Int64.max], ends: [Int64.min, Int64.min], axes: [0, -1], steps: [-1, -2]), ["x": x])
        #expect(reversed.shape == [2, 2] && reversed.floats == [6, 4, 3, 1])
        let empty = try run(slice(starts: [2], ends: [1], axes: [1], steps: [1]), ["x": x])
        #expect(empty.shape == [2, 0])
        let hugeSteps = try run(slice(starts: [1, 2], ends: [Int64.max, Int64.min], axes: [0, 1], steps: [Int64.max, Int64.min]), ["x": x])
        #expect(hugeSteps.shape == [1, 1] && hugeSteps.floats == [6])
    }

    @Test func sliceRejectsZeroStepsRepeatedAxesAndMismatchedLengths() {
        #expect(error(slice(starts: [0], ends: [1], axes: [1], steps: [0]), ["x": x]).contains("steps[0] is 0"))
        #expect(error(slice(starts: [0, 0], ends: [1, 1], axes: [1, -1], steps: [1, 1]), ["x": x]).contains("repeat axis 1"))
        #expect(error(slice(starts: [0, 0], ends: [1], axes: [1], steps: [1]), ["x": x]).contains("same length"))
        #expect(error(slice(starts: [0], ends: [1], axes: [2], steps: [1]), ["x": x]).contains("out of range"))
    }

    @Test func splitSizesMustCoverTheAxis() throws {
        var b = RobustnessTests.single("Split", inputs: ["x", "sizes"], int: ["axis": 1])
        b.nodes[0].outputs = ["y", "z"]
        b.inputs = [("x", 1, [2, 3])]
        b.initializer("sizes", dims: [2], int64s: [1, 1])
        #expect(error(b, ["x": x]).contains("summing to axis 1's size 3"))
        b.initializers = []
        b.initializer("sizes", dims: [2], int64s: [Int64.max, Int64.max]) // must not overflow the sum
        #expect(error(b, ["x": x]).contains("summing to axis 1's size 3"))
        b.initializers = []
        b.initializer("sizes", dims: [2], int64s: [2, 1])
        let first = try run(b, ["x": x])
        #expect(first.shape == [2, 2] && first.floats == [1, 2, 4, 5])
        var equal = RobustnessTests.single("Split", inputs: ["x"], int: ["axis": 1])
        equal.nodes[0].outputs = ["y", "z"]
        equal.inputs = [("x", 1, [2, 3])]
        #expect(error(equal, ["x": x]).contains("does not split into 2 equal parts"))
    }

    @Test func castTruncatesSaturatesAndWraps() throws {
        var toInt = RobustnessTests.single("Cast", inputs: ["x"], int: ["to": 6]) // int32
        toInt.inputs = [("x", 1, [6])]
        let f = try Tensor(shape: [6], floats: [2.9, -2.9, .nan, .infinity, -1e20, 3e9])
        #expect(try run(toInt, ["x": f]).scalars(as: Int32.self) == [2, -2, 0, .max, .min, .max])
        var narrow = RobustnessTests.single("Cast", inputs: ["x"], int: ["to": 3]) // int8
        narrow.inputs = [("x", 7, [3])]
        let wide = try Tensor(shape: [3], scalars: [Int64(300), -129, 5])
        #expect(try run(narrow, ["x": wide]).scalars(as: Int8.self) == [44, 127, 5])
        var toBool = RobustnessTests.single("Cast", inputs: ["x"], int: ["to": 9])
        toBool.inputs = [("x", 1, [3])]
        let b = try run(toBool, ["x": try Tensor(shape: [3], floats: [0, -0.5, .nan])])
        #expect(b.elementType == .bool && b.int64s == [0, 1, 1])
        var half = RobustnessTests.single("Cast", inputs: ["x"], int: ["to": 10])
        half.inputs = [("x", 1, [3])]
        #expect(error(half, [:]).contains("casting to float16 is not supported"))
    }

    @Test func reduceRejectsRepeatedAxesAndHandlesEmptySets() throws {
        var b = RobustnessTests.single("ReduceSum", inputs: ["x", "axes"])
        b.inputs = [("x", 1, [2, 3])]
        b.initializer("axes", dims: [2], int64s: [1, -1])
        #expect(error(b, ["x": x]).contains("repeat an axis"))
        var mean = RobustnessTests.single("ReduceMean", inputs: ["x"], ints: ["axes": [0, 1]], int: ["keepdims": 0])
        mean.inputs = [("x", 1, [2, 3])]
        let m = try run(mean, ["x": x])
        #expect(m.shape == [] && m.floats == [3.5])
        var max = RobustnessTests.single("ReduceMax", inputs: ["x"], ints: ["axes": [1]])
        max.inputs = [("x", 1, [2, 0])]
        let r = try run(max, ["x": try Tensor(shape: [2, 0], floats: [])])
        #expect(r.shape == [2, 1] && r.floats == [-.infinity, -.infinity])
    }

    @Test func rangeTileExpandAndArgMaxRefuseBadArguments() throws {
        func range(_ start: Int64, _ limit: Int64, _ delta: Int64) -> ModelBuilder {
            var b = RobustnessTests.single("Range", inputs: ["s", "l", "d"])
            b.initializer("s", dims: [], int64s: [start])
            b.initializer("l", dims: [], int64s: [limit])
            b.initializer("d", dims: [], int64s: [delta])
            return b
        }
        #expect(error(range(0, 10, 0), [:]).contains("delta is 0"))
        #expect(error(range(0, Int64.max, 1), [:]).contains("too many values"))
        #expect(try run(range(10, 0, -3), [:]).int64s == [10, 7, 4, 1])
        var tile = RobustnessTests.single("Tile", inputs: ["x", "r"])
        tile.inputs = [("x", 1, [2, 3])]
        tile.initializer("r", dims: [2], int64s: [2, -1])
        #expect(error(tile, ["x": x]).contains("non-negative"))
        tile.initializers = []
        tile.initializer("r", dims: [2], int64s: [1, 2])
        #expect(try run(tile, ["x": x]).floats == [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6])
        var expand = RobustnessTests.single("Expand", inputs: ["x", "s"])
        expand.inputs = [("x", 1, [2, 3])]
        expand.initializer("s", dims: [2], int64s: [4, 3])
        #expect(error(expand, ["x": x]).contains("cannot be broadcast"))
        var argmax = RobustnessTests.single("ArgMax", inputs: ["x"], int: ["axis": 1])
        argmax.inputs = [("x", 1, [2, 0])]
        #expect(error(argmax, ["x": try Tensor(shape: [2, 0], floats: [])]).contains("is empty"))
    }

    @Test func predicatesAndSignCheckTypes() throws {
        let ints = try Tensor(shape: [3], scalars: [Int64(-5), 0, 7])
        var isNaN = RobustnessTests.single("IsNaN", inputs: ["x"])
        isNaN.inputs = [("x", 7, [3])]
        #expect(error(isNaN, ["x": ints]).contains("takes a float or double input, got int64"))
        var sign = RobustnessTests.single("Sign", inputs: ["x"])
        sign.inputs = [("x", 7, [3])]
        #expect(try run(sign, ["x": ints]).int64s == [-1, 0, 1])
        sign.inputs = [("x", 9, [2])]
        let flags = try CastOps.convert(Tensor(shape: [2], floats: [1, 0]), to: .bool)
        #expect(error(sign, ["x": flags]).contains("Sign does not support bool"))
    }

    @Test func indexOpsRefuseBadIndicesAndArguments() throws {
        var gather = RobustnessTests.single("GatherElements", inputs: ["x", "i"], int: ["axis": 1])
        gather.inputs = [("x", 1, [2, 3])]
        gather.initializer("i", dims: [2, 1], int64s: [0, 3])
        #expect(error(gather, ["x": x]).contains("index 3 at [1, 0] is out of range for axis 1 of size 3"))
        var topk = RobustnessTests.single("TopK", inputs: ["x", "k"])
        topk.inputs = [("x", 1, [2, 3])]
        topk.initializer("k", dims: [1], int64s: [4])
        #expect(error(topk, ["x": x]).contains("k = 4 is outside 0...3"))
        var oneHot = RobustnessTests.single("OneHot", inputs: ["i", "d", "v"], opset: 11)
        oneHot.initializer("i", dims: [2], int64s: [0, 1])
        oneHot.initializer("d", dims: [], int64s: [0])
        oneHot.initializer("v", dims: [2], int64s: [0, 1])
        #expect(error(oneHot, [:]).contains("depth must be at least 1"))
        var mod = RobustnessTests.single("Mod", inputs: ["a", "b"])
        mod.inputs = [("a", 1, [2, 3]), ("b", 1, [2, 3])]
        #expect(error(mod, ["a": x, "b": x]).contains("needs fmod = 1 before opset 28"))
        mod.inputs = [("a", 7, [2]), ("b", 7, [2])]
        let ints = try Tensor(shape: [2], scalars: [Int64(5), 6])
        #expect(error(mod, ["a": ints, "b": try Tensor(shape: [2], scalars: [Int64(2), 0])]).contains("modulo by zero"))
    }

    @Test func quantizeErrorsNameTheMismatch() throws {
        // A per-axis scale whose length is not the axis's size.
        var q = RobustnessTests.single("QuantizeLinear", inputs: ["x", "s"], int: ["axis": 1])
        q.inputs = [("x", 1, [2, 3])]
        q.initializer("s", dims: [2], floats: [0.1, 0.2])
        #expect(error(q, ["x": x]).contains("scale shape [2] is neither one value nor one per index of axis 1 (size 3)"))
        // A blocked scale that does not cover the axis in blocks.
        var blocked = RobustnessTests.single("QuantizeLinear", inputs: ["x", "s"], int: ["axis": 1, "block_size": 2], opset: 21)
        blocked.inputs = [("x", 1, [2, 3])]
        blocked.initializer("s", dims: [2, 1], floats: [0.1, 0.2])
        #expect(error(blocked, ["x": x]).contains("does not block data [2, 3] along axis 1 in blocks of 2 (expected [2, 2])"))
        // A blocked scale of lower rank than the data (found in review: it indexed past the shape).
        var lowRank = RobustnessTests.single("DequantizeLinear", inputs: ["x", "s"], int: ["axis": 1, "block_size": 4], opset: 21)
        lowRank.inputs = [("x", 2, [2, 3])]
        lowRank.initializer("s", dims: [2], floats: [0.5, 0.25])
        let bytes = try Tensor(shape: [2, 3], scalars: [UInt8(1), 2, 3, 4, 5, 6])
        #expect(error(lowRank, ["x": bytes]).contains("scale shape [2] does not block data [2, 3]"))
        var lowRankQ = RobustnessTests.single("QuantizeLinear", inputs: ["x", "s"], int: ["axis": 1, "block_size": 4], opset: 21)
        lowRankQ.inputs = [("x", 1, [2, 3])]
        lowRankQ.initializer("s", dims: [2], floats: [0.5, 0.25])
        #expect(error(lowRankQ, ["x": x]).contains("scale shape [2] does not block data [2, 3]"))
        // An output type Onyx does not quantize to (float8e4m3fn) is refused at load.
        var f8 = RobustnessTests.single("QuantizeLinear", inputs: ["x", "s"], int: ["output_dtype": 17], opset: 21)
        f8.inputs = [("x", 1, [2, 3])]
        f8.initializer("s", dims: [], floats: [0.1])
        let f8Error = error(f8, ["x": x])
        #expect(f8Error.contains("output_dtype") && f8Error.contains("data type 17"), "\(f8Error)")
        // Dequantizing a float tensor.
        var dq = RobustnessTests.single("DequantizeLinear", inputs: ["x", "s"])
        dq.inputs = [("x", 1, [2, 3])]
        dq.initializer("s", dims: [], floats: [0.5])
        #expect(error(dq, ["x": x]).contains("x must be uint8, int8, uint16, int16 or int32, got float32"))
        // A zero point of another type than the data.
        var zp = RobustnessTests.single("DequantizeLinear", inputs: ["x", "s", "z"])
        zp.inputs = [("x", 7, [2])]
        zp.initializer("s", dims: [], floats: [0.5])
        zp.initializer("z", dims: [], floats: [0])
        #expect(error(zp, ["x": try Tensor(shape: [2], scalars: [Int64(1), 2])]).contains("x must be"))
    }

    /// Zero-size operands may carry huge sizes beside the zero (found in review: Einsum
    /// multiplied the label sizes with trapping arithmetic).
    @Test func einsumOverZeroSizeOperandsDoesNotOverflow() throws {
        let big = try Tensor(shape: [1 << 30, 0], floats: [])
        func plan(_ equation: String) throws -> ExecutionPlan {
            try ExecutionPlan(graph: OptimizerPassTests.graph(
                [OptimizerPassTests.node("Einsum", ["a", "b", "c"], ["y"], ["equation": .string(equation)])],
                inputs: ["a", "b", "c"]))
        }
        let sum = try #require(try plan("az,by,cx->").execute(["a": big, "b": big, "c": big])["y"])
        #expect(sum.shape == [] && sum.floats == [0])
        #expect(throws: (any Error).self) { try plan("az,by,cx->abcxyz").execute(["a": big, "b": big, "c": big]) }
    }

    @Test func scatterAndGatherNDRefuseIndicesOutsideTheData() throws {
        var scatter = RobustnessTests.single("ScatterND", inputs: ["x", "i", "u"])
        scatter.inputs = [("x", 1, [2, 3]), ("u", 1, [1, 3])]
        scatter.initializer("i", dims: [1, 1], int64s: [2])
        let row = try Tensor(shape: [1, 3], floats: [7, 8, 9])
        #expect(error(scatter, ["x": x, "u": row]).contains("index 2 of tuple 0 is out of range for dim 0 of size 2"))
        scatter.initializers = []
        scatter.initializer("i", dims: [1, 1], int64s: [-2])
        #expect(try run(scatter, ["x": x, "u": row]).floats == [7, 8, 9, 4, 5, 6])
        scatter.inputs = [("x", 1, [2, 3]), ("u", 1, [3])]
        #expect(error(scatter, ["x": x, "u": try Tensor(shape: [3], floats: [1, 2, 3])]).contains("must have shape [1, 3]"))
        var gather = RobustnessTests.single("GatherND", inputs: ["x", "i"])
        gather.inputs = [("x", 1, [2, 3])]
        gather.initializer("i", dims: [1, 3], int64s: [0, 0, 0])
        #expect(error(gather, ["x": x]).contains("tuples of length 3"))
    }

    @Test func groupNormalizationChecksGroupsAndParameters() throws {
        var norm = RobustnessTests.single("GroupNormalization", inputs: ["x", "s", "b"], int: ["num_groups": 4], opset: 21)
        norm.inputs = [("x", 1, [1, 6, 2])]
        norm.initializer("s", dims: [6], floats: [Float](repeating: 1, count: 6))
        norm.initializer("b", dims: [6], floats: [Float](repeating: 0, count: 6))
        let x = try Tensor(shape: [1, 6, 2], floats: (0..<12).map(Float.init))
        #expect(error(norm, ["x": x]).contains("6 channels do not split into 4 groups"))
        norm.nodes[0].int["num_groups"] = 3
        norm.initializers = []
        norm.initializer("s", dims: [3], floats: [1, 1, 1])
        norm.initializer("b", dims: [6], floats: [Float](repeating: 0, count: 6))
        #expect(error(norm, ["x": x]).contains("scale has shape [3], expected 6 values (one per channel)"))
        // Opset 18: one scale and bias per group. Each group of two channels holds 4 values
        // a, a+1, a+2, a+3: normalized to (-1.5, -0.5, 0.5, 1.5) / sqrt(1.25 + eps).
        norm.opset = 18
        norm.initializers = []
        norm.initializer("s", dims: [3], floats: [1, 1, 1])
        norm.initializer("b", dims: [3], floats: [0, 0, 0])
        let y = try run(norm, ["x": x]).floats
        let expected = (0..<12).map { Float((Double($0 % 4) - 1.5) / (1.25 + 1e-5).squareRoot()) }
        #expect(zip(y, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(y)")
    }

    @Test func whereAndComparisonsCheckTypes() throws {
        var w = RobustnessTests.single("Where", inputs: ["c", "a", "b"])
        w.inputs = [("c", 9, [2]), ("a", 1, [2]), ("b", 7, [2])]
        let cond = try CastOps.convert(Tensor(shape: [2], floats: [1, 0]), to: .bool)
        let ints = try Tensor(shape: [2], scalars: [Int64(5), 6])
        #expect(error(w, ["c": cond, "a": try Tensor(shape: [2], floats: [1, 2]), "b": ints]).contains("X is float32 but Y is int64"))
        var less = RobustnessTests.single("Less", inputs: ["a", "b"])
        less.inputs = [("a", 9, [2]), ("b", 9, [2])]
        #expect(error(less, ["a": cond, "b": cond]).contains("does not take bool inputs"))
    }

    @Test func resizeAndConvTransposeRefuseWhatTheyCannotDo() throws {
        let image = try Tensor(shape: [1, 1, 2, 2], floats: [1, 2, 3, 4])
        var anti = RobustnessTests.single("Resize", inputs: ["x", "", "s"], int: ["antialias": 1], opset: 18)
        anti.inputs = [("x", 1, [1, 1, 2, 2])]
        anti.initializer("s", dims: [4], floats: [1, 1, 2, 2])
        #expect(error(anti, ["x": image]).contains("antialias"))
        var both = RobustnessTests.single("Resize", inputs: ["x", "", "s", "z"])
        both.inputs = [("x", 1, [1, 1, 2, 2])]
        both.initializer("s", dims: [4], floats: [1, 1, 2, 2])
        both.initializer("z", dims: [4], int64s: [1, 1, 4, 4])
        #expect(error(both, ["x": image]).contains("not both"))
        var huge = RobustnessTests.single("Resize", inputs: ["x", "", "s"])
        huge.inputs = [("x", 1, [1, 1, 2, 2])]
        huge.initializer("s", dims: [4], floats: [1, 1, 1e30, 1e30])
        #expect(error(huge, ["x": image]).contains("too large"))
        var nearest = RobustnessTests.single("Resize", inputs: ["x", "", "s"])
        nearest.inputs = [("x", 1, [1, 1, 2, 2])]
        nearest.initializer("s", dims: [4], floats: [1, 1, 1, 2])
        #expect(try run(nearest, ["x": image]).floats == [1, 1, 2, 2, 3, 3, 4, 4])
        var ct = RobustnessTests.single("ConvTranspose", inputs: ["x", "w"])
        ct.inputs = [("x", 1, [1, 1, 2, 2])]
        ct.initializer("w", dims: [2, 1, 2, 2], floats: [Float](repeating: 1, count: 8))
        #expect(error(ct, ["x": image]).contains("needs 1 input channels"))
        ct.initializers = []
        ct.initializer("w", dims: [1, 1, 2, 2], floats: [1, 1, 1, 1])
        // Stride 1, 2x2 ones: each output sums the inputs whose window covers it.
        #expect(try run(ct, ["x": image]).floats == [1, 3, 2, 4, 10, 6, 3, 7, 4])
    }
}
