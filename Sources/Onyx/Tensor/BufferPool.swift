import Foundation

/// Recycles large tensor buffers between runs. A model's intermediate tensors have the
/// same sizes on every run, so after the first run each allocation is served from here:
/// no mmap/munmap and no page faults on fresh memory in the steady state.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()

    /// Buffers smaller than this go straight to malloc (cheap, and glibc reuses them).
    static let minimumPooledBytes = 4 * 1024
    /// Most bytes kept idle in the pool; beyond this, freed buffers are released.
    var capacityBytes = 512 * 1024 * 1024

    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var idleBytes = 0
    private let lock = NSLock()
    private var requests = 0
    private var misses = 0

    /// Pooled-size requests so far, and how many of them had to allocate new memory.
    var counters: (requests: Int, newAllocations: Int) {
        lock.lock(); defer { lock.unlock() }
        return (requests, misses)
    }

    /// Pooled sizes are rounded up to whole pages so near-equal sizes share buffers.
    static func bucket(_ byteCount: Int) -> Int { (byteCount + 4095) & ~4095 }

    func allocate(byteCount: Int) -> (UnsafeMutableRawPointer, pooled: Bool) {
        guard byteCount >= Self.minimumPooledBytes else {
            return (.allocate(byteCount: max(byteCount, 1), alignment: 64), false)
        }
        let size = Self.bucket(byteCount)
        lock.lock()
        requests += 1
        if let p = free[size]?.popLast() {
            idleBytes -= size
            lock.unlock()
            return (p, true)
        }
        misses += 1
        lock.unlock()
        return (.allocate(byteCount: size, alignment: 64), true)
    }

    func release(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        let size = Self.bucket(byteCount)
        lock.lock()
        if idleBytes + size <= capacityBytes {
            free[size, default: []].append(p)
            idleBytes += size
            lock.unlock()
            return
        }
        lock.unlock()
        p.deallocate()
    }
}

/// Scratch memory for a kernel (im2col columns, Winograd tiles), drawn from the pool so it
/// is recycled between runs like tensor buffers.
struct ScratchBuffer {
    let pointer: UnsafeMutablePointer<Float>
    private let byteCount: Int
    private let pooled: Bool

    init(floats count: Int) {
        byteCount = max(count, 1) * MemoryLayout<Float>.size
        let (raw, pooled) = BufferPool.shared.allocate(byteCount: byteCount)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.pooled = pooled
    }

    func release() {
        if pooled { BufferPool.shared.release(UnsafeMutableRawPointer(pointer), byteCount: byteCount) }
        else { pointer.deallocate() }
    }
}
