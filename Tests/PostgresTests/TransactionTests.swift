import Foundation
import Postgres
import Synchronization
import Testing

@Suite("Transactions")
struct TransactionTests {
    struct Boom: Error {}

    static func withTable<T>(
        _ columns: String = "k int, v int", poolSize: Int = 4, _ body: (PostgresClient, String) async throws -> T
    ) async throws -> T {
        let table = Fixtures.uniqueName("tx")
        return try await Fixtures.withClient(poolSize: poolSize) { client in
            try await client.withConnection { connection in try connection.execute("CREATE TABLE \(table) (\(columns))")
            }
            let value = try await body(client, table)
            try await client.withConnection { connection in try connection.execute("DROP TABLE \(table)") }
            return value
        }
    }

    static func count(_ client: PostgresClient, _ table: String) async throws -> Int {
        try await client.query("SELECT count(*) FROM \(unescaped: table)").rows[0].decode(0, as: Int.self)
    }

    @Test("a transaction that returns commits")
    func commit() async throws {
        try await Self.withTable { client, table in
            let value = try await client.withTransaction { connection in
                try connection.query("INSERT INTO \(unescaped: table) VALUES (\(1), \(1))")
                try connection.query("INSERT INTO \(unescaped: table) VALUES (\(2), \(2))")
                return "done"
            }
            #expect(value == "done")
            #expect(try await Self.count(client, table) == 2)
        }
    }

