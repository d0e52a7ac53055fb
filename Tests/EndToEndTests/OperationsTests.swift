import CRMHubTesting
import Foundation
import Postgres
import Testing

@testable import App

@Suite("operational endpoints through the real server and PostgreSQL")
struct OperationsTests {
    @Test("/healthz answers ok")
    func healthz() async throws {
        try await TestServer.with { server in
            let response = try await server.request("GET", "/healthz")
            #expect(response.status == 200)
            #expect(response.text == "ok\n")
        }
    }

    @Test("/readyz is ready when the database answers and migrations are current")
    func readyz() async throws {
        try await TestServer.with { server in
            let response = try await server.request("GET", "/readyz")
            #expect(response.status == 200)
            #expect(response.jsonObject["status"] as? String == "ready")
        }
    }

    @Test("/readyz is 503 naming pending migrations when the schema is behind")
    func readyzPending() async throws {
        let url = try await TestDatabase.makeFreshDatabase(prefix: "pending")
        try await TestServer.with(configure: {
            $0.databaseURL = url
            $0.migrateOnStart = false
        }) { server in
            let response = try await server.request("GET", "/readyz")
            #expect(response.status == 503)
            #expect((response.jsonObject["reason"] as? String)?.contains("migrations pending") == true)
        }
    }

    @Test("a newer release's migration: this build starts (migrating nothing) and /readyz stays ready (expand/contract)")
    func schemaAhead() async throws {
        let url = try await TestDatabase.makeFreshDatabase(prefix: "ahead")
        try await TestServer.with(configure: { $0.databaseURL = url }) { server in
            try await server.database.query(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'from_a_newer_release', 'x')")
        }
        // Migrating on start, as an instance of the previous release restarting during a rolling deploy.
        try await TestServer.with(configure: { $0.databaseURL = url }) { server in
            let response = try await server.request("GET", "/readyz")
            #expect(response.status == 200)
            #expect(response.jsonObject["status"] as? String == "ready")
            #expect(
                (response.jsonObject["reason"] as? String)?.contains("migration 9999, newer than this build") == true,
                "\(response.text)")
        }
    }

    @Test("/metrics exposes requests, latency, connections and pool gauges")
    func metrics() async throws {
        try await TestServer.with { server in
            _ = try await server.request("GET", "/healthz")
            _ = try await server.request("GET", "/readyz")
            let response = try await server.request("GET", "/metrics")
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            #expect(text.contains("crmhub_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"))
            #expect(text.contains("crmhub_http_request_duration_seconds_bucket{route=\"/readyz\",le=\"+Inf\"} 1"))
            #expect(text.contains("crmhub_http_open_connections "))
            #expect(text.contains("crmhub_http_requests_in_flight "))
            #expect(text.contains("crmhub_db_pool_connections{state=\"in_use\"}"))
            #expect(text.contains("crmhub_db_pool_connections{state=\"waiting\"}"))
        }
    }
}

@Suite("tenant isolation scaffolding at the database level")
struct RowLevelSecurityTests {
    @Test("as the app role, orgs are invisible without the org setting and confined with it")
    func isolation() async throws {
        try await TestServer.with { server in
            let database = server.database
            let slugA = "rls-a-\(UInt32.random(in: 0...UInt32.max))"
            let slugB = "rls-b-\(UInt32.random(in: 0...UInt32.max))"
            // Made as the platform: the tests connect as the owner, whom the forced policy confines too.
            let ids = try await database.withTransaction(prelude: "SELECT set_config('crmhub.platform', 'on', true)") {
                connection in
                let a = try connection.query("INSERT INTO orgs (slug, name) VALUES (\(slugA), 'A') RETURNING id").rows[0].decode(
                    0, as: Int64.self)
                let b = try connection.query("INSERT INTO orgs (slug, name) VALUES (\(slugB), 'B') RETURNING id").rows[0].decode(
                    0, as: Int64.self)
                return (a, b)
            }
            let unscoped = try await database.withTransaction { connection in
                _ = try connection.query("SELECT set_config('role', 'crmhub_app', true)")
                return try connection.query("SELECT count(*) FROM orgs").rows[0].decode(0, as: Int64.self)
            }
            #expect(unscoped == 0)
            let scoped = try await database.withTransaction { connection in
                _ = try connection.query(
                    "SELECT set_config('role', 'crmhub_app', true), set_config('crmhub.org_id', \(String(ids.0)), true)")
                return try connection.query("SELECT slug FROM orgs").rows.map { try $0.decode(0, as: String.self) }
            }
            #expect(scoped == [slugA])
            // Writing another org's row is refused by the policy's WITH CHECK.
            await #expect(throws: PostgresError.self) {
                try await database.withTransaction { connection in
                    _ = try connection.query(
                        "SELECT set_config('role', 'crmhub_app', true), set_config('crmhub.org_id', \(String(ids.0)), true)")
                    _ = try connection.query("INSERT INTO orgs (slug, name) VALUES ('rls-x-\(unescaped: String(ids.1))', 'X')")
                }
            }
            // And the app role cannot change the schema.
            await #expect(throws: PostgresError.self) {
                try await database.withTransaction { connection in
                    _ = try connection.query("SELECT set_config('role', 'crmhub_app', true)")
                    try connection.execute("DROP TABLE orgs")
                }
            }
        }
    }
}
