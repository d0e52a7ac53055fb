import Postgres

/// The only way CRM code reaches tenant rows: a transaction running as the `crmhub_app` role with the
/// org set transaction-locally, so row-level security confines every statement to that org.
public struct OrgScope: Sendable {
    public let database: PostgresClient

    public init(database: PostgresClient) {
        self.database = database
    }

    /// Runs `body` in a transaction that sees only `orgID`'s rows.
    public func withOrg<T: Sendable>(
        _ orgID: Int64, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await database.withTransaction(
            prelude: "SELECT set_config('role', 'crmhub_app', true), set_config('crmhub.org_id', \(String(orgID)), true)", body)
    }

    /// Runs `body` in a transaction that sees every org: platform administration and secret-token lookups
    /// that must happen before the org is known. Still runs as `crmhub_app` (DML only, no DDL).
    public func withPlatform<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await database.withTransaction(
            prelude: "SELECT set_config('role', 'crmhub_app', true), set_config('crmhub.platform', 'on', true)", body)
    }
}
