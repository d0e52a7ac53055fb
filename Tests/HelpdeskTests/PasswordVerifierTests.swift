@testable import CRM
import Glibc
import Synchronization
import Testing

@Suite("helpdesk passwords: PBKDF2 checks remembered briefly")
struct PasswordVerifierTests {
    static let stored = PasswordHash.make("right-password", iterations: 1000)

    @Test("a success is remembered; a failure never is; another stored hash or scope misses")
    func remembered() async {
        let verifier = PasswordVerifier()
        #expect(await !verifier.verify("wrong-password", against: Self.stored, scope: "1:spicecsm:spice"))
        #expect(verifier.rememberedCount == 0)
        #expect(await verifier.verify("right-password", against: Self.stored, scope: "1:spicecsm:spice"))
        #expect(verifier.rememberedCount == 1)
        #expect(await verifier.verify("right-password", against: Self.stored, scope: "1:spicecsm:spice"))
        #expect(verifier.rememberedCount == 1)
        let replaced = PasswordHash.make("new-password", iterations: 1000)
        #expect(await !verifier.verify("right-password", against: replaced, scope: "1:spicecsm:spice"))
        #expect(await verifier.verify("right-password", against: Self.stored, scope: "2:spicecsm:spice"))
        #expect(verifier.rememberedCount == 2)
    }

    @Test("a remembered success expires; a full memory is emptied rather than grown")
    func expiry() async throws {
        let verifier = PasswordVerifier(lifetime: .milliseconds(20), capacity: 2)
        #expect(await verifier.verify("right-password", against: Self.stored, scope: "a"))
        #expect(await verifier.verify("right-password", against: Self.stored, scope: "b"))
        try await Task.sleep(for: .milliseconds(40))
        #expect(await verifier.verify("right-password", against: Self.stored, scope: "c"))
        #expect(verifier.rememberedCount == 1)
    }
}

@Suite("blocking work off the cooperative pool")
struct BlockingQueueTests {
    @Test("every job runs, in plain threads, at most `threads` at a time")
    func bounded() async {
        let queue = BlockingQueue(name: "test-blocking", threads: 2)
        let counts = Counts()
        let results = await withTaskGroup(of: Int.self) { group in
            for index in 0..<20 {
                group.addTask {
                    await queue.run {
                        let now = counts.running.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
                        _ = counts.most.max(now, ordering: .sequentiallyConsistent)
                        usleep(2000)
                        counts.running.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                        return index * 2
                    }
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == (0..<20).map { $0 * 2 })
        #expect(counts.most.load(ordering: .sequentiallyConsistent) == 2)
    }
}

final class Counts: Sendable {
    let running = Atomic<Int>(0)
    let most = Atomic<Int>(0)
}
