import Foundation
@testable import Onyx

/// Builds small ONNX models as protobuf bytes, for tests that need malformed or unusual
/// models the Python generator would refuse to write.
struct ModelBuilder {
    struct NodeSpec {
        var op: String
        var inputs: [String]
        var outputs: [String]
        var name = ""
        var domain = ""
        var ints: [String: [Int64]] = [:]
        var int: [String: Int64] = [:]
    }

    var opset: Int64 = 13
    var extraOpsets: [(String, Int64)] = []
    var nodes: [NodeSpec] = []
    var inputs: [(String, Int32, [Int64?])] = []
    var outputs: [(String, Int32, [Int64?])] = []
    var initializers: [Data] = []

    mutating func input(_ name: String, _ dims: [Int64?], type: Int32 = 1) { inputs.append((name, type, dims)) }
    mutating func output(_ name: String, _ dims: [Int64?], type: Int32 = 1) { outputs.append((name, type, dims)) }

    /// A float initializer with raw_data (byte count may be made wrong on purpose).
    mutating func initializer(_ name: String, dims: [Int64], floats: [Float], rawByteCount: Int? = nil) {
        var t = ProtoWriter()
        for d in dims { t.varintField(1, UInt64(bitPattern: d)) }
        t.varintField(2, 1)
        t.bytesField(8, Data(name.utf8))
        var raw = floats.withUnsafeBytes { Data($0) }
        if let n = rawByteCount { raw = Data(raw.prefix(n)) + Data(repeating: 0, count: max(0, n - raw.count)) }
        t.bytesField(9, raw)
        initializers.append(t.data)
    }

    /// An int64 initializer with raw_data.
    mutating func initializer(_ name: String, dims: [Int64], int64s: [Int64]) {
        var t = ProtoWriter()
        for d in dims { t.varintField(1, UInt64(bitPattern: d)) }
        t.varintField(2, 7)
        t.bytesField(8, Data(name.utf8))
        t.bytesField(9, int64s.withUnsafeBytes { Data($0) })
        initializers.append(t.data)
    }

    /// A float initializer stored in an external file.
    mutating func externalInitializer(_ name: String, dims: [Int64], location: String, length: Int) {
        var t = ProtoWriter()
        for d in dims { t.varintField(1, UInt64(bitPattern: d)) }
        t.varintField(2, 1)
        t.bytesField(8, Data(name.utf8))
        for (k, v) in [("location", location), ("offset", "0"), ("length", "\(length)")] {
            var e = ProtoWriter()
            e.bytesField(1, Data(k.utf8)); e.bytesField(2, Data(v.utf8))
            t.bytesField(13, e.data)
        }
        t.varintField(14, 1)
        initializers.append(t.data)
    }

    private func valueInfo(_ v: (String, Int32, [Int64?])) -> Data {
        var shape = ProtoWriter()
        for (axis, d) in v.2.enumerated() {
            var dim = ProtoWriter()
            // Unknown dims get symbolic names: "N" for the first axis, "D<axis>" after it.
            if let d { dim.varintField(1, UInt64(bitPattern: d)) } else { dim.bytesField(2, Data((axis == 0 ? "N" : "D\(axis)").utf8)) }
            shape.bytesField(1, dim.data)
        }
        var tensor = ProtoWriter()
        tensor.varintField(1, UInt64(v.1))
        tensor.bytesField(2, shape.data)
        var type = ProtoWriter()
        type.bytesField(1, tensor.data)
        var info = ProtoWriter()
        info.bytesField(1, Data(v.0.utf8))
        info.bytesField(2, type.data)
        return info.data
    }

    func build() -> Data {
        var graph = ProtoWriter()
        for n in nodes {
            var node = ProtoWriter()
            for i in n.inputs { node.bytesField(1, Data(i.utf8)) }
            for o in n.outputs { node.bytesField(2, Data(o.utf8)) }
            node.bytesField(3, Data(n.name.utf8))
            node.bytesField(4, Data(n.op.utf8))
            if !n.domain.isEmpty { node.bytesField(7, Data(n.domain.utf8)) }
            for (k, v) in n.ints {
                var a = ProtoWriter()
                a.bytesField(1, Data(k.utf8))
                for x in v { a.varintField(8, UInt64(bitPattern: x)) }
                a.varintField(20, 7)
                node.bytesField(5, a.data)
            }
            for (k, v) in n.int {
                var a = ProtoWriter()
                a.bytesField(1, Data(k.utf8))
                a.varintField(3, UInt64(bitPattern: v))
                a.varintField(20, 2)
                node.bytesField(5, a.data)
            }
            graph.bytesField(1, node.data)
        }
        graph.bytesField(2, Data("test".utf8))
        for t in initializers { graph.bytesField(5, t) }
        for i in inputs { graph.bytesField(11, valueInfo(i)) }
        for o in outputs { graph.bytesField(12, valueInfo(o)) }
        var model = ProtoWriter()
        model.varintField(1, 8)
        for (domain, version) in [("", opset)] + extraOpsets {
            var imp = ProtoWriter()
            imp.bytesField(1, Data(domain.utf8))
            imp.varintField(2, UInt64(version))
            model.bytesField(8, imp.data)
        }
        model.bytesField(7, graph.data)
        return model.data
    }

    /// x[N,4] -> Relu -> y, the smallest useful model.
    static func relu() -> ModelBuilder {
        var b = ModelBuilder()
        b.input("x", [nil, 4])
        b.output("y", [nil, 4])
        b.nodes = [NodeSpec(op: "Relu", inputs: ["x"], outputs: ["y"], name: "relu0")]
        return b
    }
}
