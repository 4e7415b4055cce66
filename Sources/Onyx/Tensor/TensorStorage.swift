/// A 64-byte aligned, fixed-size byte buffer. Tensors share storage by reference and
/// treat it as immutable once constructed, which is what makes sharing them across
/// threads safe. Large buffers come from and return to `BufferPool`.
final class TensorStorage: @unchecked Sendable {
    let bytes: UnsafeMutableRawPointer
    let byteCount: Int
    private let pooled: Bool

    /// Uninitialized storage of `byteCount` bytes.
    init(byteCount: Int) {
        self.byteCount = byteCount
        (bytes, pooled) = BufferPool.shared.allocate(byteCount: byteCount)
    }

    /// Zero-filled storage.
    convenience init(zeroedByteCount byteCount: Int) {
        self.init(byteCount: byteCount)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
    }

    deinit {
        if pooled { BufferPool.shared.release(bytes, byteCount: byteCount) } else { bytes.deallocate() }
    }
}
