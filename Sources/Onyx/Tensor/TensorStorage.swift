/// A 64-byte aligned, fixed-size byte buffer. Tensors share storage by reference and
/// treat it as immutable once constructed, which is what makes sharing them across
/// threads safe.
final class TensorStorage: @unchecked Sendable {
    let bytes: UnsafeMutableRawPointer
    let byteCount: Int

    /// Uninitialized storage of `byteCount` bytes.
    init(byteCount: Int) {
        self.byteCount = byteCount
        self.bytes = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
    }

    /// Zero-filled storage.
    convenience init(zeroedByteCount byteCount: Int) {
        self.init(byteCount: byteCount)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
    }

    deinit { bytes.deallocate() }
}
