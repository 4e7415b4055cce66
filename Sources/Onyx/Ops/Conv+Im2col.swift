import COnyxKernels

/// Conv as matrix products over blocks of output pixels:
/// y_g[Mg, block] = w_g[Mg, Cg*kh*kw] x col_g[Cg*kh*kw, block], where col is the im2col
/// expansion of the block (or the input itself for 1x1 stride-1 convs). Each block's bias,
/// residual and activation are applied right after its product, while it is still in
/// cache, and blocks are shared out between the threads (each with its own small col
/// buffer and a single-threaded sgemm call). In a batch of small images a block holds
/// several whole images side by side, so each product is wide enough to run at speed.
enum Im2colConv {
    /// Columns a block aims for: the col buffer stays around 256 KB, with at least 256
    /// columns so each sgemm call has work enough to run at speed.
    static func targetWidth(kSize: Int) -> Int {
        max(256, (65536 / max(kSize, 1)) / 64 * 64)
    }

    /// Pixels per block of one image: about the target width, with the image cut into blocks
    /// of equal width (in whole panels of 32 columns) whose count is a multiple of the
    /// threads (with many threads and small planes the rounding to panels can leave fewer).
    /// Cut at the target width, ResNet-50's 56x56 1x1 layers made blocks of 1024, 1024, 1024
    /// and 64 pixels, and two threads then shared them 2048 to 1088.
    static func blockWidth(kSize: Int, outPlane: Int, threads: Int) -> Int {
        let target = targetWidth(kSize: kSize)
        if outPlane <= target { return outPlane }
        let threads = max(1, threads)
        let blocks = ((outPlane + target - 1) / target + threads - 1) / threads * threads
        let unit = Int(ONYX_PANEL_NR)
        return min(outPlane, ((outPlane + blocks - 1) / blocks + unit - 1) / unit * unit)
    }

    /// Whole images per block: more than one when two or more fit in the target width.
    static func imagesPerBlock(_ p: ConvProblem) -> Int {
        min(p.n, max(1, targetWidth(kSize: p.kSize) / max(p.outPlane, 1)))
    }

    /// Parts the output channels of a group are split into: 1 when there are tasks enough for
    /// the threads, else up to one per thread of at least 16 channels (each part then expands
    /// its own copy of the small col block).
    static func channelParts(tasks: Int, mg: Int, threads: Int) -> Int {
        tasks >= threads ? 1 : max(1, min(threads, mg / 16))
    }

    /// Rows [m0, m1) of a part when `parts` share `m` rows in whole units of `unit` rows (the
    /// row blocks of the packed-weight kernels; 1 for OpenBLAS).
    static func rows(part: Int, of parts: Int, m: Int, unit: Int) -> (Int, Int) {
        let units = (m + unit - 1) / unit
        return (min(m, unit * (units * part / parts)), min(m, unit * (units * (part + 1) / parts)))
    }

    /// Per-channel scale (a BatchNormalization folded into the epilogue), bias, residual and
    /// activation over `rows` output rows of `columns` values, `ld` apart (the residual laid
    /// out as the output).
    static func finish(_ y: UnsafeMutablePointer<Float>, ld: Int, rows: Int, columns: Int, scale: UnsafePointer<Float>?,
                       bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, _ epilogue: Epilogue) {
        onyx_rows_epilogue_f32(y, Int64(ld), Int64(rows), Int64(columns), scale, bias, residual, Int64(ld),
                               Int32(epilogue.act.rawValue), epilogue.alpha, epilogue.beta)
    }

