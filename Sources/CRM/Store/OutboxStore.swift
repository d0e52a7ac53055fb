import Postgres

/// Reads the outbox (`outbox`) for the admin API. Messages are queued by the ingest transaction (`OutboxWriter`).
public struct OutboxStore: Sendable {
    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    /// The columns ``decode(_:from:)`` reads, each qualified by `prefix` (e.g. "o.").
    static func columns(prefix: String = "") -> String {
        func time(_ column: String) -> String {
            "to_char(\(prefix)\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        }
        let plain = ["id", "channel", "reason", "recipient", "sender", "subject", "body", "status", "attempts", "last_error",
                     "customer_id", "listener_id"].map { prefix + $0 }
        return (plain + [time("created_at"), time("updated_at"), time("next_attempt_at"), time("sent_at"), prefix + "provider_message_id",
                prefix + "content_type"])
            .joined(separator: ", ")
    }

    static let selectList = columns()

    static func decode(_ row: Row) throws -> OutboxMessage { try decode(row, from: 0) }

    /// A message from 18 columns starting at `first`.
    static func decode(_ row: Row, from first: Int) throws -> OutboxMessage {
        let c = first
        return OutboxMessage(
            id: try row.decode(c), channel: try value(row, c + 1), reason: try value(row, c + 2), recipient: try row.decode(c + 3),
            sender: try row.decode(c + 4), subject: try row.decode(c + 5), body: try row.decode(c + 6), status: try value(row, c + 7),
            attempts: try row.decode(c + 8), lastError: try row.decode(c + 9), customerID: try row.decode(c + 10),
            listenerID: try row.decode(c + 11), createdAt: try row.decode(c + 12), updatedAt: try row.decode(c + 13),
            nextAttemptAt: try row.decode(c + 14), sentAt: try row.decode(c + 15), providerMessageID: try row.decode(c + 16),
            contentType: try row.decode(c + 17, as: String?.self).flatMap(OutboxMessage.ContentType.init(rawValue:)))
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
                SELECT \(unescaped: Self.selectList) FROM outbox
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
            try connection.query("SELECT \(unescaped: Self.selectList) FROM outbox WHERE id = \(id)").first.map(Self.decode)
        }
    }
}

extension OutboxStore {
    /// The attempts to send a message, oldest first.
    public func attempts(orgID: Int64, messageID: Int64) async throws -> [OutboxAttempt] {
        try await scope.withOrg(orgID) { connection in
            try connection.query("""
                SELECT attempt, outcome, error, provider_message_id,
                    to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                    to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                FROM outbox_attempts WHERE outbox_id = \(messageID) ORDER BY attempt
                """).rows.map { row in
                    OutboxAttempt(
                        attempt: try row.decode(0), outcome: try row.decode(1), error: try row.decode(2),
                        providerMessageID: try row.decode(3), startedAt: try row.decode(4), finishedAt: try row.decode(5))
                }
        }
    }
}
