/// Comparisons (Equal, Greater, Less, GreaterOrEqual, LessOrEqual) and boolean logic (Not,
/// And, Or, Xor) producing bool tensors, and Where, which picks between two tensors. All
/// broadcast multidirectionally.
enum LogicalOps {
    enum Comparison: String { case equal = "Equal", greater = "Greater", less = "Less",
                                   greaterOrEqual = "GreaterOrEqual", lessOrEqual = "LessOrEqual" }

    static func compare(_ op: Comparison) -> OpRegistry.Factory {
        { _ in
            Kernel(label: "compare") { inputs in
                let a = try inputs.required(0, "A"), b = try inputs.required(1, "B")
                guard a.elementType == b.elementType else {
                    throw KernelError("\(op.rawValue) inputs have different types: \(a.elementType) and \(b.elementType)")
                }
                if a.elementType == .bool {
                    guard op == .equal else { throw KernelError("\(op.rawValue) does not take bool inputs") }
                    return [try broadcastBool(bytes(a), bytes(b), as: UInt8.self) { ($0 != 0) == ($1 != 0) }]
                }
                return [try withArithmeticType(a.elementType, op.rawValue) { t in try compare(op, a, b, t) }]
            }
        }
    }

    private static func compare<T: ArithmeticScalar>(_ op: Comparison, _ a: Tensor, _ b: Tensor, _ t: T.Type) throws -> Tensor {
        switch op {
        case .equal: return try broadcastBool(a, b, as: T.self) { $0 == $1 }
        case .greater: return try broadcastBool(a, b, as: T.self) { $0 > $1 }
        case .less: return try broadcastBool(a, b, as: T.self) { $0 < $1 }
        case .greaterOrEqual: return try broadcastBool(a, b, as: T.self) { $0 >= $1 }
        case .lessOrEqual: return try broadcastBool(a, b, as: T.self) { $0 <= $1 }
        }
    }

    enum Logic: String { case and = "And", or = "Or", xor = "Xor" }

    static func logic(_ op: Logic) -> OpRegistry.Factory {
        { _ in
            Kernel(label: "logic") { inputs in
                let a = try inputs.required(0, "A"), b = try inputs.required(1, "B")
                guard a.elementType == .bool, b.elementType == .bool else {
                    throw KernelError("\(op.rawValue) takes bool inputs, got \(a.elementType) and \(b.elementType)")
                }
                switch op {
                case .and: return [try broadcastBool(bytes(a), bytes(b), as: UInt8.self) { $0 != 0 && $1 != 0 }]
                case .or: return [try broadcastBool(bytes(a), bytes(b), as: UInt8.self) { $0 != 0 || $1 != 0 }]
                case .xor: return [try broadcastBool(bytes(a), bytes(b), as: UInt8.self) { ($0 != 0) != ($1 != 0) }]
                }
            }
        }
    }

    static func not(_ ctx: OpContext) throws -> Kernel {
        Kernel(label: "logic") { inputs in
            let x = try inputs.required(0, "X")
            guard x.elementType == .bool else { throw KernelError("Not takes a bool input, got \(x.elementType)") }
            let px = x.pointer(as: UInt8.self)
            return [try Tensor.makeRaw(x.shape, .bool) { raw in
                let py = raw.assumingMemoryBound(to: UInt8.self)
                for i in 0..<x.count { py[i] = px[i] == 0 ? 1 : 0 }
            }]
        }
    }

    /// out = condition ? X : Y, all three broadcast together.
    static func `where`(_ ctx: OpContext) throws -> Kernel {
        Kernel(label: "where") { inputs in
            let cond = try inputs.required(0, "condition"), x = try inputs.required(1, "X"), y = try inputs.required(2, "Y")
            guard cond.elementType == .bool else { throw KernelError("condition must be bool, got \(cond.elementType)") }
            guard x.elementType == y.elementType else {
                throw KernelError("X is \(x.elementType) but Y is \(y.elementType)")
            }
            let outShape = try Broadcast.shape(cond.shape, Broadcast.shape(x.shape, y.shape))
            // The condition spread to the output's shape, so output offset o reads it at o.
            let spread = try DataMovementOps.stridedCopy(cond, outShape, Broadcast.strides(of: cond.shape, in: outShape))
            let es = x.elementType.byteSize
            let pc = spread.pointer(as: UInt8.self), px = x.storage.bytes, py = y.storage.bytes
            return [try Tensor.makeRaw(outShape, x.elementType) { dst in
                Broadcast.forEachRow(outShape, Broadcast.strides(of: x.shape, in: outShape),
                                     Broadcast.strides(of: y.shape, in: outShape)) { o, ix, iy, n, stepX, stepY in
                    for j in 0..<n {
                        let src = pc[o + j] != 0 ? px + (ix + j * stepX) * es : py + (iy + j * stepY) * es
                        (dst + (o + j) * es).copyMemory(from: src, byteCount: es)
                    }
                }
            }]
        }
    }

    /// A bool tensor's bytes seen as uint8.
    static func bytes(_ t: Tensor) -> Tensor { Tensor(shape: t.shape, elementType: .uint8, storage: t.storage) }
}

/// f over a and b broadcast together, into a bool tensor.
func broadcastBool<T: TensorScalar>(_ a: Tensor, _ b: Tensor, as: T.Type, _ f: (T, T) -> Bool) throws -> Tensor {
    try broadcastMap(a, b, as: T.self, into: .bool) { f($0, $1) ? UInt8(1) : 0 }
}
