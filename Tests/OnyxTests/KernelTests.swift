import Foundation
import Testing
@testable import Onyx

/// The fast kernels against the plain reference loops on awkward sizes.
@Suite struct KernelTests {
    struct ConvCase: CustomStringConvertible, Sendable {
        var c: Int, m: Int, h: Int, w: Int, k: Int, stride: Int, pad: [Int], group: Int
        var description: String { "C\(c) M\(m) \(h)x\(w) k\(k) s\(stride) pads\(pad) g\(group)" }
    }

    static func random(_ shape: [Int], seed: Int) -> Tensor {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        let values = (0..<shape.reduce(1, *)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) % 2001 - 1000) / 1000
        }
        return try! Tensor(shape: shape, floats: values)
    }

    static func conv(_ t: ConvCase, winograd: Bool) throws -> (fast: Tensor, reference: Tensor) {
        let x = random([2, t.c, t.h, t.w], seed: t.c * 31 + t.h)
        let w = random([t.m, t.c / t.group, t.k, t.k], seed: t.m * 17 + t.k)
        let b = random([t.m], seed: 5)
        var node = Node(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["y"], attributes: [:], index: 0)
        node.attributes = ["pads": .ints(t.pad.map(Int64.init)), "strides": .ints([Int64(t.stride), Int64(t.stride)]),
                           "group": .int(Int64(t.group))]
        let ctx = OpContext(node: node, opset: 13, constants: [:])
        let attrs = try WindowAttributes(ctx, kernelRequired: false)
        let p = try ConvProblem(x: x, w: w, bias: b, window: attrs, group: t.group)
        // Two threads, so the per-thread channel split is exercised too.
        let fast = try ConvOp.run(p, x: x, w: w, bias: b, residual: nil, epilogue: .none,
                              winograd: winograd ? WinogradConv.Weights(w) : nil, threads: 2)
        return (fast, ReferenceKernels.conv2D(x: x, w: w, bias: b, group: t.group, geometry: p.window))
    }

    static let winogradCases: [ConvCase] = [
        .init(c: 8, m: 8, h: 4, w: 4, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1),
        .init(c: 9, m: 13, h: 7, w: 9, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1),
        .init(c: 17, m: 8, h: 13, w: 5, k: 3, stride: 1, pad: [0, 0, 0, 0], group: 1),
        .init(c: 16, m: 127, h: 17, w: 17, k: 3, stride: 1, pad: [2, 0, 1, 2], group: 1),
        .init(c: 1, m: 1, h: 6, w: 6, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1),
    ]

    @Test(arguments: winogradCases)
    func winogradMatchesReference(_ t: ConvCase) throws {
        let (fast, reference) = try Self.conv(t, winograd: true)
        #expect(mismatch(fast, reference) == nil, "\(t): \(mismatch(fast, reference) ?? "")")
    }

    static let depthwiseCases: [ConvCase] = [
        .init(c: 1, m: 1, h: 1, w: 1, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1),
        .init(c: 7, m: 7, h: 9, w: 9, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 7),
        .init(c: 8, m: 8, h: 14, w: 14, k: 3, stride: 2, pad: [1, 1, 1, 1], group: 8),
        .init(c: 9, m: 18, h: 7, w: 23, k: 3, stride: 2, pad: [0, 1, 1, 0], group: 9),
        .init(c: 127, m: 127, h: 5, w: 17, k: 3, stride: 1, pad: [0, 0, 0, 0], group: 127),
        .init(c: 6, m: 6, h: 11, w: 8, k: 5, stride: 1, pad: [2, 2, 2, 2], group: 6),
        .init(c: 4, m: 4, h: 12, w: 31, k: 3, stride: 3, pad: [1, 1, 1, 1], group: 4),
    ]

    @Test(arguments: depthwiseCases)
    func depthwiseMatchesReference(_ t: ConvCase) throws {
        let (fast, reference) = try Self.conv(t, winograd: false)
        #expect(mismatch(fast, reference) == nil, "\(t): \(mismatch(fast, reference) ?? "")")
    }

    static let im2colCases: [ConvCase] = [
        .init(c: 3, m: 8, h: 9, w: 7, k: 7, stride: 2, pad: [3, 3, 3, 3], group: 1),
        .init(c: 8, m: 9, h: 8, w: 8, k: 1, stride: 1, pad: [0, 0, 0, 0], group: 1),
        .init(c: 8, m: 4, h: 8, w: 8, k: 1, stride: 2, pad: [0, 0, 0, 0], group: 2),
        .init(c: 12, m: 6, h: 10, w: 6, k: 3, stride: 2, pad: [1, 0, 2, 1], group: 3),
        // Several pixel blocks per image, with block edges in the middle of output rows.
        .init(c: 64, m: 9, h: 20, w: 20, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1),
        .init(c: 64, m: 7, h: 41, w: 41, k: 3, stride: 2, pad: [1, 0, 0, 1], group: 1),
        .init(c: 64, m: 5, h: 40, w: 37, k: 1, stride: 1, pad: [0, 0, 0, 0], group: 1),
    ]

    @Test(arguments: im2colCases)
    func im2colMatchesReference(_ t: ConvCase) throws {
        let (fast, reference) = try Self.conv(t, winograd: false)
        #expect(mismatch(fast, reference) == nil, "\(t): \(mismatch(fast, reference) ?? "")")
    }

    @Test(arguments: [(7, 7, 3, 2, 1), (8, 9, 2, 2, 0), (112, 112, 3, 2, 1), (5, 13, 3, 1, 1), (1, 1, 1, 1, 0), (9, 9, 5, 3, 2)])
    func maxPoolMatchesReference(_ size: (Int, Int, Int, Int, Int)) throws {
        let (h, w, k, s, pad) = size
        let x = Self.random([1, 3, h, w], seed: h * w)
        let geo = try WindowGeometry.resolve(input: [h, w], kernel: [k, k], strides: [s, s], dilations: [1, 1],
                                             pads: [pad, pad, pad, pad], autoPad: .notSet, ceilMode: true)
        let (fast, _) = try PoolingOps.pool2D(x, geo, kind: .max, includePad: false, indices: false, columnMajor: false, threads: 2)
        let reference = ReferenceKernels.maxPool2D(x: x, geometry: geo)
        #expect(fast.floats == reference.floats, "\(size)")
    }
}
