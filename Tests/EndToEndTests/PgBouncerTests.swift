import CRMHubTesting
import JSON
import Postgres
import Testing

@Suite("through PgBouncer 1.18 in transaction pooling mode")
struct PgBouncerTests {
    @Test("named prepared statements collide on a shared server connection; unnamed ones (preparedStatements off) do not")
    func preparedStatementsCollide() async throws {
        let database = try await SharedTestDatabase.url()
        let bouncer = try await PgBouncerProcess.start(inFrontOf: database, serverConnections: 1)
        defer { bouncer.stop() }
        for prepared in [true, false] {
            let clients = (0..<2).map { _ in
                PostgresClient(
                    configuration: PostgresConfiguration(
                        connectionString: bouncer.conninfo(), poolSize: 1, preparedStatements: prepared))
            }
            // Both clients' first statement gets the name crmhub_1 on the one server connection they share.
            var failure: (any Error)?
            do {
                _ = try await clients[0].query("SELECT 1")
                _ = try await clients[1].query("SELECT 2")
            } catch {
                failure = error
            }
            for client in clients { await client.shutdown() }
            if prepared {
                #expect(failure != nil, "named statements through a transaction pooler should have collided")
            } else {
                #expect(failure == nil, "\(String(describing: failure))")
            }
        }
    }

    @Test(
        "a server with CRMHUB_DB_PREPARED_STATEMENTS=off ingests concurrently through PgBouncer: every contact once, with its history"
    )
    func ingestThroughPgBouncer() async throws {
        // Migrations hold a session advisory lock, so they go to PostgreSQL directly, as in deploy/local.
        try await TestServer.with { _ in }
        let bouncer = try await PgBouncerProcess.start(inFrontOf: try await SharedTestDatabase.url(), serverConnections: 2)
        defer { bouncer.stop() }
        let url = bouncer.conninfo()
        try await ListenerFixture.with(configure: { configuration in
            configuration.databaseURL = url
            configuration.databasePreparedStatements = false
            configuration.migrateOnStart = false
            configuration.databasePoolSize = 6
        }) { fixture in
            try await ingest(fixture)
        }
    }

    private func ingest(_ fixture: ListenerFixture) async throws {
        let count = 30
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<count {
                group.addTask {
                    let contact: JSONValue = [
                        "name": .string("Bouncer \(index)"),
                        "emails": [["type": "Work", "value": .string("b\(index)@bouncer.example")]],
                    ]
                    return try await fixture.send([("add-contact", contact)]).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: count))
        #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == count)
        #expect(try await fixture.count("SELECT count(DISTINCT code) FROM customers WHERE org_id = \(fixture.orgID)") == count)
        #expect(
            try await fixture.count(
                """
                SELECT count(*) FROM customers c WHERE c.org_id = \(fixture.orgID) AND NOT EXISTS
                    (SELECT 1 FROM customer_history h WHERE h.org_id = c.org_id AND h.customer_id = c.id AND h.event = 'created')
                """) == 0)
        let read = try await fixture.server.request("GET", "/readyz")
        #expect(read.status == 200)
    }
}
