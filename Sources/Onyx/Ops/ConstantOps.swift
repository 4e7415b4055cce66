/// Constant and ConstantOfShape.
enum ConstantOps {
    static func constant(_ ctx: OpContext) throws -> Kernel {
        let a = ctx.node.attributes
        let value: Tensor
        if let t = try ctx.tensor("value") {
            value = t
        } else if case .float(let f)? = a["value_float"] {
            value = Tensor(scalar: f)
        } else if case .floats(let f)? = a["value_floats"] {
            value = try Tensor(shape: [f.count], scalars: f)
        } else if case .int(let i)? = a["value_int"] {
            value = Tensor(scalar: i)
        } else if case .ints(let i)? = a["value_ints"] {
            value = Tensor.int64Vector(i)
        } else if let other = ["sparse_value", "value_string", "value_strings"].first(where: { a[$0] != nil }) {
            throw ctx.invalid(other, "string and sparse constants are not supported")
        } else {
            throw ctx.invalid("value", "Constant needs one of value, value_float(s), value_int(s)")
        }
        return Kernel(label: "constant") { _ in [value] }
    }

    static func constantOfShape(_ ctx: OpContext) throws -> Kernel {
        let value = try ctx.tensor("value") ?? Tensor(scalar: Float(0))
        guard value.count == 1 else { throw ctx.invalid("value", "must hold exactly one element, has shape \(value.shape)") }
        return Kernel(label: "fill") { inputs in
            let spec = try inputs.required(0, "input")
            guard spec.elementType == .int64, spec.rank == 1 else {
                throw KernelError("input must be a 1-D int64 shape, got \(spec.elementType) \(spec.shape)")
            }
            let shape = spec.int64s.map { Int($0) }
            let n = try checkedElementCount(shape)
            let es = value.elementType.byteSize
            return [try Tensor.makeRaw(shape, value.elementType) { dst in
                for i in 0..<n { (dst + i * es).copyMemory(from: value.storage.bytes, byteCount: es) }
            }]
        }
    }
}
