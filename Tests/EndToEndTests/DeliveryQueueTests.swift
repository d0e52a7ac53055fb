import CRM
import CRMHubTesting
import Delivery
import Postgres
import Testing

/// The workers' queue against a database of its own (a claim takes due messages of every org, so the shared
/// test database's rows must not be in reach).
@Suite("delivery queue: claims, leases and outcomes")
struct DeliveryQueueTests {
    /// A server on a database of its own with one org (`slug`) and one queued message of it.
    static func withOneQueuedMessage(
        _ slug: String,
        _ body: (AdminFixture, _ slug: String, _ orgID: Int64, _ messageID: Int64, DeliveryQueueStore) async throws -> Void
    ) async throws {
        let url = try await TestDatabase.makeFreshDatabase(prefix: "delivery_\(slug)")
        try await AdminFixture.with(configure: { $0.databaseURL = url }) { fixture in
            let slug = try await fixture.makeOrg(slug)
            let orgID = try await LogRows.orgID(fixture, slug)
            let id = try await OutboxRows.message(fixture, orgID: orgID)
            try await body(fixture, slug, orgID, id, DeliveryQueueStore(scope: OrgScope(database: fixture.server.database)))
        }
    }

    @Test("one message is claimed by one of many concurrent claims; an expired claim's outcome is not recorded")
    func claimsAndLeases() async throws {
        try await Self.withOneQueuedMessage("queue") { fixture, _, orgID, id, queue in

            let claims = try await withThrowingTaskGroup(of: [DeliveryQueueStore.Claim].self) { group in
                for _ in 0..<8 { group.addTask { try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8) } }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claims.count == 1 && claims.first?.message.id == id && claims.first?.attempt == 1)
            #expect(try await queue.claim(limit: 5, leaseSeconds: 600, maxAttempts: 8).isEmpty)  // leased
            // The worker dies; its lease ends.
            try await fixture.server.database.platformQuery(
                "UPDATE outbox SET next_attempt_at = now() - interval '1 second' WHERE id = \(id)")
            let again = try #require(try await queue.claim(limit: 5, leaseSeconds: 600, maxAttempts: 8).first)
            #expect(again.message.id == id && again.attempt == 2)
            #expect(try await queue.record(claims[0], .sent(providerMessageID: "late")) == false)
            #expect(try await queue.record(again, .retrying(error: "SMTP RCPT TO: 451 try later", delaySeconds: 0)) == true)

            let outbox = OutboxStore(scope: OrgScope(database: fixture.server.database))
            var message = try #require(try await outbox.find(orgID: orgID, id: id))
            #expect(message.status == .retrying && message.attempts == 2 && message.providerMessageID == nil)
            #expect(message.lastError == "SMTP RCPT TO: 451 try later")

            let third = try #require(try await queue.claim(limit: 5, leaseSeconds: 600, maxAttempts: 8).first)
            #expect(try await queue.record(third, .waiting(reason: "no SMTP settings", delaySeconds: 60)))
            message = try #require(try await outbox.find(orgID: orgID, id: id))
            #expect(message.status == .queued && message.attempts == 2 && message.lastError == "no SMTP settings")
            #expect(try await queue.claim(limit: 5, leaseSeconds: 30, maxAttempts: 8).isEmpty)  // waits for settings

            let attempts = try await outbox.attempts(orgID: orgID, messageID: id)
            // Attempt 1 was abandoned by its worker (logged at the re-claim), attempt 2 was recorded by the worker.
            #expect(attempts.map(\.attempt) == [1, 2] && attempts.map(\.outcome) == ["retrying", "retrying"])
            let backlog = try await queue.backlog()
            #expect(backlog.count == 1 && backlog.oldestSeconds >= 0)
        }
    }

    @Test("a message whose worker dies at every attempt ends failed after the maximum attempts, not claimed for ever")
    func poisonMessage() async throws {
        try await Self.withOneQueuedMessage("poison") { fixture, _, orgID, id, queue in
            let database = fixture.server.database
            for attempt in 1...3 {
                let claim = try #require(try await queue.claim(limit: 5, leaseSeconds: 600, maxAttempts: 3).first)
                #expect(claim.message.id == id && claim.attempt == attempt)
                // The worker crashes mid-send: nothing is recorded and the lease runs out.
                try await database.platformQuery(
                    "UPDATE outbox SET next_attempt_at = now() - interval '1 second' WHERE id = \(id)")
            }
            #expect(try await queue.claim(limit: 5, leaseSeconds: 600, maxAttempts: 3).isEmpty)
            let outbox = OutboxStore(scope: OrgScope(database: database))
            let message = try #require(try await outbox.find(orgID: orgID, id: id))
            #expect(message.status == .failed && message.attempts == 3)
            #expect(message.lastError?.contains("gave up after 3 attempts") == true)
            let attempts = try await outbox.attempts(orgID: orgID, messageID: id)
            #expect(attempts.map(\.attempt) == [1, 2, 3] && attempts.map(\.outcome) == ["retrying", "retrying", "failed"])
            #expect(try await queue.claim(limit: 5, leaseSeconds: 600, maxAttempts: 3).isEmpty)
        }
    }

    @Test("a suspended org's messages are not claimed; they are due again, unchanged, when it is active")
    func suspendedOrgsWait() async throws {
        try await Self.withOneQueuedMessage("held") { fixture, slug, orgID, id, queue in

            #expect(try await fixture.call("PATCH", "/admin/v1/orgs/\(slug)", body: ["status": "suspended"]).status == 200)
            #expect(try await queue.claim(limit: 5, leaseSeconds: 600, maxAttempts: 8).isEmpty)
            let outbox = OutboxStore(scope: OrgScope(database: fixture.server.database))
            let held = try #require(try await outbox.find(orgID: orgID, id: id))
            #expect(held.status == .queued && held.attempts == 0)

            #expect(try await fixture.call("PATCH", "/admin/v1/orgs/\(slug)", body: ["status": "active"]).status == 200)
            let claim = try #require(try await queue.claim(limit: 5, leaseSeconds: 600, maxAttempts: 8).first)
            #expect(claim.message.id == id && claim.attempt == 1)
        }
    }

    @Test("orgs take turns: one org's backlog does not hold back another org's message; within an org, oldest first")
    func orgsTakeTurns() async throws {
        try await Self.withOneQueuedMessage("busy") { fixture, _, busyID, first, queue in
            var busy = [first]
            for _ in 0..<5 { busy.append(try await OutboxRows.message(fixture, orgID: busyID)) }
            let quietID = try await LogRows.orgID(fixture, try await fixture.makeOrg("quiet"))
            let quiet = try await OutboxRows.message(fixture, orgID: quietID)
            // The busy org's backlog is ten minutes old, in id order; the quiet org's message came a minute ago.
            try await fixture.server.database.platformQuery(
                """
                UPDATE outbox SET created_at = now() - interval '10 minutes' + id * interval '1 millisecond' WHERE org_id = \(busyID)
                """)
            try await fixture.server.database.platformQuery(
                "UPDATE outbox SET created_at = now() - interval '1 minute' WHERE org_id = \(quietID)")

            var order: [Int64] = []
            for _ in 0..<4 { order += try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).map(\.message.id) }
            #expect(order == [busy[0], quiet, busy[1], busy[2]])

            // Concurrent claims skip each other's locked rows: each finds a message while the org has some left.
            let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for _ in 0..<3 {
                    group.addTask { try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).map(\.message.id) }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(Set(claims) == Set(busy[3...]))
            #expect(try await queue.claim(limit: 5, leaseSeconds: 600, maxAttempts: 8).isEmpty)
        }
    }

    @Test("a claim of several takes each org's oldest message before any org's second")
    func severalAtOnce() async throws {
        try await Self.withOneQueuedMessage("many") { fixture, _, busyID, first, queue in
            let second = try await OutboxRows.message(fixture, orgID: busyID)
            let quietID = try await LogRows.orgID(fixture, try await fixture.makeOrg("few"))
            let quiet = try await OutboxRows.message(fixture, orgID: quietID)
            let claimed = try await queue.claim(limit: 2, leaseSeconds: 600, maxAttempts: 8)
            #expect(Set(claimed.map(\.message.id)) == [first, quiet])
            #expect(try await queue.claim(limit: 2, leaseSeconds: 600, maxAttempts: 8).map(\.message.id) == [second])
        }
    }
}
