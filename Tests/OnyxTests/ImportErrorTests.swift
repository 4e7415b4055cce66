import Foundation
import Testing
@testable import Onyx

/// Broken or unsupported models fail at load with an error naming the problem.
@Suite struct ImportErrorTests {
    func loadError(_ data: Data, base: URL? = nil) -> OnyxError? {
        do {
            let model = try Model(data: data, baseDirectory: base)
            _ = try InferenceSession(model: model, options: .init(threads: 1))
            return nil
        } catch let e as OnyxError {
            return e
        } catch {
            Issue.record("non-Onyx error \(error)")
            return nil
        }
    }

    @Test func validModelLoadsAndRuns() throws {
        let model = try Model(data: ModelBuilder.relu().build())
        let session = try InferenceSession(model: model, options: .init(threads: 1))
        let y = try session.run(["x": Tensor(shape: [2, 4], floats: [-1, 2, -3, 4, 5, -6, 7, -8])])["y"]!
        #expect(y.floats == [0, 2, 0, 4, 5, 0, 7, 0])
    }

    @Test func truncatedFile() throws {
        let data = try Data(contentsOf: repoRoot.appendingPathComponent("Models/lenet5/model.onnx"))
        for cut in [data.count / 2, data.count - 3, 17] {
            let e = loadError(data.prefix(cut))
            #expect(e != nil, "truncated to \(cut) bytes should fail")
        }
    }

    @Test func randomBytes() {
        var rng = SystemRandomNumberGenerator()
        var failures = 0
        for _ in 0..<50 {
            let bytes = Data((0..<512).map { _ in UInt8.random(in: 0...255, using: &rng) })
            if loadError(bytes) != nil { failures += 1 }
        }
        #expect(failures == 50)
        #expect(loadError(Data())?.description.contains("empty") == true)
    }

    @Test func rawDataLengthMismatch() {
        var b = ModelBuilder.relu()
        b.initializer("w", dims: [2, 3], floats: [1, 2, 3, 4, 5, 6], rawByteCount: 20)
        let e = loadError(b.build())
        #expect(e?.description.contains("raw_data holds 20 bytes") == true, "\(String(describing: e))")
        #expect(e?.description.contains("'w'") == true)
    }

    @Test func negativeDims() {
        var b = ModelBuilder.relu()
        b.initializer("w", dims: [-2], floats: [])
        #expect(loadError(b.build())?.description.contains("negative dimension -2") == true)
        var c = ModelBuilder.relu()
        c.inputs = [("x", 1, [3, -4])]
        #expect(loadError(c.build())?.description.contains("negative dimension -4") == true)
    }

    @Test func hugeDeclaredDimsFailBeforeAllocating() {
        var b = ModelBuilder.relu()
        b.initializer("w", dims: [1 << 40, 1 << 40], floats: [1])
        let e = loadError(b.build())
        #expect(e?.description.contains("too large") == true, "\(String(describing: e))")
    }

    @Test func unsupportedOpsAreAllListed() {
        var b = ModelBuilder.relu()
        b.nodes = [
            .init(op: "Relu", inputs: ["x"], outputs: ["a"], name: "ok"),
            .init(op: "NonMaxSuppression", inputs: ["a"], outputs: ["b"], name: "nms"),
            .init(op: "FusedThing", inputs: ["b"], outputs: ["y"], name: "custom", domain: "com.example"),
        ]
        let e = loadError(b.build())
        guard case .unsupportedOperators(let nodes)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(nodes.map(\.opType) == ["NonMaxSuppression", "com.example::FusedThing"])
        #expect(nodes.map(\.index) == [1, 2])
        #expect(e!.description.contains("'nms'") && e!.description.contains("opset 13"))
    }

    @Test func opsetOutOfRange() {
        var b = ModelBuilder.relu()
        b.opset = 6
        #expect(loadError(b.build()) == .unsupportedOpset(domain: "", version: 6))
        b.opset = 29   // newer than the pinned onnx package's 28
        #expect(loadError(b.build()) == .unsupportedOpset(domain: "", version: 29))
        b.opset = 28
        #expect(loadError(b.build()) == nil)
    }

