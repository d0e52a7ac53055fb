import Postgres

/// Custom field definitions per entity (contact/account, lead, deal, ticket), referred to by name in payloads.
public struct CustomFieldStore: Sendable {
    public enum Entity: String, Sendable, CaseIterable { case contact, lead, deal, ticket }
    public enum FieldType: String, Sendable, CaseIterable {
        case text, number, date, checkbox
        case inlineCheckbox = "inline_checkbox"
        case dropdown

        /// Types whose values are chosen from `options`.
        public var hasOptions: Bool { self == .checkbox || self == .inlineCheckbox || self == .dropdown }
    }

    public struct Definition: Sendable, Equatable {
        public let id: Int64
        public let entity: Entity
        public let name: String
        public let type: FieldType
        public let options: [String]
        public let required: Bool
    }

    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    static let columns = "id, entity, name, type, options, required"

    static func decode(_ row: Row) throws -> Definition {
        Definition(
            id: try row.decode("id"), entity: Entity(rawValue: try row.decode("entity")) ?? .contact,
            name: try row.decode("name"),
            type: FieldType(rawValue: try row.decode("type")) ?? .text, options: try row.decode("options"),
            required: try row.decode("required"))
    }

    public func create(
        orgID: Int64, entity: Entity, name: String, type: FieldType, options: [String], required: Bool,
        audit: AuditEntry
    ) async throws -> Definition {
        try await scope.withOrg(orgID) { connection in
            let definition: Definition
            do {
                definition = try Self.decode(
                    try connection.query(
                        """
                        INSERT INTO custom_fields (org_id, entity, name, type, options, required)
                        VALUES (\(orgID), \(entity.rawValue), \(name), \(type.rawValue), \(options), \(required))
                        RETURNING \(unescaped: Self.columns)
                        """
                    ).rows[0])
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw CRMError.conflict(FieldError("name", "a \(entity.rawValue) field named '\(name)' already exists"))
            }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("custom_field:\(definition.id)"))
            return definition
        }
    }

    public func list(orgID: Int64, entity: Entity?) async throws -> [Definition] {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM custom_fields
                WHERE \(entity?.rawValue)::text IS NULL OR entity = \(entity?.rawValue) ORDER BY entity, id
                """
            ).rows.map(Self.decode)
        }
    }

    public func find(orgID: Int64, id: Int64) async throws -> Definition? {
        try await scope.withOrg(orgID) { connection in
            try connection.query("SELECT \(unescaped: Self.columns) FROM custom_fields WHERE id = \(id)").first.map(Self.decode)
        }
    }

    public func update(
        orgID: Int64, id: Int64, name: String?, options: [String]?, required: Bool?, audit: AuditEntry
    )
        async throws -> Definition
    {
        try await scope.withOrg(orgID) { connection in
            let result: QueryResult
            do {
                result = try connection.query(
                    """
                    UPDATE custom_fields SET name = coalesce(\(name), name), options = coalesce(\(options)::text[], options),
                        required = coalesce(\(required), required)
                    WHERE id = \(id) RETURNING \(unescaped: Self.columns)
                    """)
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw CRMError.conflict(FieldError("name", "a field named '\(name ?? "")' already exists"))
            }
            guard let row = result.first else { throw CRMError.notFound("custom field \(id)") }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("custom_field:\(id)"))
            return try Self.decode(row)
        }
    }

    public func delete(orgID: Int64, id: Int64, audit: AuditEntry) async throws {
        try await scope.withOrg(orgID) { connection in
            guard try connection.query("DELETE FROM custom_fields WHERE id = \(id)").affectedRows == 1 else {
                throw CRMError.notFound("custom field \(id)")
            }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("custom_field:\(id)"))
        }
    }
}
