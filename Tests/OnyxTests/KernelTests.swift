import COnyxKernels
import Foundation
import Testing
@testable import Onyx

/// The fast kernels against the plain reference loops on awkward sizes.
@Suite struct KernelTests {
    struct ConvCase: CustomStringConvertible, Sendable {
        var c: Int, m: Int, h: Int, w: Int, k: Int, stride: Int, pad: [Int], group: Int
        var n = 2
        var description: String { "N\(n) C\(c) M\(m) \(h)x\(w) k\(k) s\(stride) pads\(pad) g\(group)" }
    }

    static func random(_ shape: [Int], seed: Int) -> Tensor {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        let values = (0..<shape.reduce(1, *)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) % 2001 - 1000) / 1000
        }
        return try! Tensor(shape: shape, floats: values)
    }

    static func conv(_ t: ConvCase, winograd: Bool, narrow: Bool = false) throws -> (fast: Tensor, reference: Tensor) {
        let x = random([t.n, t.c, t.h, t.w], seed: t.c * 31 + t.h)
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
                              winograd: winograd ? WinogradConv.Weights(w) : nil,
                              narrow: narrow ? PackedWeights(w, layout: .narrow) : nil, threads: 2)
        return (fast, ReferenceKernels.conv2D(x: x, w: w, bias: b, group: t.group, geometry: p.window))
    }

    static let winogradCases: [ConvCase] = [
        .init(c: 8, m: 8, h: 4, w: 4, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1),
        .init(c: 9, m: 13, h: 7, w: 9, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1),
        .init(c: 17, m: 8, h: 13, w: 5, k: 3, stride: 1, pad: [0, 0, 0, 0], group: 1),
        .init(c: 16, m: 127, h: 17, w: 17, k: 3, stride: 1, pad: [2, 0, 1, 2], group: 1),
        .init(c: 1, m: 1, h: 6, w: 6, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1),
        // 56 tiles: the OpenBLAS products (the cases above use the packed GEMM).
        .init(c: 5, m: 19, h: 30, w: 26, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1),
        // 400 input channels: the packed GEMM's k loop runs in two blocks.
        .init(c: 400, m: 20, h: 6, w: 7, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1),
        // 49 tiles, OpenBLAS products, 210 output channels split between the threads. Winograd's
        // float32 error grows with the input channels summed (C = 200: max error 7e-4 at outputs
        // up to 62, beyond the elementwise tolerance where outputs cancel to near 0; im2col: 9e-5).
        .init(c: 24, m: 210, h: 26, w: 26, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1),
        // Three images, ragged last tile column and row, 200 output channels.
        .init(c: 64, m: 200, h: 19, w: 30, k: 3, stride: 1, pad: [1, 0, 0, 1], group: 1, n: 3),
        // Tile rows of 18 and 33 tiles: the AVX-512 input transform's second group of 16 tiles
        // in a row (ragged), with wide and lopsided padding.
        .init(c: 3, m: 5, h: 9, w: 70, k: 3, stride: 1, pad: [2, 1, 1, 3], group: 1),
        .init(c: 2, m: 4, h: 5, w: 130, k: 3, stride: 1, pad: [0, 2, 2, 0], group: 1, n: 1),
    ]

    /// Every micro-kernel this CPU can run (the others are skipped, and say so).
    @Test(arguments: ["portable", "avx2", "avx512"])
    func packedGemmMatchesNaiveProduct(_ isa: String) throws {
        // The micro-kernels read whole MR-row panels of packed A: probe with a packed 1x1 A.
        let a = [Float](repeating: 1, count: Int(onyx_gemm_packed_a_floats(1, 1))), b: [Float] = [1]
        var c: [Float] = [0]
        guard onyx_gemm_packed_isa_run(isa, 1, 1, 1, a, b, 1, &c, 1, 0, 1) != 0 else {
            print("packed GEMM: \(isa) kernel skipped: this CPU lacks it")
            return
        }
        for size in [(1, 1, 1), (16, 16, 16), (37, 45, 800), (5, 17, 3), (33, 190, 64)] {
            try Self.checkPackedGemm(size, isa: isa)
        }
    }

    static func checkPackedGemm(_ size: (Int, Int, Int), isa: String) throws {
        let (m, n, k) = size
        let a = Self.random([m, k], seed: m + 3).floats, b = Self.random([k, n], seed: n + 7).floats
        let ldb = n + 3, ldc = n + 5   // row strides wider than the rows
        var bStrided = [Float](repeating: .nan, count: k * ldb)
        for r in 0..<k { for j in 0..<n { bStrided[r * ldb + j] = b[r * n + j] } }
        var packed = [Float](repeating: .nan, count: Int(onyx_gemm_packed_a_floats(Int64(m), Int64(k))))
        onyx_gemm_pack_a(a, Int64(k), Int64(m), Int64(k), &packed)
        var c = [Float](repeating: -7, count: m * ldc)
        let panels = Int64((n + Int(ONYX_GEMM_NR) - 1) / Int(ONYX_GEMM_NR))
        #expect(onyx_gemm_packed_isa_run(isa, Int64(m), Int64(n), Int64(k), packed, bStrided, Int64(ldb), &c, Int64(ldc), 0, panels) == 1)
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for r in 0..<k { sum += Double(a[i * k + r]) * Double(b[r * n + j]) }
                worst = max(worst, abs(Double(c[i * ldc + j]) - sum) / (1 + abs(sum)))
            }
            for j in n..<ldc { #expect(c[i * ldc + j] == -7, "column \(j) past n was written") }
        }
        #expect(worst < 1e-5, "\(m)x\(n)x\(k) (\(isa)): relative error \(worst)")
    }

    /// The polynomial exp against Double: long and short rows, strided rows, values that
    /// underflow, -inf and NaN.
    @Test(arguments: [false, true])
    func softmaxMatchesDoubleReference(_ log: Bool) throws {
        for (outer, len, inner) in [(3, 1, 1), (2, 7, 1), (4, 1000, 1), (2, 33, 5), (1, 3, 17)] {
            var x = Self.random([outer * len * inner], seed: len + inner).floats.map { $0 * 100 }
            x[0] = -.infinity
            if x.count > 9 { x[9] = 80; x[x.count - 1] = -120 }
            var y = [Float](repeating: 0, count: x.count)
            #expect(onyx_softmax_f32(x, &y, Int64(outer), Int64(len), Int64(inner), log ? 1 : 0) == 1)
            for o in 0..<outer { for i in 0..<inner {
                let idx = (0..<len).map { o * len * inner + $0 * inner + i }
                let m = idx.map { Double(x[$0]) }.max()!
                let sum = idx.map { Foundation.exp(Double(x[$0]) - m) }.reduce(0, +)
                for k in idx {
                    let want = log ? Double(x[k]) - m - Foundation.log(sum) : Foundation.exp(Double(x[k]) - m) / sum
                    let got = Double(y[k])
                    let ok = want.isNaN ? got.isNaN                     // a lone -inf: -inf - -inf
                        : want.isInfinite ? got == want : abs(got - want) <= 1e-6 + 1e-5 * abs(want)
                    #expect(ok, "\(log ? "log" : "")softmax \(outer)x\(len)x\(inner) at \(k): \(got) vs \(want)")
                }
            } }
        }
        var nan: [Float] = [1, .nan, 2], out = [Float](repeating: 0, count: 3)
        _ = onyx_softmax_f32(&nan, &out, 1, 3, 1, log ? 1 : 0)
        #expect(out.allSatisfy { $0.isNaN }, "a NaN input makes its row NaN, as onnxruntime does")
    }

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
        // Stride 2 over rows wider than one 16-float piece, odd widths, no padding.
        .init(c: 5, m: 5, h: 33, w: 57, k: 3, stride: 2, pad: [1, 1, 1, 1], group: 5),
        .init(c: 3, m: 6, h: 8, w: 40, k: 3, stride: 2, pad: [0, 0, 0, 0], group: 3),
        // Planes big enough for the channels to be split between the two threads.
        .init(c: 64, m: 64, h: 48, w: 48, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 64),
        // Rows of 100 and 50 outputs (AVX-512: a group of four vectors, then three, the last
        // one ragged), lopsided pads; rows of 7 and 8 outputs stay with the AVX2 kernel.
        .init(c: 3, m: 3, h: 5, w: 100, k: 3, stride: 1, pad: [0, 1, 2, 1], group: 3),
        .init(c: 2, m: 4, h: 9, w: 100, k: 3, stride: 2, pad: [1, 0, 1, 1], group: 2),
        .init(c: 4, m: 4, h: 8, w: 8, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 4),
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
        // One image: blocks of pixels. Batches of small images: blocks of whole images, the
        // last one short (3 per block for 7 images), with groups and split output channels.
        .init(c: 12, m: 6, h: 10, w: 6, k: 3, stride: 2, pad: [1, 0, 2, 1], group: 3, n: 1),
        .init(c: 6, m: 16, h: 14, w: 14, k: 5, stride: 1, pad: [0, 0, 0, 0], group: 1, n: 7),
        .init(c: 6, m: 40, h: 9, w: 9, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 2, n: 5),
        .init(c: 32, m: 48, h: 7, w: 7, k: 1, stride: 1, pad: [0, 0, 0, 0], group: 1, n: 3),
        // Output rows of 36 and 66 pixels (three and five 16-lane pieces for the AVX-512
        // im2col), stride-2 loads running past the row's end, lopsided pads; stride 3 (scalar).
        .init(c: 5, m: 4, h: 11, w: 70, k: 5, stride: 2, pad: [2, 3, 1, 2], group: 1, n: 1),
        .init(c: 5, m: 3, h: 4, w: 64, k: 3, stride: 1, pad: [0, 2, 1, 2], group: 1, n: 2),
        .init(c: 5, m: 6, h: 6, w: 50, k: 3, stride: 3, pad: [1, 1, 1, 1], group: 1),
        // Rows of 5000 outputs: 313 pieces of 16, more than a quarter of the mask table.
        .init(c: 5, m: 2, h: 3, w: 5000, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1, n: 1),
    ]

    @Test(arguments: im2colCases)
    func im2colMatchesReference(_ t: ConvCase) throws {
        let (fast, reference) = try Self.conv(t, winograd: false)
        #expect(mismatch(fast, reference) == nil, "\(t): \(mismatch(fast, reference) ?? "")")
    }

    /// One small image with a long reduction: the packed-weight narrow kernel (AVX-512), with
    /// output channels in whole pairs of panels, a lone last panel, a partial one, several
    /// k blocks, and blocks of columns of every width.
    static let narrowCases: [ConvCase] = [
        .init(c: 64, m: 80, h: 7, w: 7, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1, n: 1),
        .init(c: 600, m: 40, h: 5, w: 9, k: 1, stride: 1, pad: [0, 0, 0, 0], group: 1, n: 1),
        .init(c: 300, m: 33, h: 8, w: 8, k: 1, stride: 2, pad: [0, 0, 0, 0], group: 1, n: 1),
        .init(c: 64, m: 64, h: 14, w: 14, k: 3, stride: 2, pad: [1, 1, 1, 1], group: 1, n: 1),
        .init(c: 40, m: 96, h: 3, w: 2, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1, n: 1),
        // Two images whose pixels go side by side into one product (no narrow kernel): the
        // packed weights must not change that path.
        .init(c: 64, m: 80, h: 7, w: 7, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1, n: 2),
    ]

    @Test(arguments: narrowCases)
    func narrowMatchesReference(_ t: ConvCase) throws {
        try #require(NarrowConv.available, "the narrow kernel needs AVX-512; this CPU takes OpenBLAS")
        try #require(NarrowConv.applies(weights: [t.m, t.c / t.group, t.k, t.k], group: t.group))
        let (fast, reference) = try Self.conv(t, winograd: false, narrow: true)
        #expect(mismatch(fast, reference) == nil, "\(t): \(mismatch(fast, reference) ?? "")")
    }

    /// Products wider than 64 columns: the panel kernel (AVX-512) with B panels from a 1x1
    /// conv's input or from im2col, a partial last panel of rows and of columns, several k
    /// blocks, channels split between the two threads, and the epilogue (scale, bias,
    /// residual, activation) applied as it stores; against the reference conv with the same
    /// epilogue applied after it.
    static let panelCases: [ConvCase] = [
        .init(c: 300, m: 30, h: 13, w: 13, k: 1, stride: 1, pad: [0, 0, 0, 0], group: 1, n: 1),
        .init(c: 30, m: 25, h: 30, w: 29, k: 3, stride: 2, pad: [1, 0, 1, 1], group: 1, n: 1),
        .init(c: 300, m: 24, h: 12, w: 12, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1, n: 1),
        .init(c: 100, m: 20, h: 31, w: 32, k: 1, stride: 1, pad: [0, 0, 0, 0], group: 1, n: 2),
        .init(c: 14, m: 13, h: 11, w: 40, k: 5, stride: 1, pad: [2, 2, 2, 2], group: 1, n: 1),
    ]

    /// Blocks of an image share its pixels evenly, in whole panels, and their count is a
    /// multiple of the threads (a lopsided last block left one of two threads idle for a
    /// third of ResNet-50's 56x56 1x1 layers).
    @Test func im2colBlocksAreEven() {
        for (kSize, plane) in [(64, 3136), (256, 3136), (128, 784), (512, 784), (64, 3025), (27, 12544), (100, 992), (9, 300)] {
            for threads in [1, 2] {
                let nb = Im2colConv.blockWidth(kSize: kSize, outPlane: plane, threads: threads)
                let blocks = (plane + nb - 1) / nb, last = plane - (blocks - 1) * nb
                let target = Im2colConv.targetWidth(kSize: kSize)
                if plane <= target {
                    #expect(nb == plane, "k \(kSize), plane \(plane): one block")
                    continue
                }
                #expect(nb % Int(ONYX_PANEL_NR) == 0 && nb <= target + Int(ONYX_PANEL_NR),
                        "k \(kSize), plane \(plane): width \(nb)")
                #expect(blocks % threads == 0, "k \(kSize), plane \(plane), \(threads) threads: \(blocks) blocks")
                #expect(last > nb - Int(ONYX_PANEL_NR) * blocks, "k \(kSize), plane \(plane): last block \(last) of \(nb)")
            }
        }
    }

    @Test(arguments: panelCases)
    func panelsMatchReference(_ t: ConvCase) throws {
        try #require(PanelConv.available, "the panel kernel needs AVX-512; this CPU takes OpenBLAS")
        let x = Self.random([t.n, t.c, t.h, t.w], seed: t.c * 7 + t.w)
        let w = Self.random([t.m, t.c, t.k, t.k], seed: t.m * 5 + t.k)
        let b = Self.random([t.m], seed: 9), scale = Self.random([t.m], seed: 11)
        var node = Node(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["y"], attributes: [:], index: 0)
        node.attributes = ["pads": .ints(t.pad.map(Int64.init)), "strides": .ints([Int64(t.stride), Int64(t.stride)])]
        let attrs = try WindowAttributes(OpContext(node: node, opset: 13, constants: [:]), kernelRequired: false)
        let p = try ConvProblem(x: x, w: w, bias: b, window: attrs, group: 1)
        let block = Im2colConv.blockWidth(kSize: p.kSize, outPlane: p.outPlane, threads: 2)
        #expect(block > NarrowConv.maxColumns && PanelConv.worthIt(rows: t.m, columns: block, k: p.kSize),
                "\(t) would not take the panel kernel")
        let residual = Self.random(p.outputShape, seed: 13)
        for act in [ONYX_ACT_NONE, ONYX_ACT_RELU, ONYX_ACT_CLIP] {
            let epilogue = Epilogue(act: act, alpha: -0.5, beta: 0.75, name: "")
            let fast = try ConvOp.run(p, x: x, w: w, scale: scale, bias: b, residual: residual, epilogue: epilogue,
                                      panels: PackedWeights(w, layout: .panels), threads: 2)
            let plain = ReferenceKernels.conv2D(x: x, w: w, bias: nil, group: 1, geometry: p.window).floats
            let s = scale.floats, bias = b.floats, r = residual.floats, plane = p.outPlane
            let want = plain.indices.map { i -> Float in
                let ch = (i / plane) % t.m
                let v = plain[i] * s[ch] + bias[ch] + r[i]
                switch act {
                case ONYX_ACT_RELU: return max(v, 0)
                case ONYX_ACT_CLIP: return min(max(v, -0.5), 0.75)
                default: return v
                }
            }
            let reference = try Tensor(shape: p.outputShape, floats: want)
            #expect(mismatch(fast, reference) == nil, "\(t) act \(act.rawValue): \(mismatch(fast, reference) ?? "")")
        }
    }

    /// First layers (1-4 input channels): the direct kernel (AVX-512), with strides 1-4,
    /// asymmetric pads, channel counts that leave a partial block of 4, rows of several
    /// chunks of vectors, and two images.
    static let firstLayerCases: [ConvCase] = [
        .init(c: 3, m: 10, h: 23, w: 19, k: 3, stride: 2, pad: [1, 0, 2, 1], group: 1, n: 1),
        .init(c: 1, m: 6, h: 28, w: 28, k: 5, stride: 1, pad: [2, 2, 2, 2], group: 1, n: 2),
        .init(c: 3, m: 64, h: 40, w: 37, k: 7, stride: 2, pad: [3, 3, 3, 3], group: 1, n: 1),
        .init(c: 4, m: 7, h: 9, w: 9, k: 3, stride: 3, pad: [0, 1, 1, 0], group: 1, n: 1),
        .init(c: 2, m: 5, h: 6, w: 200, k: 3, stride: 1, pad: [1, 1, 1, 1], group: 1, n: 1),
        .init(c: 3, m: 8, h: 32, w: 32, k: 8, stride: 4, pad: [0, 0, 0, 0], group: 1, n: 1),
    ]

    @Test(arguments: firstLayerCases)
    func firstLayerMatchesReference(_ t: ConvCase) throws {
        try #require(FirstLayerConv.available, "the direct first-layer kernel needs AVX-512; this CPU takes im2col")
        let (fast, reference) = try Self.conv(t, winograd: false)
        #expect(mismatch(fast, reference) == nil, "\(t): \(mismatch(fast, reference) ?? "")")
    }

    @Test(arguments: [(7, 7, 3, 2, 1), (8, 9, 2, 2, 0), (35, 35, 3, 1, 1), (5, 13, 3, 1, 1), (1, 1, 1, 1, 0), (9, 9, 5, 3, 2), (17, 40, 7, 1, 3)])
    func avgPoolMatchesReference(_ size: (Int, Int, Int, Int, Int)) throws {
        let (h, w, k, s, pad) = size
        let x = Self.random([1, 3, h, w], seed: h + w)
        for includePad in [false, true] {
            let geo = try WindowGeometry.resolve(input: [h, w], kernel: [k, k], strides: [s, s], dilations: [1, 1],
                                                 pads: [pad, pad, pad, pad], autoPad: .notSet, ceilMode: true)
            let (fast, _) = try PoolingOps.pool2D(x, geo, kind: .average, includePad: includePad, indices: false,
                                                 columnMajor: false, threads: 2)
            let reference = ReferenceKernels.avgPool2D(x: x, geometry: geo, includePad: includePad)
            #expect(mismatch(fast, reference) == nil, "\(size) includePad \(includePad): \(mismatch(fast, reference) ?? "")")
        }
    }

    @Test(arguments: [(7, 7, 3, 2, 1), (8, 9, 2, 2, 0), (112, 112, 3, 2, 1), (5, 13, 3, 1, 1), (1, 1, 1, 1, 0), (9, 9, 5, 3, 2),
                      (55, 55, 3, 2, 0), (6, 70, 3, 2, 1), (4, 2, 3, 2, 1),
                      // 2x2/2 (AVX-512 too): LeNet's two pools, rows of several groups of 16 outputs, padding, odd widths.
                      (28, 28, 2, 2, 0), (10, 10, 2, 2, 0), (7, 70, 2, 2, 1), (5, 33, 2, 2, 0),
                      // No padding, every window inside its row: the AVX-512 path without colmax, 1-3 groups of 16.
                      (4, 96, 2, 2, 0), (6, 71, 3, 2, 0), (3, 5, 3, 2, 0)])
    func maxPoolMatchesReference(_ size: (Int, Int, Int, Int, Int)) throws {
        let (h, w, k, s, pad) = size
        let x = Self.random([1, 3, h, w], seed: h * w)
        let geo = try WindowGeometry.resolve(input: [h, w], kernel: [k, k], strides: [s, s], dilations: [1, 1],
                                             pads: [pad, pad, pad, pad], autoPad: .notSet, ceilMode: true)
        let (fast, _) = try PoolingOps.pool2D(x, geo, kind: .max, includePad: false, indices: false, columnMajor: false, threads: 2)
        let reference = ReferenceKernels.maxPool2D(x: x, geometry: geo)
        #expect(fast.floats == reference.floats, "\(size)")
    }

    /// A NaN anywhere in a window makes that output NaN (as onnxruntime does), on the AVX-512
    /// 3x3/2 and 2x2/2 path and the generic one, at the window's first, middle and last column.
    @Test(arguments: [(3, 2, 1), (2, 2, 1), (3, 1, 1), (3, 2, 0), (2, 2, 0)])
    func maxPoolPropagatesNaN(_ window: (Int, Int, Int)) throws {
        let (k, s, pad) = window
        var values = Self.random([1, 2, 9, 40], seed: 3).floats
        for i in [0, 41, 100, 377, 720 - 1] { values[i] = .nan }
        let x = try Tensor(shape: [1, 2, 9, 40], floats: values)
        let geo = try WindowGeometry.resolve(input: [9, 40], kernel: [k, k], strides: [s, s], dilations: [1, 1],
                                             pads: [pad, pad, pad, pad], autoPad: .notSet, ceilMode: true)
        let (fast, _) = try PoolingOps.pool2D(x, geo, kind: .max, includePad: false, indices: false, columnMajor: false, threads: 2)
        // NaN exactly where a window (clipped to the input) holds one; elsewhere the reference.
        let reference = ReferenceKernels.maxPool2D(x: x, geometry: geo).floats
        let (oh, ow) = (geo.output[0], geo.output[1])
        var nanWanted = [Bool](repeating: false, count: 2 * oh * ow)
        for p in 0..<2 { for r in 0..<oh { for c in 0..<ow { for i in 0..<k { for j in 0..<k {
            let ih = r * s - pad + i, iw = c * s - pad + j
            if ih >= 0, ih < 9, iw >= 0, iw < 40, values[(p * 9 + ih) * 40 + iw].isNaN { nanWanted[(p * oh + r) * ow + c] = true }
        } } } } }
        let got = fast.floats
        #expect(got.map(\.isNaN) == nanWanted, "NaN positions differ for \(k)x\(k)/\(s)")
        #expect(nanWanted.contains(true))
        #expect(zip(zip(got, reference), nanWanted).allSatisfy { $0.1 || $0.0.0 == $0.0.1 }, "non-NaN outputs differ")
    }

    /// Relu and Clip let NaN through (as onnxruntime does) on the vector epilogues: the panel
    /// GEMM's fused one and the AVX-512 and AVX2 depthwise kernels'. One NaN input pixel:
    /// every output whose window holds it is NaN, every other output is a number.
    @Test(arguments: [ONYX_ACT_RELU, ONYX_ACT_CLIP])
    func activationsKeepNaN(_ act: onyx_activation) throws {
        let epilogue = Epilogue(act: act, alpha: 0, beta: 6, name: "")
        for (c, m, h, w, group, panels) in [(128, 24, 24, 24, 1, true), (3, 3, 5, 40, 3, false), (3, 3, 5, 6, 3, false)] {
            var values = Self.random([1, c, h, w], seed: 21).floats
            let nanAt = (2 * w + 3) % (h * w)
            values[nanAt] = .nan   // channel 0, row 2, column 3
            let x = try Tensor(shape: [1, c, h, w], floats: values)
            let k = panels ? 1 : 3
            let weights = try Tensor(shape: [m, c / group, k, k], floats: [Float](repeating: 0.5, count: m * (c / group) * k * k))
            var node = Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["y"], attributes: [:], index: 0)
            node.attributes = ["pads": .ints(panels ? [0, 0, 0, 0] : [1, 1, 1, 1]), "group": .int(Int64(group))]
            let attrs = try WindowAttributes(OpContext(node: node, opset: 13, constants: [:]), kernelRequired: false)
            let p = try ConvProblem(x: x, w: weights, bias: nil, window: attrs, group: group)
            let y = try ConvOp.run(p, x: x, w: weights, bias: nil, residual: nil, epilogue: epilogue,
                                   panels: panels ? PackedWeights(weights, layout: .panels) : nil, threads: 1).floats
            let (r0, c0) = (nanAt / w, nanAt % w)
            for ch in 0..<m {
                // 1x1 convs mix every input channel; depthwise channel ch reads input channel ch only.
                let reads = panels || ch == 0
                for r in 0..<h { for col in 0..<w {
                    let inWindow = reads && (panels ? (r == r0 && col == c0) : (abs(r - r0) <= 1 && abs(col - c0) <= 1))
                    let v = y[(ch * h + r) * w + col]
                    #expect(v.isNaN == inWindow, "act \(act.rawValue) \(panels ? "panel" : "depthwise \(w) wide") channel \(ch) (\(r), \(col)): \(v)")
                } }
            }
        }
    }
}
