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

/// Collects node timings during one run. Not shared between runs.
final class RunRecorder {
    private(set) var timings: [NodeTiming] = []
    let origin = DispatchTime.now().uptimeNanoseconds

    init(capacity: Int) { timings.reserveCapacity(capacity) }

    @inline(__always) static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    func record(step: Int, location: NodeLocation, kernel: String, start: UInt64, end: UInt64,
                inputs: [Tensor?], outputs: [Tensor?]) {
        let out = outputs.first??.shape ?? []
        timings.append(NodeTiming(
            nodeIndex: location.index, step: step, name: location.name, opType: location.opType, kernel: kernel,
            startNanos: start - origin, durationNanos: end - start, outputShape: out,
            flops: FlopCount.of(opType: location.opType, inputs: inputs, outputShape: out)))
    }
}

/// Arithmetic work of the compute-heavy ops, from their shapes.
enum FlopCount {
    static func of(opType: String, inputs: [Tensor?], outputShape: [Int]) -> Double? {
        let outCount = Double(outputShape.reduce(1, *))
        switch opType {
        case "Conv":
            // 2 * outputs * (input channels per group * kernel size)
            guard inputs.count > 1, let w = inputs[1], w.rank >= 3 else { return nil }
            return 2 * outCount * Double(w.shape[1...].reduce(1, *))
        case "Gemm":
            guard let a = inputs.first ?? nil, outputShape.count == 2, outputShape[0] > 0 else { return nil }
            return 2 * outCount * Double(a.count / outputShape[0])
        case "MatMul":
            guard let a = inputs.first ?? nil, let k = a.shape.last else { return nil }
            return 2 * outCount * Double(k)
        default:
            return nil
        }
    }
}

extension InferenceSession {
    /// Runs like `run`, also returning how long each node took, in execution order.
    public func runProfiled(_ inputs: [String: Tensor]) throws -> (outputs: [String: Tensor], timings: [NodeTiming]) {
        try InputValidator.validate(inputs, against: model.graph.inputs)
        let recorder = RunRecorder(capacity: plan.steps.count)
        let outputs = try plan.execute(inputs, recorder: recorder)
        return (outputs, recorder.timings)
    }
}
