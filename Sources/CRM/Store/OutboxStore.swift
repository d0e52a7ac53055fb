import Postgres

/// Reads the outbox (`outbox`) for the admin API. Messages are queued by the ingest transaction (`OutboxWriter`).
public struct OutboxStore: Sendable {
    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    static let columns = """
        id, channel, reason, recipient, sender, subject, body, status, attempts, last_error, customer_id, listener_id,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        """

    static func decode(_ row: Row) throws -> OutboxMessage {
        OutboxMessage(
            id: try row.decode(0), channel: try value(row, 1), reason: try value(row, 2), recipient: try row.decode(3),
            sender: try row.decode(4), subject: try row.decode(5), body: try row.decode(6), status: try value(row, 7),
            attempts: try row.decode(8), lastError: try row.decode(9), customerID: try row.decode(10),
            listenerID: try row.decode(11), createdAt: try row.decode(12), updatedAt: try row.decode(13))
    }

    /// A text column held by a CHECK constraint to an enum's values.
    private static func value<T: RawRepresentable>(_ row: Row, _ column: Int) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: try row.decode(column, as: String.self)) else {
            throw PostgresError(kind: .decoding, message: "cannot decode \(T.self)")
        }
        return value
    }

    /// Newest first, before the cursor (a message id; 0 for the first page).
    public func list(orgID: Int64, _ filter: OutboxFilter = OutboxFilter(), before cursor: Int64, limit: Int) async throws -> [OutboxMessage] {
        let status = filter.status?.rawValue, channel = filter.channel?.rawValue, reason = filter.reason?.rawValue
        return try await scope.withOrg(orgID) { connection in
            try connection.query("""
                SELECT \(unescaped: Self.columns) FROM outbox
                WHERE (\(cursor)::bigint = 0 OR id < \(cursor))
                  AND (\(status)::text IS NULL OR status = \(status))
                  AND (\(channel)::text IS NULL OR channel = \(channel))
                  AND (\(reason)::text IS NULL OR reason = \(reason))
                ORDER BY id DESC LIMIT \(limit)
                """).rows.map(Self.decode)
        }
    }

    /// One message; nil when the org has no such message.
    public func find(orgID: Int64, id: Int64) async throws -> OutboxMessage? {
        try await scope.withOrg(orgID) { connection in
            try connection.query("SELECT \(unescaped: Self.columns) FROM outbox WHERE id = \(id)").first.map(Self.decode)
        }
    }
}
