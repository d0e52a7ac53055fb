import CRM
import CRMHubTesting
import Postgres
import Testing

/// The workers' queue against a database of its own (a claim takes due messages of every org, so the shared
/// test database's rows must not be in reach).
@Suite("delivery queue: claims, leases and outcomes")
struct DeliveryQueueTests {
    /// A server on a database of its own with one org (`slug`) and one queued message of it.
    static func oneQueuedMessage(_ slug: String) async throws
        -> (fixture: AdminFixture, slug: String, orgID: Int64, messageID: Int64, queue: DeliveryQueueStore) {
        let url = try await TestDatabase.makeFreshDatabase(prefix: "delivery_\(slug)")
        let fixture = try await AdminFixture.start { $0.databaseURL = url }
        let slug = try await fixture.makeOrg(slug)
        let orgID = try await LogRows.orgID(fixture, slug)
        let id = try await OutboxRows.message(fixture, orgID: orgID)
        return (fixture, slug, orgID, id, DeliveryQueueStore(scope: OrgScope(database: fixture.server.database)))
    }

    @Test("one message is claimed by one of many concurrent claims; an expired claim's outcome is not recorded")
    func claimsAndLeases() async throws {
        let (fixture, _, orgID, id, queue) = try await Self.oneQueuedMessage("queue")

        let claims = try await withThrowingTaskGroup(of: [DeliveryQueueStore.Claim].self) { group in
            for _ in 0..<8 { group.addTask { try await queue.claim(limit: 1, leaseSeconds: 600) } }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claims.count == 1 && claims.first?.message.id == id && claims.first?.attempt == 1)
        #expect(try await queue.claim(limit: 5, leaseSeconds: 600).isEmpty)  // leased
        // The worker dies; its lease ends.
        try await fixture.server.database.query("UPDATE outbox SET next_attempt_at = now() - interval '1 second' WHERE id = \(id)")
        let again = try #require(try await queue.claim(limit: 5, leaseSeconds: 600).first)
        #expect(again.message.id == id && again.attempt == 2)
        #expect(try await queue.record(claims[0], .sent(providerMessageID: "late")) == false)
        #expect(try await queue.record(again, .retrying(error: "SMTP RCPT TO: 451 try later", delaySeconds: 0)) == true)

        let outbox = OutboxStore(scope: OrgScope(database: fixture.server.database))
        var message = try #require(try await outbox.find(orgID: orgID, id: id))
        #expect(message.status == .retrying && message.attempts == 2 && message.providerMessageID == nil)
        #expect(message.lastError == "SMTP RCPT TO: 451 try later")

        let third = try #require(try await queue.claim(limit: 5, leaseSeconds: 600).first)
        #expect(try await queue.record(third, .waiting(reason: "no SMTP settings", delaySeconds: 60)))
        message = try #require(try await outbox.find(orgID: orgID, id: id))
        #expect(message.status == .queued && message.attempts == 2 && message.lastError == "no SMTP settings")
        #expect(try await queue.claim(limit: 5, leaseSeconds: 30).isEmpty)  // waits for settings

        let attempts = try await outbox.attempts(orgID: orgID, messageID: id)
        #expect(attempts.map(\.attempt) == [2] && attempts.map(\.outcome) == ["retrying"])
        let backlog = try await queue.backlog()
        #expect(backlog.count == 1 && backlog.oldestSeconds >= 0)
        await fixture.stop()
    }

    @Test("a suspended org's messages are not claimed; they are due again, unchanged, when it is active")
    func suspendedOrgsWait() async throws {
        let (fixture, slug, orgID, id, queue) = try await Self.oneQueuedMessage("held")

        #expect(try await fixture.call("PATCH", "/admin/v1/orgs/\(slug)", body: ["status": "suspended"]).status == 200)
        #expect(try await queue.claim(limit: 5, leaseSeconds: 600).isEmpty)
        let outbox = OutboxStore(scope: OrgScope(database: fixture.server.database))
        let held = try #require(try await outbox.find(orgID: orgID, id: id))
        #expect(held.status == .queued && held.attempts == 0)

        #expect(try await fixture.call("PATCH", "/admin/v1/orgs/\(slug)", body: ["status": "active"]).status == 200)
        let claim = try #require(try await queue.claim(limit: 5, leaseSeconds: 600).first)
        #expect(claim.message.id == id && claim.attempt == 1)
        await fixture.stop()
    }
}
