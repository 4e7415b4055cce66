import Foundation
import Testing
@testable import Onyx

/// Each graph pass on its own: what it rewrites, what it must leave alone, and that the
/// rewritten graph computes the same outputs.
@Suite struct OptimizerPassTests {
    static func node(_ op: String, _ inputs: [String], _ outputs: [String], _ attributes: [String: AttributeValue] = [:],
                     name: String = "") -> Node {
        Node(name: name, opType: op, inputs: inputs, outputs: outputs, attributes: attributes, index: 0)
    }

    static func graph(_ nodes: [Node], inputs: [String] = ["x"], outputs: [String] = ["y"],
                      initializers: [String: Tensor] = [:], opset: Int = 13) throws -> Graph {
        var indexed = nodes
        for i in indexed.indices { indexed[i].index = i }
        return try GraphValidator.sorted(Graph(
            nodes: indexed, initializers: initializers,
            inputs: inputs.map { ValueInfo(name: $0, elementType: .float32, shape: nil) },
            outputs: outputs.map { ValueInfo(name: $0, elementType: nil, shape: nil) }, opset: opset))
    }

    /// Runs both graphs on `x` and expects the same outputs.
    static func expectSameOutputs(_ a: Graph, _ b: Graph, _ x: Tensor) throws {
        let ya = try ExecutionPlan(graph: a).execute(["x": x])
        let yb = try ExecutionPlan(graph: b).execute(["x": x])
        for (name, t) in ya {
            let other = try #require(yb[name], "output \(name) missing after the pass")
            #expect(mismatch(other, t) == nil, "output \(name): \(mismatch(other, t) ?? "")")
        }
    }

    static let x = KernelTests.random([2, 3, 6, 6], seed: 3)

    @Test func identityChainsAreRemovedAndOutputNamesKept() throws {
        let g = try Self.graph([
            Self.node("Identity", ["x"], ["a"]), Self.node("Identity", ["a"], ["b"]),
            Self.node("Relu", ["b"], ["c"]), Self.node("Identity", ["c"], ["y"]),
        ])
        let out = try IdentityRemoval.run(g)
        #expect(out.nodes.map(\.opType) == ["Relu", "Identity"], "the Identity producing graph output y stays")
        #expect(out.nodes[0].inputs == ["x"])
        try Self.expectSameOutputs(g, out, Self.x)
    }

    @Test func dropoutWithAReadMaskStays() throws {
        let g = try Self.graph([Self.node("Dropout", ["x"], ["a", "mask"]), Self.node("Relu", ["a"], ["y"])],
                               outputs: ["y", "mask"])
        #expect(try IdentityRemoval.run(g).nodes.map(\.opType) == ["Dropout", "Relu"])
        let unusedMask = try Self.graph([Self.node("Dropout", ["x"], ["a", "mask"]), Self.node("Relu", ["a"], ["y"])])
        #expect(try IdentityRemoval.run(unusedMask).nodes.map(\.opType) == ["Relu"])
    }

    @Test func constantSubgraphsFold() throws {
        let shape = Tensor.int64Vector([2, -1])
        let g = try Self.graph([
            Self.node("Constant", [], ["k"], ["value": .tensor(Tensor.int64Vector([1]))]),
            Self.node("Add", ["s", "k"], ["s2"]),           // constant: folds
            Self.node("Mul", ["s2", "k"], ["target"]),      // constant: folds
            Self.node("Reshape", ["x", "shape"], ["y"]),    // reads a graph input: stays
        ], initializers: ["s": Tensor.int64Vector([4]), "shape": shape])
        let out = try ConstantFolding.run(g)
        #expect(out.nodes.map(\.opType) == ["Reshape"])
        #expect(out.initializers["target"]?.int64s == [5])
        try Self.expectSameOutputs(g, out, Self.x)
    }

