import Postgres

/// Orgs and the org-level rows created with them. Platform-scoped: orgs are what tenancy is made of.
public struct OrgStore: Sendable {
    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    static let columns = """
        id, slug, name, timezone, status,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
        """

    static func decode(_ row: Row) throws -> Org {
        Org(
            id: try row.decode("id"), slug: try row.decode("slug"), name: try row.decode("name"),
            timezone: try row.decode("timezone"),
            status: Org.Status(rawValue: try row.decode("status")) ?? .active, createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at"))
    }

    public struct NewOwner: Sendable {
        public let email: String
        public let displayName: String
        public init(email: String, displayName: String) {
            self.email = email
            self.displayName = displayName
        }
    }

    /// Creates an org (and its owner user, and the audit line) in one transaction.
    public func create(
        slug: String, name: String, timezone: String, owner: NewOwner?, audit: AuditEntry
    )
        async throws -> (Org, User?)
    {
        do {
            return try await scope.withPlatform { connection in
                let org = try Self.decode(
                    try connection.query(
                        """
                        INSERT INTO orgs (slug, name, timezone) VALUES (\(slug), \(name), \(timezone))
                        RETURNING \(unescaped: Self.columns)
                        """
                    ).rows[0])
                try CatalogStore.seedChannels(connection, orgID: org.id)
                var user: User?
                if let owner {
                    user = try UserStore.insert(
                        connection, orgID: org.id, email: owner.email, displayName: owner.displayName, role: .owner,
                        active: true)
                }
                try AuditStore.insert(connection, orgID: org.id, entry: audit.target("org:\(slug)"))
                return (org, user)
            }
        } catch let error as PostgresError where error.sqlState == .uniqueViolation {
            throw CRMError.conflict(FieldError("slug", "an org with slug '\(slug)' already exists"))
        }
    }

    /// Whether PostgreSQL's time zone database knows the name (the same zones the server computes with).
    public func isKnownTimeZone(_ name: String) async throws -> Bool {
        try await scope.database.query("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = \(name)) AS known")
            .rows[0].decode("known", as: Bool.self)
    }

    /// The org with this slug, whatever its status; nil when there is none.
    public func find(slug: String) async throws -> Org? {
        try await scope.withPlatform { connection in
            connection.commitWithNextQuery()
            return try connection.query("SELECT \(unescaped: Self.columns) FROM orgs WHERE slug = \(slug)").first.map(Self.decode)
        }
    }

    /// The org with this id, whatever its status; nil when there is none.
    public func find(id: Int64) async throws -> Org? {
        try await scope.withPlatform { connection in
            connection.commitWithNextQuery()
            return try connection.query("SELECT \(unescaped: Self.columns) FROM orgs WHERE id = \(id)").first.map(Self.decode)
        }
    }

    /// A page of orgs in id order, after the cursor (an org id).
    public func list(after cursor: Int64, limit: Int) async throws -> [Org] {
        try await scope.withPlatform { connection in
            try connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM orgs WHERE id > \(cursor) ORDER BY id LIMIT \(limit)
                """
            ).rows.map(Self.decode)
        }
    }

    /// Applies the given changes; nil fields stay as they are.
    public func update(
        _ orgID: Int64, name: String?, timezone: String?, status: Org.Status?, audit: AuditEntry
    )
        async throws -> Org
    {
        try await scope.withOrg(orgID) { connection in
            guard
                let row = try connection.query(
                    """
                    UPDATE orgs SET name = coalesce(\(name), name), timezone = coalesce(\(timezone), timezone),
                        status = coalesce(\(status?.rawValue), status), updated_at = now()
                    WHERE id = \(orgID) RETURNING \(unescaped: Self.columns)
                    """
                ).first
            else { throw CRMError.notFound("org") }
            let org = try Self.decode(row)
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("org:\(org.slug)"))
            return org
        }
    }
}