    static func run(_ p: ConvProblem, px: UnsafePointer<Float>, pw: UnsafePointer<Float>, py: UnsafeMutablePointer<Float>,
                    scale: UnsafePointer<Float>? = nil, bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?,
                    epilogue: Epilogue, threads: Int, packed: PackedWeights? = nil, panels: PackedWeights? = nil) {
        if imagesPerBlock(p) > 1 {
            runImageBlocks(p, px: px, pw: pw, py: py, scale: scale, bias: bias, residual: residual, epilogue: epilogue,
                           threads: threads)
            return
        }
        let mg = p.m / p.group
        let nb = blockWidth(kSize: p.kSize, outPlane: p.outPlane, threads: Parallel.usable(threads))
        let blocks = (p.outPlane + nb - 1) / nb
        let mParts = channelParts(tasks: p.n * p.group * blocks, mg: mg, threads: threads)
        let tasks = p.n * p.group * blocks * mParts
        let g = p.geometry
        let pointwise = p.isPointwise
        let hasEpilogue = scale != nil || bias != nil || residual != nil || epilogue.act != ONYX_ACT_NONE
        // Few columns per block (small images): the packed-weight narrow kernel, whose parts
        // split the channels in whole pairs of panels.
        let narrow = nb <= NarrowConv.maxColumns && p.group == 1 ? packed?.pointer : nil
        // Wider blocks: the panel kernel, with parts in whole panels of rows.
        let panel = narrow == nil && nb > NarrowConv.maxColumns && p.group == 1
            && PanelConv.worthIt(rows: mg, columns: nb, k: p.kSize) ? panels?.pointer : nil
        // One col buffer (or B panels) per chunk, taken here on the run's thread so it is planned memory.
        let chunks = Parallel.chunkCount(tasks, threads: threads)
        let colFloats = panel != nil ? Int(onyx_gemm_panels_b_floats(Int64(nb), Int64(p.kSize))) : p.kSize * nb
        let scratch = pointwise && panel == nil ? nil : ScratchBuffer(floats: chunks * colFloats)
        defer { scratch?.release() }
        Parallel.forEachChunk(tasks, threads: threads) { range, chunk in
            let col = scratch.map { $0.pointer + chunk * colFloats }
            var geometry = g
            for task in range {
                let part = task % mParts, rest = task / mParts
                let block = rest % blocks, gi = (rest / blocks) % p.group, img = rest / (blocks * p.group)
                let (m0, m1) = rows(part: part, of: mParts, m: mg,
                                    unit: narrow != nil ? NarrowConv.rowUnit : panel != nil ? PanelConv.rowUnit : 1)
                if m0 >= m1 { continue }
                let p0 = block * nb, p1 = min(p.outPlane, p0 + nb)
                let xg = px + (img * p.c + gi * p.cg) * p.inPlane
                if let panel, let pb = col {
                    if pointwise {
                        onyx_gemm_panels_pack_b(xg + p0, Int64(p.inPlane), Int64(p.kSize), Int64(p1 - p0), pb)
                    } else {
                        onyx_im2col_panels_f32(xg, &geometry, pb, Int64(p0), Int64(p1))
                    }
                    // Row 0 of the image's product; the kernel computes rows m0..<m1 and finishes them.
                    let y0 = img * p.m * p.outPlane + p0
                    var finish = onyx_epilogue(scale: scale, bias: bias, residual: residual.map { $0 + y0 },
                                               ldr: Int64(p.outPlane), act: Int32(epilogue.act.rawValue),
                                               alpha: epilogue.alpha, beta: epilogue.beta)
                    onyx_gemm_panels(Int64(mg), Int64(p1 - p0), Int64(p.kSize), panel, pb, py + y0, Int64(p.outPlane),
                                     Int64(m0), Int64(m1), &finish)
                    continue
                }
                let yOff = (img * p.m + gi * mg + m0) * p.outPlane + p0
                let src: UnsafePointer<Float>, ldb: Int
                if let col {
                    onyx_im2col_range_f32(xg, &geometry, col, Int64(p0), Int64(p1))
                    src = UnsafePointer(col); ldb = p1 - p0
                } else {
                    src = xg + p0; ldb = p.inPlane
                }
                if let narrow {
                    // Rows m0..<m1 of the whole product; C starts at the image's row 0.
                    onyx_gemm_narrow(Int64(mg), Int64(p1 - p0), Int64(p.kSize), narrow, src, Int64(ldb),
                                     py + yOff - m0 * p.outPlane, Int64(p.outPlane), Int64(m0), Int64(m1))
                } else {
                    Sgemm.runSingle(transA: false, transB: false, m: m1 - m0, n: p1 - p0, k: p.kSize, alpha: 1,
                                    a: pw + (gi * mg + m0) * p.kSize, lda: p.kSize, b: src, ldb: ldb,
                                    beta: 0, c: py + yOff, ldc: p.outPlane)
                }
                if hasEpilogue {
                    finish(py + yOff, ld: p.outPlane, rows: m1 - m0, columns: p1 - p0, scale: scale.map { $0 + gi * mg + m0 },
                           bias: bias.map { $0 + gi * mg + m0 }, residual: residual.map { $0 + yOff }, epilogue)
                }
            }
        }
    }

