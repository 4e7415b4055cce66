/// Cast between the element types Onyx holds (float32/64, signed and unsigned integers,
/// bool). Floats to integers truncate toward zero and saturate at the type's range (NaN
/// becomes 0; ONNX leaves out-of-range values undefined); integers to narrower integers
/// keep the low bits, as C casts do; anything to bool is `value != 0`.
enum CastOps {
    static func cast(_ ctx: OpContext) throws -> Kernel {
        guard let code = try ctx.ints("to")?.first else { throw ctx.invalid("to", "is required") }
        guard let to = Int32(exactly: code).flatMap(ElementType.init(rawValue:)) else {
            throw ctx.invalid("to", "casting to \(ElementType.onnxName(of: Int32(truncatingIfNeeded: code))) is not supported")
        }
        return Kernel(label: "cast") { inputs in [try convert(inputs.required(0, "input"), to: to)] }
    }

    /// `x` with its elements converted to `type` (`x` itself when it already has that type).
    static func convert(_ x: Tensor, to type: ElementType) throws -> Tensor {
        if x.elementType == type { return x }
        let n = x.count
        let fromFloat = x.elementType == .float32 || x.elementType == .float64
        let asDouble: (Int) -> Double = { x.floatValueExact(at: $0) }
        return try Tensor.makeRaw(x.shape, type) { dst in
            switch type {
            case .float32: let p = dst.assumingMemoryBound(to: Float.self); for i in 0..<n { p[i] = Float(asDouble(i)) }
            case .float64: let p = dst.assumingMemoryBound(to: Double.self); for i in 0..<n { p[i] = asDouble(i) }
            case .bool:
                let p = dst.assumingMemoryBound(to: UInt8.self)
                for i in 0..<n { p[i] = (fromFloat ? asDouble(i) != 0 : x.int64Value(at: i) != 0) ? 1 : 0 }
            case .int8: integers(Int8.self, dst, n, fromFloat, x, asDouble)
            case .uint8: integers(UInt8.self, dst, n, fromFloat, x, asDouble)
            case .int16: integers(Int16.self, dst, n, fromFloat, x, asDouble)
            case .uint16: integers(UInt16.self, dst, n, fromFloat, x, asDouble)
            case .int32: integers(Int32.self, dst, n, fromFloat, x, asDouble)
            case .uint32: integers(UInt32.self, dst, n, fromFloat, x, asDouble)
            case .int64: integers(Int64.self, dst, n, fromFloat, x, asDouble)
            case .uint64: integers(UInt64.self, dst, n, fromFloat, x, asDouble)
            }
        }
    }

    private static func integers<D: FixedWidthInteger>(_ t: D.Type, _ dst: UnsafeMutableRawPointer, _ n: Int,
                                                      _ fromFloat: Bool, _ x: Tensor, _ asDouble: (Int) -> Double) {
        let p = dst.assumingMemoryBound(to: D.self)
        if fromFloat {
            for i in 0..<n {
                let v = asDouble(i).rounded(.towardZero)
                p[i] = v.isNaN ? 0 : v <= Double(D.min) ? .min : v >= Double(D.max) ? .max : D(v)
            }
        } else {
            for i in 0..<n { p[i] = D(truncatingIfNeeded: x.int64Value(at: i)) }
        }
    }
}

extension Tensor {
    /// Element `i` as Double without going through Float (integers up to 2^53 stay exact).
    func floatValueExact(at i: Int) -> Double {
        switch elementType {
        case .float32: return Double(storage.bytes.load(fromByteOffset: i * 4, as: Float.self))
        case .float64: return storage.bytes.load(fromByteOffset: i * 8, as: Double.self)
        case .uint64: return Double(storage.bytes.load(fromByteOffset: i * 8, as: UInt64.self))
        default: return Double(int64Value(at: i))
        }
    }
}
