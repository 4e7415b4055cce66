/// A 64-byte aligned, fixed-size byte buffer. Tensors share storage by reference and
/// treat it as immutable once constructed, which is what makes sharing them across
/// threads safe. During a run the memory comes from the run's planned arena (see
/// `MemoryPlan`); otherwise large buffers come from and return to `BufferPool`.
final class TensorStorage: @unchecked Sendable {
    let bytes: UnsafeMutableRawPointer
    let byteCount: Int
    private let origin: BufferOrigin

    /// Uninitialized storage of `byteCount` bytes.
    init(byteCount: Int) {
        self.byteCount = byteCount
        (bytes, origin) = BufferOrigin.allocate(byteCount: byteCount)
    }

    /// Zero-filled storage.
    convenience init(zeroedByteCount byteCount: Int) {
        self.init(byteCount: byteCount)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
    }

    deinit { origin.release(bytes, byteCount: byteCount) }
}
