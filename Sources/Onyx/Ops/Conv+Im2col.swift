import COnyxKernels

/// Conv as matrix products: y_g[Mg, OH*OW] = w_g[Mg, Cg*kh*kw] x col_g[Cg*kh*kw, OH*OW],
/// where col is the im2col expansion of the input (or the input itself for 1x1 convs).
enum Im2colConv {
    static func run(_ p: ConvProblem, px: UnsafePointer<Float>, pw: UnsafePointer<Float>, py: UnsafeMutablePointer<Float>,
                    threads: Int) {
        let mg = p.m / p.group
        let col: UnsafeMutablePointer<Float>? = p.isPointwise ? nil : .allocate(capacity: max(1, p.kSize * p.outPlane))
        defer { col?.deallocate() }
        let g = p.geometry
        for img in 0..<p.n {
            for gi in 0..<p.group {
                let xg = px + (img * p.c + gi * p.cg) * p.inPlane
                let yg = py + (img * p.m + gi * mg) * p.outPlane
                var src = xg
                if let col {
                    // Channels expand independently: split them over the threads.
                    let rowsPerChannel = Int(g.kernel_h * g.kernel_w) * p.outPlane
                    let geometry = g
                    Parallel.forEachChunk(p.cg, threads: threads, minimumPerChunk: 2) { r in
                        var part = geometry
                        part.channels = Int64(r.count)
                        onyx_im2col_f32(xg + r.lowerBound * p.inPlane, &part, col + r.lowerBound * rowsPerChannel)
                    }
                    src = UnsafePointer(col)
                }
                Sgemm.run(transA: false, transB: false, m: mg, n: p.outPlane, k: p.kSize, alpha: 1,
                          a: pw + gi * mg * p.kSize, lda: p.kSize, b: src, ldb: p.outPlane,
                          beta: 0, c: yg, ldc: p.outPlane, threads: threads)
            }
        }
    }
}
