import Postgres

/// The only way CRM code reaches tenant rows: a transaction running as the `crmhub_app` role with the
/// org set transaction-locally, so row-level security confines every statement to that org.
///
/// Every setting that decides what a transaction sees is written here and nowhere else (scripts/lint.sh checks):
/// ``withOrg(_:_:)``, ``withPlatform(_:)``, and the narrowing of a platform transaction by the statement that
/// finds the org from a secret (``narrowing(toOrgIn:)``, ``clearNarrowing(_:)``).
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

    /// Select-list items that switch a platform transaction (``withPlatform(_:)``) to the org whose id is the
    /// expression `orgID` (a column of the statement's own rows), so row-level security confines every later
    /// statement to that org. They ride on the statement that finds the org from a secret (a CIOPulse key, a
    /// listener token), which saves the round trip of a separate narrowing.
    public static func narrowing(toOrgIn orgID: String) -> String {
        "set_config('crmhub.org_id', \(orgID)::text, true), set_config('crmhub.platform', '', true)"
    }

    /// Marks the transaction as a dry run that will be rolled back: `crmhub_next_code` then hands out the codes the
    /// next creates would get without drawing them from the org's sequences (sql/0015), so a dry run uses up no
    /// customer code.
    public static func markDryRun(_ connection: PostgresConnection) throws {
        try connection.query("SELECT set_config('crmhub.dry_run', 'on', true)")
    }

    /// Undoes a ``narrowing(toOrgIn:)`` whose secret then did not match: the transaction sees no org's rows.
    public static func clearNarrowing(_ connection: PostgresConnection) throws {
        try connection.query("SELECT set_config('crmhub.org_id', '', true)")
    }
}
