import COnyxKernels

/// MaxPool, AveragePool (1-D to 3-D), GlobalAveragePool, GlobalMaxPool.
enum PoolingOps {
    enum Kind { case max, average }

    static func make(_ kind: Kind) -> OpRegistry.Factory {
        { ctx in
            let window = try WindowAttributes(ctx, kernelRequired: true)
            let ceilMode = try ctx.int("ceil_mode", default: 0) != 0
            let includePad = try ctx.int("count_include_pad", default: 0) != 0
            let storageOrder = try ctx.int("storage_order", default: 0)
            guard storageOrder == 0 || storageOrder == 1 else {
                throw ctx.invalid("storage_order", "\(storageOrder) must be 0 or 1")
            }
            let wantIndices = kind == .max && ctx.wantsOutput(1)
            let kernel = window.kernel!
            let threads = ctx.threads
            return Kernel(label: kind == .max ? "maxpool" : "avgpool") { inputs in
                let x = try inputs.required(0, "X")
                try x.requireFloat("X")
                guard x.rank == kernel.count + 2, (1...3).contains(kernel.count) else {
                    throw KernelError("X shape \(x.shape) does not fit a \(kernel.count)-D kernel \(kernel)")
                }
                let geo = try window.geometry(spatial: Array(x.shape[2...]), kernelShape: kernel, ceilMode: ceilMode)
                // Every output visits its whole window: refuse work no model needs.
                let (work, overflow) = (x.shape[0] * x.shape[1] * geo.output.reduce(1, *))
                    .multipliedReportingOverflow(by: kernel.reduce(1, *))
                guard !overflow, work <= 1 << 36 else {
                    throw KernelError("pooling window \(kernel) over output \(geo.output) is too much work")
                }
                let (y, indices) = try kernel.count <= 2
                    ? pool2D(x, geo, kind: kind, includePad: includePad, indices: wantIndices, columnMajor: storageOrder == 1,
                             threads: threads)
                    : pool(x, geo, kind: kind, includePad: includePad, indices: wantIndices, columnMajor: storageOrder == 1)
                return wantIndices ? [y, indices] : [y]
            }
        }
    }

    /// 1-D and 2-D pooling through the C kernels (1-D runs as height 1).
    static func pool2D(_ x: Tensor, _ geo: WindowGeometry, kind: Kind, includePad: Bool,
                       indices wantIndices: Bool, columnMajor: Bool, threads: Int = 1) throws -> (Tensor, Tensor?) {
        let twoD = geo.kernel.count == 2
        let r = geo.kernel.count
        var g = onyx_conv_geometry()
        g.in_h = Int64(twoD ? x.shape[2] : 1); g.in_w = Int64(x.shape[twoD ? 3 : 2])
        g.kernel_h = Int64(twoD ? geo.kernel[0] : 1); g.kernel_w = Int64(geo.kernel[r - 1])
        g.stride_h = Int64(twoD ? geo.strides[0] : 1); g.stride_w = Int64(geo.strides[r - 1])
        g.dilation_h = Int64(twoD ? geo.dilations[0] : 1); g.dilation_w = Int64(geo.dilations[r - 1])
        g.pad_top = Int64(twoD ? geo.pads[0] : 0); g.pad_left = Int64(geo.pads[r - 1])
        g.pad_bottom = Int64(twoD ? geo.pads[2] : 0); g.pad_right = Int64(geo.pads[2 * r - 1])
        g.out_h = Int64(twoD ? geo.output[0] : 1); g.out_w = Int64(geo.output[r - 1])
        let planes = x.shape[0] * x.shape[1]
        let outShape = [x.shape[0], x.shape[1]] + geo.output
        let px = x.pointer(as: Float.self)
        var indexTensor: Tensor?
        let y = try Tensor.makeFloat(outShape) { py, _ in
            let inPlane = Int(g.in_h * g.in_w), outPlane = Int(g.out_h * g.out_w)
            if kind == .average {
                Parallel.forEachChunk(planes, threads: threads, minimumPerChunk: Parallel.minimumItems(of: inPlane)) { r in
                    withUnsafePointer(to: g) {
                        onyx_avgpool2d_f32(px + r.lowerBound * inPlane, py + r.lowerBound * outPlane, Int64(r.count), $0, includePad ? 1 : 0)
                    }
                }
            } else if wantIndices {
                indexTensor = try Tensor.makeRaw(outShape, .int64) { raw in
                    let idx = raw.assumingMemoryBound(to: Int64.self)
                    withUnsafePointer(to: g) { onyx_maxpool2d_f32(px, py, idx, Int64(planes), $0) }
                    // Make indices global (plane offset) and column-major when asked.
                    let inPlane = Int64(g.in_h * g.in_w), outPlane = Int(g.out_h * g.out_w)
                    for p in 0..<planes {
                        for o in 0..<outPlane {
                            var v = idx[p * outPlane + o]
                            if columnMajor && g.in_w > 0 { v = (v % g.in_w) * g.in_h + v / g.in_w }
                            idx[p * outPlane + o] = Int64(p) * inPlane + v
                        }
                    }
                }
            } else {
                Parallel.forEachChunk(planes, threads: threads, minimumPerChunk: Parallel.minimumItems(of: inPlane)) { r in
                    withUnsafePointer(to: g) {
                        onyx_maxpool2d_f32(px + r.lowerBound * inPlane, py + r.lowerBound * outPlane, nil, Int64(r.count), $0)
                    }
                }
            }
        }
        return (y, indexTensor)
    }

