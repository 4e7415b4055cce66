/// The compiled graph: kernels in order, values numbered, and each value's last use so
/// intermediates are released as soon as nothing reads them.
struct ExecutionPlan: Sendable {
    struct Step: Sendable {
        let kernel: Kernel
        let location: NodeLocation
        let inputs: [Int?]
        let outputs: [Int?]
        /// Values whose last reader is this step.
        let releases: [Int]
        /// How the profiler counts this node's arithmetic.
        let flopKind: FlopCount.Kind
    }

    let steps: [Step]
    let valueCount: Int
    let valueIDs: [String: Int]
    let constants: [(Int, Tensor)]
    let outputIDs: [(String, Int)]

    init(graph: Graph, threads: Int = 1) throws {
        var ids: [String: Int] = [:]
        func id(_ name: String) -> Int {
            if let i = ids[name] { return i }
            ids[name] = ids.count
            return ids.count - 1
        }
        for input in graph.inputs { _ = id(input.name) }
        let constants = graph.initializers.map { (id($0.key), $0.value) }
        var compiled: [(Kernel, NodeLocation, [Int?], [Int?])] = []
        for node in graph.nodes {
            guard let factory = OpRegistry.factories[node.opType] else {
                throw OnyxError.unsupportedOperators([NodeLocation(name: node.name, opType: node.opType, index: node.index, opset: graph.opset)])
            }
            let ctx = OpContext(node: node, opset: graph.opset, constants: graph.initializers, threads: threads)
            let kernel = try factory(ctx)
            compiled.append((kernel, ctx.location,
                             node.inputs.map { $0.isEmpty ? nil : id($0) },
                             node.outputs.map { $0.isEmpty ? nil : id($0) }))
        }
        let outputIDs = graph.outputs.map { ($0.name, id($0.name)) }
        // Last reader of each value; graph outputs and constants are never released.
        var lastUse: [Int: Int] = [:]
        for (i, step) in compiled.enumerated() { for v in step.2.compactMap({ $0 }) { lastUse[v] = i } }
        let pinned = Set(outputIDs.map(\.1)).union(constants.map(\.0))
        var releases = [[Int]](repeating: [], count: compiled.count)
        for (v, i) in lastUse where !pinned.contains(v) { releases[i].append(v) }
        steps = compiled.enumerated().map { i, c in
            Step(kernel: c.0, location: c.1, inputs: c.2, outputs: c.3, releases: releases[i],
                 flopKind: FlopCount.kind(of: c.1.opType))
        }
        valueCount = ids.count
        valueIDs = ids
        self.constants = constants
        self.outputIDs = outputIDs
    }

    func execute(_ feeds: [String: Tensor], recorder: RunRecorder? = nil) throws -> [String: Tensor] {
        var values = [Tensor?](repeating: nil, count: valueCount)
        for (i, t) in constants { values[i] = t }
        for (name, t) in feeds { if let i = valueIDs[name] { values[i] = t } }
        for step in steps {
            let args = step.inputs.map { $0.flatMap { values[$0] } }
            let results: [Tensor?]
            let start = recorder == nil ? 0 : RunRecorder.now()
            do {
                results = try step.kernel.run(args)
            } catch let e as KernelError {
                throw OnyxError.nodeFailed(step.location, reason: e.message)
            }
            if let recorder {
                recorder.record(start: start, end: RunRecorder.now(), flopKind: step.flopKind, inputs: args, outputs: results)
            }
            for (slot, result) in zip(step.outputs, results) { if let slot { values[slot] = result } }
            for v in step.releases { values[v] = nil }
        }
        var out: [String: Tensor] = [:]
        for (name, i) in outputIDs {
            guard let t = values[i] else {
                throw OnyxError.invalidModel("graph output '\(name)' was not computed")
            }
            out[name] = t
        }
        return out
    }
}
