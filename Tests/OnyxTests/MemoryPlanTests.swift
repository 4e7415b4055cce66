import Foundation
import Testing
@testable import Onyx

/// The arena planner on synthetic traces, and replay's safety checks.
@Suite struct MemoryPlanTests {
    /// A trace of `count` buffers with pseudo-random sizes and lifetimes; some never freed.
    static func randomTrace(count: Int, seed: UInt64) -> (AllocationTrace, [Int: Int]) {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % n
        }
        let trace = AllocationTrace()
        var live: [Int] = []
        var sizes: [Int: Int] = [:]
        for _ in 0..<count {
            let size = 1 + next(200_000)
            let index = trace.allocated(size)
            sizes[index] = size
            live.append(index)
            while !live.isEmpty && next(3) == 0 { trace.freed(live.remove(at: next(live.count))) }
        }
        for index in live where next(4) != 0 { trace.freed(index) }   // the rest escape
        trace.close()
        return (trace, sizes)
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func buffersAliveTogetherNeverShareBytes(_ seed: Int) {
        let (trace, sizes) = Self.randomTrace(count: 120, seed: UInt64(seed))
        let plan = MemoryPlan(trace: trace)
        let events = trace.events
        var sumPlaced = 0
        for i in events.indices {
            let block = plan.blocks[i]
            #expect(block.byteCount == sizes[i])
            guard let o = block.offset, let fi = events[i].freedAt else {
                #expect(events[i].freedAt == nil && block.offset == nil, "escaping buffers stay out of the arena")
                continue
            }
            sumPlaced += MemoryPlan.rounded(block.byteCount)
            #expect(o % MemoryPlan.alignment == 0)
            #expect(o + block.byteCount <= plan.arenaBytes)
            for j in events.indices where j < i {
                guard let oj = plan.blocks[j].offset, let fj = events[j].freedAt else { continue }
                let timeOverlap = (events[i].allocatedAt..<fi).overlaps(events[j].allocatedAt..<fj)
                let spaceOverlap = (o..<(o + block.byteCount)).overlaps(oj..<(oj + plan.blocks[j].byteCount))
                #expect(!(timeOverlap && spaceOverlap), "blocks \(j) and \(i) are alive together and share bytes")
                if spaceOverlap { #expect(block.conflicts.contains(j), "replay must check block \(j) is dead before \(i)") }
            }
        }
        #expect(plan.arenaBytes <= sumPlaced, "packing never needs more than one slot per buffer")
    }

    @Test func replayFallsBackWhenBytesAreStillHeld() throws {
        // Two buffers that share bytes (the first freed before the second is made).
        let trace = AllocationTrace()
        let a = trace.allocated(1000)
        trace.freed(a)
        let b = trace.allocated(1000)
        trace.freed(b)
        trace.close()
        let plan = MemoryPlan(trace: trace)
        #expect(plan.blocks[0].offset == plan.blocks[1].offset)
        #expect(plan.blocks[1].conflicts == [0])
        let arena = plan.checkOut(from: ArenaSlabs())
        // The first buffer is kept past its planned lifetime: the second must not reuse it.
        let first = try #require(arena.take(0, byteCount: 1000))
        #expect(arena.take(1, byteCount: 1000) == nil, "block 1 would overwrite a live block 0")
        arena.give(0)
        #expect(arena.take(1, byteCount: 1000) == first)
        #expect(arena.take(1, byteCount: 999) == nil, "a size that differs from the plan is refused")
        arena.give(1)
        #expect(arena.isUnused)
    }

    @Test func sessionsReplayTheirPlanPerInputShape() throws {
        let session = try InferenceSession(
            contentsOf: repoRoot.appendingPathComponent("Models/mlp_fraud/model.onnx"), options: .init(threads: 1))
        var first: [Int: [Float]] = [:]
        for (k, rows) in [1, 3, 1, 3].enumerated() {
            let x = try Tensor(shape: [rows, 30], floats: (0..<(rows * 30)).map { Float($0 % 7) / 7 })
            #expect((session.memory.plan(for: ["input": x]) != nil) == (k >= 2),
                    "run \(k): a plan exists exactly when this shape ran before")
            let out = try #require(try session.run(["input": x])["output"])
            #expect(out.shape == [rows, 2])
            if let earlier = first[rows] { #expect(out.floats == earlier, "replayed run equals the recorded one") }
            first[rows] = out.floats
        }
    }

    /// A plan the cache evicts is freed with its arenas (they point back at it, so a pooled
    /// arena once kept both alive: every eviction leaked).
    @Test func evictedPlansAndTheirArenasAreFreed() throws {
        let session = try InferenceSession(
            contentsOf: repoRoot.appendingPathComponent("Models/mlp_fraud/model.onnx"), options: .init(threads: 1))
        func feeds(_ rows: Int) throws -> [String: Tensor] {
            ["input": try Tensor(shape: [rows, 30], floats: [Float](repeating: 0.25, count: rows * 30))]
        }
        for _ in 0..<2 { _ = try session.run(try feeds(1)) }   // recorded, then replayed: an idle arena
        weak let firstPlan = session.memory.plan(for: try feeds(1))
        #expect(firstPlan != nil)
        for rows in 2...(MemoryPlanCache.capacity + 2) { _ = try session.run(try feeds(rows)) }
        #expect(session.memory.plan(for: try feeds(1)) == nil, "the oldest signature was evicted")
        #expect(firstPlan == nil, "the evicted plan (and the idle arena that points at it) was freed")
    }

    /// Plans share their arenas' memory: running batch sizes 1-12 in turn (one run at a time,
    /// as a batcher does) keeps one slab, sized for the largest, not an arena per size.
    @Test func plansShareOneSlabAcrossBatchSizes() throws {
        let session = try InferenceSession(
            contentsOf: repoRoot.appendingPathComponent("Models/resnet_mini/model.onnx"), options: .init(threads: 1))
        func feeds(_ rows: Int) throws -> [String: Tensor] {
            ["input": try Tensor(shape: [rows, 3, 32, 32], floats: (0..<(rows * 3072)).map { Float($0 % 13) / 13 })]
        }
        var expected: [Int: [Float]] = [:]
        for pass in 0..<3 {
            for rows in [12, 1, 5, 8, 2, 12, 3] {
                let out = try #require(try session.run(try feeds(rows)).values.first).floats
                if let e = expected[rows] { #expect(out == e, "pass \(pass), batch \(rows): replay equals the recorded run") }
                expected[rows] = out
            }
        }
        let largest = try [1, 2, 3, 5, 8, 12].map { try #require(session.memory.plan(for: try feeds($0))).arenaBytes }.max()!
        #expect(session.memory.slabs.idleSizes == [largest], "one idle slab, of the largest plan's size")
    }
}
