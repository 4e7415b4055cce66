import Foundation

/// Add, Sub, Mul, Div (multidirectional broadcast) and the variadic Sum, Max, Min.
enum ElementwiseOps {
    enum Binary: String { case add = "Add", sub = "Sub", mul = "Mul", div = "Div", max = "Max", min = "Min" }

    static func apply(_ op: Binary, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.elementType == b.elementType else {
            throw KernelError("\(op.rawValue) inputs have different types: \(a.elementType) and \(b.elementType)")
        }
        return try withArithmeticType(a.elementType, op.rawValue) { try typed(op, a, b, $0) }
    }

    private static func typed<T: ArithmeticScalar>(_ op: Binary, _ a: Tensor, _ b: Tensor, _ t: T.Type) throws -> Tensor {
        switch op {
        case .add: return try broadcastBinary(a, b, as: T.self) { T.add($0, $1) }
        case .sub: return try broadcastBinary(a, b, as: T.self) { T.sub($0, $1) }
        case .mul: return try broadcastBinary(a, b, as: T.self) { T.mul($0, $1) }
        case .div: return try broadcastBinary(a, b, as: T.self) { try T.divide($0, $1) }
        case .max: return try broadcastBinary(a, b, as: T.self) { Swift.max($0, $1) }
        case .min: return try broadcastBinary(a, b, as: T.self) { Swift.min($0, $1) }
        }
    }

    static func binary(_ op: Binary) -> OpRegistry.Factory {
        { ctx in
            guard ctx.node.inputs.count == 2 else {
                throw ctx.invalid("inputs", "\(op.rawValue) takes 2 inputs, got \(ctx.node.inputs.count)")
            }
            return Kernel(label: "broadcast") { inputs in
                [try apply(op, inputs.required(0, "A"), inputs.required(1, "B"))]
            }
        }
    }

    /// Sum, Max, Min over one or more inputs, folding pairwise with broadcasting.
    static func variadic(_ op: Binary) -> OpRegistry.Factory {
        { ctx in
            guard !ctx.node.inputs.isEmpty else {
                throw ctx.invalid("inputs", "\(ctx.node.opType) needs at least one input")
            }
            return Kernel(label: "broadcast") { inputs in
                var acc = try inputs.required(0, "data_0")
                for i in 1..<max(inputs.count, 1) {
                    acc = try apply(op, acc, inputs.required(i, "data_\(i)"))
                }
                return [acc]
            }
        }
    }
}
