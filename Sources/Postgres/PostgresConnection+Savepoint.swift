extension PostgresConnection {
    /// Marks a point inside the current transaction that ``rollBackToSavepoint(_:)`` can return to, so one failed
    /// part (one item of a batch) can be undone without losing the rest (`SAVEPOINT`).
    public func setSavepoint(_ name: StaticString) throws(PostgresError) {
        try execute("SAVEPOINT \(name)")
    }

    /// Keeps what was done since `name` and forgets the savepoint (`RELEASE SAVEPOINT`).
    public func releaseSavepoint(_ name: StaticString) throws(PostgresError) {
        try execute("RELEASE SAVEPOINT \(name)")
    }

    /// Undoes what was done since `name` and forgets the savepoint, in one round trip; the transaction goes on
    /// (`ROLLBACK TO SAVEPOINT`, then `RELEASE SAVEPOINT`).
    public func rollBackToSavepoint(_ name: StaticString) throws(PostgresError) {
        try execute("ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)")
    }
}
