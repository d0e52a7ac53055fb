import CRM
import CRMHubTesting
import Delivery
import Dispatch
import Postgres
import Testing

/// The orgs' stored turns (outbox_turns.turn, sql/0020) that a claim walks: whatever happens to an org's messages,
/// its turn comes back in time and never holds back another org.
@Suite("delivery queue: the orgs' stored turns")
struct DeliveryTurnTests {
    static func turn(_ database: PostgresClient, _ orgID: Int64) async throws -> String? {
        try await database.platformQuery(
            "SELECT CASE WHEN turn IS NULL THEN 'none' WHEN turn > now() THEN 'later' ELSE 'now' END FROM outbox_turns WHERE org_id = \(orgID)"
        ).rows.first?.decode(0, as: String.self)
    }

    @Test("orgs whose messages all wait for a retry hold back no other org, and their messages are claimed when due")
    func backoffDoesNotBlock() async throws {
        try await DeliveryQueueTests.withOneQueuedMessage("ready") { fixture, _, orgID, id, queue in
            let database = fixture.server.database
            // 70 orgs (more than one claim statement walks) whose messages were queued an hour ago and now wait
            // for a retry an hour away: their stored turns are an hour ago, ahead of this org's.
            let waiting = try await database.platformQuery(
                """
                WITH made AS (
                    INSERT INTO orgs (slug, name) SELECT 'backoff-' || g, 'Backoff ' || g FROM generate_series(1, 70) AS g
                    RETURNING id),
                queued AS (
                    INSERT INTO outbox (org_id, channel, reason, recipient, body, created_at)
                    SELECT id, 'sms', 'send-sms', '+84900000001', 'Hello', now() - interval '1 hour' FROM made
                    RETURNING org_id)
                SELECT array_to_string(array_agg(org_id), ',') FROM queued
                """
            ).rows[0].decode(0, as: String.self).split(separator: ",").compactMap { Int64($0) }
            try await database.platformQuery(
                """
                UPDATE outbox SET status = 'retrying', attempts = 1, next_attempt_at = now() + interval '1 hour'
                WHERE org_id = ANY (\(waiting)::bigint[])
                """)
            #expect(try await Self.turn(database, waiting[0]) == "now")

            let claim = try #require(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).first)
            #expect(claim.message.id == id)
            for org in waiting { #expect(try await Self.turn(database, org) == "later") }

            // This org's message fails and waits a second; nothing else is due meanwhile; then it is claimed again.
            #expect(try await queue.record(claim, .retrying(error: "451 try later", delaySeconds: 1)))
            #expect(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).isEmpty)
            #expect(try await Self.turn(database, orgID) == "later")
            try await Task.sleep(for: .milliseconds(1200))
            let again = try #require(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).first)
            #expect(again.message.id == id && again.attempt == 2)

            // A waiting org whose retry comes due is claimed too.
            try await database.platformQuery(
                "UPDATE outbox SET next_attempt_at = now() - interval '1 second' WHERE org_id = \(waiting[5])")
            #expect(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).map(\.orgID) == [waiting[5]])
        }
    }

    @Test("a new org's first message gets a turn and is claimed after the orgs that were waiting before it")
    func newOrgGetsItsTurn() async throws {
        try await DeliveryQueueTests.withOneQueuedMessage("older") { fixture, _, busyID, first, queue in
            let database = fixture.server.database
            var busy = [first]
            for _ in 0..<9 { busy.append(try await OutboxRows.message(fixture, orgID: busyID)) }
            try await database.platformQuery(
                "UPDATE outbox SET created_at = now() - interval '10 minutes' + id * interval '1 millisecond' WHERE org_id = \(busyID)"
            )
            #expect(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).map(\.message.id) == [busy[0]])

            let newID = try await LogRows.orgID(fixture, try await fixture.makeOrg("newcomer"))
            #expect(try await Self.turn(database, newID) == nil)
            let message = try await OutboxRows.message(fixture, orgID: newID)
            #expect(try await Self.turn(database, newID) == "now")
            // The busy org's turn (its last claim) came before the new message: it goes first, then the new org.
            var order: [Int64] = []
            for _ in 0..<3 { order += try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).map(\.message.id) }
            #expect(order == [busy[1], message, busy[2]])
        }
    }

