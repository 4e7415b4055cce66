import Foundation
import Testing
@testable import Onyx

@Suite struct TensorTests {
    @Test func protoRoundTrip() throws {
        let t = try Tensor(shape: [2, 3], floats: [1, -2, 3.5, 0, 1e-8, 7])
        let (name, back) = try Tensor.fromProto(t.protoData(name: "probs"))
        #expect(name == "probs")
        #expect(back.shape == [2, 3] && back.elementType == .float32)
        #expect(back.floats == t.floats)
        let i = try Tensor(shape: [3], scalars: [Int64(-1), 0, 1 << 40])
        #expect(try Tensor(protoData: i.protoData()).scalars(as: Int64.self) == [-1, 0, 1 << 40])
    }

    @Test func scalarAndEmptyTensors() throws {
        let s = Tensor(scalar: Float(3))
        #expect(s.shape == [] && s.count == 1)
        #expect(try Tensor(protoData: s.protoData()).floats == [3])
        let e = try Tensor(shape: [0, 4], floats: [])
        #expect(try Tensor(protoData: e.protoData()).shape == [0, 4])
    }

    @Test func countMismatchIsAnError() {
        #expect(throws: OnyxError.self) { try Tensor(shape: [2, 2], floats: [1, 2, 3]) }
        #expect(throws: OnyxError.self) { try Tensor(shape: [1], scalars: [Int64(1)]).scalars(as: Float.self) }
        #expect(throws: OnyxError.self) { try Tensor(protoData: Data([0xff, 0xff, 0xff])) }
    }
}
