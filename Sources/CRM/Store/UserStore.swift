import Postgres

/// Users of one org. Emails are unique per org, compared case-insensitively (users_email_key).
public struct UserStore: Sendable {
    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    static let columns = """
        id, org_id, email, display_name, role, active,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
        """

    static func decode(_ row: Row) throws -> User {
        User(
            id: try row.decode("id"), orgID: try row.decode("org_id"), email: try row.decode("email"),
            displayName: try row.decode("display_name"),
            role: User.Role(rawValue: try row.decode("role")) ?? .member, active: try row.decode("active"),
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }

    static func insert(
        _ connection: PostgresConnection, orgID: Int64, email: String, displayName: String, role: User.Role,
        active: Bool
    ) throws -> User {
        do {
            return try decode(
                try connection.query(
                    """
                    INSERT INTO users (org_id, email, display_name, role, active)
                    VALUES (\(orgID), \(email), \(displayName), \(role.rawValue), \(active))
                    RETURNING \(unescaped: columns)
                    """
                ).rows[0])
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            throw CRMError.conflict(FieldError("email", "a user with email '\(email)' already exists in this org"))
        }
    }

    public func create(
        orgID: Int64, email: String, displayName: String, role: User.Role, active: Bool,
        audit: AuditEntry
    ) async throws -> User {
        try await scope.withOrg(orgID) { connection in
            let user = try Self.insert(
                connection, orgID: orgID, email: email, displayName: displayName, role: role, active: active)
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("user:\(user.id)"))
            return user
        }
    }

    public func find(orgID: Int64, id: Int64) async throws -> User? {
        try await scope.withOrg(orgID) { connection in
            try connection.query("SELECT \(unescaped: Self.columns) FROM users WHERE id = \(id)").first.map(Self.decode)
        }
    }

    /// The active user with this email (case-insensitive), as listener payloads name them, in the caller's
    /// transaction.
    public static func findActive(_ connection: PostgresConnection, orgID: Int64, email: String) throws -> User? {
        try connection.query(
            """
            SELECT \(unescaped: columns) FROM users WHERE org_id = \(orgID) AND lower(email) = lower(\(email)) AND active
            """
        ).first.map(decode)
    }

    public func list(orgID: Int64, after cursor: Int64, limit: Int) async throws -> [User] {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM users WHERE id > \(cursor) ORDER BY id LIMIT \(limit)
                """
            ).rows.map(Self.decode)
        }
    }

    public func update(
        orgID: Int64, id: Int64, email: String?, displayName: String?, role: User.Role?, active: Bool?,
        audit: AuditEntry
    ) async throws -> User {
        try await scope.withOrg(orgID) { connection in
            let row: Row?
            do {
                row = try connection.query(
                    """
                    UPDATE users SET email = coalesce(\(email), email), display_name = coalesce(\(displayName), display_name),
                        role = coalesce(\(role?.rawValue), role), active = coalesce(\(active), active), updated_at = now()
                    WHERE id = \(id) RETURNING \(unescaped: Self.columns)
                    """
                ).first
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw CRMError.conflict(FieldError("email", "a user with email '\(email ?? "")' already exists in this org"))
            }
            guard let row else { throw CRMError.notFound("user \(id)") }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("user:\(id)"))
            return try Self.decode(row)
        }
    }

    public func delete(orgID: Int64, id: Int64, audit: AuditEntry) async throws {
        try await scope.withOrg(orgID) { connection in
            guard try connection.query("DELETE FROM users WHERE id = \(id)").affectedRows == 1 else {
                throw CRMError.notFound("user \(id)")
            }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("user:\(id)"))
        }
    }
}
