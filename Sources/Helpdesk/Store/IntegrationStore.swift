import CRM
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
        /// The sections of custom data a Sirportly data source shows; nil shows them all.
        public let customData: [String]?
        public let updatedAt: String
    }

    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    static let columns = """
        kind, enabled, username, password_hash, ip_allowlist::text[] AS ip_allowlist, custom_data,
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
        """

    static func decode(_ row: Row) throws -> Settings {
        Settings(
            kind: Kind(rawValue: try row.decode("kind")) ?? .sirportly, enabled: try row.decode("enabled"),
            username: try row.decode("username"), passwordHash: try row.decode("password_hash"),
            ipAllowlist: try row.decode("ip_allowlist"),
            customData: try row.decode("custom_data"), updatedAt: try row.decode("updated_at"))
    }

    /// An org as a helpdesk's web call reaches it (by slug, before the org is known), with its settings of `kind`.
    public struct Opened: Sendable {
        public let orgID: Int64
        public let orgStatus: Org.Status
        /// The org's time zone (IANA name).
        public let timezone: String
        /// Nil when the org never configured this integration.
        public let settings: Settings?
    }

    public func open(orgSlug: String, kind: Kind) async throws -> Opened? {
        try await scope.withPlatform { connection in
            connection.commitWithNextQuery()
            guard
                let row = try connection.query(
                    """
                    SELECT o.id, o.status, o.timezone, s.* FROM orgs AS o
                    LEFT JOIN LATERAL (
                        SELECT \(unescaped: Self.columns) FROM integration_settings WHERE org_id = o.id AND kind = \(kind.rawValue)
                    ) AS s ON true
                    WHERE o.slug = \(orgSlug)
                    """
                ).first
            else { return nil }
            let configured = try row.decode("kind", as: String?.self) != nil
            return Opened(
                orgID: try row.decode("id"), orgStatus: Org.Status(rawValue: try row.decode("status")) ?? .suspended,
                timezone: try row.decode("timezone"), settings: configured ? try Self.decode(row) : nil)
        }
    }

    /// Replaces the stored password hash `old` (made with fewer iterations than today's) by `new`, made from the same
    /// password at a successful check; nothing when another hash was saved meanwhile. - Returns: whether it was.
    @discardableResult
    public func rehash(orgID: Int64, kind: Kind, from old: String, to new: String) async throws -> Bool {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                UPDATE integration_settings SET password_hash = \(new)
                WHERE org_id = \(orgID) AND kind = \(kind.rawValue) AND password_hash = \(old)
                """
            ).affectedRows == 1
        }
    }

    public func settings(orgID: Int64, kind: Kind) async throws -> Settings? {
        try await scope.withOrg(orgID) { connection in
            try connection.query("SELECT \(unescaped: Self.columns) FROM integration_settings WHERE kind = \(kind.rawValue)")
                .first.map { try Self.decode($0) }
        }
    }

    /// Replaces the settings. `passwordHash` nil keeps the stored password; `clearPassword` removes it.
    public func save(
        orgID: Int64, kind: Kind, enabled: Bool, username: String?, passwordHash: String?, clearPassword: Bool,
        ipAllowlist: [String], customData: [String]? = nil, audit: AuditEntry
    ) async throws -> Settings {
        try await scope.withOrg(orgID) { connection in
            let row = try connection.query(
                """
                INSERT INTO integration_settings (org_id, kind, enabled, username, password_hash, ip_allowlist, custom_data)
                VALUES (\(orgID), \(kind.rawValue), \(enabled), \(username), \(passwordHash), \(ipAllowlist)::cidr[], \(customData)::text[])
                ON CONFLICT (org_id, kind) DO UPDATE SET
                    enabled = EXCLUDED.enabled, username = EXCLUDED.username, ip_allowlist = EXCLUDED.ip_allowlist,
                    custom_data = EXCLUDED.custom_data,
                    password_hash = CASE WHEN \(clearPassword) THEN NULL
                                         ELSE coalesce(EXCLUDED.password_hash, integration_settings.password_hash) END,
                    updated_at = now()
                RETURNING \(unescaped: Self.columns)
                """
            ).rows[0]
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("integration:\(kind.rawValue)"))
            return try Self.decode(row)
        }
    }
}
