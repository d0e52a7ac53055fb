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

    /// Select-list items reading the ``IngestRules`` of the org whose id is the SQL expression `orgID`, so that they
    /// can ride on a statement the transaction sends anyway (the listener's opening statement) instead of costing a
    /// round trip of their own; ``ingestRules(_:)`` decodes them.
    public static func ingestRuleColumns(orgID: String) -> String {
        """
        (SELECT s.deduplicate FROM matching_settings AS s WHERE s.org_id = \(orgID)) AS matching_deduplicate,
        (SELECT s.across_series FROM matching_settings AS s WHERE s.org_id = \(orgID)) AS matching_across_series,
        ARRAY(SELECT h.hash FROM suppressions AS h WHERE h.org_id = \(orgID) LIMIT \(SuppressionStore.heldLimit + 1))
            AS suppression_hashes
        """
    }

    /// The ``IngestRules`` in a row selecting ``ingestRuleColumns(orgID:)``.
    public static func ingestRules(_ row: Row) throws -> IngestRules {
        let suppressions = SuppressionStore.held(try row.decode("suppression_hashes", as: [String].self))
        guard let kinds = try row.decode("matching_deduplicate", as: [String]?.self) else {
            return IngestRules(matching: .document, suppressions: suppressions)
        }
        let matching = MatchingSettings(deduplicate: Set(kinds), acrossSeries: try row.decode("matching_across_series"))
        return IngestRules(matching: matching, suppressions: suppressions)
    }

    /// The org's ``IngestRules`` in a statement of their own (ingest paths without a listener's opening statement).
    static func loadForIngest(_ connection: PostgresConnection, orgID: Int64) throws -> IngestRules {
        let row = try connection.query(
            "SELECT \(unescaped: ingestRuleColumns(orgID: "o.id")) FROM (SELECT \(orgID)::bigint AS id) AS o"
        ).rows[0]
        return try ingestRules(row)
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
