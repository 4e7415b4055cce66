/// Folds an inference BatchNormalization into the Conv that feeds it:
/// w'[m] = w[m] * s[m], b'[m] = (b[m] - mean[m]) * s[m] + beta[m], s = scale / sqrt(var + eps).
/// Large weights are not copied: the Conv keeps the model's w and multiplies its product by
/// s in the epilogue (`FusedAttributes.scale`), so a session does not hold a second copy of
/// every conv weight next to the model's (ResNet-50: 94 MB).
enum BatchNormFolding {
    /// Weights of at least this many floats (1 MiB) keep their storage and take the scale in
    /// the epilogue; smaller ones are folded into a copy.
    static let copyLimit = 1 << 18

    static func run(_ graph: Graph) throws -> Graph {
        var g = graph
        let uses = UseMap(g)
        let producers = g.producers()
        var used = g.usedNames()
        var removed = Set<Int>()
        for (i, bn) in g.nodes.enumerated() where bn.opType == "BatchNormalization" {
            guard bn.inputs.count >= 5, bn.outputs.count == 1 || bn.outputs.dropFirst().allSatisfy(\.isEmpty),
                  let params = try? bn.inputs[1...4].map({ name -> [Float] in
                      guard let t = g.initializers[name], t.elementType == .float32 else { throw KernelError("") }
                      return t.floats
                  }),
                  let ci = producers[bn.inputs[0]], !removed.contains(ci) else { continue }
            // Only plain inference BN (per-channel statistics) folds; anything else keeps its
            // own kernel, which reports what it does not support.
            if g.opset < 9, case .int(let spatial)? = bn.attributes["spatial"], spatial != 1 { continue }
            if case .int(let training)? = bn.attributes["training_mode"], training != 0 { continue }
            let conv = g.nodes[ci]
            guard conv.opType == "Conv", conv.inputs.count >= 2, conv.inputs.count <= 3, conv.outputs.count == 1,
                  uses.hasSingleReader(conv.outputs[0]),
                  let w = g.initializers[conv.inputs[1]], w.elementType == .float32, w.rank >= 3 else { continue }
            let m = w.shape[0]
            guard params.allSatisfy({ $0.count == m }) else { continue }
            let epsilon = floatAttribute(bn, "epsilon") ?? 1e-5
            let (scale, beta, mean, variance) = (params[0], params[1], params[2], params[3])
            let s = (0..<m).map { scale[$0] / (variance[$0] + epsilon).squareRoot() }
            let perFilter = w.count / max(m, 1)
            let src = w.pointer(as: Float.self)
            let scaleInEpilogue = w.count >= copyLimit && conv.attributes[FusedAttributes.scale] == nil
            let newW = scaleInEpilogue ? w : try Tensor.makeFloat(w.shape) { dst, _ in
                for f in 0..<m { for i in (f * perFilter)..<((f + 1) * perFilter) { dst[i] = src[i] * s[f] } }
            }
            let oldB: [Float] = conv.inputs.count > 2 && !conv.inputs[2].isEmpty
                ? (g.initializers[conv.inputs[2]]?.floats ?? []) : Array(repeating: 0, count: m)
            guard oldB.count == m else { continue }
            let newB = try Tensor(shape: [m], floats: (0..<m).map { (oldB[$0] - mean[$0]) * s[$0] + beta[$0] })
            // New initializer names: the originals may be shared with other nodes.
            let wName = scaleInEpilogue ? conv.inputs[1] : freshName("\(bn.outputs[0])__folded_W", &used)
            let bName = freshName("\(bn.outputs[0])__folded_B", &used)
            if !scaleInEpilogue { g.initializers[wName] = newW }
            g.initializers[bName] = newB
            var fused = conv
            if scaleInEpilogue { fused.attributes[FusedAttributes.scale] = .floats(s) }
            fused.inputs = [conv.inputs[0], wName, bName]
            fused.outputs = [bn.outputs[0]]
            fused.name = conv.name.isEmpty ? bn.name : conv.name
            g.nodes[ci] = fused
            removed.insert(i)
        }
        g.nodes = g.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        return g
    }
}