    @Test func shapeArithmeticOnAStaticInputFolds() throws {
        // x.view(x.size(0), -1) as exported: Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
        var g = try Self.graph([
            Self.node("Shape", ["x"], ["s"]),
            Self.node("Gather", ["s", "zero"], ["n"], ["axis": .int(0)]),
            Self.node("Unsqueeze", ["n", "axes"], ["n1"]),
            Self.node("Concat", ["n1", "minus1"], ["shape"], ["axis": .int(0)]),
            Self.node("Reshape", ["x", "shape"], ["y"]),
        ], initializers: ["zero": Tensor(scalar: Int64(0)), "axes": Tensor.int64Vector([0]), "minus1": Tensor.int64Vector([-1])])
        g.inputs = [ValueInfo(name: "x", elementType: .float32, shape: [.fixed(2), .fixed(3), .fixed(6), .fixed(6)])]
        let out = try ConstantFolding.run(g)
        #expect(out.nodes.map(\.opType) == ["Reshape"])
        #expect(out.initializers["shape"]?.int64s == [2, -1])
        try Self.expectSameOutputs(g, out, Self.x)
        // With a symbolic batch dim the chain must stay.
        g.inputs = [ValueInfo(name: "x", elementType: .float32, shape: [.symbolic("N"), .fixed(3), .fixed(6), .fixed(6)])]
        #expect(try ConstantFolding.run(g).nodes.count == 5)
    }

    static func convBN(withBias: Bool) throws -> Graph {
        let w = KernelTests.random([4, 3, 3, 3], seed: 7)
        var inits: [String: Tensor] = [
            "w": w, "scale": try Tensor(shape: [4], floats: [1.5, -0.5, 2, 0.25]),
            "beta": try Tensor(shape: [4], floats: [0.1, 0.2, -0.3, 0.4]),
            "mean": try Tensor(shape: [4], floats: [0.5, -1, 0, 2]), "var": try Tensor(shape: [4], floats: [1, 0.5, 2, 0.1]),
        ]
        var convInputs = ["x", "w"]
        if withBias { inits["b"] = try Tensor(shape: [4], floats: [1, 2, 3, 4]); convInputs.append("b") }
        return try graph([
            node("Conv", convInputs, ["c"], ["pads": .ints([1, 1, 1, 1])]),
            node("BatchNormalization", ["c", "scale", "beta", "mean", "var"], ["y"], ["epsilon": .float(1e-3)]),
        ], initializers: inits)
    }

    @Test(arguments: [true, false])
    func batchNormFoldsIntoConv(withBias: Bool) throws {
        let g = try Self.convBN(withBias: withBias)
        let out = try BatchNormFolding.run(g)
        #expect(out.nodes.map(\.opType) == ["Conv"])
        #expect(out.nodes[0].outputs == ["y"])
        try Self.expectSameOutputs(g, out, Self.x)
    }

    /// Weights of 1 MiB or more keep their storage: the Conv multiplies its product by the BN
    /// scale in the epilogue. Checked on each conv path (im2col, 1x1, Winograd on a wide
    /// enough image, and a batch of small images), with a residual and Relu fused after it.
    @Test(arguments: [(3, 1, 6), (1, 1, 6), (3, 1, 16), (3, 1, 4), (3, 2, 9)])
    func largeWeightsTakeTheScaleInTheEpilogue(_ shape: (Int, Int, Int)) throws {
        let (k, stride, size) = shape
        // 256 output channels keep the reduction short (Winograd's float32 error grows with it).
        let m = 256, c = max(1, BatchNormFolding.copyLimit / (m * k * k)) + 3
        let w = KernelTests.random([m, c, k, k], seed: 21)
        let inits: [String: Tensor] = [
            "w": w, "b": KernelTests.random([m], seed: 22),
            "scale": KernelTests.random([m], seed: 23), "beta": KernelTests.random([m], seed: 24),
            "mean": KernelTests.random([m], seed: 25),
            "var": try Tensor(shape: [m], floats: (0..<m).map { 0.5 + Float($0 % 7) * 0.25 }),
        ]
        let pad = k / 2
        let out = (size + 2 * pad - k) / stride + 1
        let g = try Self.graph([
            Self.node("Conv", ["x", "w", "b"], ["c"], ["pads": .ints(Array(repeating: Int64(pad), count: 4)),
                                                       "strides": .ints([Int64(stride), Int64(stride)])]),
            Self.node("BatchNormalization", ["c", "scale", "beta", "mean", "var"], ["n"]),
            Self.node("Add", ["n", "r"], ["s"]),
            Self.node("Relu", ["s"], ["y"]),
        ], inputs: ["x", "r"], initializers: inits)
        let optimized = try GraphOptimizer.optimize(g)
        #expect(optimized.nodes.map(\.opType) == ["Conv"])
        #expect(optimized.nodes[0].inputs[1] == "w", "the model's weights are used as they are")
        #expect(optimized.initializers.values.allSatisfy { $0.count < BatchNormFolding.copyLimit || $0.storage === w.storage })
        guard case .floats(let factors)? = optimized.nodes[0].attributes[FusedAttributes.scale] else {
            Issue.record("no epilogue scale"); return
        }
        #expect(factors.count == m)
        let batch = size == 4 ? 3 : 1
        let x = KernelTests.random([batch, c, size, size], seed: 26), r = KernelTests.random([batch, m, out, out], seed: 27)
        for threads in [1, 2] {
            let want = try ExecutionPlan(graph: g, threads: threads).execute(["x": x, "r": r])["y"]!
            let got = try ExecutionPlan(graph: optimized, threads: threads).execute(["x": x, "r": r])["y"]!
            #expect(mismatch(got, want) == nil, "\(shape) threads \(threads): \(mismatch(got, want) ?? "")")
        }
    }

