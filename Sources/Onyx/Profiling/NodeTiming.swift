import Dispatch

/// One node execution as the profiler saw it.
public struct NodeTiming: Sendable {
    /// Index of the node in the model's node list.
    public let nodeIndex: Int
    /// Position in execution order.
    public let step: Int
    /// Node name (may be empty).
    public let name: String
    /// ONNX op type.
    public let opType: String
    /// The kernel that ran (e.g. "im2col+sgemm").
    public let kernel: String
    /// Start, in nanoseconds since the run began.
    public let startNanos: UInt64
    /// Wall time of the node.
    public let durationNanos: UInt64
    /// Shape of the first output.
    public let outputShape: [Int]
    /// Floating-point operations (2 per multiply-add) for Conv, Gemm and MatMul; nil otherwise.
    public let flops: Double?
}

/// Collects node timings during one run. It only stores clock readings and shapes while
/// the run goes on; `NodeTiming` values are built afterwards, so profiling adds little
/// to the run itself. Not shared between runs.
final class RunRecorder {
    struct Entry {
        var start: UInt64, end: UInt64
        var shape: [Int]
        var flops: Double
    }
    private var entries: [Entry] = []
    let origin = DispatchTime.now().uptimeNanoseconds

    init(capacity: Int) { entries.reserveCapacity(capacity) }

    @inline(__always) static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    @inline(__always)
    func record(start: UInt64, end: UInt64, flopKind: FlopCount.Kind, inputs: [Tensor?], outputs: [Tensor?]) {
        let out = outputs.first??.shape ?? []
        let flops = flopKind == .none ? -1 : (FlopCount.of(flopKind, inputs: inputs, outputShape: out) ?? -1)
        entries.append(Entry(start: start, end: end, shape: out, flops: flops))
    }

    /// The recorded steps as `NodeTiming`s, in execution order.
    func timings(_ steps: [ExecutionPlan.Step]) -> [NodeTiming] {
        entries.enumerated().map { i, e in
            let step = steps[i]
            return NodeTiming(nodeIndex: step.location.index, step: i, name: step.location.name,
                              opType: step.location.opType, kernel: step.kernel.label,
                              startNanos: e.start - origin, durationNanos: e.end - e.start,
                              outputShape: e.shape, flops: e.flops < 0 ? nil : e.flops)
        }
    }
}

/// Arithmetic work of the compute-heavy ops, from their shapes.
enum FlopCount {
    /// Which formula applies, decided once per node when the plan is built.
    enum Kind: Sendable { case none, conv, gemm, matmul }

    static func kind(of opType: String) -> Kind {
        switch opType {
        case "Conv": return .conv
        case "Gemm": return .gemm
        case "MatMul": return .matmul
        default: return .none
        }
    }

    static func of(_ kind: Kind, inputs: [Tensor?], outputShape: [Int]) -> Double? {
        let outCount = Double(outputShape.reduce(1, *))
        switch kind {
        case .conv:
            // 2 * outputs * (input channels per group * kernel size)
            guard inputs.count > 1, let w = inputs[1], w.rank >= 3 else { return nil }
            return 2 * outCount * Double(w.shape[1...].reduce(1, *))
        case .gemm:
            guard let a = inputs.first ?? nil, outputShape.count == 2, outputShape[0] > 0 else { return nil }
            return 2 * outCount * Double(a.count / outputShape[0])
        case .matmul:
            guard let a = inputs.first ?? nil, let k = a.shape.last else { return nil }
            return 2 * outCount * Double(k)
        case .none:
            return nil
        }
    }
}

extension InferenceSession {
    /// Runs like `run`, also returning how long each node took, in execution order.
    public func runProfiled(_ inputs: [String: Tensor]) throws -> (outputs: [String: Tensor], timings: [NodeTiming]) {
        try InputValidator.validate(inputs, against: model.graph.inputs)
        let recorder = RunRecorder(capacity: plan.steps.count)
        let outputs = try memory.run(inputs) { try plan.execute(inputs, recorder: recorder) }
        return (outputs, recorder.timings(plan.steps))
    }
}
