import Foundation

/// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear: the QDQ nodes of quantized
/// models, computed in float32 (each quantized value is dequantized, never run in int8).
/// Scales are float32; quantized types are int8, uint8, int16 and uint16 (and int32 as a
/// DequantizeLinear input); float8 and 4-bit types are refused with the type's name.
enum QuantizeOps {
    /// How a scale (and zero point) tensor spreads over the data: one value, one per index of
    /// `axis`, or one per block of `blockSize` indices along `axis` (opset 21).
    struct Granularity {
        let outer: Int, dim: Int, inner: Int
        let scaleDim: Int, blockSize: Int
        let perTensor: Bool, blocked: Bool

        init(data: [Int], scale: [Int], axis: Int, blockSize: Int) throws {
            let count = scale.reduce(1, *)
            perTensor = count == 1   // any single value, as the reference reads it
            blocked = blockSize > 0 && !perTensor
            self.blockSize = max(blockSize, 1)
            if perTensor {
                (outer, dim, inner, scaleDim) = (1, data.reduce(1, *), 1, 1)
                return
            }
            // Several values: per axis or blocked, checked before any index is read.
            let rank = data.count
            guard rank > 0, (-rank..<rank).contains(axis) else {
                throw KernelError("axis \(axis) is outside the data's rank \(rank) (scale shape \(scale))")
            }
            let a = axis < 0 ? axis + rank : axis
            outer = data[..<a].reduce(1, *)
            dim = data[a]
            inner = data[(a + 1)...].reduce(1, *)
            if blocked {
                var expected = data
                expected[a] = data[a] == 0 ? 0 : (data[a] - 1) / blockSize + 1   // no overflow for huge blocks
                guard scale == expected else {
                    throw KernelError("scale shape \(scale) does not block data \(data) along axis \(a) in blocks of \(blockSize) (expected \(expected))")
                }
                scaleDim = scale[a]
            } else {
                guard scale.count == 1, count == dim else {
                    throw KernelError("scale shape \(scale) is neither one value nor one per index of axis \(axis) (size \(dim)) of data \(data)")
                }
                scaleDim = count
            }
        }

        /// Calls `body(first, count, scaleIndex, scaleStep)` for runs of data elements that read
        /// consecutive scale values (step 1) or one value (step 0).
        func forEachRun(_ body: (Int, Int, Int, Int) -> Void) {
            if perTensor { body(0, outer * dim * inner, 0, 0); return }
            for o in 0..<outer {
                for i in 0..<dim {
                    let first = (o * dim + i) * inner
                    if blocked {
                        body(first, inner, (o * scaleDim + i / blockSize) * inner, 1)
                    } else {
                        body(first, inner, i, 0)
                    }
                }
            }
        }
    }

    /// The integer range of a quantized type.
    static func range(of type: ElementType) -> ClosedRange<Int64>? {
        switch type {
        case .uint8: return 0...255
        case .int8: return -128...127
        case .uint16: return 0...65535
        case .int16: return -32768...32767
        default: return nil
        }
    }

    static func quantizeLinear(_ ctx: OpContext) throws -> Kernel {
        let axis = try ctx.int("axis", default: 1)
        let blockSize = try ctx.int("block_size", default: 0)
        let dtypeCode = try ctx.int("output_dtype", default: 0)
        guard blockSize >= 0 else { throw ctx.invalid("block_size", "\(blockSize) must not be negative") }
        let declared: ElementType? = dtypeCode == 0 ? nil : ElementType(rawValue: Int32(clamping: dtypeCode))
        if dtypeCode != 0, declared.flatMap(range(of:)) == nil {
            throw ctx.invalid("output_dtype", "\(ElementType.onnxName(of: Int32(clamping: dtypeCode))) is not a quantized type Onyx supports (uint8, int8, uint16, int16)")
        }
        return Kernel(label: "quantize") { inputs in
            let x = try inputs.required(0, "x"), scale = try inputs.required(1, "y_scale")
            let zero = inputs.optional(2)
            guard x.elementType == .float32 || x.elementType == .int32 else {
                throw KernelError("x must be float32 or int32, got \(x.elementType)")
            }
            try scale.requireFloat("y_scale")
            var outType = declared ?? .uint8
            if let zero {
                guard declared == nil || declared == zero.elementType else {
                    throw KernelError("output_dtype \(outType) differs from y_zero_point's type \(zero.elementType)")
                }
                guard zero.shape == scale.shape else {
                    throw KernelError("y_zero_point shape \(zero.shape) differs from y_scale shape \(scale.shape)")
                }
                outType = zero.elementType
            }
            guard let bounds = range(of: outType) else {
                throw KernelError("y_zero_point type \(outType) is not a quantized type Onyx supports (uint8, int8, uint16, int16)")
            }
            let g = try Granularity(data: x.shape, scale: scale.shape, axis: axis, blockSize: blockSize)
            let ps = scale.pointer(as: Float.self)
            let lo = Double(bounds.lowerBound), hi = Double(bounds.upperBound)
            return [try Tensor.makeRaw(x.shape, outType) { raw in
                g.forEachRun { first, count, s0, step in
                    for k in 0..<count {
                        let si = s0 + k * step
                        let zp = zero.map { Double($0.int64Value(at: si)) } ?? 0
                        // The division in float32 for float data (int32 data divides in
                        // double), rounded half to even, then shifted and clamped; NaN goes to
                        // the low end, as the reference's int conversion sends it.
                        let q: Double = x.elementType == .float32
                            ? Double((x.floatValue(at: first + k) / ps[si]).rounded(.toNearestOrEven))
                            : (Double(x.int64Value(at: first + k)) / Double(ps[si])).rounded(.toNearestOrEven)
                        let v = q.isNaN ? lo : Swift.min(hi, Swift.max(lo, q + zp))
                        store(Int64(v), outType, raw, first + k)
                    }
                }
            }]
        }
    }

