import CRMHubTesting
import Postgres
import Testing

/// `target_session_attrs=read-write` against a real primary and hot standby (ReadWriteCheck: CRMHub asks each server
/// `pg_is_in_recovery()` instead of trusting what the login reported).
@Suite("target_session_attrs=read-write with a primary and a hot standby")
struct ReadWriteCheckTests {
    @Test(
        "the standby listed first is passed over for the primary; without a primary the connection fails, saying so; through a PgBouncer whose login still says 'standby', a promoted standby is found"
    )
    func standbyListedFirst() async throws {
        try await PrivateCluster.with { primary in
            try await primary.withStandby { standby in
                let bouncer = try await PgBouncerProcess.start(inFrontOf: standby.conninfo, serverConnections: 1)
                defer { bouncer.stop() }
                try await Self.check(primary: primary, standby: standby, bouncer: bouncer)
            }
        }
    }

    private static func check(primary: PrivateCluster, standby: PrivateCluster, bouncer: PgBouncerProcess) async throws {
        let bothDirect =
            "host=\(standby.directory),\(primary.directory) port=\(standby.port),\(primary.port) "
            + "user=postgres dbname=postgres target_session_attrs=read-write connect_timeout=3"
        try await PostgresClient.with(PostgresConfiguration(connectionString: bothDirect, poolSize: 1)) { client in
            let row = try await client.query("SELECT pg_is_in_recovery() AS standby, current_setting('port')::int AS port").rows[
                0]
            #expect(try row.decode("standby", as: Bool.self) == false)
            #expect(try row.decode("port", as: Int.self) == primary.port)
        }
        // PgBouncer keeps the login parameters of its first server connection: the standby's, in_hot_standby=on.
        try await PostgresClient.with(
            PostgresConfiguration(connectionString: bouncer.conninfo(), poolSize: 1, preparedStatements: false)
        ) { client in
            let inRecovery = try await client.query("SELECT pg_is_in_recovery()").rows[0].decode(0, as: Bool.self)
            #expect(inRecovery)
        }

        try await primary.stop()
        try await PostgresClient.with(PostgresConfiguration(connectionString: bothDirect, poolSize: 1)) { client in
            let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") }
            #expect(error?.kind == .unavailable)
            #expect(error?.message.contains("no server in the list accepts writes") == true, "\(String(describing: error))")
        }

        try await standby.promote()
        let throughBouncer =
            "host=127.0.0.1,\(primary.directory) port=\(bouncer.port),\(primary.port) "
            + "user=postgres dbname=postgres target_session_attrs=read-write connect_timeout=3"
        // The control: libpq alone believes PgBouncer's stale in_hot_standby and refuses the promoted server.
        let libpq = try await Repository.run(
            "/usr/bin/psql", ["-X", "-At", "-d", throughBouncer, "-c", "SELECT pg_is_in_recovery()"])
        #expect(libpq.status != 0, "libpq accepted PgBouncer's session: \(libpq.stdout)")
        try await PostgresClient.with(
            PostgresConfiguration(connectionString: throughBouncer, poolSize: 1, preparedStatements: false)
        ) { client in
            let row = try await client.query("SELECT pg_is_in_recovery() AS standby, current_setting('port')::int AS port").rows[
                0]
            #expect(try row.decode("standby", as: Bool.self) == false)
            #expect(try row.decode("port", as: Int.self) == standby.port)
        }
    }
}
