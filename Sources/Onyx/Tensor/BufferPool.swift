import Foundation

/// Recycles large buffers: graph outputs, runs whose input shapes have no memory plan yet,
/// and buffers allocated off the run's thread (Parallel chunks). No mmap/munmap and no page
/// faults on fresh memory for them in the steady state.
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

    /// Frees every idle buffer (after a run was recorded into a memory plan, the buffers it
    /// used would otherwise sit idle beside the plan's arena).
    func releaseIdle() {
        lock.lock()
        let buffers = free.values.flatMap { $0 }
        free = [:]
        idleBytes = 0
        lock.unlock()
        for p in buffers { p.deallocate() }
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

/// Scratch memory for a kernel (im2col columns, Winograd tiles): planned in the run's arena
/// like tensor buffers, or drawn from the pool outside a planned run.
struct ScratchBuffer {
    let pointer: UnsafeMutablePointer<Float>
    private let byteCount: Int
    private let origin: BufferOrigin

    init(floats count: Int) {
        byteCount = max(count, 1) * MemoryLayout<Float>.size
        let (raw, origin) = BufferOrigin.allocate(byteCount: byteCount)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.origin = origin
    }

    func release() { origin.release(UnsafeMutableRawPointer(pointer), byteCount: byteCount) }
}
