import CRM
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
                row = try connection.query(
                    """
                    INSERT INTO ciopulse_portals (org_id, portal_code, ip_allowlist) VALUES (\(orgID), \(portalCode), \(ipAllowlist)::cidr[])
                    ON CONFLICT (org_id) DO UPDATE SET portal_code = EXCLUDED.portal_code, ip_allowlist = EXCLUDED.ip_allowlist
                    RETURNING org_id, portal_code, ip_allowlist::text[]
                    """
                ).rows[0]
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw CRMError.conflict(FieldError("portal_code", "portal code '\(portalCode)' is taken"))
            }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("ciopulse_portal"))
            return try Self.decodePortal(row)
        }
    }

    /// A portal from its `org_id`, `portal_code` and `ip_allowlist` columns.
    static func decodePortal(_ row: Row) throws -> Portal {
        Portal(
            orgID: try row.decode("org_id"), portalCode: try row.decode("portal_code"),
            ipAllowlist: try row.decode("ip_allowlist"))
    }

    public func portal(orgID: Int64) async throws -> Portal? {
        try await scope.withOrg(orgID) { connection in
            try connection.query("SELECT org_id, portal_code, ip_allowlist::text[] FROM ciopulse_portals").first.map { row in
                try Self.decodePortal(row)
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
            let key = try Self.decodeKey(
                try connection.query(
                    """
                    INSERT INTO ciopulse_api_keys (org_id, secret_hash, last_four) VALUES (\(orgID), \(SecretToken.hash(secret)), \(String(secret.suffix(4))))
                    RETURNING \(unescaped: Self.keyColumns)
                    """
                ).rows[0])
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("ciopulse_key:\(key.id)"))
            return key
        }
        return (key, secret)
    }

    static let keyColumns = """
        id, last_four, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
        to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_used_at,
        to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS revoked_at
        """

    static func decodeKey(_ row: Row) throws -> Key {
        Key(
            id: try row.decode("id"), lastFour: try row.decode("last_four"), createdAt: try row.decode("created_at"),
            lastUsedAt: try row.decode("last_used_at"), revokedAt: try row.decode("revoked_at"))
    }

    public func keys(orgID: Int64) async throws -> [Key] {
        try await scope.withOrg(orgID) { connection in
            try connection.query("SELECT \(unescaped: Self.keyColumns) FROM ciopulse_api_keys ORDER BY id").rows.map(
                Self.decodeKey)
        }
    }

    public func revokeKey(orgID: Int64, id: Int64, audit: AuditEntry) async throws {
        try await scope.withOrg(orgID) { connection in
            guard
                try connection.query(
                    """
                    UPDATE ciopulse_api_keys SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL
                    """
                ).affectedRows == 1
            else { throw CRMError.notFound("CIOPulse key \(id)") }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("ciopulse_key:\(id)"))
        }
    }

    /// What one CIOPulse API request opened: its portal's org (the transaction now sees only that org's rows), the
    /// portal's allowlist, the org's status and the contact the request names, if it exists.
    public struct Opened: Sendable {
        public let orgID: Int64
        public let ipAllowlist: [String]
        public let orgStatus: Org.Status
        public let contact: StoredCIOPulseContact?

        public init(orgID: Int64, ipAllowlist: [String], orgStatus: Org.Status, contact: StoredCIOPulseContact?) {
            self.orgID = orgID
            self.ipAllowlist = ipAllowlist
            self.orgStatus = orgStatus
            self.contact = contact
        }
    }

    /// Whether a portal code and API key open a portal (its key not revoked), without opening it.
    public func opens(portalCode: String, apiKey: String) async throws -> Bool {
        guard apiKey.utf8.count == 40 else { return false }
        return try await scope.withPlatform { connection in
            try connection.query(
                """
                SELECT 1 FROM ciopulse_portals AS p JOIN ciopulse_api_keys AS k ON k.org_id = p.org_id
                WHERE p.portal_code = \(portalCode) AND k.revoked_at IS NULL AND k.secret_hash = \(SecretToken.hash(apiKey))
                LIMIT 1
                """
            ).first != nil
        }
    }

    /// The first statement of a CIOPulse API request, in a platform transaction: finds the portal by its code and
    /// a live key of it by the key's SHA-256, notes the key's use (at most once a minute), reads the contact with
    /// `systemID`, and switches the transaction to the portal's org, so row-level security applies from then on.
    /// Nothing is switched when the credentials do not match. The key is compared by its SHA-256 in SQL: timing can
    /// at most reveal how much of a digest matched, which does not help find a 40-character random key.
    /// - Returns: nil when no portal has this code or no live key of it is `apiKey`.
    public static func open(
        _ connection: PostgresConnection, portalCode: String, apiKey: String, systemID: String?
    ) throws -> Opened? {
        try open(connection, portalCode: portalCode, apiKey: apiKey, systemIDs: [systemID])?.first
    }

    /// `open` for requests sent together with the same credentials (see `CIOPulseContacts.putGroup`): one `Opened`
    /// per system id, in order, each with the contact that has it.
    public static func open(
        _ connection: PostgresConnection, portalCode: String, apiKey: String, systemIDs: [String?]
    ) throws -> [Opened]? {
        guard apiKey.utf8.count == 40 else { return nil }
        let query: Query = """
            WITH portal AS MATERIALIZED (
                SELECT p.org_id, p.ip_allowlist::text[] AS allowlist, o.status, (
                    SELECT k.id FROM ciopulse_api_keys AS k
                    WHERE k.org_id = p.org_id AND k.revoked_at IS NULL AND k.secret_hash = \(SecretToken.hash(apiKey))
                    LIMIT 1
                ) AS key_id
                FROM ciopulse_portals AS p JOIN orgs AS o ON o.id = p.org_id
                WHERE p.portal_code = \(portalCode)
            ), touched AS (
                UPDATE ciopulse_api_keys AS k SET last_used_at = now() FROM portal
                WHERE k.org_id = portal.org_id AND k.id = portal.key_id
                    AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute')
            )
            SELECT portal.org_id, portal.allowlist, portal.status,
                \(unescaped: CIOPulseContactStore.columns("c")),
                \(unescaped: OrgScope.narrowing(toOrgIn: "portal.org_id"))
            FROM portal CROSS JOIN unnest(\(systemIDs)::text[]) WITH ORDINALITY AS wanted(system_id, ordinal)
            LEFT JOIN LATERAL (
                -- A unique-key probe whatever the (generic) plan guesses about the table.
                SELECT * FROM customers
                WHERE org_id = portal.org_id AND system_id = wanted.system_id AND kind = 'contact' LIMIT 1
            ) AS c ON true
            WHERE portal.key_id IS NOT NULL
            ORDER BY wanted.ordinal
            """
        let rows = try connection.query(query).rows
        guard rows.count == systemIDs.count else { return nil }
        return try rows.map { row in
            Opened(
                orgID: try row.decode("org_id"), ipAllowlist: try row.decode("allowlist"),
                orgStatus: Org.Status(rawValue: try row.decode("status")) ?? .suspended,
                contact: try CIOPulseContactStore.decode(row))
        }
    }

    /// The portal a portal code + API key open (HTTP Basic of the CIOPulse API), or nil. Every live key of
    /// the portal is compared in constant time.
    public func authenticate(portalCode: String, apiKey: String) async throws -> Portal? {
        guard apiKey.utf8.count == 40 else { return nil }
        let presented = SecretToken.hash(apiKey)
        return try await scope.withPlatform { connection in
            let rows = try connection.query(
                """
                SELECT p.org_id, p.portal_code, p.ip_allowlist::text[], k.id AS key_id, k.secret_hash
                FROM ciopulse_portals p JOIN ciopulse_api_keys k ON k.org_id = p.org_id AND k.revoked_at IS NULL
                WHERE p.portal_code = \(portalCode)
                """
            ).rows
            var match: Row?
            for row in rows where SecretToken.matches(presented, try row.decode("secret_hash", as: [UInt8].self)) { match = row }
            guard let row = match else { return nil }
            try connection.query(
                """
                UPDATE ciopulse_api_keys SET last_used_at = now()
                WHERE org_id = \(try row.decode("org_id", as: Int64.self)) AND id = \(try row.decode("key_id", as: Int64.self))
                  AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
                """)
            return try Self.decodePortal(row)
        }
    }
}
