import COnyxKernels
import Foundation

/// Memory laid out ahead for one input signature: every tensor and scratch buffer a run
/// allocates on its own thread gets a fixed offset in one arena, packed by liveness (two
/// buffers share bytes only if their lifetimes do not overlap). Buffers still alive when
/// the run ends (graph outputs and whatever aliases them) are never placed in the arena.
///
/// The plan comes from a recorded run: for a given graph and input shapes the kernels
/// allocate the same sizes in the same order, so allocation k of a later run is served
/// from block k's offset. Replay re-checks this as it goes: a size that differs, or a block
/// whose bytes are still held by an earlier buffer, falls back to the buffer pool, so an
/// unexpected lifetime can cost memory but never corrupt a tensor.
final class MemoryPlan: @unchecked Sendable { // mutable state guarded by `lock`
    struct Block {
        let byteCount: Int
        /// Offset in the arena, or nil for a buffer that outlives the run.
        let offset: Int?
        /// Earlier blocks sharing some of these bytes: each must be dead before this one is used.
        let conflicts: [Int]
    }

    let blocks: [Block]
    /// Bytes of one arena.
    let arenaBytes: Int
    /// Bytes the run would hold at once if every buffer had its own memory.
    let unplannedPeakBytes: Int
    private var idle: [Arena] = []
    /// Set once the plan left its cache: idle arenas point back at their plan, so pooling
    /// them after that would keep both alive for ever (a leak LeakSanitizer reported).
    private var retired = false
    private let lock = NSLock()

    /// Alignment of every block (one cache line, as the kernels' buffers).
    static let alignment = 64

    init(trace: AllocationTrace) {
        let events = trace.events
        // Greedy by size: each buffer goes at the lowest offset whose bytes no buffer with an
        // overlapping lifetime holds.
        var offsets = [Int?](repeating: nil, count: events.count)
        var placed: [Int] = []
        let order = events.indices.filter { events[$0].freedAt != nil }
            .sorted { events[$0].byteCount != events[$1].byteCount ? events[$0].byteCount > events[$1].byteCount : $0 < $1 }
        var arenaBytes = 0
        for i in order {
            let size = Self.rounded(events[i].byteCount)
            let life = events[i].allocatedAt..<events[i].freedAt!
            let busy = placed.filter { j in
                let other = events[j].allocatedAt..<events[j].freedAt!
                return other.overlaps(life)
            }.map { j in offsets[j]!..<(offsets[j]! + Self.rounded(events[j].byteCount)) }
                .sorted { $0.lowerBound < $1.lowerBound }
            var offset = 0
            for range in busy where range.lowerBound < offset + size {
                if range.upperBound > offset { offset = range.upperBound }
            }
            offsets[i] = offset
            placed.append(i)
            arenaBytes = max(arenaBytes, offset + size)
        }
        blocks = events.indices.map { i in
            guard let offset = offsets[i] else { return Block(byteCount: events[i].byteCount, offset: nil, conflicts: []) }
            let bytes = offset..<(offset + Self.rounded(events[i].byteCount))
            let conflicts = (0..<i).filter { j in
                guard let o = offsets[j] else { return false }
                return (o..<(o + Self.rounded(events[j].byteCount))).overlaps(bytes)
            }
            return Block(byteCount: events[i].byteCount, offset: offset, conflicts: conflicts)
        }
        self.arenaBytes = arenaBytes
        unplannedPeakBytes = trace.peakLiveBytes
    }

    static func rounded(_ n: Int) -> Int { (max(n, 1) + alignment - 1) / alignment * alignment }

    /// An arena no other run is using, and whether it was made for this call (when all
    /// were busy): only a new arena can raise the idle memory once checked in.
    func checkOut() -> (arena: Arena, isNew: Bool) {
        lock.lock()
        if let arena = idle.popLast() {
            lock.unlock()
            return (arena, false)
        }
        lock.unlock()
        return (Arena(plan: self), true)
    }

    /// Gives `arena` back once no buffer in it is alive. One still referenced (a tensor kept
    /// past its planned lifetime) is not reused: its memory goes when its last buffer does.
    func checkIn(_ arena: Arena) {
        guard arena.isUnused else { return }
        lock.lock()
        if !retired { idle.append(arena) }
        lock.unlock()
    }

    /// Bytes held by idle arenas.
    var idleBytes: Int {
        lock.lock(); defer { lock.unlock() }
        return idle.count * arenaBytes
    }

    /// Frees the idle arenas (the cache's memory cap); the next run allocates a new one.
    func dropIdle() {
        lock.lock()
        idle.removeAll()
        lock.unlock()
    }

    /// Drops the idle arenas and pools no more: called when the cache lets go of the plan.
    func retire() {
        lock.lock()
        retired = true
        idle.removeAll()
        lock.unlock()
    }
}

