import Postgres

/// Platform administrator tokens ("crmhub_pt_…"), and the bootstrap token a container may be given.
public struct PlatformTokenStore: Sendable {
    public static let prefix = "crmhub_pt"
    /// The row that holds CRMHUB_BOOTSTRAP_ADMIN_TOKEN, hashed whole (it has no lookup id of its own).
    static let bootstrapLookupID = "bootstrap"

    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    /// Creates a token and returns it; only its hash is stored.
    public func create(name: String) async throws -> SecretToken {
        let token = SecretToken.generate(prefix: Self.prefix)
        _ = try await scope.withPlatform { connection in
            try connection.query("""
                INSERT INTO platform_tokens (lookup_id, secret_hash, name)
                VALUES (\(token.lookupID), \(token.secretHash), \(name))
                """)
        }
        return token
    }

    /// Makes `token` a valid platform token (container bootstrap); replaces an earlier bootstrap token.
    public func installBootstrap(_ token: String) async throws {
        let hash = SecretToken.hash(token)
        _ = try await scope.withPlatform { connection in
            try connection.query("""
                INSERT INTO platform_tokens (lookup_id, secret_hash, name)
                VALUES (\(Self.bootstrapLookupID), \(hash), 'bootstrap (CRMHUB_BOOTSTRAP_ADMIN_TOKEN)')
                ON CONFLICT (lookup_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, revoked_at = NULL
                """)
        }
    }

    /// Whether `presented` is a live platform token; records its use (at most once a minute).
    public func verify(_ presented: String) async throws -> Bool {
        let lookupID: String
        let hash: [UInt8]
        if let token = SecretToken.parse(presented, prefix: Self.prefix) {
            lookupID = token.lookupID
            hash = token.secretHash
        } else if presented.utf8.count >= 32 {
            lookupID = Self.bootstrapLookupID
            hash = SecretToken.hash(presented)
        } else {
            return false
        }
        return try await scope.withPlatform { connection in
            guard let row = try connection.query("""
                SELECT id, secret_hash FROM platform_tokens WHERE lookup_id = \(lookupID) AND revoked_at IS NULL
                """).first
            else { return false }
            guard SecretToken.matches(hash, try row.decode(1, as: [UInt8].self)) else { return false }
            try connection.query("""
                UPDATE platform_tokens SET last_used_at = now()
                WHERE id = \(try row.decode(0, as: Int64.self))
                  AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
                """)
            return true
        }
    }

    public struct Listed: Sendable, Equatable {
        public let id: Int64
        public let name: String
        public let prefix: String
        public let createdAt: String
        public let lastUsedAt: String?
        public let revokedAt: String?
    }

    public func list() async throws -> [Listed] {
        try await scope.withPlatform { connection in
            try connection.query("""
                SELECT id, name, lookup_id,
                       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                       to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                       to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                FROM platform_tokens ORDER BY id
                """).rows.map { row in
                let lookup = try row.decode(2, as: String.self)
                return Listed(
                    id: try row.decode(0), name: try row.decode(1),
                    prefix: lookup == Self.bootstrapLookupID ? "(bootstrap)" : "\(Self.prefix)_\(lookup)",
                    createdAt: try row.decode(3), lastUsedAt: try row.decode(4), revokedAt: try row.decode(5))
            }
        }
    }

    /// Revokes a token at once. Revoking the token in use is allowed: the caller asked for it.
    public func revoke(id: Int64) async throws {
        try await scope.withPlatform { connection in
            guard try connection.query("UPDATE platform_tokens SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL").affectedRows == 1 else {
                throw CRMError.notFound("platform token \(id)")
            }
        }
    }
}
