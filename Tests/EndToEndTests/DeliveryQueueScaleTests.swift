import CRM
import CRMHubTesting
import Postgres
import Testing

@testable import Delivery

/// The claim's cost as the outbox grows (issue 21): it must not depend on how many orgs have messages waiting.
@Suite("delivery queue: a claim's cost with many orgs waiting")
struct DeliveryQueueScaleTests {
    /// Queues `perOrg` messages in each of `orgs` new orgs, due in the last 1,000 seconds (as bench/scale seeds
    /// them), the way a migration or a bulk import would: one statement per table.
    static func seed(_ database: PostgresClient, orgs: Int, perOrg: Int) async throws {
        try await database.withTransaction { connection in
            try connection.execute("SELECT set_config('crmhub.platform', 'on', true)")
            try connection.query(
                """
                WITH made AS (
                    INSERT INTO orgs (slug, name) SELECT 'scale-' || g, 'Scale ' || g FROM generate_series(1, \(orgs)) AS g
                    RETURNING id)
                INSERT INTO outbox (org_id, channel, reason, recipient, body, created_at)
                SELECT made.id, 'sms', 'send-sms', '+849' || lpad(m::text, 8, '0'), 'Your order is on its way.',
                    now() - make_interval(secs => ((made.id * 7919 + m * 104729) % 1000)::float8)
                FROM made CROSS JOIN generate_series(1, \(perOrg)) AS m
                """)
        }
        try await database.withConnection { connection in try connection.execute("VACUUM ANALYZE outbox, outbox_turns") }
    }

    /// Buffers (shared hits and reads) that `query` reads, measured with EXPLAIN (ANALYZE, BUFFERS) of it prepared as
    /// the workers run it (crmhub_app, platform scope), with a custom plan or the generic one: the plan's root plus
    /// the statement's CTEs that the root does not read (their updates run after it).
    static func buffers(_ database: PostgresClient, _ query: Query, generic: Bool) async throws -> (buffers: Int, plan: String) {
        try await database.withTransaction(
            prelude: "SELECT set_config('role', 'crmhub_app', true), set_config('crmhub.platform', 'on', true)"
        ) { connection in
            try connection.execute("SET LOCAL plan_cache_mode = \(generic ? "force_generic_plan" : "force_custom_plan")")
            try connection.execute("PREPARE claim_plan AS \(query.sql)")
            let values = query.binds.map { $0.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? "NULL" }
            let lines = try connection.query(
                Query(
                    sql: "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) EXECUTE claim_plan"
                        + (values.isEmpty ? "" : "(" + values.joined(separator: ", ") + ")"))
            ).rows.map { try $0.decode(0, as: String.self) }
            try connection.execute("DEALLOCATE claim_plan")
            return (Self.buffers(lines), lines.joined(separator: "\n"))
        }
    }

    /// The root's buffers and those of each "CTE name" subplan whose root is an Update or Insert that nothing reads
    /// (the statement runs those to completion after its root, so outside the root's count).
    static func buffers(_ lines: [String]) -> Int {
        func count(_ line: String) -> Int {
            line.split(separator: " ").reduce(0) { total, part in
                let pair = part.split(separator: "=")
                guard pair.count == 2, pair[0] == "hit" || pair[0] == "read" else { return total }
                return total + (Int(pair[1]) ?? 0)
            }
        }
        let root = lines.first { $0.contains("Buffers: shared") }.map(count) ?? 0
        return lines.indices.reduce(root) { total, index in
            let header = lines[index].trimmingPrefix(while: { $0 == " " })
            guard header.hasPrefix("CTE "), lines.indices.contains(index + 1),
                lines[index + 1].contains("->  Update on") || lines[index + 1].contains("->  Insert on"),
                !lines.contains(where: { $0.contains("CTE Scan on \(header.dropFirst(4)) ") })
            else { return total }
            // The node's own lines come before its first child ("->").
            let own = lines[(index + 2)...].prefix { !$0.contains("->") }
            return total + (own.first { $0.contains("Buffers: shared") }.map(count) ?? 0)
        }
    }

    @Test("one claim reads a few hundred buffers at most with 100,000 messages queued in 1,000 orgs")
    func claimWithManyOrgsWaiting() async throws {
        let url = try await TestDatabase.makeFreshDatabase(prefix: "delivery_scale")
        try await AdminFixture.with(configure: { $0.databaseURL = url }) { fixture in
            let database = fixture.server.database
            try await Self.seed(database, orgs: 1000, perOrg: 100)
            for generic in [false, true] {
                let claim = DeliveryQueueStore.claimQuery(limit: 1, leaseSeconds: 600, maxAttempts: 8)
                let (buffers, plan) = try await Self.buffers(database, claim, generic: generic)
                // The walk of every org with messages waiting read 26,668 buffers for this claim (bench/RESULTS.md).
                #expect(buffers > 0 && buffers < Self.bound, "\(buffers) buffers (generic plan: \(generic))\n\(plan)")
            }
            // The backlog gauge counts up to 10,000 and reads the earliest turn (the seeded messages came in the last
            // 1,000 seconds).
            let (gauge, plan) = try await Self.buffers(database, DeliveryQueueStore.backlogQuery, generic: true)
            #expect(gauge < Self.gaugeBound, "\(gauge) buffers\n\(plan)")
            let backlog = try await DeliveryQueueStore(scope: OrgScope(database: database)).backlog()
            #expect(backlog.count == 10_000 && backlog.oldestSeconds > 990 && backlog.oldestSeconds < 1100, "\(backlog)")

            // And claims go on taking turns: each of the next claims takes another org's message.
            let queue = DeliveryQueueStore(scope: OrgScope(database: database))
            var orgs: Set<Int64> = []
            for _ in 0..<10 { orgs.formUnion(try await queue.claim(limit: 1, leaseSeconds: 600, maxAttempts: 8).map(\.orgID)) }
            #expect(orgs.count == 10)
        }
    }

    /// At most this many buffers per claim (the root's count plus the turn's update).
    static let bound = 500
    /// At most this many buffers for the backlog gauge (the pending index's first 10,000 entries).
    static let gaugeBound = 200
}