    /// Blocks of `imagesPerBlock` whole images: y_g[Mg, images x plane] = w_g x col_g with
    /// each image's columns side by side (1x1 convs copy their input planes in, as im2col
    /// does for a 1x1 kernel), then each image's rows copied to its place in y with the
    /// bias, residual and activation applied while they are in cache.
    static func runImageBlocks(_ p: ConvProblem, px: UnsafePointer<Float>, pw: UnsafePointer<Float>,
                               py: UnsafeMutablePointer<Float>, scale: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                               residual: UnsafePointer<Float>?, epilogue: Epilogue, threads: Int) {
        let mg = p.m / p.group
        let perBlock = imagesPerBlock(p)
        let blocks = (p.n + perBlock - 1) / perBlock
        let width = perBlock * p.outPlane
        let mParts = channelParts(tasks: p.group * blocks, mg: mg, threads: threads)
        let tasks = p.group * blocks * mParts
        let g = p.geometry
        let hasEpilogue = scale != nil || bias != nil || residual != nil || epilogue.act != ONYX_ACT_NONE
        // Per chunk: the col block and the product, taken on the run's thread (planned memory).
        let chunks = Parallel.chunkCount(tasks, threads: threads)
        let perChunk = (p.kSize + mg) * width
        let scratch = ScratchBuffer(floats: chunks * perChunk)
        defer { scratch.release() }
        Parallel.forEachChunk(tasks, threads: threads) { range, chunk in
            let col = scratch.pointer + chunk * perChunk
            let product = col + p.kSize * width
            var geometry = g
            for task in range {
                let part = task % mParts, rest = task / mParts
                let block = rest % blocks, gi = rest / blocks
                let m0 = mg * part / mParts, m1 = mg * (part + 1) / mParts
                let i0 = block * perBlock, i1 = min(p.n, i0 + perBlock)
                let columns = (i1 - i0) * p.outPlane
                for img in i0..<i1 {
                    onyx_im2col_range_ld_f32(px + (img * p.c + gi * p.cg) * p.inPlane, &geometry,
                                             col + (img - i0) * p.outPlane, 0, Int64(p.outPlane), Int64(columns))
                }
                Sgemm.runSingle(transA: false, transB: false, m: m1 - m0, n: columns, k: p.kSize, alpha: 1,
                                a: pw + (gi * mg + m0) * p.kSize, lda: p.kSize, b: col, ldb: columns,
                                beta: 0, c: product, ldc: columns)
                for img in i0..<i1 {
                    let yOff = (img * p.m + gi * mg + m0) * p.outPlane
                    for r in 0..<(m1 - m0) {
                        (py + yOff + r * p.outPlane).update(from: product + r * columns + (img - i0) * p.outPlane,
                                                           count: p.outPlane)
                    }
                    if hasEpilogue {
                        finish(py + yOff, ld: p.outPlane, rows: m1 - m0, columns: p.outPlane,
                               scale: scale.map { $0 + gi * mg + m0 }, bias: bias.map { $0 + gi * mg + m0 }, residual: residual.map { $0 + yOff }, epilogue)
                    }
                }
            }
        }
    }
}