    static func dequantizeLinear(_ ctx: OpContext) throws -> Kernel {
        let axis = try ctx.int("axis", default: 1)
        let blockSize = try ctx.int("block_size", default: 0)
        let dtypeCode = try ctx.int("output_dtype", default: 0)
        guard blockSize >= 0 else { throw ctx.invalid("block_size", "\(blockSize) must not be negative") }
        guard dtypeCode == 0 || dtypeCode == Int(ElementType.float32.rawValue) else {
            throw ctx.invalid("output_dtype", "\(ElementType.onnxName(of: Int32(clamping: dtypeCode))): Onyx dequantizes to float32 only")
        }
        return Kernel(label: "dequantize") { inputs in
            let x = try inputs.required(0, "x"), scale = try inputs.required(1, "x_scale")
            let zero = inputs.optional(2)
            guard range(of: x.elementType) != nil || x.elementType == .int32 else {
                throw KernelError("x must be uint8, int8, uint16, int16 or int32, got \(x.elementType)")
            }
            try scale.requireFloat("x_scale")
            if let zero {
                guard zero.elementType == x.elementType else {
                    throw KernelError("x_zero_point type \(zero.elementType) differs from x's type \(x.elementType)")
                }
                guard zero.shape == scale.shape else {
                    throw KernelError("x_zero_point shape \(zero.shape) differs from x_scale shape \(scale.shape)")
                }
            }
            let g = try Granularity(data: x.shape, scale: scale.shape, axis: axis, blockSize: blockSize)
            let ps = scale.pointer(as: Float.self)
            return [try Tensor.makeFloat(x.shape) { py, _ in
                g.forEachRun { first, count, s0, step in
                    for k in 0..<count {
                        let si = s0 + k * step
                        let zp = zero.map { Double($0.int64Value(at: si)) } ?? 0
                        // (x - zero point) in float, times the scale: exact for 8- and 16-bit
                        // data; int32 data is first rounded to float32, as the reference does.
                        let dx = Double(Float(x.int64Value(at: first + k))) - zp
                        py[first + k] = Float(dx * Double(ps[si]))
                    }
                }
            }]
        }
    }

    /// DynamicQuantizeLinear: uint8 data with the scale and zero point that map
    /// [min(x, 0), max(x, 0)] onto 0...255. All-zero data gets scale 1/255, as ONNX's
    /// reference gives it (onnxruntime gives 1; the data quantize to 0 either way).
    static func dynamicQuantizeLinear(_ ctx: OpContext) throws -> Kernel {
        Kernel(label: "quantize") { inputs in
            let x = try inputs.required(0, "x")
            try x.requireFloat("x")
            let px = x.pointer(as: Float.self)
            var lo: Float = 0, hi: Float = 0
            for i in 0..<x.count {
                guard !px[i].isNaN else { throw KernelError("x holds NaN at flat index \(i): no scale covers it") }
                lo = Swift.min(lo, px[i]); hi = Swift.max(hi, px[i])
            }
            let scale = (hi == lo ? 1 : hi - lo) / 255
            let zp = Swift.min(255, Swift.max(0, 0 - lo / scale)).rounded(.toNearestOrEven)
            let y = try Tensor.makeRaw(x.shape, .uint8) { raw in
                let q = raw.assumingMemoryBound(to: UInt8.self)
                for i in 0..<x.count {
                    q[i] = UInt8(Swift.min(255, Swift.max(0, (px[i] / scale).rounded(.toNearestOrEven) + zp)))
                }
            }
            let s = try Tensor.makeFloat([]) { p, _ in p[0] = scale }
            let z = try Tensor.makeRaw([], .uint8) { $0.storeBytes(of: UInt8(zp), as: UInt8.self) }
            return [y, s, z]
        }
    }

    private static func store(_ v: Int64, _ type: ElementType, _ raw: UnsafeMutableRawPointer, _ i: Int) {
        switch type {
        case .uint8: raw.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: i, as: UInt8.self)
        case .int8: raw.storeBytes(of: Int8(truncatingIfNeeded: v), toByteOffset: i, as: Int8.self)
        case .uint16: raw.storeBytes(of: UInt16(truncatingIfNeeded: v), toByteOffset: 2 * i, as: UInt16.self)
        default: raw.storeBytes(of: Int16(truncatingIfNeeded: v), toByteOffset: 2 * i, as: Int16.self)
        }
    }
}
