import CRM
import JSON
import Outbox
import Postgres

/// Per-org delivery settings (`delivery_settings`): one row per channel, the settings that are not secret as
/// JSON and the secret sealed by ``SecretBox``.
public struct DeliverySettingsStore: Sendable {
    public struct Record: Sendable {
        public let channel: OutboxMessage.Channel
        public let config: JSONObject
        public let sealedSecret: [UInt8]?
        public let updatedAt: String
    }

    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    static let columns = """
        channel, config::text, secret, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
        """

    static func decode(_ row: Row) throws -> Record {
        let config = (try? JSONParser.parse(try row.decode("config", as: String.self)))?.objectValue ?? JSONObject()
        return Record(
            channel: OutboxMessage.Channel(rawValue: try row.decode("channel")) ?? .email, config: config,
            sealedSecret: try row.decode("secret"), updatedAt: try row.decode("updated_at"))
    }

    public func find(orgID: Int64, channel: OutboxMessage.Channel) async throws -> Record? {
        try await scope.withOrg(orgID) { connection in
            try connection.query("SELECT \(unescaped: Self.columns) FROM delivery_settings WHERE channel = \(channel.rawValue)")
                .first.map(Self.decode)
        }
    }

    /// Replaces the settings. `sealedSecret` nil keeps the stored secret; `clearSecret` removes it. Messages of this
    /// channel that wait for settings become due now.
    public func save(
        orgID: Int64, channel: OutboxMessage.Channel, config: JSONValue, sealedSecret: [UInt8]?, clearSecret: Bool,
        audit: AuditEntry
    ) async throws -> Record {
        try await scope.withOrg(orgID) { connection in
            let row = try connection.query(
                """
                INSERT INTO delivery_settings (org_id, channel, config, secret)
                VALUES (\(orgID), \(channel.rawValue), \(JSONWriter.string(config))::jsonb, \(sealedSecret))
                ON CONFLICT (org_id, channel) DO UPDATE SET
                    config = EXCLUDED.config,
                    secret = CASE WHEN \(clearSecret) THEN NULL ELSE coalesce(EXCLUDED.secret, delivery_settings.secret) END,
                    updated_at = now()
                RETURNING \(unescaped: Self.columns)
                """
            ).rows[0]
            try connection.query(
                """
                UPDATE outbox SET next_attempt_at = now()
                WHERE status = 'queued' AND channel = \(channel.rawValue) AND next_attempt_at > now()
                """)
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("delivery:\(channel.rawValue)"))
            return try Self.decode(row)
        }
    }

    /// - Returns: false when there were no settings.
    public func delete(orgID: Int64, channel: OutboxMessage.Channel, audit: AuditEntry) async throws -> Bool {
        try await scope.withOrg(orgID) { connection in
            let deleted = try connection.query("DELETE FROM delivery_settings WHERE channel = \(channel.rawValue)").affectedRows
            if deleted > 0 {
                try AuditStore.insert(connection, orgID: orgID, entry: audit.target("delivery:\(channel.rawValue)"))
            }
            return deleted > 0
        }
    }
}