    @Test("an org whose messages were all sent has no turn until it queues another, which is then claimed")
    func emptiedThenRefilled() async throws {
        try await DeliveryQueueTests.withOneQueuedMessage("refill") { fixture, _, orgID, id, queue in
            let database = fixture.server.database
            let claim = try #require(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).first)
            #expect(claim.message.id == id)
            #expect(try await queue.record(claim, .sent(providerMessageID: "m-1")))
            #expect(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).isEmpty)
            #expect(try await Self.turn(database, orgID) == "none")

            let next = try await OutboxRows.message(fixture, orgID: orgID)
            #expect(try await Self.turn(database, orgID) == "now")
            #expect(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).map(\.message.id) == [next])
        }
    }

    @Test("a suspended org's turn is cleared, holds back no other org, and is back when the org is active")
    func suspendedOrg() async throws {
        try await DeliveryQueueTests.withOneQueuedMessage("paused") { fixture, slug, orgID, id, queue in
            let database = fixture.server.database
            let otherID = try await LogRows.orgID(fixture, try await fixture.makeOrg("running"))
            let other = try await OutboxRows.message(fixture, orgID: otherID)
            try await database.platformQuery(
                "UPDATE outbox SET created_at = now() - interval '1 hour' WHERE org_id = \(orgID)")

            #expect(try await fixture.call("PATCH", "/admin/v1/orgs/\(slug)", body: ["status": "suspended"]).status == 200)
            #expect(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).map(\.message.id) == [other])
            #expect(try await Self.turn(database, orgID) == "none")
            #expect(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).isEmpty)

            #expect(try await fixture.call("PATCH", "/admin/v1/orgs/\(slug)", body: ["status": "active"]).status == 200)
            #expect(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).map(\.message.id) == [id])
        }
    }

    @Test("a message queued by a transaction still open while a claim finds its org with nothing due keeps its turn")
    func messageQueuedDuringClaim() async throws {
        try await DeliveryQueueTests.withOneQueuedMessage("inflight") { fixture, _, orgID, id, queue in
            let database = fixture.server.database
            let claim = try #require(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).first)
            #expect(claim.message.id == id)
            #expect(try await queue.record(claim, .sent(providerMessageID: "m-1")))
            // The org's stored turn is its last claim, though nothing is left: the next claim would clear it.
            #expect(try await Self.turn(database, orgID) == "now")

            // A listener transaction queues a message and stays open while a claim runs.
            let queued = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
            let listener = Task {
                try await database.withTransaction(
                    prelude: "SELECT set_config('role', 'crmhub_app', true), set_config('crmhub.org_id', \(String(orgID)), true)"
                ) { connection in
                    let id = try connection.query(
                        """
                        INSERT INTO outbox (org_id, channel, reason, recipient, body)
                        VALUES (\(orgID), 'sms', 'send-sms', '+84900000002', 'Hello') RETURNING id
                        """
                    ).rows[0].decode(0, as: Int64.self)
                    queued.signal()
                    release.wait()
                    return id
                }
            }
            await Task.detached { queued.wait() }.value
            #expect(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).isEmpty)
            // The claim could not clear the turn while the transaction that may be queueing for the org is open.
            #expect(try await Self.turn(database, orgID) == "now")
            release.signal()
            let message = try await listener.value
            #expect(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).map(\.message.id) == [message])
        }
    }

    @Test("the next webhook event of a record is claimed as soon as the one before it is sent")
    func webhookSuccessor() async throws {
        try await DeliveryQueueTests.withOneQueuedMessage("hooks") { fixture, _, orgID, _, queue in
            let database = fixture.server.database
            try await database.platformQuery("DELETE FROM outbox WHERE org_id = \(orgID)")
            let events = try await database.platformQuery(
                """
                INSERT INTO outbox (org_id, channel, reason, recipient, body, endpoint_id, event_type, event_id, ordering_key)
                SELECT \(orgID), 'webhook', 'webhook-event', 'https://hooks.example.com/in', '{}', 1, 'contact.updated',
                    'msg_' || g, 'customer:1'
                FROM generate_series(1, 2) AS g
                RETURNING id
                """
            ).rows.map { try $0.decode(0, as: Int64.self) }.sorted()
            let claim = try #require(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).first)
            #expect(claim.message.id == events[0])
            // The second event waits for the first: a claim now finds nothing and stores the first one's lease end.
            #expect(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).isEmpty)
            #expect(try await Self.turn(database, orgID) == "later")
            #expect(try await queue.record(claim, .sent(providerMessageID: nil)))
            #expect(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).map(\.message.id) == [events[1]])
        }
    }
}
