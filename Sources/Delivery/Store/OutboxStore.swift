import CRM
import Outbox
import Postgres

/// Reads the outbox (`outbox`) for the admin API. Messages are queued by the ingest transaction (`OutboxWriter`).
public struct OutboxStore: Sendable {
    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    /// The columns ``decode(_:)`` reads, each qualified by `prefix` (e.g. "o.") and named as in the table.
    static func columns(prefix: String = "") -> String {
        func time(_ column: String) -> String {
            "to_char(\(prefix)\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS \(column)"
        }
        let plain = [
            "id", "channel", "reason", "recipient", "sender", "subject", "body", "status", "attempts", "last_error",
            "customer_id", "listener_id",
        ].map { prefix + $0 }
        return
            (plain + [
                time("created_at"), time("updated_at"), time("next_attempt_at"), time("sent_at"), prefix + "provider_message_id",
                prefix + "content_type", prefix + "endpoint_id", prefix + "event_type", prefix + "event_id",
            ])
            .joined(separator: ", ")
    }

    static let selectList = columns()

    /// A message from the columns of ``columns(prefix:)``.
    static func decode(_ row: Row) throws -> OutboxMessage {
        var message = OutboxMessage(
            id: try row.decode("id"), channel: try value(row, "channel"), reason: try value(row, "reason"),
            recipient: try row.decode("recipient"), sender: try row.decode("sender"), subject: try row.decode("subject"),
            body: try row.decode("body"), status: try value(row, "status"), attempts: try row.decode("attempts"),
            lastError: try row.decode("last_error"), customerID: try row.decode("customer_id"),
            listenerID: try row.decode("listener_id"),
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"),
            nextAttemptAt: try row.decode("next_attempt_at"), sentAt: try row.decode("sent_at"),
            providerMessageID: try row.decode("provider_message_id"),
            contentType: try row.decode("content_type", as: String?.self).flatMap(OutboxMessage.ContentType.init(rawValue:)))
        message.endpointID = try row.decode("endpoint_id")
        message.eventType = try row.decode("event_type")
        message.eventID = try row.decode("event_id")
        return message
    }

    /// A text column held by a CHECK constraint to an enum's values.
    private static func value<T: RawRepresentable>(_ row: Row, _ column: String) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: try row.decode(column, as: String.self)) else {
            throw PostgresError(kind: .decoding, message: "cannot decode \(T.self)")
        }
        return value
    }

    /// Newest first, before the cursor (a message id; 0 for the first page).
    public func list(
        orgID: Int64, _ filter: OutboxFilter = OutboxFilter(), before cursor: Int64, limit: Int
    ) async throws -> [OutboxMessage] {
        let status = filter.status?.rawValue, channel = filter.channel?.rawValue, reason = filter.reason?.rawValue
        let endpoint = filter.endpointID
        return try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                SELECT \(unescaped: Self.selectList) FROM outbox
                WHERE (\(cursor)::bigint = 0 OR id < \(cursor))
                  AND (\(status)::text IS NULL OR status = \(status))
                  AND (\(channel)::text IS NULL OR channel = \(channel))
                  AND (\(reason)::text IS NULL OR reason = \(reason))
                  AND (\(endpoint)::bigint IS NULL OR endpoint_id = \(endpoint))
                ORDER BY id DESC LIMIT \(limit)
                """
            ).rows.map(Self.decode)
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
    /// Gives a failed message one more attempt now (the retry schedule does not start again: the attempt after the
    /// last allowed one is the only one). - Returns: nil when there is no such message, false when it is not failed.
    public func retry(orgID: Int64, id: Int64, audit: AuditEntry) async throws -> Bool? {
        try await scope.withOrg(orgID) { connection in
            guard
                let row = try connection.query(
                    """
                    WITH target AS (SELECT id, status FROM outbox WHERE id = \(id) FOR UPDATE),
                    updated AS (
                        UPDATE outbox SET status = 'retrying', next_attempt_at = now(), updated_at = now()
                        FROM target WHERE outbox.id = target.id AND target.status = 'failed'
                        RETURNING outbox.id)
                    SELECT (SELECT count(*) FROM updated) AS retried FROM target
                    """
                ).first
            else { return nil }
            let retried = try row.decode("retried", as: Int.self) == 1
            if retried { try AuditStore.insert(connection, orgID: orgID, entry: audit.target("outbox:\(id)")) }
            return retried
        }
    }

    /// The attempts to send a message, oldest first.
    public func attempts(orgID: Int64, messageID: Int64) async throws -> [OutboxAttempt] {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                SELECT attempt, outcome, error, provider_message_id, response_status, response_excerpt, duration_ms,
                    to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
                    to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS finished_at
                FROM outbox_attempts WHERE outbox_id = \(messageID) ORDER BY attempt
                """
            ).rows.map { row in
                OutboxAttempt(
                    attempt: try row.decode("attempt"), outcome: try row.decode("outcome"), error: try row.decode("error"),
                    providerMessageID: try row.decode("provider_message_id"), startedAt: try row.decode("started_at"),
                    finishedAt: try row.decode("finished_at"),
                    responseStatus: try row.decode("response_status"), responseExcerpt: try row.decode("response_excerpt"),
                    durationMS: try row.decode("duration_ms"))
            }
        }
    }
}
