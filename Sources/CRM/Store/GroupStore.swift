import Postgres

/// Groups of users (permit.group, owner_opportunity.groups and groupName name them).
public struct GroupStore: Sendable {
    public struct Group: Sendable, Equatable {
        public let id: Int64
        public let name: String
        public let memberIDs: [Int64]
    }

    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    static let select = """
        SELECT g.id, g.name, coalesce(array_agg(m.user_id ORDER BY m.user_id) FILTER (WHERE m.user_id IS NOT NULL), '{}') AS member_ids
        FROM groups g LEFT JOIN group_members m ON m.org_id = g.org_id AND m.group_id = g.id
        """

    static func decode(_ row: Row) throws -> Group {
        Group(id: try row.decode("id"), name: try row.decode("name"), memberIDs: try row.decode("member_ids"))
    }

    public func create(orgID: Int64, name: String, memberIDs: [Int64], audit: AuditEntry) async throws -> Group {
        try await scope.withOrg(orgID) { connection in
            let id: Int64
            do {
                id = try connection.query("INSERT INTO groups (org_id, name) VALUES (\(orgID), \(name)) RETURNING id").rows[0]
                    .decode("id")
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw CRMError.conflict(FieldError("name", "a group named '\(name)' already exists"))
            }
            try Self.setMembers(connection, orgID: orgID, groupID: id, memberIDs)
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("group:\(id)"))
            return try Self.find(connection, id: id)!
        }
    }

    public func update(orgID: Int64, id: Int64, name: String?, memberIDs: [Int64]?, audit: AuditEntry) async throws -> Group {
        try await scope.withOrg(orgID) { connection in
            do {
                guard try connection.query("UPDATE groups SET name = coalesce(\(name), name) WHERE id = \(id)").affectedRows == 1
                else {
                    throw CRMError.notFound("group \(id)")
                }
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw CRMError.conflict(FieldError("name", "a group named '\(name ?? "")' already exists"))
            }
            if let memberIDs {
                try connection.query("DELETE FROM group_members WHERE group_id = \(id)")
                try Self.setMembers(connection, orgID: orgID, groupID: id, memberIDs)
            }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("group:\(id)"))
            return try Self.find(connection, id: id)!
        }
    }

    /// Members must be users of this org: an unknown id is a field error, not a foreign-key 500.
    static func setMembers(_ connection: PostgresConnection, orgID: Int64, groupID: Int64, _ memberIDs: [Int64]) throws {
        guard !memberIDs.isEmpty else { return }
        let unique = Array(Set(memberIDs)).sorted()
        let known = try connection.query("SELECT id FROM users WHERE id = ANY(\(unique)::bigint[])").rows.map {
            try $0.decode("id", as: Int64.self)
        }
        let missing = unique.filter { !known.contains($0) }
        if !missing.isEmpty {
            throw CRMError.invalid(missing.map { FieldError("members", "user \($0) does not exist in this org") })
        }
        try connection.query(
            """
            INSERT INTO group_members (org_id, group_id, user_id) SELECT \(orgID), \(groupID), unnest(\(unique)::bigint[])
            """)
    }

    static func find(_ connection: PostgresConnection, id: Int64) throws -> Group? {
        try connection.query("\(unescaped: select) WHERE g.id = \(id) GROUP BY g.id, g.name").first.map(decode)
    }

    public func find(orgID: Int64, id: Int64) async throws -> Group? {
        try await scope.withOrg(orgID) { connection in try Self.find(connection, id: id) }
    }

    public func list(orgID: Int64, after cursor: Int64, limit: Int) async throws -> [Group] {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                \(unescaped: Self.select) WHERE g.id > \(cursor) GROUP BY g.id, g.name ORDER BY g.id LIMIT \(limit)
                """
            ).rows.map(Self.decode)
        }
    }

    public func delete(orgID: Int64, id: Int64, audit: AuditEntry) async throws {
        try await scope.withOrg(orgID) { connection in
            guard try connection.query("DELETE FROM groups WHERE id = \(id)").affectedRows == 1 else {
                throw CRMError.notFound("group \(id)")
            }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("group:\(id)"))
        }
    }
}
