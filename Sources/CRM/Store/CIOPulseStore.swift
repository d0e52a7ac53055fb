import Postgres

/// The org's CIOPulse-compatible portal: its code (unique across orgs), IP allowlist and 40-character keys.
public struct CIOPulseStore: Sendable {
    public struct Portal: Sendable, Equatable {
        public let orgID: Int64
        public let portalCode: String
        public let ipAllowlist: [String]
    }

    public struct Key: Sendable, Equatable {
        public let id: Int64
        public let lastFour: String
        public let createdAt: String
        public let lastUsedAt: String?
        public let revokedAt: String?
    }

    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    public func save(orgID: Int64, portalCode: String, ipAllowlist: [String], audit: AuditEntry) async throws -> Portal {
        try await scope.withOrg(orgID) { connection in
            let row: Row
            do {
                row = try connection.query("""
                    INSERT INTO ciopulse_portals (org_id, portal_code, ip_allowlist) VALUES (\(orgID), \(portalCode), \(ipAllowlist)::cidr[])
                    ON CONFLICT (org_id) DO UPDATE SET portal_code = EXCLUDED.portal_code, ip_allowlist = EXCLUDED.ip_allowlist
                    RETURNING org_id, portal_code, ip_allowlist::text[]
                    """).rows[0]
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw CRMError.conflict(FieldError("portal_code", "portal code '\(portalCode)' is taken"))
            }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("ciopulse_portal"))
            return Portal(orgID: try row.decode(0), portalCode: try row.decode(1), ipAllowlist: try row.decode(2))
        }
    }

    public func portal(orgID: Int64) async throws -> Portal? {
        try await scope.withOrg(orgID) { connection in
            try connection.query("SELECT org_id, portal_code, ip_allowlist::text[] FROM ciopulse_portals").first.map { row in
                Portal(orgID: try row.decode(0), portalCode: try row.decode(1), ipAllowlist: try row.decode(2))
            }
        }
    }

    /// A new 40-character key (letters and digits, as CIOPulse keys are); returned once, stored as SHA-256.
    public func createKey(orgID: Int64, audit: AuditEntry) async throws -> (Key, String) {
        let secret = RandomText.base62(count: 40)
        let key = try await scope.withOrg(orgID) { connection in
            guard try connection.query("SELECT 1 FROM ciopulse_portals").first != nil else {
                throw CRMError.invalid([FieldError("portal_code", "set the portal code (PUT …/ciopulse) before creating keys")])
            }
            let key = try Self.decodeKey(try connection.query("""
                INSERT INTO ciopulse_api_keys (org_id, secret_hash, last_four) VALUES (\(orgID), \(SecretToken.hash(secret)), \(String(secret.suffix(4))))
                RETURNING \(unescaped: Self.keyColumns)
                """).rows[0])
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("ciopulse_key:\(key.id)"))
            return key
        }
        return (key, secret)
    }

    static let keyColumns = """
        id, last_four, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        """

    static func decodeKey(_ row: Row) throws -> Key {
        Key(id: try row.decode(0), lastFour: try row.decode(1), createdAt: try row.decode(2), lastUsedAt: try row.decode(3),
            revokedAt: try row.decode(4))
    }

    public func keys(orgID: Int64) async throws -> [Key] {
        try await scope.withOrg(orgID) { connection in
            try connection.query("SELECT \(unescaped: Self.keyColumns) FROM ciopulse_api_keys ORDER BY id").rows.map(Self.decodeKey)
        }
    }

    public func revokeKey(orgID: Int64, id: Int64, audit: AuditEntry) async throws {
        try await scope.withOrg(orgID) { connection in
            guard try connection.query("""
                UPDATE ciopulse_api_keys SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL
                """).affectedRows == 1
            else { throw CRMError.notFound("CIOPulse key \(id)") }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("ciopulse_key:\(id)"))
        }
    }

    /// The portal a portal code + API key open (HTTP Basic of the CIOPulse API), or nil. Every live key of
    /// the portal is compared in constant time.
    public func authenticate(portalCode: String, apiKey: String) async throws -> Portal? {
        guard apiKey.utf8.count == 40 else { return nil }
        let presented = SecretToken.hash(apiKey)
        return try await scope.withPlatform { connection in
            let rows = try connection.query("""
                SELECT p.org_id, p.portal_code, p.ip_allowlist::text[], k.id, k.secret_hash
                FROM ciopulse_portals p JOIN ciopulse_api_keys k ON k.org_id = p.org_id AND k.revoked_at IS NULL
                WHERE p.portal_code = \(portalCode)
                """).rows
            var match: Row?
            for row in rows where SecretToken.matches(presented, try row.decode(4, as: [UInt8].self)) { match = row }
            guard let row = match else { return nil }
            try connection.query("""
                UPDATE ciopulse_api_keys SET last_used_at = now()
                WHERE org_id = \(try row.decode(0, as: Int64.self)) AND id = \(try row.decode(3, as: Int64.self))
                  AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
                """)
            return Portal(orgID: try row.decode(0), portalCode: try row.decode(1), ipAllowlist: try row.decode(2))
        }
    }
}
