import Postgres

/// Per-org settings of the helpdesk integrations (Sirportly, SpiceCSM, SmarterTrack).
public struct IntegrationStore: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case sirportly, spicecsm, smartertrack }

    public struct Settings: Sendable, Equatable {
        public let kind: Kind
        public let enabled: Bool
        public let username: String?
        public let passwordHash: String?
        public let ipAllowlist: [String]
        public let updatedAt: String
    }

    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    static let columns = """
        kind, enabled, username, password_hash, ip_allowlist::text[],
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        """

    static func decode(_ row: Row) throws -> Settings {
        Settings(
            kind: Kind(rawValue: try row.decode(0)) ?? .sirportly, enabled: try row.decode(1), username: try row.decode(2),
            passwordHash: try row.decode(3), ipAllowlist: try row.decode(4), updatedAt: try row.decode(5))
    }

    public func settings(orgID: Int64, kind: Kind) async throws -> Settings? {
        try await scope.withOrg(orgID) { connection in
            try connection.query("SELECT \(unescaped: Self.columns) FROM integration_settings WHERE kind = \(kind.rawValue)")
                .first.map(Self.decode)
        }
    }

    /// Replaces the settings. `passwordHash` nil keeps the stored password; `clearPassword` removes it.
    public func save(orgID: Int64, kind: Kind, enabled: Bool, username: String?, passwordHash: String?, clearPassword: Bool,
                     ipAllowlist: [String], audit: AuditEntry) async throws -> Settings {
        try await scope.withOrg(orgID) { connection in
            let row = try connection.query("""
                INSERT INTO integration_settings (org_id, kind, enabled, username, password_hash, ip_allowlist)
                VALUES (\(orgID), \(kind.rawValue), \(enabled), \(username), \(passwordHash), \(ipAllowlist)::cidr[])
                ON CONFLICT (org_id, kind) DO UPDATE SET
                    enabled = EXCLUDED.enabled, username = EXCLUDED.username, ip_allowlist = EXCLUDED.ip_allowlist,
                    password_hash = CASE WHEN \(clearPassword) THEN NULL
                                         ELSE coalesce(EXCLUDED.password_hash, integration_settings.password_hash) END,
                    updated_at = now()
                RETURNING \(unescaped: Self.columns)
                """).rows[0]
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("integration:\(kind.rawValue)"))
            return try Self.decode(row)
        }
    }
}