/// One run's memory for a `MemoryPlan`. Buffers placed in it keep it alive.
final class Arena: @unchecked Sendable { // `alive` is touched by the run's thread and by deinits, under `lock`
    let plan: MemoryPlan
    let base: UnsafeMutableRawPointer
    private var alive: [Bool]
    private var liveCount = 0
    private let lock = NSLock()

    init(plan: MemoryPlan) {
        self.plan = plan
        base = .allocate(byteCount: max(plan.arenaBytes, 1), alignment: MemoryPlan.alignment)
        alive = [Bool](repeating: false, count: plan.blocks.count)
    }

    deinit { base.deallocate() }

    var isUnused: Bool {
        lock.lock(); defer { lock.unlock() }
        return liveCount == 0
    }

    /// Block `index`'s memory if its size matches and no earlier buffer still holds its bytes.
    func take(_ index: Int, byteCount: Int) -> UnsafeMutableRawPointer? {
        guard index < plan.blocks.count else { return nil }
        let block = plan.blocks[index]
        guard let offset = block.offset, block.byteCount == byteCount else { return nil }
        lock.lock()
        defer { lock.unlock() }
        for j in block.conflicts where alive[j] { return nil }
        alive[index] = true
        liveCount += 1
        return base + offset
    }

    func give(_ index: Int) {
        lock.lock()
        alive[index] = false
        liveCount -= 1
        lock.unlock()
    }
}

/// The allocations of a recorded run, in order, with the moments they were freed.
final class AllocationTrace: @unchecked Sendable { // guarded by `lock`
    struct Event {
        let byteCount: Int
        let allocatedAt: Int
        var freedAt: Int?
    }

    private(set) var events: [Event] = []
    private(set) var peakLiveBytes = 0
    private var clock = 0
    private var liveBytes = 0
    private var closed = false
    private let lock = NSLock()

    func allocated(_ byteCount: Int) -> Int {
        lock.lock(); defer { lock.unlock() }
        clock += 1
        events.append(Event(byteCount: byteCount, allocatedAt: clock))
        liveBytes += byteCount
        peakLiveBytes = max(peakLiveBytes, liveBytes)
        return events.count - 1
    }

    func freed(_ index: Int) {
        lock.lock(); defer { lock.unlock() }
        guard !closed else { return } // freed after the run: it escaped
        clock += 1
        events[index].freedAt = clock
        liveBytes -= events[index].byteCount
    }

    /// Ends the recording: later frees belong to buffers that outlived the run.
    func close() {
        lock.lock(); defer { lock.unlock() }
        closed = true
    }
}

/// Where the buffers of the run on this thread come from: recorded into a trace, or
/// replayed from a plan's arena. Bound to the running thread for the run's duration (a C
/// thread-local); kernel code running on other threads (Parallel chunks) sees none and
/// uses the buffer pool.
final class RunAllocator: @unchecked Sendable { // used by one run's thread only
    enum Mode {
        case record(AllocationTrace)
        case replay(Arena)
    }

