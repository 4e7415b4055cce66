/// Every op Onyx runs, by ONNX op type. Semantics follow the op version that the
/// model's default-domain opset selects (factories branch on `ctx.opset`).
enum OpRegistry {
    typealias Factory = @Sendable (OpContext) throws -> Kernel

    static let factories: [String: Factory] = [
        "Conv": ConvOp.make,
        "Gemm": GemmOp.gemm,
        "MatMul": GemmOp.matmul,
        "Relu": UnaryOps.relu,
        "LeakyRelu": UnaryOps.leakyRelu,
        "Sigmoid": UnaryOps.sigmoid,
        "Tanh": UnaryOps.tanh,
        "Clip": UnaryOps.clip,
        "Exp": UnaryOps.exp,
        "Log": UnaryOps.log,
        "Sqrt": UnaryOps.sqrt,
        "Abs": UnaryOps.signed("Abs"),
        "Neg": UnaryOps.signed("Neg"),
        "Softmax": SoftmaxOps.make(log: false),
        "LogSoftmax": SoftmaxOps.make(log: true),
        "MaxPool": PoolingOps.make(.max),
        "AveragePool": PoolingOps.make(.average),
        "GlobalAveragePool": PoolingOps.global(.average),
        "GlobalMaxPool": PoolingOps.global(.max),
        "BatchNormalization": NormalizationOps.batchNorm,
        "LRN": NormalizationOps.lrn,
        "Add": ElementwiseOps.binary(.add),
        "Sub": ElementwiseOps.binary(.sub),
        "Mul": ElementwiseOps.binary(.mul),
        "Div": ElementwiseOps.binary(.div),
        "Sum": ElementwiseOps.variadic(.add),
        "Max": ElementwiseOps.variadic(.max),
        "Min": ElementwiseOps.variadic(.min),
        "HardSigmoid": ActivationOps.hardSigmoid,
        "HardSwish": ActivationOps.hardSwish,
        "Elu": ActivationOps.elu,
        "Selu": ActivationOps.selu,
        "Softplus": ActivationOps.softplus,
        "Softsign": ActivationOps.softsign,
        "PRelu": ActivationOps.prelu,
        "Reciprocal": UnaryOps.reciprocal,
        "Floor": UnaryOps.floor,
        "Ceil": UnaryOps.ceil,
        "Erf": UnaryOps.erf,
        "Sin": UnaryOps.sin,
        "Cos": UnaryOps.cos,
        "Pow": ElementwiseOps.pow,
        "Mean": ElementwiseOps.mean,
        "ReduceSum": ReduceOps.make(.sum),
        "ReduceMean": ReduceOps.make(.mean),
        "ReduceMax": ReduceOps.make(.max),
        "ReduceMin": ReduceOps.make(.min),
        "Cast": CastOps.cast,
        "Slice": DataMovementOps.slice,
        "Split": DataMovementOps.split,
        "Concat": DataMovementOps.concat,
        "Transpose": DataMovementOps.transpose,
        "Gather": DataMovementOps.gather,
        "Pad": DataMovementOps.pad,
        "Flatten": ShapeOps.flatten,
        "Reshape": ShapeOps.reshape,
        "Squeeze": ShapeOps.squeeze,
        "Unsqueeze": ShapeOps.unsqueeze,
        "Dropout": ShapeOps.dropout,
        "Identity": ShapeOps.identity,
        "Shape": ShapeOps.shape,
        "Constant": ConstantOps.constant,
        "ConstantOfShape": ConstantOps.constantOfShape,
    ]

    /// The op types Onyx supports, sorted.
    static var supportedOpTypes: [String] { factories.keys.sorted() }

    /// Nodes whose op type has no factory, in graph order.
    static func unsupportedNodes(in graph: Graph) -> [NodeLocation] {
        graph.nodes.sorted { $0.index < $1.index }.compactMap { node in
            factories[node.opType] == nil
                ? NodeLocation(name: node.name, opType: node.opType, index: node.index, opset: graph.opset) : nil
        }
    }
}
