import Foundation
import OnyxBenchKit
@testable import Onyx

/// Structured mutations of a real ONNX model: each takes the parsed model apart with
/// `ProtoTree`, breaks one thing the way a hostile or buggy exporter would, and writes it
/// back. `mutate` returns the bytes and a line saying what was done (for failure messages).
struct ModelMutator {
    typealias F = OnnxField
    let model: ProtoTree
    let graph: ProtoTree
    let nodes: [ProtoTree]
    let initializers: [ProtoTree]
    let inputs: [ProtoTree]

    init?(_ data: Data) {
        guard let m = ProtoTree(data), let g = m.messages(F.Model.graph).first else { return nil }
        model = m
        graph = g
        nodes = g.messages(F.Graph.node)
        initializers = g.messages(F.Graph.initializer)
        inputs = g.messages(F.Graph.input)
    }

    /// Values hostile to any integer field: signs, zero, and sizes past every allocation.
    static let hostileInts: [Int64] = [0, -1, -2, 1 << 40, -(1 << 40), .max, .min, 1 << 31, 3, 1000]
    static let hostileFloats: [Float] = [.nan, .infinity, -.infinity, 0, -1, 1e38, -.leastNonzeroMagnitude]
    static let opTypes = ["Conv", "Relu", "Gemm", "MaxPool", "AveragePool", "GlobalAveragePool", "Add", "Mul",
                          "Reshape", "Concat", "Softmax", "Flatten", "BatchNormalization", "Transpose", "Gather",
                          "Unsqueeze", "Squeeze", "Clip", "MatMul", "Pad", "Identity", "Dropout", "NoSuchOp", ""]
    static let attributeNames = ["strides", "pads", "kernel_shape", "dilations", "group", "axis", "axes", "perm",
                                 "auto_pad", "alpha", "beta", "epsilon", "transA", "transB", "ceil_mode",
                                 "count_include_pad", "storage_order", "min", "max", "allowzero", "mode"]

    enum Kind: CaseIterable {
        case initializerDims, initializerType, rawData, initializerValues, inputDims, inputType,
             cycle, danglingInput, duplicateOutput, attributeValue, attributeType, addAttribute,
             kernelBiggerThanInput, opType, dropNode, nodeArity, graphOutput, opset, byteFlip, truncate
    }

    /// Node `i` and every node that reads its outputs, directly or not.
    func descendants(of i: Int) -> [Int] {
        var found = [i], values = Set(nodes[i].strings(F.Node.output))
        for j in nodes.indices where j != i && nodes[j].strings(F.Node.input).contains(where: values.contains) {
            found.append(j)
            values.formUnion(nodes[j].strings(F.Node.output))
        }
        return found
    }