    /// Pads shape-like arrays on the left to 3 spatial axes.
    private static func to3(_ v: [Int], fill: Int) -> [Int] { Array(repeating: fill, count: 3 - v.count) + v }

    static func pool(_ x: Tensor, _ geo: WindowGeometry, kind: Kind, includePad: Bool,
                     indices wantIndices: Bool, columnMajor: Bool) throws -> (Tensor, Tensor?) {
        let r = geo.kernel.count
        let inS = to3(Array(x.shape[2...]), fill: 1), outS = to3(geo.output, fill: 1)
        let k = to3(geo.kernel, fill: 1), s = to3(geo.strides, fill: 1), d = to3(geo.dilations, fill: 1)
        let pb = to3(Array(geo.pads[0..<r]), fill: 0), pe = to3(Array(geo.pads[r...]), fill: 0)
        let planes = x.shape[0] * x.shape[1]
        let inPlane = inS.reduce(1, *), outPlane = outS.reduce(1, *)
        let px = x.pointer(as: Float.self)
        var idx: UnsafeMutablePointer<Int64>?
        let indexTensor: Tensor? = wantIndices ? try Tensor.makeRaw([x.shape[0], x.shape[1]] + geo.output, .int64) {
            idx = $0.assumingMemoryBound(to: Int64.self)
        } : nil
        let y = try Tensor.makeFloat([x.shape[0], x.shape[1]] + geo.output) { py, _ in
            for p in 0..<planes {
                let xp = px + p * inPlane
                var o = p * outPlane
                for od in 0..<outS[0] { for oh in 0..<outS[1] { for ow in 0..<outS[2] {
                    let start = [od * s[0] - pb[0], oh * s[1] - pb[1], ow * s[2] - pb[2]]
                    var best = -Float.infinity, bestAt = -1, sum: Float = 0, valid = 0, inPadded = 0
                    for kd in 0..<k[0] {
                        let id = start[0] + kd * d[0]
                        if id < -pb[0] || id >= inS[0] + pe[0] { continue }
                        for kh in 0..<k[1] {
                            let ih = start[1] + kh * d[1]
                            if ih < -pb[1] || ih >= inS[1] + pe[1] { continue }
                            for kw in 0..<k[2] {
                                let iw = start[2] + kw * d[2]
                                if iw < -pb[2] || iw >= inS[2] + pe[2] { continue }
                                inPadded += 1
                                if id < 0 || id >= inS[0] || ih < 0 || ih >= inS[1] || iw < 0 || iw >= inS[2] { continue }
                                let at = (id * inS[1] + ih) * inS[2] + iw
                                let v = xp[at]
                                valid += 1
                                if kind == .max {
                                    if v > best || bestAt < 0 || v.isNaN { best = v; bestAt = at }
                                } else {
                                    sum += v
                                }
                            }
                        }
                    }
                    if kind == .max {
                        py[o] = best
                        if let idx {
                            var flat = bestAt
                            if columnMajor && bestAt >= 0 {
                                // Spatial index in column-major order (last axis slowest... first fastest).
                                let w = bestAt % inS[2], h = (bestAt / inS[2]) % inS[1], dd = bestAt / (inS[2] * inS[1])
                                flat = r == 3 ? dd + h * inS[0] + w * inS[0] * inS[1] : h + w * inS[1]
                            }
                            idx[o] = Int64(p * inPlane + max(flat, 0))
                        }
                    } else {
                        let divisor = includePad ? inPadded : valid
                        py[o] = divisor > 0 ? sum / Float(divisor) : 0
                    }
                    o += 1
                } } }
            }
        }
        return (y, indexTensor)
    }

    static func global(_ kind: Kind) -> OpRegistry.Factory {
        { _ in
            Kernel(label: kind == .max ? "global_maxpool" : "global_avgpool") { inputs in
                let x = try inputs.required(0, "X")
                try x.requireFloat("X")
                guard x.rank >= 3 else { throw KernelError("X must have spatial dims, got shape \(x.shape)") }
                let planes = x.shape[0] * x.shape[1]
                let size = x.shape[2...].reduce(1, *)
                let px = x.pointer(as: Float.self)
                let outShape = [x.shape[0], x.shape[1]] + Array(repeating: 1, count: x.rank - 2)
                return [try Tensor.makeFloat(outShape) { py, _ in
                    for p in 0..<planes {
                        let xp = px + p * size
                        if kind == .max {
                            var m = -Float.infinity
                            for i in 0..<size where xp[i] > m || xp[i].isNaN { m = xp[i] }
                            py[p] = m
                        } else {
                            onyx_global_avgpool_f32(xp, py + p, 1, Int64(size))
                        }
                    }
                }]
            }
        }
    }
}
