import CRM
import Testing

@Suite("helpdesk passwords: PBKDF2 checks remembered briefly")
struct PasswordVerifierTests {
    static let stored = PasswordHash.make("right-password", iterations: 1000)

    @Test("a success is remembered; a failure never is; another stored hash or scope misses")
    func remembered() {
        let verifier = PasswordVerifier()
        #expect(!verifier.verify("wrong-password", against: Self.stored, scope: "1:spicecsm:spice"))
        #expect(verifier.rememberedCount == 0)
        #expect(verifier.verify("right-password", against: Self.stored, scope: "1:spicecsm:spice"))
        #expect(verifier.rememberedCount == 1)
        #expect(verifier.verify("right-password", against: Self.stored, scope: "1:spicecsm:spice"))
        #expect(verifier.rememberedCount == 1)
        let replaced = PasswordHash.make("new-password", iterations: 1000)
        #expect(!verifier.verify("right-password", against: replaced, scope: "1:spicecsm:spice"))
        #expect(verifier.verify("right-password", against: Self.stored, scope: "2:spicecsm:spice"))
        #expect(verifier.rememberedCount == 2)
    }

    @Test("a remembered success expires; a full memory is emptied rather than grown")
    func expiry() async throws {
        let verifier = PasswordVerifier(lifetime: .milliseconds(20), capacity: 2)
        #expect(verifier.verify("right-password", against: Self.stored, scope: "a"))
        #expect(verifier.verify("right-password", against: Self.stored, scope: "b"))
        try await Task.sleep(for: .milliseconds(40))
        #expect(verifier.verify("right-password", against: Self.stored, scope: "c"))
        #expect(verifier.rememberedCount == 1)
    }
}
