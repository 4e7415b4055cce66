import COnyxKernels

/// Gemm and MatMul through OpenBLAS sgemm.
enum GemmOp {
    // y = alpha * op(A) * op(B) + beta * C, C broadcast to [M, N]
    static func gemm(_ ctx: OpContext) throws -> Kernel {
        let transA = try ctx.int("transA", default: 0) != 0
        let transB = try ctx.int("transB", default: 0) != 0
        let alpha = try ctx.float("alpha", default: 1)
        let beta = try ctx.float("beta", default: 1)
        let epilogue = try Epilogue(ctx)
        let threads = ctx.threads
        return Kernel(label: "sgemm" + epilogue.labelSuffix(residual: false)) { inputs in
            let a = try inputs.required(0, "A"), b = try inputs.required(1, "B")
            try a.requireFloat("A"); try b.requireFloat("B")
            guard a.rank == 2, b.rank == 2 else {
                throw KernelError("A and B must be 2-D, got \(a.shape) and \(b.shape)")
            }
            let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
            let kb = transB ? b.shape[1] : b.shape[0], n = transB ? b.shape[0] : b.shape[1]
            guard k == kb else {
                throw KernelError("inner dimensions differ: A \(a.shape)\(transA ? " (transposed)" : "") has K=\(k), B \(b.shape)\(transB ? " (transposed)" : "") has K=\(kb)")
            }
            let c = inputs.optional(2)
            if let c {
                try c.requireFloat("C")
                guard (try? Broadcast.shape(c.shape, [m, n])) == [m, n] else {
                    throw KernelError("C shape \(c.shape) cannot be broadcast to [\(m), \(n)]")
                }
            }
            // A bias per column (C of shape [N] or [1, N], the common case): the product first,
            // then bias and activation in one pass. Any other C is broadcast into Y first.
            let columnBias = c.map { beta != 0 && ($0.shape == [n] || $0.shape == [1, n]) } ?? false
            let y = try Tensor.makeFloat([m, n]) { py, total in
                var cBeta: Float = 0
                if let c, beta != 0, !columnBias {
                    let pc = c.pointer(as: Float.self)
                    let s = Broadcast.strides(of: c.shape, in: [m, n])
                    for i in 0..<m { for j in 0..<n { py[i * n + j] = beta * pc[i * s[0] + j * s[1]] } }
                    cBeta = 1
                } else if n == 1 {
                    // With beta 0 every path of Sgemm.run writes C without reading it; one
                    // column is zeroed anyway (cheap), as some BLAS builds hand it to a gemv
                    // that scales what C held.
                    py.initialize(repeating: 0, count: total)
                }
                Sgemm.run(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                          a: a.pointer(as: Float.self), lda: a.shape[1], b: b.pointer(as: Float.self),
                          ldb: b.shape[1], beta: cBeta, c: py, ldc: n, threads: threads)
                if let c, columnBias {
                    onyx_cols_epilogue_f32(py, Int64(m), Int64(n), c.pointer(as: Float.self), beta,
                                           Int32(epilogue.act.rawValue), epilogue.alpha, epilogue.beta)
                } else if epilogue.act != ONYX_ACT_NONE {
                    onyx_activation_f32(py, py, Int64(total), Int32(epilogue.act.rawValue), epilogue.alpha, epilogue.beta)
                }
            }
            return [y]
        }
    }

    /// numpy matmul: 1-D operands are promoted and the added axis removed; batch dims broadcast.
    static func matmul(_ ctx: OpContext) throws -> Kernel {
        let threads = ctx.threads
        return Kernel(label: "sgemm") { inputs in
            let a = try inputs.required(0, "A"), b = try inputs.required(1, "B")
            guard a.elementType == b.elementType else {
                throw KernelError("A is \(a.elementType) but B is \(b.elementType)")
            }
            if a.elementType != .float32 {
                return [try withArithmeticType(a.elementType, "MatMul") { try integerMatmul(a, b, $0) }]
            }
            return [try matmul(a, b, threads: threads)]
        }
    }

