#if canImport(Glibc)
    import Glibc
#endif

extension PostgresConnection {
    /// Runs `body` in a transaction on this connection: `BEGIN ISOLATION LEVEL …`, `COMMIT` when it returns,
    /// `ROLLBACK` when it throws. A serialization failure (40001), a deadlock (40P01) or a prepared statement
    /// gone stale inside the transaction runs `body` again in a fresh transaction, up to `retries` times, after
    /// a short random pause.
    ///
    /// If `body` swallows a statement error, the transaction is already aborted; rather than letting `COMMIT`
    /// quietly roll it back, this rolls back and throws 25P02.
    /// - Throws: what `body` throws, or a `PostgresError` from BEGIN/COMMIT.
    ///
    /// `BEGIN` and `prelude` (one statement, e.g. transaction-local settings) are sent together with the body's
    /// first statement, and a body that calls ``commitWithNextQuery()`` before its last statement sends its COMMIT
    /// with that one.
    public func withTransaction<T>(
        isolation: IsolationLevel = .readCommitted, retries: Int = 3, prelude: Query? = nil,
        _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        var attempt = 0
        while true {
            do {
                // BEGIN travels with the first statement (one round trip fewer); a body that runs none opens none.
                deferredBegin = [Query(sql: isolation.beginStatement)] + (prelude.map { [$0] } ?? [])
                committedEarly = false
                commitsWithNextQuery = false
                let value = try body(self)
                if deferredBegin != nil {
                    deferredBegin = nil
                    return value
                }
                commitsWithNextQuery = false
                if committedEarly {
                    committedEarly = false
                    return value
                }
                if failedTransactionPending {
                    throw PostgresError(
                        kind: .server, sqlState: .inFailedSQLTransaction,
                        message: "a statement failed inside the transaction, so it was rolled back")
                }
                try execute("COMMIT")
                return value
            } catch {
                deferredBegin = nil
                committedEarly = false
                commitsWithNextQuery = false
                if !isBroken, isInTransaction { try? execute("ROLLBACK") }
                guard attempt < retries, let failure = error as? PostgresError,
                    failure.isRetryableTransactionFailure || failure.isStalePreparedStatement
                else { throw error }
                attempt += 1
                // Let the transaction we collided with finish: 1–5 ms, growing with each attempt.
                usleep(UInt32.random(in: 1_000...5_000) * UInt32(attempt))
            }
        }
    }
}
