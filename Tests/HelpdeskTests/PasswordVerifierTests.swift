import Glibc
import Synchronization
import Testing

@testable import CRM

@Suite("helpdesk passwords: PBKDF2 outcomes remembered briefly")
struct PasswordVerifierTests {
    static let stored = PasswordHash.make("right-password", iterations: 1000)

    @Test("a success is remembered; a failure briefly; another stored hash or scope misses")
    func remembered() async throws {
        let verifier = PasswordVerifier(failureLifetime: .milliseconds(30))
        #expect(await verifier.check("wrong-password", against: Self.stored, scope: "1:spicecsm:spice") == .invalid)
        #expect(verifier.rememberedCount == 1)
        #expect(await verifier.check("right-password", against: Self.stored, scope: "1:spicecsm:spice") == .valid)
        #expect(verifier.rememberedCount == 2)
        #expect(await verifier.verify("right-password", against: Self.stored, scope: "1:spicecsm:spice"))
        try await Task.sleep(for: .milliseconds(40))
        // The failure expired and is derived (and remembered) again in the same place; the success is still known.
        #expect(await !verifier.verify("wrong-password", against: Self.stored, scope: "1:spicecsm:spice"))
        #expect(verifier.rememberedCount == 2)
        let replaced = PasswordHash.make("new-password", iterations: 1000)
        #expect(await !verifier.verify("right-password", against: replaced, scope: "1:spicecsm:spice"))
        #expect(await verifier.verify("right-password", against: Self.stored, scope: "2:spicecsm:spice"))
        #expect(verifier.rememberedCount == 4)
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

    @Test("checks of one password that arrive while it is derived share the derivation; another password has its own")
    func burst() async throws {
        // Slow enough (300,000 iterations) that all sixteen checks arrive before the first derivation ends.
        let slow = PasswordHash.make("right-password", iterations: 300_000)
        let verifier = PasswordVerifier()
        let outcomes = await withTaskGroup(of: PasswordVerifier.Outcome.self) { group in
            for index in 0..<24 {
                let password = index % 3 == 2 ? "wrong-password" : "right-password"
                group.addTask { await verifier.check(password, against: slow, scope: "7:spicecsm:burst") }
            }
            return await group.reduce(into: [PasswordVerifier.Outcome]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .valid }.count == 16 && outcomes.filter { $0 == .invalid }.count == 8)
        #expect(verifier.derivations == 2)
        #expect(await verifier.check("right-password", against: slow, scope: "7:spicecsm:burst") == .valid)
        #expect(verifier.derivations == 2)
    }

    @Test("a success used within its lifetime stays remembered; a failure does not")
    func sliding() async throws {
        let right = PasswordVerifier(lifetime: .seconds(3), failureLifetime: .seconds(3))
        let wrong = PasswordVerifier(lifetime: .seconds(3), failureLifetime: .seconds(3))
        // The first checks derive (and may wait for the derivation threads, which other suites share); the clock
        // starts once both outcomes are remembered.
        #expect(await right.verify("right-password", against: Self.stored, scope: "8:spicecsm:steady"))
        #expect(await !wrong.verify("wrong-password", against: Self.stored, scope: "8:spicecsm:steady"))
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .milliseconds(4000) {
            try await Task.sleep(for: .milliseconds(250))
            #expect(await right.verify("right-password", against: Self.stored, scope: "8:spicecsm:steady"))
            #expect(await !wrong.verify("wrong-password", against: Self.stored, scope: "8:spicecsm:steady"))
        }
        // Past the lifetime since the first checks: the success was kept alive by its use, the failure derived again.
        #expect(right.derivations == 1)
        #expect(wrong.derivations >= 2)
    }

    @Test("using a remembered success in a full memory renews it without forgetting the others")
    func renewInFullMemory() async throws {
        let verifier = PasswordVerifier(lifetime: .seconds(30), capacity: 2)
        #expect(await verifier.verify("right-password", against: Self.stored, scope: "a"))
        #expect(await verifier.verify("right-password", against: Self.stored, scope: "b"))
        #expect(await verifier.verify("right-password", against: Self.stored, scope: "a"))
        #expect(await verifier.verify("right-password", against: Self.stored, scope: "b"))
        #expect(verifier.derivations == 2 && verifier.rememberedCount == 2)
    }
}
