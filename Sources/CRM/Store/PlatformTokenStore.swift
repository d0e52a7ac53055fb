import Postgres

/// Platform administrator tokens ("crmhub_pt_…"), and the bootstrap token a container may be given.
public struct PlatformTokenStore: Sendable {
    public static let prefix = "crmhub_pt"
    /// The row that holds CRMHUB_BOOTSTRAP_ADMIN_TOKEN, hashed whole (it has no lookup id of its own).
    static let bootstrapLookupID = "bootstrap"

    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    /// Creates a token and returns it; only its hash is stored.
    public func create(name: String, audit: AuditEntry) async throws -> SecretToken {
        let token = SecretToken.generate(prefix: Self.prefix)
        try await scope.withPlatform { connection in
            let id = try connection.query(
                """
                INSERT INTO platform_tokens (lookup_id, secret_hash, name)
                VALUES (\(token.lookupID), \(token.secretHash), \(name))
                RETURNING id
                """
            ).first!.decode("id", as: Int64.self)
            try AuditStore.insertPlatform(connection, entry: audit.target("platform_token:\(id)").adding(["name": .string(name)]))
        }
        return token
    }

    /// What ``installBootstrap(_:audit:)`` did with CRMHUB_BOOTSTRAP_ADMIN_TOKEN.
    public enum BootstrapOutcome: Sendable, Equatable {
        /// It is now the bootstrap token (an earlier, different one was retired and revoked).
        case installed
        /// It already was, and is still live.
        case unchanged
        /// It was revoked (through the admin API, or by starting without the variable): it stays revoked.
        case revoked
    }

    /// Makes `token` the bootstrap platform token (containers), unless it was ever revoked: a revoked token is
    /// never brought back, whether it was revoked through the admin API or by a start without the variable. A new
    /// value retires the previous bootstrap token (revoked, kept for the record under its own lookup id).
    public func installBootstrap(_ token: String, audit: AuditEntry) async throws -> BootstrapOutcome {
        let hash = SecretToken.hash(token)
        return try await scope.withPlatform { connection in
            // One installer at a time: instances starting together with the same variable.
            try connection.query("SELECT pg_advisory_xact_lock(hashtext('crmhub.bootstrap_token'))")
            let revoked =
                try connection.query(
                    """
                    SELECT count(*) FROM platform_tokens
                    WHERE lookup_id LIKE 'bootstrap%' AND secret_hash = \(hash) AND revoked_at IS NOT NULL
                    """
                ).first?.decode("count", as: Int64.self) ?? 0
            if revoked > 0 { return .revoked }
            if let current = try connection.query(
                """
                SELECT id, secret_hash FROM platform_tokens WHERE lookup_id = \(Self.bootstrapLookupID)
                """
            ).first, SecretToken.matches(hash, try current.decode("secret_hash", as: [UInt8].self)) {
                return .unchanged
            }
            let retired = try Self.retireBootstrap(connection)
            let id = try connection.query(
                """
                INSERT INTO platform_tokens (lookup_id, secret_hash, name)
                VALUES (\(Self.bootstrapLookupID), \(hash), \(Self.bootstrapName))
                RETURNING id
                """
            ).first!.decode("id", as: Int64.self)
            try AuditStore.insertPlatform(
                connection,
                entry: audit.target("platform_token:\(id)").adding(
                    ["retired_token": retired.map { .string(String($0)) } ?? .null]))
            return .installed
        }
    }

    /// Revokes the bootstrap token, if there is a live one: a server started without CRMHUB_BOOTSTRAP_ADMIN_TOKEN
    /// stops honouring the one an earlier start installed. - Returns: the revoked token's id.
    public func revokeBootstrap(audit: AuditEntry) async throws -> Int64? {
        try await scope.withPlatform { connection in
            try connection.query("SELECT pg_advisory_xact_lock(hashtext('crmhub.bootstrap_token'))")
            guard let id = try Self.retireBootstrap(connection) else { return nil }
            try AuditStore.insertPlatform(connection, entry: audit.target("platform_token:\(id)"))
            return id
        }
    }

    /// Moves the current bootstrap row (if any) to a lookup id of its own and revokes it. - Returns: its id when it
    /// was live.
    static func retireBootstrap(_ connection: PostgresConnection) throws -> Int64? {
        try connection.query(
            """
            UPDATE platform_tokens SET lookup_id = 'bootstrap-' || id, revoked_at = coalesce(revoked_at, now())
            WHERE lookup_id = \(bootstrapLookupID)
            RETURNING id, revoked_at = now() AS revoked_now
            """
        ).rows.compactMap { row in try row.decode("revoked_now", as: Bool.self) ? try row.decode("id", as: Int64.self) : nil }
            .first
    }

    static let bootstrapName = "bootstrap (CRMHUB_BOOTSTRAP_ADMIN_TOKEN)"

    /// Whether `presented` is a live platform token; records its use (at most once a minute).
    public func verify(_ presented: String) async throws -> Bool { try await authenticate(presented) != nil }

    /// The live platform token `presented` is (its id and name, for the audit log); records its use (at most
    /// once a minute).
    public func authenticate(_ presented: String) async throws -> (id: Int64, name: String)? {
        let lookupID: String
        let hash: [UInt8]
        if let token = SecretToken.parse(presented, prefix: Self.prefix) {
            lookupID = token.lookupID
            hash = token.secretHash
        } else if presented.utf8.count >= 32 {
            lookupID = Self.bootstrapLookupID
            hash = SecretToken.hash(presented)
        } else {
            return nil
        }
        return try await scope.withPlatform { connection in
            guard
                let row = try connection.query(
                    """
                    SELECT id, secret_hash, name FROM platform_tokens WHERE lookup_id = \(lookupID) AND revoked_at IS NULL
                    """
                ).first
            else { return nil }
            guard SecretToken.matches(hash, try row.decode("secret_hash", as: [UInt8].self)) else { return nil }
            let id = try row.decode("id", as: Int64.self)
            try connection.query(
                """
                UPDATE platform_tokens SET last_used_at = now()
                WHERE id = \(id) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
                """)
            return (id, try row.decode("name", as: String.self))
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
            try connection.query(
                """
                SELECT id, name, lookup_id,
                       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
                       to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_used_at,
                       to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS revoked_at
                FROM platform_tokens ORDER BY id
                """
            ).rows.map { row in
                let lookup = try row.decode("lookup_id", as: String.self)
                return Listed(
                    id: try row.decode("id"), name: try row.decode("name"),
                    prefix: lookup.hasPrefix(Self.bootstrapLookupID) ? "(bootstrap)" : "\(Self.prefix)_\(lookup)",
                    createdAt: try row.decode("created_at"), lastUsedAt: try row.decode("last_used_at"),
                    revokedAt: try row.decode("revoked_at"))
            }
        }
    }

    /// Revokes a token at once. Revoking the token in use is allowed: the caller asked for it.
    public func revoke(id: Int64, audit: AuditEntry) async throws {
        try await scope.withPlatform { connection in
            guard
                try connection.query("UPDATE platform_tokens SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL")
                    .affectedRows == 1
            else {
                throw CRMError.notFound("platform token \(id)")
            }
            try AuditStore.insertPlatform(connection, entry: audit.target("platform_token:\(id)"))
        }
    }
}