    /// Shapes of a numpy matmul: (batch, m, k, n, output shape, A batch dims, B batch dims).
    static func matmulShapes(_ a: Tensor, _ b: Tensor) throws -> (batch: [Int], m: Int, k: Int, n: Int, out: [Int], aBatch: [Int], bBatch: [Int]) {
        guard a.rank >= 1, b.rank >= 1 else { throw KernelError("MatMul operands must be at least 1-D, got \(a.shape) and \(b.shape)") }
        let aShape = a.rank == 1 ? [1, a.shape[0]] : a.shape
        let bShape = b.rank == 1 ? [b.shape[0], 1] : b.shape
        let m = aShape[aShape.count - 2], k = aShape[aShape.count - 1]
        let kb = bShape[bShape.count - 2], n = bShape[bShape.count - 1]
        guard k == kb else { throw KernelError("MatMul inner dimensions differ: \(a.shape) x \(b.shape)") }
        let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))
        let batch = try Broadcast.shape(aBatch, bBatch)
        var out = batch
        if a.rank > 1 { out.append(m) }
        if b.rank > 1 { out.append(n) }
        return (batch, m, k, n, out, aBatch, bBatch)
    }

    /// MatMul on integer (or float64) tensors with wrapping arithmetic, by plain loops.
    static func integerMatmul<T: ArithmeticScalar>(_ a: Tensor, _ b: Tensor, _ t: T.Type) throws -> Tensor {
        let s = try matmulShapes(a, b)
        let pa = a.pointer(as: T.self), pb = b.pointer(as: T.self)
        let sa = Broadcast.strides(of: s.aBatch, in: s.batch), sb = Broadcast.strides(of: s.bBatch, in: s.batch)
        return try Tensor.makeRaw(s.out, a.elementType) { raw in
            let py = raw.assumingMemoryBound(to: T.self)
            for bi in 0..<s.batch.reduce(1, *) {
                var rem = bi, oa = 0, ob = 0
                for d in stride(from: s.batch.count - 1, through: 0, by: -1) {
                    let i = rem % s.batch[d]; rem /= s.batch[d]
                    oa += i * sa[d]; ob += i * sb[d]
                }
                for i in 0..<s.m { for j in 0..<s.n {
                    var acc = T(clamping: 0)
                    for l in 0..<s.k { acc = T.add(acc, T.mul(pa[(oa * s.m + i) * s.k + l], pb[(ob * s.k + l) * s.n + j])) }
                    py[(bi * s.m + i) * s.n + j] = acc
                } }
            }
        }
    }

    static func matmul(_ a: Tensor, _ b: Tensor, threads: Int = 1) throws -> Tensor {
        let (batch, m, k, n, outShape, aBatch, bBatch) = try matmulShapes(a, b)
        let pa = a.pointer(as: Float.self), pb = b.pointer(as: Float.self)
        return try Tensor.makeFloat(outShape) { py, _ in
            let batchCount = batch.reduce(1, *)
            if bBatch.reduce(1, *) == 1 && aBatch == batch {
                // B is shared: fold A's batch into M for one sgemm call.
                Sgemm.run(transA: false, transB: false, m: batchCount * m, n: n, k: k, alpha: 1,
                          a: pa, lda: k, b: pb, ldb: n, beta: 0, c: py, ldc: n, threads: threads)
                return
            }
            let sa = Broadcast.strides(of: aBatch, in: batch), sb = Broadcast.strides(of: bBatch, in: batch)
            var index = [Int](repeating: 0, count: batch.count)
            for bi in 0..<batchCount {
                var rem = bi, oa = 0, ob = 0
                for d in stride(from: batch.count - 1, through: 0, by: -1) {
                    index[d] = rem % batch[d]; rem /= batch[d]
                    oa += index[d] * sa[d]; ob += index[d] * sb[d]
                }
                Sgemm.run(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                          a: pa + oa * m * k, lda: k, b: pb + ob * k * n, ldb: n,
                          beta: 0, c: py + bi * m * n, ldc: n, threads: threads)
            }
        }
    }
}
