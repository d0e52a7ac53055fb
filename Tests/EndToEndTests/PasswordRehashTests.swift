import CRM
import CRMHubTesting
import Postgres
import Testing

/// Hashes made with fewer PBKDF2 iterations than today's (210,000 before issue 18) are replaced at the next
/// successful check, with the same password, and keep working; a failed check changes nothing.
@Suite("password hashes upgraded at the next successful login")
struct PasswordRehashTests {
    @Test("a SpiceCSM integration's old hash becomes a 600,000-iteration one after a right intPass, not after a wrong one")
    func integrationPassword() async throws {
        try await SpiceCSMWebCallTests.with { fixture in
            let database = fixture.server.database
            let old = PasswordHash.make("spice-integration-pass", iterations: 1000)
            try await database.platformQuery(
                """
                UPDATE integration_settings SET password_hash = \(old) WHERE org_id = \(fixture.orgID) AND kind = 'spicecsm'
                """)
            func stored() async throws -> String {
                try await database.platformQuery(
                    """
                    SELECT password_hash FROM integration_settings WHERE org_id = \(fixture.orgID) AND kind = 'spicecsm'
                    """
                ).rows[0].decode(0, as: String.self)
            }
            let path = "/integrations/spicecsm/\(fixture.slug)/search"
            #expect(try await fixture.post(path, [("intUser", "spice"), ("intPass", "wrong"), ("LastName", "x")]).status == 401)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await stored() == old)
            #expect(try await fixture.post(path, SpiceCSMWebCallTests.credentials + [("LastName", "x")]).status == 200)
            let deadline = ContinuousClock.now + .seconds(20)
            while try await stored() == old, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            let upgraded = try await stored()
            #expect(upgraded.hasPrefix("pbkdf2-sha256$\(PasswordHash.iterations)$") && !PasswordHash.needsRehash(upgraded))
            #expect(PasswordHash.verify("spice-integration-pass", against: upgraded))
            // A new verifier process would derive again: the upgraded hash answers the same password.
            #expect(try await fixture.post(path, SpiceCSMWebCallTests.credentials + [("LastName", "x")]).status == 200)
        }
    }

    @Test("needsRehash: fewer iterations or not our format")
    func needsRehash() {
        #expect(PasswordHash.needsRehash(PasswordHash.make("x", iterations: 210_000)))
        #expect(!PasswordHash.needsRehash("pbkdf2-sha256$600000$c2FsdA$aGFzaA"))
        #expect(PasswordHash.needsRehash("bcrypt$whatever"))
    }
}