    @Test("a transaction that throws rolls back and rethrows the error")
    func rollback() async throws {
        try await Self.withTable { client, table in
            await #expect(throws: Boom.self) {
                try await client.withTransaction { connection in
                    try connection.query("INSERT INTO \(unescaped: table) VALUES (\(1), \(1))")
                    throw Boom()
                }
            }
            let failed = await expectPostgresError {
                try await client.withTransaction { connection in
                    try connection.query("INSERT INTO \(unescaped: table) VALUES (\(2), \(2))")
                    try connection.query("SELECT 1 / \(0)")
                }
            }
            #expect(failed?.sqlState == .divisionByZero)
            let rows = try await Self.count(client, table)
            #expect(rows == 0)
        }
    }

    @Test("a statement error swallowed inside the closure still rolls back, loudly (25P02)")
    func swallowedError() async throws {
        try await Self.withTable { client, table in
            let error = await expectPostgresError {
                try await client.withTransaction { connection in
                    try connection.query("INSERT INTO \(unescaped: table) VALUES (\(1), \(1))")
                    _ = try? connection.query("SELECT 1 / \(0)")
                }
            }
            #expect(error?.sqlState == .inFailedSQLTransaction)
            let rows = try await Self.count(client, table)
            #expect(rows == 0)
        }
    }

    @Test(
        "the isolation level is the one asked for",
        arguments: [
            (IsolationLevel.readCommitted, "read committed"), (.repeatableRead, "repeatable read"),
            (.serializable, "serializable"),
        ])
    func isolation(level: IsolationLevel, expected: String) async throws {
        try await Fixtures.withClient(poolSize: 1) { client in
            let shown = try await client.withTransaction(isolation: level) { connection in
                try connection.query("SHOW transaction_isolation").rows[0].decode(0, as: String.self)
            }
            #expect(shown == expected)
        }
    }

    @Test("a transaction left open by withConnection is rolled back before the next job")
    func leftOpen() async throws {
        try await Self.withTable(poolSize: 1) { client, table in
            try await client.withConnection { connection in
                try connection.execute("BEGIN")
                try connection.query("INSERT INTO \(unescaped: table) VALUES (\(1), \(1))")
            }
            let inTransaction = try await client.withConnection { connection in connection.isInTransaction }
            #expect(!inTransaction)
            #expect(try await Self.count(client, table) == 0)
        }
    }

    /// Two serializable transactions each read what the other writes (write skew): PostgreSQL aborts one with
    /// 40001. Both closures wait at a barrier after reading, so they really overlap on the first attempt.
    static func writeSkew(retries: Int) async throws -> (attempts: Int, results: [Result<Int, any Error>], rows: Int) {
        try await withTable(poolSize: 2) { client, table in
            let attempts = Atomic<Int>(0)
            let arrived = Atomic<Int>(0)
            let barrier = Gate()
            let transaction: @Sendable (_ reads: Int, _ writes: Int) async -> Result<Int, any Error> = {
                reads, writes in
                do {
                    return .success(
                        try await client.withTransaction(isolation: .serializable, retries: retries) { connection in
                            let attempt = attempts.add(1, ordering: .relaxed).newValue
                            let seen = try connection.query(
                                "SELECT count(*) FROM \(unescaped: table) WHERE k = \(reads)"
                            )
                            .rows[0].decode(0, as: Int.self)
                            if attempt <= 2 {
                                // First round: wait until both have read.
                                if arrived.add(1, ordering: .relaxed).newValue == 2 { barrier.open(count: 2) }
                                barrier.wait(timeout: .seconds(5))
                            }
                            try connection.query("INSERT INTO \(unescaped: table) VALUES (\(writes), \(seen))")
                            return seen
                        })
                } catch {
                    return .failure(error)
                }
            }
            let results = await withTaskGroup(of: Result<Int, any Error>.self) { group in
                group.addTask { await transaction(1, 2) }
                group.addTask { await transaction(2, 1) }
                return await group.reduce(into: []) { $0.append($1) }
            }
            return (attempts.load(ordering: .relaxed), results, try await count(client, table))
        }
    }

    @Test("a serialization failure re-runs the whole closure and both transactions succeed")
    func serializationRetry() async throws {
        let (attempts, results, rows) = try await Self.writeSkew(retries: 3)
        // Two first attempts and at least one re-run; on a loaded machine the re-run can collide once more.
        #expect(attempts >= 3)
        for result in results { #expect(throws: Never.self) { try result.get() } }
        // The retried one saw the other's row.
        #expect(results.compactMap { try? $0.get() }.sorted() == [0, 1])
        #expect(rows == 2)
    }

    @Test("with no retries left the serialization failure reaches the caller")
    func serializationNoRetry() async throws {
        let (attempts, results, rows) = try await Self.writeSkew(retries: 0)
        #expect(attempts == 2)
        let failures = results.compactMap { result -> PostgresError? in
            if case .failure(let error) = result { return error as? PostgresError }
            return nil
        }
        #expect(failures.count == 1)
        #expect(failures.first?.sqlState == .serializationFailure)
        #expect(failures.first?.isRetryableTransactionFailure == true)
        #expect(rows == 1)
    }

    @Test("a deadlock (40P01) is retried too")
    func deadlockRetry() async throws {
        try await Self.withTable("k int PRIMARY KEY, v int", poolSize: 2) { client, table in
            _ = try await client.query("INSERT INTO \(unescaped: table) VALUES (1, 0), (2, 0)")
            let attempts = Atomic<Int>(0)
            let arrived = Atomic<Int>(0)
            let barrier = Gate()
            let transaction: @Sendable (_ first: Int, _ second: Int) async throws -> Void = { first, second in
                try await client.withTransaction { connection in
                    let attempt = attempts.add(1, ordering: .relaxed).newValue
                    try connection.query("UPDATE \(unescaped: table) SET v = v + 1 WHERE k = \(first)")
                    if attempt <= 2 {
                        if arrived.add(1, ordering: .relaxed).newValue == 2 { barrier.open(count: 2) }
                        barrier.wait(timeout: .seconds(5))
                    }
                    try connection.query("UPDATE \(unescaped: table) SET v = v + 1 WHERE k = \(second)")
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await transaction(1, 2) }
                group.addTask { try await transaction(2, 1) }
                try await group.waitForAll()
            }
            // One of the two is chosen as the deadlock victim and retried; on a loaded machine the retry can
            // itself meet the other transaction again, so count "at least one retry", not exactly one.
            #expect(attempts.load(ordering: .relaxed) >= 3)
            let total = try await client.query("SELECT sum(v)::int8 FROM \(unescaped: table)").rows[0].decode(
                0, as: Int.self)
            #expect(total == 4)
        }
    }
}
