import Foundation
import Onyx

/// What the fuzz target does with one input, shared by the libFuzzer executable
/// (Tests/Fuzz, which links this file) and the regression replay in `swift test`.
///
/// The bytes go to both readers: `Tensor(protoData:)` and `Model(data:)`. A model that
/// loads is compiled into a session (so every attribute check runs) and, when its declared
/// inputs are small, run once on made-up inputs. Anything but an `OnyxError` is a finding.
enum FuzzHarness {
    enum Outcome: Equatable {
        /// The model bytes were refused with an `OnyxError` (at load, compile or run).
        case rejected
        /// Loaded and compiled, but not run (inputs unknown or too large to make up).
        case compiled
        /// Loaded, compiled and ran.
        case ran
        /// A thrown error that is not an `OnyxError`: a bug.
        case unexpected(String)
    }

    /// Largest made-up input (elements per input) the harness feeds to a compiled model.
    static let maxInputElements = 1 << 14

    /// Feeds `data` to both readers and reports what the model reader made of it.
    static func exercise(_ data: Data) -> Outcome {
        if case .unexpected(let e) = readTensor(data) { return .unexpected(e) }
        return loadAndRun(data)
    }

    /// `Tensor(protoData:)`, then a round trip through `protoData()` when it decoded.
    static func readTensor(_ data: Data) -> Outcome {
        do {
            let t = try Tensor(protoData: data)
            let again = try Tensor(protoData: t.protoData())
            guard again.shape == t.shape, again.elementType == t.elementType else {
                return .unexpected("tensor round trip changed \(t.shape) \(t.elementType) to \(again.shape) \(again.elementType)")
            }
            return .ran
        } catch is OnyxError {
            return .rejected
        } catch {
            return .unexpected("Tensor(protoData:) threw \(type(of: error)): \(error)")
        }
    }

    static func loadAndRun(_ data: Data) -> Outcome {
        let session: InferenceSession
        do {
            session = try InferenceSession(model: Model(data: data), options: .init(threads: 1))
        } catch is OnyxError {
            return .rejected
        } catch {
            return .unexpected("load threw \(type(of: error)): \(error)")
        }
        guard let feeds = madeUpInputs(session.inputs) else { return .compiled }
        do {
            _ = try session.run(feeds)
            return .ran
        } catch is OnyxError {
            return .rejected
        } catch {
            return .unexpected("run threw \(type(of: error)): \(error)")
        }
    }

    /// Inputs matching the declared ones (unknown and symbolic dims become 1), or nil when
    /// a declared input is too large or has no known rank.
    static func madeUpInputs(_ declared: [ValueInfo]) -> [String: Tensor]? {
        var feeds: [String: Tensor] = [:]
        for info in declared {
            guard let dims = info.shape else { return nil }
            var shape: [Int] = []
            var count = 1
            for d in dims {
                let n: Int
                if case .fixed(let v) = d { n = v } else { n = 1 }
                guard n <= maxInputElements else { return nil }
                count *= n
                guard count <= maxInputElements else { return nil }
                shape.append(n)
            }
            let type = info.elementType ?? .float32
            if type == .float32 {
                // Small varied values: some negative, some zero, none huge.
                let values = (0..<count).map { Float(($0 * 7) % 11) * 0.25 - 1 }
                feeds[info.name] = try? Tensor(shape: shape, floats: values)
            } else {
                feeds[info.name] = Tensor(zeros: shape, elementType: type)
            }
        }
        return feeds
    }
}
