import Glibc
import Platform
import Synchronization
import Testing

@Suite("password derivations: bounded and fair between orgs")
struct FairBlockingQueueTests {
    @Test("every job runs, on plain threads, at most `threads` at a time")
    func bounded() async {
        let queue = FairBlockingQueue(name: "test-fair", threads: 2, perKeyLimit: 100, totalLimit: 100)
        let counts = Counts()
        let results = await withTaskGroup(of: Int?.self) { group in
            for index in 0..<20 {
                group.addTask {
                    await queue.run(key: "org\(index % 4)") {
                        if Self.currentThreadName() != "test-fair" {
                            counts.elsewhere.wrappingAdd(1, ordering: .sequentiallyConsistent)
                        }
                        let now = counts.running.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
                        _ = counts.most.max(now, ordering: .sequentiallyConsistent)
                        usleep(2000)
                        counts.running.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                        return index * 2
                    }
                }
            }
            return await group.reduce(into: [Int?]()) { $0.append($1) }
        }
        #expect(results.compactMap { $0 }.sorted() == (0..<20).map { $0 * 2 })
        #expect(counts.most.load(ordering: .sequentiallyConsistent) == 2)
        #expect(counts.elsewhere.load(ordering: .sequentiallyConsistent) == 0, "jobs ran off the queue's threads")
    }

    /// The name of the thread this runs on (the queue names its threads after itself; the cooperative pool's
    /// threads have other names).
    static func currentThreadName() -> String {
        guard let file = fopen("/proc/thread-self/comm", "r") else { return "" }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = fread(&buffer, 1, buffer.count, file)
        let name = buffer.prefix(count)
        return String(decoding: name.last == 0x0A ? name.dropLast() : name, as: UTF8.self)
    }

    @Test("a key beyond its limit is refused at once; other keys still get in; keys take turns")
    func fairAndBounded() async throws {
        let queue = FairBlockingQueue(name: "test-fair", threads: 1, perKeyLimit: 4, totalLimit: 100)
        let shared = Shared()
        let order = shared, gate = shared
        // The one thread is held by a first job while the queues fill.
        let blocker = Task { await queue.run(key: "a") { while !gate.gate.load(ordering: .acquiring) { usleep(500) } } }
        while queue.waiting > 0 { try await Task.sleep(for: .milliseconds(1)) }
        try await Task.sleep(for: .milliseconds(20))
        let flood = (0..<10).map { index in
            Task { await queue.run(key: "a") { order.order.withLock { $0.append("a\(index)") } } }
        }
        while queue.waiting < 4 { try await Task.sleep(for: .milliseconds(1)) }
        try await Task.sleep(for: .milliseconds(50))
        let other = Task { await queue.run(key: "b") { order.order.withLock { $0.append("b") } } }
        while queue.waiting < 5 { try await Task.sleep(for: .milliseconds(1)) }
        gate.gate.store(true, ordering: .releasing)
        _ = await blocker.value
        let refused = await flood.asyncCount { $0 == nil }
        #expect(refused == 6)
        #expect(await other.value != nil)
        // "b" came after four of "a" were waiting, and is served right after the first of them.
        #expect(order.order.withLock { $0 }.count == 5)
        #expect(order.order.withLock { $0 }.firstIndex(of: "b") == 1)
    }

    @Test("one key never holds every thread: another key's job starts while the first key's jobs run and wait")
    func threadLeftFree() async throws {
        let queue = FairBlockingQueue(name: "test-fair", threads: 2, perKeyLimit: 10, totalLimit: 100)
        let gate = Shared()
        let flood = (0..<5).map { _ in
            Task { await queue.run(key: "a") { while !gate.gate.load(ordering: .acquiring) { usleep(500) } } }
        }
        while queue.waiting < 4 { try await Task.sleep(for: .milliseconds(1)) }
        // "a" runs one job and has four waiting; "b" does not wait for any of them.
        #expect(await queue.run(key: "b") { 7 } == 7)
        gate.gate.store(true, ordering: .releasing)
        #expect(await flood.asyncCount { $0 != nil } == 5)
    }

    @Test("the total limit refuses every key once reached")
    func totalLimit() async throws {
        let queue = FairBlockingQueue(name: "test-fair", threads: 1, perKeyLimit: 10, totalLimit: 3)
        let gate = Shared()
        let blocker = Task { await queue.run(key: "x") { while !gate.gate.load(ordering: .acquiring) { usleep(500) } } }
        while queue.waiting > 0 { try await Task.sleep(for: .milliseconds(1)) }
        try await Task.sleep(for: .milliseconds(20))
        let waiting = (0..<3).map { index in Task { await queue.run(key: "k\(index)") { index } } }
        while queue.waiting < 3 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(await queue.run(key: "new") { 1 } == nil)
        gate.gate.store(true, ordering: .releasing)
        _ = await blocker.value
        #expect(await waiting.asyncCount { $0 != nil } == 3)
    }
}

extension Array {
    func asyncCount<T: Sendable>(_ predicate: (T?) -> Bool) async -> Int where Element == Task<T?, Never> {
        var count = 0
        for task in self where predicate(await task.value) { count += 1 }
        return count
    }
}

final class Shared: Sendable {
    let order = Mutex<[String]>([])
    let gate = Atomic<Bool>(false)
}

final class Counts: Sendable {
    let running = Atomic<Int>(0)
    let most = Atomic<Int>(0)
    /// Jobs that ran on a thread not named after the queue.
    let elsewhere = Atomic<Int>(0)
}