    /// The allocator bound to this thread.
    static var current: RunAllocator? {
        onyx_thread_run_allocator().map { Unmanaged<RunAllocator>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Runs `body` with `allocator` bound to this thread (nil: none), restoring the previous one.
    static func bind<T>(_ allocator: RunAllocator?, _ body: () throws -> T) rethrows -> T {
        let previous = onyx_thread_run_allocator()
        onyx_thread_set_run_allocator(allocator.map { Unmanaged.passUnretained($0).toOpaque() })
        defer { onyx_thread_set_run_allocator(previous) }
        return try withExtendedLifetime(allocator) { try body() }
    }

    let mode: Mode
    private var next = 0
    /// Allocations that did not come from the arena (replay only).
    private(set) var fallbacks = 0

    init(_ mode: Mode) { self.mode = mode }

    /// Memory for a buffer of `byteCount` bytes, and who gets it back.
    func allocate(byteCount: Int) -> (UnsafeMutableRawPointer, BufferOrigin) {
        let index = next
        next += 1
        switch mode {
        case .record(let trace):
            let (p, pooled) = BufferPool.shared.allocate(byteCount: byteCount)
            return (p, .traced(trace, trace.allocated(byteCount), pooled: pooled))
        case .replay(let arena):
            if let p = arena.take(index, byteCount: byteCount) { return (p, .arena(arena, index)) }
            let escapes = index < arena.plan.blocks.count && arena.plan.blocks[index].offset == nil
                && arena.plan.blocks[index].byteCount == byteCount
            if !escapes { fallbacks += 1 }
            let (p, pooled) = BufferPool.shared.allocate(byteCount: byteCount)
            return (p, pooled ? .pooled : .malloc)
        }
    }
}

/// Who owns a buffer's memory, so it is given back to the right place.
enum BufferOrigin {
    case pooled
    case malloc
    case traced(AllocationTrace, Int, pooled: Bool)
    case arena(Arena, Int)

    /// Allocates `byteCount` bytes for the current run, or from the pool outside runs.
    static func allocate(byteCount: Int) -> (UnsafeMutableRawPointer, BufferOrigin) {
        if let allocator = RunAllocator.current { return allocator.allocate(byteCount: byteCount) }
        let (p, pooled) = BufferPool.shared.allocate(byteCount: byteCount)
        return (p, pooled ? .pooled : .malloc)
    }

    func release(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        switch self {
        case .pooled: BufferPool.shared.release(p, byteCount: byteCount)
        case .malloc: p.deallocate()
        case .traced(let trace, let index, let pooled):
            trace.freed(index)
            if pooled { BufferPool.shared.release(p, byteCount: byteCount) } else { p.deallocate() }
        case .arena(let arena, let index): arena.give(index)
        }
    }
}

/// A session's memory plans, one per input signature (names, shapes, element types): the
/// first run with a new signature is recorded, later ones replay its plan.
final class MemoryPlanCache: @unchecked Sendable { // guarded by `lock`
    /// The input names, shapes and element types a plan was recorded for.
    struct Signature {
        let inputs: [String: (shape: [Int], type: ElementType)]

        init(_ feeds: [String: Tensor]) {
            inputs = feeds.mapValues { ($0.shape, $0.elementType) }
        }

        /// True when `feeds` have exactly these names, shapes and types (no allocation).
        func matches(_ feeds: [String: Tensor]) -> Bool {
            guard feeds.count == inputs.count else { return false }
            for (name, tensor) in feeds {
                guard let want = inputs[name], want.type == tensor.elementType, want.shape == tensor.shape else { return false }
            }
            return true
        }
    }

    /// Most signatures kept; beyond it the least recently used plan is dropped. A batcher
    /// runs every batch size up to its maximum, so this covers the usual 1-16 and more.
    static let capacity = 32
    /// Idle arenas kept across all plans, at most this many bytes beyond the largest arena:
    /// a batcher cycling through sizes keeps the recent ones, not one arena per size.
    static let idleBytesBeyondLargest = 64 << 20

    /// Least recently used first.
    private var plans: [(signature: Signature, plan: MemoryPlan)] = []
    private let lock = NSLock()

    deinit { for entry in plans { entry.plan.retire() } }

    /// The plan recorded for inputs like `feeds`, if any.
    func plan(for feeds: [String: Tensor]) -> MemoryPlan? {
        lock.lock(); defer { lock.unlock() }
        return plans.last(where: { $0.signature.matches(feeds) })?.plan
    }

    /// The plan for `feeds`, marked most recently used.
    private func use(_ feeds: [String: Tensor]) -> MemoryPlan? {
        lock.lock(); defer { lock.unlock() }
        guard let i = plans.lastIndex(where: { $0.signature.matches(feeds) }) else { return nil }
        if i != plans.count - 1 { plans.append(plans.remove(at: i)) }
        return plans[plans.count - 1].plan
    }

    /// Keeps idle arena memory under the cap, freeing the least recently used plans' first.
    private func trimIdle() {
        lock.lock(); defer { lock.unlock() }
        let largest = plans.map(\.plan.arenaBytes).max() ?? 0
        var total = plans.reduce(0) { $0 + $1.plan.idleBytes }
        for entry in plans where total > largest + Self.idleBytesBeyondLargest {
            total -= entry.plan.idleBytes
            entry.plan.dropIdle()
        }
    }

    /// Runs `body` with its buffers planned: replayed from the signature's arena, or, the
    /// first time, recorded to make the plan.
    func run<T>(_ feeds: [String: Tensor], _ body: () throws -> T) throws -> T {
        if let plan = use(feeds) {
            let (arena, isNew) = plan.checkOut()
            defer {
                plan.checkIn(arena)
                if isNew { trimIdle() }   // idle memory grows only by a new arena
            }
            return try RunAllocator.bind(RunAllocator(.replay(arena)), body)
        }
        let trace = AllocationTrace()
        // The run's intermediates are all freed when `body` returns; what is still alive
        // (the outputs) escapes the plan.
        let result = try RunAllocator.bind(RunAllocator(.record(trace)), body)
        trace.close()
        let plan = MemoryPlan(trace: trace)
        lock.lock()
        if !plans.contains(where: { $0.signature.matches(feeds) }) {
            plans.append((Signature(feeds), plan))
            if plans.count > Self.capacity { plans.removeFirst().plan.retire() }   // least recently used
        }
        lock.unlock()
        // The recorded run's buffers would otherwise sit idle in the pool beside the arena.
        BufferPool.shared.releaseIdle()
        return result
    }
}
