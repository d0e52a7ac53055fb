import CRMHubTesting
import Foundation
import JSON
import Postgres
import Testing

/// `CRMHUB_READ_DATABASE_URL` against a real hot standby: a private primary, a pg_basebackup of it streaming from it,
/// and the server with its primary and its read replica. Pausing the standby's WAL replay makes a contact exist on the
/// primary only, which tells where each answer was read.
@Suite("read scale-out: the read API on a hot standby (CRMHUB_READ_DATABASE_URL)")
struct ReadReplicaTests {
    @Test("lists, records, history and exports come from the standby; writes and key checks go to the primary")
    func readsFromTheStandby() async throws {
        try await PrivateCluster.with { primary in
            try await primary.withStandby { standby in
                let urls = (primary.conninfo, standby.conninfo)
                try await ListenerFixture.with(configure: { configuration in
                    configuration.databaseURL = urls.0
                    configuration.readDatabaseURL = urls.1
                }) { listener in
                    let reader = ReadAPIFixture(
                        listener: listener, key: try await ReadAPIFixture.apiKey(listener, scopes: ["read"]))
                    try await PostgresClient.with(PostgresConfiguration(connectionString: standby.conninfo, poolSize: 1)) {
                        replica in
                        try await Self.check(reader, standby: standby, replica: replica)
                    }
                }
            }
        }
    }

    private static func check(_ reader: ReadAPIFixture, standby: PrivateCluster, replica: PostgresClient) async throws {
        let listener = reader.listener
        let first = try await Self.add(listener, "Replicated")
        try await Self.waitUntil("the standby replays the first contact") {
            try await reader.get("/api/v1/contacts/\(first)").status == 200
        }
        let sessions = try await replica.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'crmhub-read'")
        #expect(try sessions.rows[0].decode(0, as: Int.self) >= 1, "the read pool's sessions are on the standby")

        // Replay paused: what the primary commits now is not on the standby.
        try await replica.query("SELECT pg_wal_replay_pause()")
        try await Self.waitUntil("replay pauses") {
            try await replica.query("SELECT pg_get_wal_replay_pause_state() = 'paused'").rows[0].decode(0, as: Bool.self)
        }
        let second = try await Self.add(listener, "Primary Only")
        let onPrimary = try await listener.count(
            "SELECT count(*) FROM customers WHERE org_id = \(listener.orgID) AND name = 'Primary Only'")
        #expect(onPrimary == 1)
        #expect(try await reader.names("/api/v1/contacts") == ["Replicated"])
        #expect(try await reader.get("/api/v1/contacts/\(second)").status == 404)
        #expect(try await reader.get("/api/v1/contacts/\(first)/history").status == 200)
        let export = try await reader.get("/api/v1/exports/contacts")
        #expect(export.status == 200 && export.response.text.contains(first) && !export.response.text.contains(second))
        // A key made while replay is paused exists on the primary only, and is accepted: keys are checked there.
        let newKey = try await ReadAPIFixture.apiKey(listener, scopes: ["read"])
        #expect(try await reader.get("/api/v1/contacts", key: newKey).status == 200)

        try await replica.query("SELECT pg_wal_replay_resume()")
        try await Self.waitUntil("the standby catches up") { try await reader.get("/api/v1/contacts/\(second)").status == 200 }
        #expect(try await reader.names("/api/v1/contacts") == ["Primary Only", "Replicated"])

        // Without the standby, reads fail (503, as any database outage) while writes still succeed.
        try await standby.stop()
        let refused = try await reader.get("/api/v1/contacts")
        #expect(refused.status == 503 && refused.response.header("Retry-After") != nil, "\(refused.json)")
        let third = try await Self.add(listener, "While Down")
        try await standby.restart()
        try await Self.waitUntil("reads resume on the restarted standby") {
            try await reader.get("/api/v1/contacts/\(third)").status == 200
        }
    }

    /// Adds a contact through the listener (the primary) and returns its code.
    private static func add(_ listener: ListenerFixture, _ name: String) async throws -> String {
        let email = "\(name.lowercased().replacingOccurrences(of: " ", with: "."))@replica.example"
        let sent = try await listener.send([("add-contact", ["name": .string(name), "emails": [["value": .string(email)]]])])
        try #require(sent.status == 200, "\(sent.json)")
        return try #require(sent.json["results"]?[0]?["records"]?[0]?["customerId"]?.stringValue, "\(sent.json)")
    }

    private static func waitUntil(
        _ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting until \(what)")
        throw TestError("timed out waiting until \(what)")
    }
}
