import Postgres

/// Named lists an org's data refers to: channels, tags, deal stages/categories/packages, currencies, SLAs.
public struct CatalogStore: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case channel, tag
        case dealStage = "deal_stage"
        case dealCategory = "deal_category"
        case dealPackage = "deal_package"
        case currency, sla

        /// The path segment of the admin API ("deal-stages").
        public var pathName: String {
            switch self {
            case .channel: "channels"
            case .tag: "tags"
            case .dealStage: "deal-stages"
            case .dealCategory: "deal-categories"
            case .dealPackage: "deal-packages"
            case .currency: "currencies"
            case .sla: "slas"
            }
        }

        public init?(pathName: String) {
            guard let kind = Kind.allCases.first(where: { $0.pathName == pathName }) else { return nil }
            self = kind
        }
    }

    public struct Item: Sendable, Equatable {
        public let id: Int64
        public let kind: Kind
        public let name: String
        public let position: Int
    }

    /// The channels of the listener document, given to every new org.
    public static let defaultChannels = [
        "Email", "Phone", "Web Contact Form", "Kite Call", "Kite Chat", "Kite Viber", "Kite Facebook", "Kite Skype",
        "Contact Form",
    ]

    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    static func decode(_ row: Row) throws -> Item {
        Item(
            id: try row.decode("id"), kind: Kind(rawValue: try row.decode("kind")) ?? .tag, name: try row.decode("name"),
            position: try row.decode("position"))
    }

    static func seedChannels(_ connection: PostgresConnection, orgID: Int64) throws {
        try connection.query(
            """
            INSERT INTO catalog_items (org_id, kind, name, position)
            SELECT \(orgID), 'channel', name, ordinality::int FROM unnest(\(defaultChannels)::text[]) WITH ORDINALITY AS t(name, ordinality)
            """)
    }

    public func create(orgID: Int64, kind: Kind, name: String, position: Int, audit: AuditEntry) async throws -> Item {
        try await scope.withOrg(orgID) { connection in
            let item: Item
            do {
                item = try Self.decode(
                    try connection.query(
                        """
                        INSERT INTO catalog_items (org_id, kind, name, position) VALUES (\(orgID), \(kind.rawValue), \(name), \(position))
                        RETURNING id, kind, name, position
                        """
                    ).rows[0])
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw CRMError.conflict(FieldError("name", "'\(name)' already exists in \(kind.pathName)"))
            }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("\(kind.rawValue):\(item.id)"))
            return item
        }
    }

    /// The names given that are not in the catalog (compared case-insensitively).
    public func missing(orgID: Int64, kind: Kind, names: [String]) async throws -> [String] {
        guard !names.isEmpty else { return [] }
        let lowered = names.map { $0.lowercased() }
        let present = try await scope.withOrg(orgID) { connection in
            try connection.query(
                "SELECT lower(name) AS name FROM catalog_items WHERE kind = \(kind.rawValue) AND lower(name) = ANY(\(lowered)::text[])"
            ).rows.map { try $0.decode("name", as: String.self) }
        }
        return names.filter { !present.contains($0.lowercased()) }
    }

    public func list(orgID: Int64, kind: Kind) async throws -> [Item] {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                SELECT id, kind, name, position FROM catalog_items WHERE kind = \(kind.rawValue) ORDER BY position, id
                """
            ).rows.map(Self.decode)
        }
    }

    public func update(orgID: Int64, kind: Kind, id: Int64, name: String?, position: Int?, audit: AuditEntry) async throws -> Item
    {
        try await scope.withOrg(orgID) { connection in
            let result: QueryResult
            do {
                result = try connection.query(
                    """
                    UPDATE catalog_items SET name = coalesce(\(name), name), position = coalesce(\(position), position)
                    WHERE id = \(id) AND kind = \(kind.rawValue) RETURNING id, kind, name, position
                    """)
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw CRMError.conflict(FieldError("name", "'\(name ?? "")' already exists in \(kind.pathName)"))
            }
            guard let row = result.first else { throw CRMError.notFound("\(kind.pathName) item \(id)") }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("\(kind.rawValue):\(id)"))
            return try Self.decode(row)
        }
    }

    public func delete(orgID: Int64, kind: Kind, id: Int64, audit: AuditEntry) async throws {
        try await scope.withOrg(orgID) { connection in
            guard try connection.query("DELETE FROM catalog_items WHERE id = \(id) AND kind = \(kind.rawValue)").affectedRows == 1
            else {
                throw CRMError.notFound("\(kind.pathName) item \(id)")
            }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("\(kind.rawValue):\(id)"))
        }
    }
}