    @Test func batchNormStaysWhenTheConvOutputIsReadElsewhere() throws {
        var g = try Self.convBN(withBias: true)
        g.nodes.append(Self.node("Relu", ["c"], ["z"]))
        g.outputs.append(ValueInfo(name: "z", elementType: nil, shape: nil))
        #expect(try BatchNormFolding.run(g).nodes.map(\.opType) == ["Conv", "BatchNormalization", "Relu"])
    }

    @Test func residualAddAndActivationFuseIntoConv() throws {
        let w = KernelTests.random([3, 3, 3, 3], seed: 11)
        let g = try Self.graph([
            Self.node("Conv", ["x", "w"], ["c"], ["pads": .ints([1, 1, 1, 1])]),
            Self.node("Add", ["x", "c"], ["s"]),
            Self.node("Relu", ["s"], ["y"]),
        ], initializers: ["w": w])
        let fused = try ActivationFusion.run(ResidualAddFusion.run(g))
        #expect(fused.nodes.count == 1)
        #expect(fused.nodes[0].inputs == ["x", "w", "", "x"])
        if case .string(let act)? = fused.nodes[0].attributes[FusedAttributes.activation] { #expect(act == "Relu") }
        else { Issue.record("no fused activation") }
        try Self.expectSameOutputs(g, fused, Self.x)
    }

    @Test func residualWithAnotherShapeFallsBackToBroadcasting() throws {
        let w = KernelTests.random([3, 3, 3, 3], seed: 13)
        let g = try Self.graph([
            Self.node("Conv", ["x", "w"], ["c"], ["pads": .ints([1, 1, 1, 1])]),
            Self.node("Add", ["c", "bias"], ["y"]),
        ], initializers: ["w": w, "bias": try Tensor(shape: [3, 1, 1], floats: [1, -2, 3])])
        let fused = try ResidualAddFusion.run(g)
        #expect(fused.nodes.count == 1)
        try Self.expectSameOutputs(g, fused, Self.x)
    }

    @Test(arguments: [
        ("Clip", ["min": AttributeValue.float(-0.5), "max": .float(0.5)], 9),
        ("LeakyRelu", ["alpha": AttributeValue.float(0.2)], 13),
    ] as [(String, [String: AttributeValue], Int)])
    func activationsFuseIntoGemm(_ act: (String, [String: AttributeValue], Int)) throws {
        let g = try Self.graph([
            Self.node("Flatten", ["x"], ["f"]),
            Self.node("Gemm", ["f", "w", "b"], ["g"], ["transB": .int(1)]),
            Self.node(act.0, ["g"], ["y"], act.1),
        ], initializers: ["w": KernelTests.random([5, 108], seed: 2), "b": KernelTests.random([5], seed: 4)], opset: act.2)
        let fused = try ActivationFusion.run(g)
        #expect(fused.nodes.map(\.opType) == ["Flatten", "Gemm"])
        try Self.expectSameOutputs(g, fused, Self.x)
    }

    @Test func deadNodesAndTheirInitializersGo() throws {
        let g = try Self.graph([
            Self.node("Relu", ["x"], ["y"]),
            Self.node("Mul", ["x", "unused_w"], ["dead"]),
        ], initializers: ["unused_w": Tensor(scalar: Float(2))])
        let out = try DeadNodeRemoval.run(g)
        #expect(out.nodes.map(\.opType) == ["Relu"])
        #expect(out.initializers["unused_w"] == nil)
    }
}
