import Postgres

/// Org-scoped API keys ("crmhub_ok_…"): shown once at creation, stored as SHA-256, revocable.
public struct APIKeyStore: Sendable {
    public static let prefix = "crmhub_ok"
    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    static let columns = """
        id, org_id, name, scopes, lookup_id,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
        to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_used_at,
        to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS revoked_at
        """

    static func decode(_ row: Row) throws -> APIKey {
        APIKey(
            id: try row.decode("id"), orgID: try row.decode("org_id"), name: try row.decode("name"),
            scopes: try row.decode("scopes", as: [String].self).compactMap(APIKey.Scope.init(rawValue:)),
            prefix: "\(prefix)_\(try row.decode("lookup_id", as: String.self))", createdAt: try row.decode("created_at"),
            lastUsedAt: try row.decode("last_used_at"), revokedAt: try row.decode("revoked_at"))
    }

    /// Creates a key; the returned token is the only time its secret exists outside the caller.
    public func create(
        orgID: Int64, name: String, scopes: [APIKey.Scope], audit: AuditEntry
    ) async throws -> (APIKey, SecretToken) {
        let token = SecretToken.generate(prefix: Self.prefix)
        let key = try await scope.withOrg(orgID) { connection in
            let key = try Self.decode(
                try connection.query(
                    """
                    INSERT INTO api_keys (org_id, lookup_id, secret_hash, name, scopes)
                    VALUES (\(orgID), \(token.lookupID), \(token.secretHash), \(name), \(scopes.map(\.rawValue)))
                    RETURNING \(unescaped: Self.columns)
                    """
                ).rows[0])
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("api_key:\(key.id)"))
            return key
        }
        return (key, token)
    }

    public func list(orgID: Int64, after cursor: Int64, limit: Int) async throws -> [APIKey] {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM api_keys WHERE id > \(cursor) ORDER BY id LIMIT \(limit)
                """
            ).rows.map(Self.decode)
        }
    }

    public func revoke(orgID: Int64, id: Int64, audit: AuditEntry) async throws {
        try await scope.withOrg(orgID) { connection in
            guard
                try connection.query(
                    """
                    UPDATE api_keys SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL
                    """
                ).affectedRows == 1
            else { throw CRMError.notFound("api key \(id)") }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("api_key:\(id)"))
        }
    }

    /// The live key a presented token belongs to, or nil. The lookup happens before the org is known,
    /// so it runs platform-scoped and returns only the key's org and scopes.
    ///
    /// One statement, which is the whole transaction (one round trip): it finds the key and notes its use (at most
    /// once a minute) when the secret's SHA-256 matches. That comparison in SQL can at most reveal how much of a digest
    /// matched, which does not help find a random secret; the answer is decided by the constant-time comparison here.
    public func authenticate(
        _ presented: String
    ) async throws -> (orgID: Int64, keyID: Int64, name: String, scopes: [APIKey.Scope])? {
        guard let token = SecretToken.parse(presented, prefix: Self.prefix) else { return nil }
        return try await scope.withPlatform { connection in
            connection.commitWithNextQuery()
            guard
                let row = try connection.query(
                    """
                    WITH key AS MATERIALIZED (
                        SELECT org_id, id, scopes, secret_hash, name FROM api_keys
                        WHERE lookup_id = \(token.lookupID) AND revoked_at IS NULL
                    ), touched AS (
                        UPDATE api_keys AS k SET last_used_at = now() FROM key
                        WHERE k.org_id = key.org_id AND k.id = key.id AND key.secret_hash = \(token.secretHash)
                          AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute')
                    )
                    SELECT org_id, id, scopes, secret_hash, name FROM key
                    """
                ).first,
                SecretToken.matches(token.secretHash, try row.decode("secret_hash", as: [UInt8].self))
            else { return nil }
            let keyID = try row.decode("id", as: Int64.self)
            return (
                try row.decode("org_id"), keyID, try row.decode("name"),
                try row.decode("scopes", as: [String].self).compactMap(APIKey.Scope.init(rawValue:))
            )
        }
    }
}
