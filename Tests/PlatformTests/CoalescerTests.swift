import Synchronization
import Testing

@testable import Platform

/// `Coalescer` with a scripted `run`: what it is given, in which groups, how many at once, and what its callers get.
@Suite("Coalescer: groups per key, order, limits, and a run that breaks its contract")
struct CoalescerTests {
    /// What a scripted `run` saw: each group's arrivals, and the most groups running at once.
    final class Recorder: Sendable {
        private let state = Mutex<(groups: [[Int]], running: Int, mostRunning: Int)>(([], 0, 0))
        var groups: [[Int]] { state.withLock { $0.groups } }
        var mostRunning: Int { state.withLock { $0.mostRunning } }

        func begin(_ arrivals: [Int]) {
            state.withLock {
                $0.groups.append(arrivals)
                $0.running += 1
                $0.mostRunning = max($0.mostRunning, $0.running)
            }
        }

        func end() { state.withLock { $0.running -= 1 } }
    }

    /// A gate that `run` waits at until the test opens it, so that arrivals pile up behind running groups.
    final class Gate: Sendable {
        private let open = Atomic<Bool>(false)
        func pass() async { while !open.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(1)) } }
        func release() { open.store(true, ordering: .releasing) }
    }

    /// Submits `values` for `key` concurrently, each after the one before has been queued, and answers each reply.
    static func submitAll(
        _ coalescer: Coalescer<Int, String>, key: String = "k", _ values: [Int], run: @escaping Coalescer<Int, String>.Run
    )
        async -> [Int: Result<String, any Error>]
    {
        await withTaskGroup(of: (Int, Result<String, any Error>).self) { group in
            for value in values {
                group.addTask {
                    do { return (value, .success(try await coalescer.submit(key: key, arrival: value, run: run))) } catch {
                        return (value, .failure(error))
                    }
                }
                try? await Task.sleep(for: .milliseconds(2))
            }
            var replies: [Int: Result<String, any Error>] = [:]
            for await (value, reply) in group { replies[value] = reply }
            return replies
        }
    }

    @Test("each caller gets its own arrival's result; maxRunning groups at once, of maxGroup arrivals at most")
    func orderAndLimits() async throws {
        let coalescer = Coalescer<Int, String>(maxRunning: 2, maxGroup: 3)
        let recorder = Recorder()
        let gate = Gate()
        let run: Coalescer<Int, String>.Run = { _, arrivals in
            recorder.begin(arrivals)
            await gate.pass()
            recorder.end()
            return arrivals.map { .success("r\($0)") }
        }
        async let replies = Self.submitAll(coalescer, Array(0..<10), run: run)
        // The first two arrivals start groups of one at once; the other eight wait behind them.
        while recorder.groups.count < 2 { try await Task.sleep(for: .milliseconds(1)) }
        try await Task.sleep(for: .milliseconds(50))
        gate.release()
        let answered = await replies
        for value in 0..<10 { #expect(try answered[value]?.get() == "r\(value)") }
        let groups = recorder.groups
        #expect(groups.prefix(2).map(\.count) == [1, 1])
        #expect(groups.allSatisfy { $0.count <= 3 }, "\(groups)")
        #expect(groups.flatMap { $0 }.sorted() == Array(0..<10))
        #expect(groups.count >= 4, "ten arrivals in groups of at most 3: \(groups)")
        #expect(recorder.mostRunning == 2)
    }

    @Test("keys do not wait for each other")
    func keysAreIndependent() async throws {
        let coalescer = Coalescer<Int, String>(maxRunning: 1, maxGroup: 64)
        let gate = Gate()
        let blocked = Task {
            try await coalescer.submit(key: "slow", arrival: 1) { _, arrivals in
                await gate.pass()
                return arrivals.map { .success("slow \($0)") }
            }
        }
        let other = try await coalescer.submit(key: "fast", arrival: 2) { _, arrivals in arrivals.map { .success("fast \($0)") } }
        #expect(other == "fast 2")
        gate.release()
        #expect(try await blocked.value == "slow 1")
    }

    @Test("a failure is given to its own caller only")
    func failuresStayWithTheirArrival() async throws {
        struct Refused: Error {}
        let coalescer = Coalescer<Int, String>(maxRunning: 1, maxGroup: 64)
        let replies = await Self.submitAll(coalescer, Array(0..<6)) { _, arrivals in
            try? await Task.sleep(for: .milliseconds(20))
            return arrivals.map { $0 == 3 ? .failure(Refused()) : .success("r\($0)") }
        }
        #expect(throws: Refused.self) { try replies[3]?.get() }
        for value in [0, 1, 2, 4, 5] { #expect(try replies[value]?.get() == "r\(value)") }
    }

    @Test(
        "a run that returns fewer or more results than arrivals fails every waiter of its group, and none hangs",
        .timeLimit(.minutes(1)), arguments: [-1, 1])
    func wrongResultCount(difference: Int) async throws {
        let coalescer = Coalescer<Int, String>(maxRunning: 1, maxGroup: 64)
        let groups = Recorder()
        let replies = await Self.submitAll(coalescer, Array(0..<6)) { _, arrivals in
            groups.begin(arrivals)
            try? await Task.sleep(for: .milliseconds(20))
            let count = arrivals.count + difference
            return (0..<max(count, 0)).map { .success("r\($0)") }
        }
        #expect(replies.count == 6)
        for group in groups.groups {
            for value in group {
                let expected = CoalescerError.resultCount(expected: group.count, got: group.count + difference)
                #expect(throws: expected) { try replies[value]?.get() }
            }
        }
        // The key is released: a later, well-behaved run is answered.
        #expect(
            try await coalescer.submit(key: "k", arrival: 9) { _, arrivals in arrivals.map { .success("ok \($0)") } } == "ok 9")
    }
}
