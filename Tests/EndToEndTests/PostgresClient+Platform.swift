import Postgres

extension PostgresClient {
    /// Runs `query` in a transaction that sees every org, for tests that inspect or adjust rows directly. The tenant
    /// tables force row-level security on their owner too (only a superuser or BYPASSRLS skips it, and the tests run
    /// as neither), so the transaction sets `crmhub.platform` as platform administration does.
    @discardableResult
    func platformQuery(_ query: Query) async throws -> QueryResult {
        try await withTransaction(prelude: "SELECT set_config('crmhub.platform', 'on', true)") { connection in
            try connection.query(query)
        }
    }
}
