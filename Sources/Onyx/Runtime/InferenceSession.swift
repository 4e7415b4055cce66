import Dispatch
import Foundation

/// Runs a `Model`. Kernels are compiled once at creation (attributes checked then);
/// `run` keeps all per-call state on its own stack, so it is safe to call from many
/// threads at once.
public final class InferenceSession: @unchecked Sendable {
    /// Session settings.
    public struct Options: Sendable {
        /// Threads for compute. Onyx splits its kernels (sgemm included) over this many
        /// threads of a persistent pool; OpenBLAS's own pool is kept at one thread.
        public var threads: Int
        /// Run the graph optimizations (constant folding, BatchNormalization folding,
        /// activation and residual-add fusion, Identity/Dropout and dead-node removal).
        public var optimize: Bool
        /// Creates options; `threads` defaults to the cores available.
        public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount, optimize: Bool = true) {
            self.threads = max(1, threads)
            self.optimize = optimize
        }
    }

    /// The model this session runs.
    public let model: Model
    /// The options it was created with.
    public let options: Options
    let plan: ExecutionPlan
    /// The graph the session runs (after optimization when enabled).
    public let graph: Graph
    /// Memory plans per input signature (see `MemoryPlan`).
    let memory = MemoryPlanCache()
    /// Milliseconds spent optimizing the graph and compiling the plan at creation.
    public let preparationMilliseconds: (optimize: Double, plan: Double)

    /// Graph inputs the caller must feed.
    public var inputs: [ValueInfo] { model.graph.inputs }
    /// Graph outputs `run` returns.
    public var outputs: [ValueInfo] { model.graph.outputs }

    /// Compiles every node of `model`; throws on the first invalid attribute.
    public init(model: Model, options: Options = Options()) throws {
        self.model = model
        self.options = options
        Sgemm.configureOpenBLAS()
        let t0 = DispatchTime.now().uptimeNanoseconds
        graph = options.optimize ? try GraphOptimizer.optimize(model.graph) : model.graph
        let t1 = DispatchTime.now().uptimeNanoseconds
        plan = try ExecutionPlan(graph: graph, threads: options.threads)
        let t2 = DispatchTime.now().uptimeNanoseconds
        preparationMilliseconds = (Double(t1 - t0) / 1e6, Double(t2 - t1) / 1e6)
    }

    /// Convenience: load and compile a model file.
    public convenience init(contentsOf url: URL, options: Options = Options()) throws {
        try self.init(model: Model(contentsOf: url), options: options)
    }

    /// Runs the model on `inputs` (by graph input name) and returns every graph output by name.
    /// The first run with given input shapes records where its buffers live; later runs with
    /// the same shapes lay every intermediate tensor into one arena planned by liveness.
    public func run(_ inputs: [String: Tensor]) throws -> [String: Tensor] {
        try InputValidator.validate(inputs, against: model.graph.inputs)
        return try memory.run(inputs) { try plan.execute(inputs) }
    }

    /// Runs the model and returns the outputs in graph order.
    public func runOrdered(_ inputs: [String: Tensor]) throws -> [Tensor] {
        let byName = try run(inputs)
        return graph.outputs.map { byName[$0.name]! }
    }
}
