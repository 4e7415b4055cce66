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

    /// An arena no other run is using, with at least `arenaBytes` of memory from `slabs`.
    func checkOut(from slabs: ArenaSlabs) -> Arena {
        lock.lock()
        let arena = idle.popLast() ?? Arena(plan: self)
        lock.unlock()
        arena.attach(slabs.take(atLeast: arenaBytes))
        return arena
    }

    /// Gives `arena` back once no buffer in it is alive, and its memory to `slabs`. One still
    /// referenced (a tensor kept past its planned lifetime) keeps its memory and is not reused:
    /// the memory goes when its last buffer does.
    func checkIn(_ arena: Arena, to slabs: ArenaSlabs) {
        guard arena.isUnused else { slabs.abandon(); return }
        slabs.give(arena.detach())
        lock.lock()
        if !retired { idle.append(arena) }
        lock.unlock()
    }

    /// Pools no more arenas: called when the cache lets go of the plan (an idle arena points
    /// back at its plan, so pooling after that would keep both alive: a leak LeakSanitizer found).
    func retire() {
        lock.lock()
        retired = true
        idle.removeAll()
        lock.unlock()
    }
}

/// Arena memory shared by all of a session's plans: a run takes the smallest idle slab that
/// fits its plan, so a batcher cycling through batch sizes 1-16 reuses one slab sized for the
/// largest instead of holding an arena per size. Idle slabs are capped at the most runs seen
/// at once (the largest kept), so memory is the largest arena times the concurrency.
final class ArenaSlabs: @unchecked Sendable { // guarded by `lock`
    struct Slab {
        let base: UnsafeMutableRawPointer
        let byteCount: Int
    }

    private var idle: [Slab] = []   // ascending byteCount
    private var taken = 0
    private var mostTaken = 0
    private let lock = NSLock()

    deinit { for slab in idle { slab.base.deallocate() } }

    /// Idle slabs, smallest first.
    var idleSizes: [Int] {
        lock.lock(); defer { lock.unlock() }
        return idle.map(\.byteCount)
    }

    /// The smallest idle slab of at least `byteCount` bytes, or a new one.
    func take(atLeast byteCount: Int) -> Slab {
        lock.lock()
        taken += 1
        mostTaken = max(mostTaken, taken)
        if let i = idle.firstIndex(where: { $0.byteCount >= byteCount }) {
            let slab = idle.remove(at: i)
            lock.unlock()
            return slab
        }
        lock.unlock()
        let bytes = max(byteCount, 1)
        return Slab(base: .allocate(byteCount: bytes, alignment: MemoryPlan.alignment), byteCount: bytes)
    }

    /// A taken slab will not come back (its arena outlived the run and frees it).
    func abandon() {
        lock.lock()
        taken -= 1
        lock.unlock()
    }

    func give(_ slab: Slab) {
        lock.lock()
        taken -= 1
        idle.insert(slab, at: idle.firstIndex(where: { $0.byteCount >= slab.byteCount }) ?? idle.count)
        var dropped: [Slab] = []
        while idle.count > mostTaken { dropped.append(idle.removeFirst()) }   // the smallest
        lock.unlock()
        for d in dropped { d.base.deallocate() }
    }
}

/// One run's buffers for a `MemoryPlan`, in a slab of memory attached for the run. Buffers
/// placed in it keep it alive.
final class Arena: @unchecked Sendable { // `alive` is touched by the run's thread and by deinits, under `lock`
    let plan: MemoryPlan
    private var slab: ArenaSlabs.Slab?
    private var alive: [Bool]
    private var liveCount = 0
    private let lock = NSLock()

    init(plan: MemoryPlan) {
        self.plan = plan
        alive = [Bool](repeating: false, count: plan.blocks.count)
    }

    /// Memory still attached when the arena dies (it outlived its run) goes with it.
    deinit { slab?.base.deallocate() }

    /// Gives the arena its memory for a run (at least `plan.arenaBytes`).
    func attach(_ memory: ArenaSlabs.Slab) {
        precondition(slab == nil && memory.byteCount >= plan.arenaBytes)
        slab = memory
    }

    /// Takes the memory back once the run is over and nothing in it is alive.
    func detach() -> ArenaSlabs.Slab {
        let memory = slab!
        slab = nil
        return memory
    }

    var isUnused: Bool {
        lock.lock(); defer { lock.unlock() }
        return liveCount == 0
    }

    /// Block `index`'s memory if its size matches and no earlier buffer still holds its bytes.
    func take(_ index: Int, byteCount: Int) -> UnsafeMutableRawPointer? {
        guard index < plan.blocks.count else { return nil }
        let block = plan.blocks[index]
        guard let offset = block.offset, block.byteCount == byteCount, let base = slab?.base else { return nil }
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
    /// The input names, shapes and element types a plan was recorded for, and the thread cap
    /// it ran under (kernels size their per-thread scratch by the threads they may use).
    struct Signature {
        let inputs: [String: (shape: [Int], type: ElementType)]
        let threadCap: Int?

        init(_ feeds: [String: Tensor], threadCap: Int? = Parallel.threadCap) {
            inputs = feeds.mapValues { ($0.shape, $0.elementType) }
            self.threadCap = threadCap
        }

        /// True when `feeds` have exactly these names, shapes and types and run under the same
        /// thread cap (no allocation).
        func matches(_ feeds: [String: Tensor], threadCap cap: Int? = Parallel.threadCap) -> Bool {
            guard feeds.count == inputs.count, cap == threadCap else { return false }
            for (name, tensor) in feeds {
                guard let want = inputs[name], want.type == tensor.elementType, want.shape == tensor.shape else { return false }
            }
            return true
        }
    }

    /// Most signatures kept; beyond it the least recently used plan is dropped. A batcher
    /// runs every batch size up to its maximum, so this covers the usual 1-16 and more.
    static let capacity = 32

    /// The arenas' memory, shared by every plan.
    let slabs = ArenaSlabs()

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

    /// Runs `body` with its buffers planned: replayed from the signature's arena, or, the
    /// first time, recorded to make the plan.
    func run<T>(_ feeds: [String: Tensor], _ body: () throws -> T) throws -> T {
        if let plan = use(feeds) {
            let arena = plan.checkOut(from: slabs)
            defer { plan.checkIn(arena, to: slabs) }
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
