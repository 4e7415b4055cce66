import Dispatch
import Foundation
import OnyxBenchKit
import Testing
@testable import Onyx

/// A few thousand structured mutations of the committed models (and of their input tensors):
/// each must end in an `OnyxError` or a successful load and run, never a crash, and quickly.
@Suite struct MutationTests {
    static let modelNames = ["mlp_fraud", "lenet5", "mobilenet_block", "mobilenet_block_opset9",
                             "resnet_mini", "squeezenet_fire", "mobilenetv3_block", "shufflenet_unit"]
    static let mutationsPerModel = 500
    static let tensorMutations = 600
    /// No single mutation may take longer than this (load + compile + run, debug build).
    static let perMutationLimit = 10.0

    final class Tally: @unchecked Sendable {
        let lock = NSLock()
        var tried = 0, rejected = 0, compiled = 0, ran = 0, crashes = 0, slowest = 0.0
        var slowestWhat = ""
        var problems: [String] = []
        /// Per mutation kind: (tried, rejected).
        var byKind: [String: (Int, Int)] = [:]
        /// Mutations of the always-invalid kinds that were not refused.
        var accepted: [String] = []

        func add(_ outcome: FuzzHarness.Outcome, kind: ModelMutator.Kind, seconds: Double, what: String) {
            lock.lock(); defer { lock.unlock() }
            tried += 1
            byKind["\(kind)", default: (0, 0)].0 += 1
            switch outcome {
            case .rejected: rejected += 1; byKind["\(kind)", default: (0, 0)].1 += 1
            case .compiled: compiled += 1; accepted.append(what)
            case .ran: ran += 1; accepted.append(what)
            case .unexpected(let e): crashes += 1; problems.append("\(what): \(e)")
            }
            if seconds > slowest { slowest = seconds; slowestWhat = what }
            if seconds > MutationTests.perMutationLimit { problems.append("\(what): took \(seconds) s") }
        }
    }

    @Test func mutatedModelsFailPolitely() throws {
        let tally = Tally()
        let start = DispatchTime.now().uptimeNanoseconds
        var jobs: [(ModelMutator, String, Int)] = []
        for name in Self.modelNames {
            let data = try Data(contentsOf: repoRoot.appendingPathComponent("Models/\(name)/model.onnx"))
            let mutator = try #require(ModelMutator(data), "\(name) does not parse as wire format")
            jobs += (0..<Self.mutationsPerModel).map { (mutator, name, $0) }
        }
        let kinds = ModelMutator.Kind.allCases
        let shared = UncheckedSendable(jobs)
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for j in stride(from: worker, to: shared.value.count, by: 2) {
                let (mutator, name, k) = shared.value[j]
                var rng = SplitMix64(seed: UInt64(k) &* 0x9E37 &+ UInt64(name.utf8.count))
                let kind = kinds[k % kinds.count]
                let (data, what) = mutator.mutate(kind, &rng)
                let t0 = DispatchTime.now().uptimeNanoseconds
                let outcome = FuzzHarness.loadAndRun(data)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                tally.add(outcome, kind: kind, seconds: seconds, what: "\(name) #\(k) \(what)")
            }
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("mutations: \(tally.tried) tried, \(tally.rejected) rejected with an error, \(tally.ran) loaded and ran, "
              + "\(tally.compiled) loaded (not run), \(tally.crashes) crashes; "
              + String(format: "%.1f s, slowest %.3f s (%@)", total, tally.slowest, tally.slowestWhat))
        print("mutations by kind (rejected/tried): " + tally.byKind.sorted { $0.key < $1.key }
            .map { "\($0.key) \($0.value.1)/\($0.value.0)" }.joined(separator: ", "))
        #expect(tally.problems.isEmpty, "\(tally.problems.prefix(20).joined(separator: "\n"))")
        #expect(tally.rejected > tally.tried / 2, "most mutations should be refused")
        // These break the graph's structure whatever the model: every one must be refused.
        for kind in ["cycle", "danglingInput", "duplicateOutput"] {
            let (tried, rejected) = tally.byKind[kind] ?? (0, 0)
            let accepted = tally.accepted.filter { $0.contains(" \(kind) ") }.joined(separator: "; ")
            #expect(tried > 0 && rejected == tried, "\(kind): \(rejected) of \(tried) refused; accepted: \(accepted)")
        }
    }

    /// Broken test-data tensors: dims, types and payloads disagree; the reader must refuse
    /// each with an error (or decode it when it happens to stay consistent).
    @Test func mutatedTensorsFailPolitely() throws {
        var protos: [ProtoTree] = []
        for name in Self.modelNames {
            let url = repoRoot.appendingPathComponent("Models/\(name)/test_data_set_0/input_0.pb")
            protos.append(try #require(ProtoTree(Data(contentsOf: url))))
        }
        var rng = SplitMix64(seed: 7)
        var rejected = 0, decoded = 0, problems: [String] = []
        typealias F = OnnxField.Tensor
        for k in 0..<Self.tensorMutations {
            var t = protos[k % protos.count]
            let raw = t.bytes(F.rawData) ?? Data()
            var dims = t.ints(F.dims)
            let choice = k % 6
            switch choice {
            case 0: if !dims.isEmpty { dims[Int(rng.next() % UInt64(dims.count))] = ModelMutator.hostileInts[Int(rng.next() % 10)] }
                    t.setInts(F.dims, dims)
            case 1: t.setInts(F.dataType, [[0, 2, 6, 7, 8, 11, 13, 16, 99][Int(rng.next() % 9)]])
            case 2: t.setBytes(F.rawData, raw.prefix(Int(rng.next() % UInt64(max(1, raw.count)))))
            case 3: t.fields.removeAll { $0.number == F.rawData }
                    t.fields.append((F.floatData, .bytes(Data(repeating: 0, count: 4 * Int(rng.next() % 8)))))
            case 4: t.setInts(F.dims, [1 << 40, 1 << 40])
            default:
                var bytes = [UInt8](t.serialized())
                bytes[Int(rng.next() % UInt64(bytes.count))] ^= 0x80
                t = ProtoTree(Data(bytes)) ?? t
            }
            switch FuzzHarness.readTensor(t.serialized()) {
            case .rejected: rejected += 1
            case .ran, .compiled: decoded += 1
            case .unexpected(let e): problems.append("tensor mutation \(k) (\(choice)): \(e)")
            }
        }
        print("tensor mutations: \(Self.tensorMutations) tried, \(rejected) rejected with an error, \(decoded) decoded, \(problems.count) crashes")
        #expect(problems.isEmpty, "\(problems.prefix(20).joined(separator: "\n"))")
        #expect(rejected > Self.tensorMutations / 2)
    }
}