    @Test func structuralErrors() {
        var dangling = ModelBuilder.relu()
        dangling.nodes[0].inputs = ["nope"]
        #expect(loadError(dangling.build())?.description.contains("reads 'nope'") == true)

        var cycle = ModelBuilder.relu()
        cycle.nodes = [.init(op: "Relu", inputs: ["b"], outputs: ["a"]), .init(op: "Relu", inputs: ["a"], outputs: ["b"]),
                       .init(op: "Relu", inputs: ["x"], outputs: ["y"])]
        #expect(loadError(cycle.build())?.description.contains("cycle") == true)

        var duplicate = ModelBuilder.relu()
        duplicate.nodes.append(.init(op: "Relu", inputs: ["x"], outputs: ["y"], name: "again"))
        #expect(loadError(duplicate.build())?.description.contains("produced twice") == true)

        var missingOutput = ModelBuilder.relu()
        missingOutput.outputs = [("z", 1, [nil, 4])]
        #expect(loadError(missingOutput.build())?.description.contains("'z' is not produced") == true)
    }

    @Test func invalidAttributeFailsAtLoad() {
        var b = ModelBuilder()
        b.input("x", [1, 1, 4, 4]); b.output("y", [1, 1, 2, 2])
        b.nodes = [.init(op: "MaxPool", inputs: ["x"], outputs: ["y"], name: "pool", ints: ["kernel_shape": [2, 2], "strides": [0, 2]])]
        let e = loadError(b.build())
        #expect(e?.description.contains("invalid attribute 'strides'") == true, "\(String(describing: e))")
        #expect(e?.description.contains("'pool'") == true)
    }

    @Test func missingAndWrongInputs() throws {
        let session = try InferenceSession(model: Model(data: ModelBuilder.relu().build()), options: .init(threads: 1))
        #expect(throws: OnyxError.invalidInput("missing input 'x' (float32 [N, 4])")) { try session.run([:]) }
        let wrong = try Tensor(shape: [2, 3], floats: Array(repeating: 0, count: 6))
        do {
            _ = try session.run(["x": wrong])
            Issue.record("wrong shape accepted")
        } catch let e as OnyxError {
            #expect(e.description.contains("must have shape [N, 4], got [2, 3]"), "\(e)")
        }
        let ints = try Tensor(shape: [1, 4], scalars: [Int64](repeating: 1, count: 4))
        #expect(throws: OnyxError.invalidInput("input 'x' must be float32, got int64")) { try session.run(["x": ints]) }
        #expect(throws: OnyxError.self) { try session.run(["x": wrong, "extra": wrong]) }
    }

    @Test func externalDataInsideFolderLoads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("onyx-ext-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try [Float](arrayLiteral: 1, 2, 3, 4).withUnsafeBytes { Data($0) }.write(to: dir.appendingPathComponent("w.bin"))
        var b = ModelBuilder()
        b.input("x", [4]); b.output("y", [4])
        b.externalInitializer("w", dims: [4], location: "w.bin", length: 16)
        b.nodes = [.init(op: "Add", inputs: ["x", "w"], outputs: ["y"])]
        let session = try InferenceSession(model: Model(data: b.build(), baseDirectory: dir), options: .init(threads: 1))
        let y = try session.run(["x": Tensor(shape: [4], floats: [10, 20, 30, 40])])["y"]!
        #expect(y.floats == [11, 22, 33, 44])
    }

    @Test(arguments: ["../secret.bin", "/etc/passwd", "sub/../../x.bin"])
    func externalDataCannotLeaveFolder(_ location: String) {
        var b = ModelBuilder.relu()
        b.externalInitializer("w", dims: [4], location: location, length: 16)
        let e = loadError(b.build(), base: FileManager.default.temporaryDirectory.appendingPathComponent("m"))
        #expect(e?.description.contains("external data path") == true, "\(String(describing: e))")
    }
}
