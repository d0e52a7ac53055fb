import Postgres

/// An org's `MatchingSettings` (`matching_settings`, sql/0015; no row: the document's behaviour).
public enum MatchingSettingsStore {
    public static func load(_ connection: PostgresConnection, orgID: Int64) throws -> MatchingSettings {
        guard
            let row = try connection.query(
                """
                SELECT deduplicate, across_series FROM matching_settings WHERE org_id = \(orgID)
                """
            ).first
        else { return .document }
        return MatchingSettings(
            deduplicate: Set(try row.decode("deduplicate", as: [String].self)), acrossSeries: try row.decode("across_series"))
    }

    /// The settings and the org's suppression hashes (`Suppressions`) in one statement: what ingestion needs of
    /// the org before it adds a customer, for one round trip per transaction. The hashes are nil when the org has
    /// more than `SuppressionStore.heldLimit`: then each check asks the database for its own identities.
    static func loadForIngest(_ connection: PostgresConnection, orgID: Int64) throws -> (MatchingSettings, Set<String>?) {
        let row = try connection.query(
            """
            SELECT s.deduplicate, s.across_series,
                ARRAY(SELECT hash FROM suppressions WHERE org_id = \(orgID) LIMIT \(SuppressionStore.heldLimit + 1)) AS hashes
            FROM (SELECT 1) AS one LEFT JOIN matching_settings AS s ON s.org_id = \(orgID)
            """
        ).rows[0]
        let list = try row.decode("hashes", as: [String].self)
        let hashes = SuppressionStore.held(list)
        guard let kinds = try row.decode("deduplicate", as: [String]?.self) else { return (.document, hashes) }
        return (MatchingSettings(deduplicate: Set(kinds), acrossSeries: try row.decode("across_series")), hashes)
    }

    public static func save(
        _ connection: PostgresConnection, orgID: Int64, _ settings: MatchingSettings, audit: AuditEntry
    ) throws {
        try connection.query(
            """
            INSERT INTO matching_settings (org_id, deduplicate, across_series)
            VALUES (\(orgID), \(MatchingSettings.kinds.filter(settings.deduplicate.contains))::text[], \(settings.acrossSeries))
            ON CONFLICT (org_id) DO UPDATE SET deduplicate = excluded.deduplicate, across_series = excluded.across_series, updated_at = now()
            """)
        try AuditStore.insert(connection, orgID: orgID, entry: audit)
    }
}
