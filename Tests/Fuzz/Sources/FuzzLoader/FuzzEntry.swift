import Foundation

/// libFuzzer's entry point: every input goes through `FuzzHarness.exercise`. A trap, a
/// sanitizer report or an error that is not an `OnyxError` stops the run and saves the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    if case .unexpected(let what) = FuzzHarness.exercise(data) {
        fatalError("fuzz finding: \(what)")
    }
    return 0
}