    func mutate(_ kind: Kind, _ rng: inout SplitMix64) -> (data: Data, what: String) {
        var m = model
        var what = "\(kind)"
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        func index(_ n: Int) -> Int { n == 0 ? 0 : Int(rng.next() % UInt64(n)) }
        func editGraph(_ body: (inout ProtoTree) -> Void) { m.updateMessage(F.Model.graph, at: 0, body) }
        func editNode(_ k: Int, _ body: (inout ProtoTree) -> Void) {
            editGraph { $0.updateMessage(F.Graph.node, at: k, body) }
        }

        switch kind {
        case .initializerDims where !initializers.isEmpty:
            let k = index(initializers.count)
            var dims = initializers[k].ints(F.Tensor.dims)
            switch rng.next() % 4 {
            case 0 where !dims.isEmpty: dims[index(dims.count)] = pick(Self.hostileInts)
            case 1: dims.append(pick([1, 2, 1 << 40]))
            case 2 where !dims.isEmpty: dims.removeLast()
            default: dims = dims.map { $0 == 0 ? 1 : $0 * 2 }
            }
            what += " initializer \(k) dims -> \(dims)"
            editGraph { $0.updateMessage(F.Graph.initializer, at: k) { $0.setInts(F.Tensor.dims, dims) } }

        case .initializerType where !initializers.isEmpty:
            let k = index(initializers.count)
            let type = pick([0, 2, 3, 6, 7, 8, 9, 10, 11, 13, 14, 16, 99, -1] as [Int64])
            what += " initializer \(k) data_type -> \(type)"
            editGraph { $0.updateMessage(F.Graph.initializer, at: k) { $0.setInts(F.Tensor.dataType, [type]) } }

        case .rawData where !initializers.isEmpty:
            let k = index(initializers.count)
            let raw = initializers[k].bytes(F.Tensor.rawData) ?? Data()
            let choice = rng.next() % 4
            what += " initializer \(k) raw_data (\(raw.count) bytes): \(["truncated", "one short", "extended", "removed"][Int(choice)])"
            editGraph {
                $0.updateMessage(F.Graph.initializer, at: k) { t in
                    switch choice {
                    case 0: t.setBytes(F.Tensor.rawData, raw.prefix(index(raw.count)))
                    case 1: t.setBytes(F.Tensor.rawData, raw.dropLast())
                    case 2: t.setBytes(F.Tensor.rawData, raw + Data(repeating: 0xff, count: 1 + index(16)))
                    default: t.fields.removeAll { $0.number == F.Tensor.rawData }
                    }
                }
            }

        case .initializerValues where !initializers.isEmpty:
            // Overwrite values in place: shapes for Reshape, indices for Gather, NaN weights.
            let k = index(initializers.count)
            let raw = initializers[k].bytes(F.Tensor.rawData) ?? Data()
            let isInt64 = initializers[k].ints(F.Tensor.dataType) == [7]
            var bytes = [UInt8](raw)
            let width = isInt64 ? 8 : 4
            if bytes.count >= width {
                let at = index(bytes.count / width) * width
                let value: [UInt8] = isInt64
                    ? withUnsafeBytes(of: pick(Self.hostileInts).littleEndian) { Array($0) }
                    : withUnsafeBytes(of: pick(Self.hostileFloats).bitPattern.littleEndian) { Array($0) }
                bytes.replaceSubrange(at..<at + width, with: value)
            }
            what += " initializer \(k) value overwritten (int64: \(isInt64))"
            editGraph { $0.updateMessage(F.Graph.initializer, at: k) { $0.setBytes(F.Tensor.rawData, Data(bytes)) } }

        case .inputDims where !inputs.isEmpty:
            let k = index(inputs.count)
            let choice = rng.next() % 4
            let value = pick(Self.hostileInts)
            what += " graph input \(k) shape: \(["dim -> \(value)", "extra dim", "dropped dim", "symbolic"][Int(choice)])"
            editGraph {
                $0.updateMessage(F.Graph.input, at: k) { vi in
                    vi.updateMessage(F.ValueInfo.type, at: 0) { tp in
                        tp.updateMessage(F.TypeProto.tensorType, at: 0) { tt in
                            tt.updateMessage(F.TensorType.shape, at: 0) { shape in
                                let n = shape.indices(of: F.Shape.dim).count
                                var dim = ProtoTree()
                                switch choice {
                                case 0:
                                    dim.setInts(F.Dimension.value, [value])
                                    let at = shape.indices(of: F.Shape.dim)
                                    if !at.isEmpty { shape.fields[at[index(n)]].value = .bytes(dim.serialized()) }
                                case 1:
                                    dim.setInts(F.Dimension.value, [pick([1, 7, 1 << 20])])
                                    shape.fields.append((F.Shape.dim, .bytes(dim.serialized())))
                                case 2:
                                    if let last = shape.indices(of: F.Shape.dim).last { shape.fields.remove(at: last) }
                                default:
                                    dim.setString(F.Dimension.param, "sym")
                                    let at = shape.indices(of: F.Shape.dim)
                                    if !at.isEmpty { shape.fields[at[index(n)]].value = .bytes(dim.serialized()) }
                                }
                            }
                        }
                    }
                }
            }

        case .inputType where !inputs.isEmpty:
            let k = index(inputs.count)
            let type = pick([0, 2, 3, 6, 7, 8, 9, 10, 11, 16, 30, -5] as [Int64])
            what += " graph input \(k) elem_type -> \(type)"
            editGraph {
                $0.updateMessage(F.Graph.input, at: k) { vi in
                    vi.updateMessage(F.ValueInfo.type, at: 0) { tp in
                        tp.updateMessage(F.TypeProto.tensorType, at: 0) { $0.setInts(F.TensorType.elemType, [type]) }
                    }
                }
            }

        case .cycle where !nodes.isEmpty:
            // Node i reads a value produced by itself or by a node downstream of it.
            let i = index(nodes.count)
            let downstream = descendants(of: i)
            let j = downstream[index(downstream.count)]
            let later = nodes[j].strings(F.Node.output).first ?? "y"
            let slot = index(max(1, nodes[i].strings(F.Node.input).count))
            what += " node \(i) input \(slot) -> '\(later)' (output of node \(j))"
            editNode(i) { n in
                if n.indices(of: F.Node.input).isEmpty { n.fields.append((F.Node.input, .bytes(Data(later.utf8)))) }
                else { n.replaceString(F.Node.input, at: slot, with: later) }
            }

        case .danglingInput where !nodes.isEmpty:
            let i = index(nodes.count)
            let slot = index(max(1, nodes[i].strings(F.Node.input).count))
            what += " node \(i) input \(slot) -> 'nowhere'"
            editNode(i) { n in
                if n.indices(of: F.Node.input).isEmpty { n.fields.append((F.Node.input, .bytes(Data("nowhere".utf8)))) }
                else { n.replaceString(F.Node.input, at: slot, with: "nowhere") }
            }

        case .duplicateOutput where nodes.count > 1:
            let i = index(nodes.count)
            var j = index(nodes.count)
            if j == i { j = (i + 1) % nodes.count }
            let existing = rng.next() % 3 == 0
                ? (inputs.first?.strings(F.ValueInfo.name).first ?? "x")
                : (nodes[j].strings(F.Node.output).first ?? "y")
            what += " node \(i) output -> '\(existing)'"
            editNode(i) { $0.replaceString(F.Node.output, at: 0, with: existing) }

        case .attributeValue, .attributeType:
            let withAttributes = nodes.indices.filter { !nodes[$0].indices(of: F.Node.attribute).isEmpty }
            guard !withAttributes.isEmpty else { break }
            let i = pick(withAttributes)
            let attrs = nodes[i].messages(F.Node.attribute)
            let a = index(attrs.count)
            let name = attrs[a].strings(F.Attribute.name).first ?? ""
            let count = max(1, attrs[a].ints(F.Attribute.ints).count)
            if kind == .attributeType {
                let type = pick([0, 1, 2, 3, 4, 6, 7, 8, 99] as [Int64])
                what += " node \(i) attribute '\(name)' type -> \(type)"
                editNode(i) { $0.updateMessage(F.Node.attribute, at: a) { $0.setInts(F.Attribute.type, [type]) } }
                break
            }
            let v = pick(Self.hostileInts)
            let ints: [Int64] = pick([Array(repeating: v, count: count), [v], [], Array(repeating: v, count: count + 1),
                                      (0..<count).map { Int64($0) - 1 }])
            let f = pick(Self.hostileFloats)
            what += " node \(i) attribute '\(name)' -> i \(v) ints \(ints) f \(f)"
            editNode(i) {
                $0.updateMessage(F.Node.attribute, at: a) { attr in
                    if !attr.indices(of: F.Attribute.i).isEmpty { attr.setInts(F.Attribute.i, [v]) }
                    if !attr.indices(of: F.Attribute.ints).isEmpty { attr.setInts(F.Attribute.ints, ints) }
                    if !attr.indices(of: F.Attribute.f).isEmpty {
                        attr.fields.removeAll { $0.number == F.Attribute.f }
                        attr.fields.append((F.Attribute.f, .fixed32(f.bitPattern)))
                    }
                }
            }

        case .addAttribute where !nodes.isEmpty:
            let i = index(nodes.count)
            let name = pick(Self.attributeNames)
            var attr = ProtoTree()
            attr.setString(F.Attribute.name, name)
            switch rng.next() % 4 {
            case 0:
                let v = pick(Self.hostileInts)
                attr.setInts(F.Attribute.i, [v]); attr.setInts(F.Attribute.type, [2])
                what += " node \(i) new attribute '\(name)' = \(v)"
            case 1:
                let v = pick(Self.hostileInts)
                let ints = Array(repeating: v, count: 1 + index(4))
                attr.setInts(F.Attribute.ints, ints); attr.setInts(F.Attribute.type, [7])
                what += " node \(i) new attribute '\(name)' = \(ints)"
            case 2:
                let f = pick(Self.hostileFloats)
                attr.fields.append((F.Attribute.f, .fixed32(f.bitPattern))); attr.setInts(F.Attribute.type, [1])
                what += " node \(i) new attribute '\(name)' = \(f)"
            default:
                let s = pick(["SAME_UPPER", "VALID", "NOTSET", "SAME_LOWER", "bogus", ""])
                attr.setString(F.Attribute.s, s); attr.setInts(F.Attribute.type, [3])
                what += " node \(i) new attribute '\(name)' = '\(s)'"
            }
            editNode(i) { n in
                n.fields.removeAll { f in
                    guard f.number == F.Node.attribute, case .bytes(let d) = f.value else { return false }
                    return ProtoTree(d)?.strings(F.Attribute.name).first == name
                }
                n.fields.append((F.Node.attribute, .bytes(attr.serialized())))
            }

        case .kernelBiggerThanInput:
            let windowed = nodes.indices.filter {
                ["Conv", "MaxPool", "AveragePool"].contains(nodes[$0].strings(F.Node.opType).first ?? "")
            }
            guard !windowed.isEmpty else { break }
            let i = pick(windowed)
            let size = pick([64, 1000, 1 << 20] as [Int64])
            let strides = pick([[1, 1], [0, 0], [-1, -1], [size, size]] as [[Int64]])
            what += " node \(i) kernel_shape [\(size), \(size)] strides \(strides)"
            editNode(i) { n in
                n.fields.removeAll { f in
                    guard f.number == F.Node.attribute, case .bytes(let d) = f.value else { return false }
                    return ["kernel_shape", "strides"].contains(ProtoTree(d)?.strings(F.Attribute.name).first ?? "")
                }
                for (name, ints) in [("kernel_shape", [size, size]), ("strides", strides)] {
                    var attr = ProtoTree()
                    attr.setString(F.Attribute.name, name)
                    attr.setInts(F.Attribute.ints, ints)
                    attr.setInts(F.Attribute.type, [7])
                    n.fields.append((F.Node.attribute, .bytes(attr.serialized())))
                }
            }

        case .opType where !nodes.isEmpty:
            let i = index(nodes.count)
            let op = pick(Self.opTypes)
            what += " node \(i) op_type -> '\(op)'"
            editNode(i) { $0.setString(F.Node.opType, op) }

        case .dropNode where !nodes.isEmpty:
            let i = index(nodes.count)
            what += " node \(i) removed"
            editGraph { g in
                let at = g.indices(of: F.Graph.node)
                g.fields.remove(at: at[i])
            }

        case .nodeArity where !nodes.isEmpty:
            let i = index(nodes.count)
            let drop = rng.next() % 2 == 0
            let extra = nodes[index(nodes.count)].strings(F.Node.output).first ?? "x"
            what += drop ? " node \(i) loses its last input" : " node \(i) gets extra input '\(extra)'"
            editNode(i) { n in
                if drop { if let last = n.indices(of: F.Node.input).last { n.fields.remove(at: last) } }
                else { n.fields.append((F.Node.input, .bytes(Data(extra.utf8)))) }
            }

        case .graphOutput:
            let choice = rng.next() % 3
            what += " graph output " + ["renamed to 'ghost'", "duplicated", "all removed"][Int(choice)]
            editGraph { g in
                let at = g.indices(of: F.Graph.output)
                guard let first = at.first else { return }
                switch choice {
                case 0: g.updateMessage(F.Graph.output, at: 0) { $0.setString(F.ValueInfo.name, "ghost") }
                case 1: g.fields.append(g.fields[first])
                default: g.fields.removeAll { $0.number == F.Graph.output }
                }
            }

        case .opset:
            let v = pick([0, 1, 6, 7, 9, 11, 26, 1000, -1] as [Int64])
            what += " default opset -> \(v)"
            m.updateMessage(F.Model.opsetImport, at: 0) { $0.setInts(F.OpsetID.version, [v]) }

        case .byteFlip:
            var bytes = [UInt8](model.serialized())
            let flips = 1 + index(8)
            for _ in 0..<flips { bytes[index(bytes.count)] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8)) }
            return (Data(bytes), what + " (\(flips) bits)")

        case .truncate:
            let data = model.serialized()
            let cut = index(data.count)
            return (data.prefix(cut), what + " at \(cut) of \(data.count) bytes")

        default:
            break
        }
        let data = m.serialized()
        if data == model.serialized() { what += " (not applicable: model unchanged)" }
        return (data, what)
    }
}
