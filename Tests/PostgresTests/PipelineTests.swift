import Postgres
import Testing

/// BEGIN sent with the first statement, COMMIT with the last (libpq pipeline mode).
@Suite("Transactions in fewer round trips")
struct PipelineTests {
    @Test("the prelude's settings hold for the whole transaction and end with it")
    func prelude() async throws {
        try await Fixtures.withClient(poolSize: 1) { client in
            let inside = try await client.withTransaction(prelude: "SELECT set_config('crmhub.test', 'yes', true)") {
                connection in
                try connection.query("SELECT current_setting('crmhub.test', true)").rows[0].decode(0, as: String?.self)
            }
            #expect(inside == "yes")
            let after = try await client.query("SELECT current_setting('crmhub.test', true)").rows[0].decode(0, as: String?.self)
            #expect(after == nil || after == "")
        }
    }

    @Test("commitWithNextQuery commits with the last statement; a body with no statement opens no transaction")
    func commitWithNextQuery() async throws {
        try await TransactionTests.withTable { client, table in
            let id = try await client.withTransaction { connection in
                try connection.query("INSERT INTO \(unescaped: table) VALUES (\(1), \(1))")
                connection.commitWithNextQuery()
                let row = try connection.query("INSERT INTO \(unescaped: table) VALUES (\(2), \(2)) RETURNING k").rows[0]
                #expect(!connection.isInTransaction)
                return try row.decode(0, as: Int.self)
            }
            #expect(id == 2)
            #expect(try await TransactionTests.count(client, table) == 2)
            let idle = try await client.withTransaction { connection in connection.isInTransaction }
            #expect(!idle)
        }
    }

    @Test("a transaction of one round trip runs without BEGIN and COMMIT: its prelude still holds, and it is atomic")
    func oneRoundTrip() async throws {
        try await TransactionTests.withTable("k int PRIMARY KEY, v int", poolSize: 1) { client, table in
            // The prelude's transaction-local setting reaches the statement, a write commits, and nothing is left.
            let (setting, backend) = try await client.withTransaction(prelude: "SELECT set_config('crmhub.test', 'one', true)") {
                connection in
                connection.commitWithNextQuery()
                return try connection.query(
                    """
                    WITH written AS (INSERT INTO \(unescaped: table) VALUES (\(1), \(1)) RETURNING k)
                    SELECT current_setting('crmhub.test', true), pg_backend_pid() FROM written
                    """
                ).rows[0].decode((String?, Int32).self)
            }
            #expect(setting == "one")
            #expect(try await TransactionTests.count(client, table) == 1)
            let after = try await client.query("SELECT current_setting('crmhub.test', true), pg_backend_pid()").rows[0]
                .decode((String?, Int32).self)
            #expect(after.1 == backend, "the pool has one connection")
            #expect(after.0 == nil || after.0 == "")
            // A statement of the pipeline that fails undoes what the prelude wrote before it.
            var failed = false
            do {
                try await client.withTransaction(prelude: "INSERT INTO \(unescaped: table) VALUES (2, 2)") { connection in
                    connection.commitWithNextQuery()
                    try connection.query("INSERT INTO \(unescaped: table) VALUES (\(1), \(2))")
                }
            } catch let error as PostgresError {
                failed = error.sqlState == .uniqueViolation
            }
            #expect(failed)
            #expect(try await TransactionTests.count(client, table) == 1)
            let isolation = try await client.withTransaction { connection in
                connection.commitWithNextQuery()
                return try connection.query("SELECT current_setting('transaction_isolation')").rows[0].decode(0, as: String.self)
            }
            #expect(isolation == "read committed")
        }
    }

    @Test("a failing last statement rolls the whole transaction back and the connection stays usable")
    func failingLastStatement() async throws {
        try await TransactionTests.withTable("k int PRIMARY KEY, v int") { client, table in
            var failed = false
            do {
                try await client.withTransaction { connection in
                    try connection.query("INSERT INTO \(unescaped: table) VALUES (\(1), \(1))")
                    connection.commitWithNextQuery()
                    try connection.query("INSERT INTO \(unescaped: table) VALUES (\(1), \(2))")
                }
            } catch let error as PostgresError {
                failed = error.sqlState == .uniqueViolation
            }
            #expect(failed)
            #expect(try await TransactionTests.count(client, table) == 0)
            // The first statement of a transaction may fail too, with BEGIN in the same pipeline.
            failed = false
            do {
                _ = try await client.withTransaction { connection in try connection.query("SELECT 1/0") }
            } catch let error as PostgresError {
                failed = error.sqlState == .divisionByZero
            }
            #expect(failed)
            #expect(try await client.query("SELECT \(41) + 1").rows[0].decode(0, as: Int.self) == 42)
        }
    }

    @Test("a statement after the committing one is refused; an armed commit with no statement after it commits as usual")
    func statementAfterCommit() async throws {
        try await TransactionTests.withTable { client, table in
            var refused = false
            do {
                try await client.withTransaction { connection in
                    connection.commitWithNextQuery()
                    try connection.query("INSERT INTO \(unescaped: table) VALUES (\(1), \(1))")
                    try connection.query("INSERT INTO \(unescaped: table) VALUES (\(2), \(2))")
                }
            } catch let error as PostgresError {
                refused = error.kind == .protocolViolation
            }
            #expect(refused)
            #expect(try await TransactionTests.count(client, table) == 1)
            try await client.withTransaction { connection in
                try connection.query("INSERT INTO \(unescaped: table) VALUES (\(3), \(3))")
                connection.commitWithNextQuery()
            }
            #expect(try await TransactionTests.count(client, table) == 2)
            // The next transaction on the same connection is not committed early by a leftover request.
            try await client.withTransaction { connection in
                try connection.query("INSERT INTO \(unescaped: table) VALUES (\(4), \(4))")
                #expect(connection.isInTransaction)
            }
        }
    }
}
