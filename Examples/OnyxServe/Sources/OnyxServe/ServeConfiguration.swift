import Foundation

/// Everything `onyx-serve` can be told: read from flags, then environment variables, then defaults.
public struct ServeConfiguration: Sendable, Equatable {
    /// Path of the ONNX model to serve.
    public var modelPath: String
    /// Name the model is served under (`/v2/models/{name}`).
    public var modelName: String
    /// Address to bind.
    public var host: String
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// Threads for the inference session.
    public var threads: Int
    /// Most rows stacked into one batched run.
    public var maxBatchSize: Int
    /// Longest a request waits for others to join its batch, in milliseconds.
    public var maxQueueDelayMilliseconds: Double
    /// Most requests waiting for the batcher; beyond it requests get 503.
    public var maxQueueSize: Int
    /// Deadline of a request in the batcher's queue, in milliseconds; beyond it 504.
    public var requestTimeoutMilliseconds: Double
    /// Largest request body accepted; beyond it 413.
    public var maxBodyBytes: Int
    /// Seconds between SIGTERM (readiness turns false) and the server stopping.
    public var drainDelaySeconds: Double
    /// Seconds between returns of freed heap memory to the system (0: never).
    public var memoryTrimSeconds: Double

    /// The defaults, serving `modelPath` under its folder's name.
    public init(modelPath: String, modelName: String? = nil, host: String = "127.0.0.1", port: Int = 8080,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount, maxBatchSize: Int = 16,
                maxQueueDelayMilliseconds: Double = 2, maxQueueSize: Int = 256,
                requestTimeoutMilliseconds: Double = 1000, maxBodyBytes: Int = 8 << 20,
                drainDelaySeconds: Double = 5, memoryTrimSeconds: Double = 10) {
        self.modelPath = modelPath
        self.modelName = modelName ?? Self.defaultModelName(for: modelPath)
        self.host = host
        self.port = port
        self.threads = threads
        self.maxBatchSize = maxBatchSize
        self.maxQueueDelayMilliseconds = maxQueueDelayMilliseconds
        self.maxQueueSize = maxQueueSize
        self.requestTimeoutMilliseconds = requestTimeoutMilliseconds
        self.maxBodyBytes = maxBodyBytes
        self.drainDelaySeconds = drainDelaySeconds
        self.memoryTrimSeconds = memoryTrimSeconds
    }

    /// The model's folder name (`Models/mlp_fraud/model.onnx` → `mlp_fraud`), or the file's
    /// name without extension when the folder says nothing.
    public static func defaultModelName(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().lastPathComponent
        if !folder.isEmpty, folder != "/", folder != "." { return folder }
        return url.deletingPathExtension().lastPathComponent
    }
}
