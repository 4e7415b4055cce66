import Foundation

/// A loaded, validated ONNX model. Loading fails with every unsupported op listed.
public struct Model: Sendable {
    /// The imported graph.
    public let graph: Graph
    /// The model's IR version.
    public let irVersion: Int
    /// The tool that wrote the model (e.g. "pytorch").
    public let producer: String
    /// Opset version per imported domain ("ai.onnx" for the default domain).
    public let opsets: [String: Int]
    /// Ops in the graph that Onyx cannot run (empty when the model loaded for running).
    public let unsupported: [NodeLocation]

    /// Loads a model file; external data is resolved against its folder.
    public init(contentsOf url: URL) throws {
        try self.init(ModelImporter(baseDirectory: url.deletingLastPathComponent()).importModel(contentsOf: url),
                      allowUnsupported: false)
    }

    /// Loads a model from serialized bytes; `baseDirectory` enables external data.
    public init(data: Data, baseDirectory: URL? = nil) throws {
        try self.init(data: data, baseDirectory: baseDirectory, allowUnsupported: false)
    }

    /// Loads a model for inspection: unsupported ops are recorded in `unsupported`
    /// instead of failing the load.
    public static func inspect(contentsOf url: URL) throws -> Model {
        try Model(ModelImporter(baseDirectory: url.deletingLastPathComponent()).importModel(contentsOf: url),
                  allowUnsupported: true)
    }

    private init(data: Data, baseDirectory: URL?, allowUnsupported: Bool) throws {
        try self.init(ModelImporter(baseDirectory: baseDirectory).importModel(data), allowUnsupported: allowUnsupported)
    }

    private init(_ result: ModelImporter.Result, allowUnsupported: Bool) throws {
        let unsupported = OpRegistry.unsupportedNodes(in: result.graph)
        if !unsupported.isEmpty && !allowUnsupported { throw OnyxError.unsupportedOperators(unsupported) }
        graph = result.graph
        irVersion = result.irVersion
        producer = result.producer
        opsets = result.opsets
        self.unsupported = unsupported
    }
}
