import JSON
import Postgres

/// Who changed what, from where; written in the same transaction as the change.
public struct AuditEntry: Sendable {
    public let actor: String
    public let action: String
    public let targetName: String
    public let details: JSONValue
    public let clientAddress: String?
    public let requestID: String

    public init(
        actor: String, action: String, target: String = "", details: JSONValue = [:], clientAddress: String?,
        requestID: String
    ) {
        self.actor = actor
        self.action = action
        self.targetName = target
        self.details = details
        self.clientAddress = clientAddress
        self.requestID = requestID
    }

    public func target(_ name: String) -> AuditEntry {
        AuditEntry(
            actor: actor, action: action, target: name, details: details, clientAddress: clientAddress,
            requestID: requestID)
    }

    /// This entry with `extra` merged into its details.
    public func adding(_ extra: JSONObject) -> AuditEntry {
        var merged = details.objectValue ?? JSONObject()
        for (key, value) in extra { merged[key] = value }
        return AuditEntry(
            actor: actor, action: action, target: targetName, details: .object(merged), clientAddress: clientAddress,
            requestID: requestID)
    }

    /// A change made by the process itself or a command (no HTTP request, no credential).
    public static func system(_ actor: String, _ action: String) -> AuditEntry {
        AuditEntry(actor: actor, action: action, clientAddress: nil, requestID: "")
    }
}

public struct AuditRecord: Sendable, Equatable {
    public let id: Int64
    public let at: String
    public let actor: String
    public let action: String
    public let target: String
    public let details: String
    public let clientAddress: String?
    public let requestID: String?
}

public struct AuditStore: Sendable {
    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    public static func insert(_ connection: PostgresConnection, orgID: Int64, entry: AuditEntry) throws {
        try connection.query(
            """
            INSERT INTO audit_log (org_id, actor, action, target, details, client_address, request_id)
            VALUES (\(orgID), \(entry.actor), \(entry.action), \(entry.targetName), \(JSONWriter.string(entry.details))::jsonb,
                    \(entry.clientAddress)::inet, \(entry.requestID))
            """)
    }

    /// Records an action that changes no row of its own (a listener request replayed, a delivery test sent), in a
    /// transaction of its own, before the action runs: it is in the log even if the action fails half-way.
    public func record(orgID: Int64, _ entry: AuditEntry) async throws {
        try await scope.withOrg(orgID) { connection in try Self.insert(connection, orgID: orgID, entry: entry) }
    }

    /// A platform-wide event (platform tokens), which belongs to no org.
    static func insertPlatform(_ connection: PostgresConnection, entry: AuditEntry) throws {
        try connection.query(
            """
            INSERT INTO platform_audit_log (actor, action, target, details, client_address, request_id)
            VALUES (\(entry.actor), \(entry.action), \(entry.targetName), \(JSONWriter.string(entry.details))::jsonb,
                    \(entry.clientAddress)::inet, nullif(\(entry.requestID), ''))
            """)
    }

    /// The platform audit log, newest first, before the cursor (0 for the first page).
    public func listPlatform(before cursor: Int64, limit: Int) async throws -> [AuditRecord] {
        try await scope.withPlatform { connection in
            try connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM platform_audit_log
                WHERE (\(cursor)::bigint = 0 OR id < \(cursor))
                ORDER BY id DESC LIMIT \(limit)
                """
            ).rows.map(Self.record)
        }
    }

    /// What ``record(_:)`` reads, from `audit_log` or `platform_audit_log`.
    static let columns = """
        id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor, action, target, details::text,
        host(client_address) AS client_address, request_id
        """

    static func record(_ row: Row) throws -> AuditRecord {
        AuditRecord(
            id: try row.decode("id"), at: try row.decode("at"), actor: try row.decode("actor"), action: try row.decode("action"),
            target: try row.decode("target"), details: try row.decode("details"), clientAddress: try row.decode("client_address"),
            requestID: try row.decode("request_id"))
    }

    /// Newest first, before the cursor (an audit id; 0 for the first page).
    public func list(orgID: Int64, before cursor: Int64, limit: Int) async throws -> [AuditRecord] {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM audit_log
                WHERE (\(cursor)::bigint = 0 OR id < \(cursor))
                ORDER BY id DESC LIMIT \(limit)
                """
            ).rows.map(Self.record)
        }
    }
}
