import CRM
import Postgres

/// The statements of one listener request's transaction that are not about customers: finding the listener
/// from its URL token, narrowing the transaction to its org, and writing the request log row.
public enum ListenerRequestWriter {
    /// The listener a request reached, with what the access rules need.
    public struct Opened: Sendable {
        public let listener: ListenerURL
        public let orgStatus: Org.Status
        /// The active user of the org with the sender's email, if any.
        public let senderUserID: Int64?
        /// Drawn now so history lines can point at the log row written at the end.
        public let requestLogID: Int64
        /// The org's required custom fields when they were read with the listener (nil: not read).
        public let requiredCustomFields: [(entity: String, name: String)]?
        /// The org's matching settings and suppressions when they were read with the listener (nil: not read).
        public let ingestRules: IngestRules?

        public init(
            listener: ListenerURL, orgStatus: Org.Status, senderUserID: Int64?, requestLogID: Int64,
            requiredCustomFields: [(entity: String, name: String)]?, ingestRules: IngestRules? = nil
        ) {
            self.listener = listener
            self.orgStatus = orgStatus
            self.senderUserID = senderUserID
            self.requestLogID = requestLogID
            self.requiredCustomFields = requiredCustomFields
            self.ingestRules = ingestRules
        }
    }

    /// `openGroup` for one request.
    public static func open(_ connection: PostgresConnection, token: String, senderEmail: String?) throws -> Opened? {
        guard let group = try openGroup(connection, token: token, senderEmails: [senderEmail]) else { return nil }
        return Opened(
            listener: group.listener, orgStatus: group.orgStatus, senderUserID: group.senderUserIDs[0],
            requestLogID: group.requestLogIDs[0], requiredCustomFields: group.requiredCustomFields, ingestRules: group.ingestRules
        )
    }

    /// Several requests to one listener URL, opened together: the sender's user id for each of `senderEmails`
    /// (nil when not an active user) and one log id per request.
    public struct OpenedGroup: Sendable {
        public let listener: ListenerURL
        public let orgStatus: Org.Status
        public let senderUserIDs: [Int64?]
        public let requestLogIDs: [Int64]
        public let requiredCustomFields: [(entity: String, name: String)]
        public let ingestRules: IngestRules
    }

    /// One statement, in a platform transaction: finds the listener by token, checks the secret, draws the log ids,
    /// reads what ingestion needs of the org (required custom fields, matching settings, suppressions) and switches
    /// the transaction to the listener's org (row-level security applies from then on).
    /// - Returns: nil when no listener has this token.
    public static func openGroup(_ connection: PostgresConnection, token: String, senderEmails: [String?]) throws -> OpenedGroup?
    {
        guard let token = SecretToken.parse(token, prefix: ListenerURLStore.prefix) else { return nil }
        guard
            let row = try connection.query(
                """
                WITH found AS MATERIALIZED (
                    SELECT \(unescaped: ListenerURLStore.columns), secret_hash FROM listeners WHERE lookup_id = \(token.lookupID)
                )
                SELECT found.*, (SELECT status FROM orgs WHERE id = found.org_id) AS org_status,
                    ARRAY(
                        SELECT (SELECT u.id FROM users AS u WHERE u.org_id = found.org_id AND lower(u.email) = s.email AND u.active)
                        FROM unnest(\(senderEmails)::text[]) WITH ORDINALITY AS s(email, position) ORDER BY s.position
                    )::text[] AS sender_user_ids,
                    ARRAY(SELECT nextval('listener_requests_id_seq') FROM generate_series(1, \(senderEmails.count))) AS request_log_ids,
                    (SELECT coalesce(array_agg(f.entity ORDER BY f.id), '{}') FROM custom_fields AS f WHERE f.org_id = found.org_id AND f.required)
                        AS required_entities,
                    (SELECT coalesce(array_agg(f.name ORDER BY f.id), '{}') FROM custom_fields AS f WHERE f.org_id = found.org_id AND f.required)
                        AS required_names,
                    \(unescaped: MatchingSettingsStore.ingestRuleColumns(orgID: "found.org_id")),
                    \(unescaped: OrgScope.narrowing(toOrgIn: "found.org_id"))
                FROM found
                """
            ).first
        else { return nil }
        guard SecretToken.matches(token.secretHash, try row.decode("secret_hash", as: [UInt8].self)) else {
            try OrgScope.clearNarrowing(connection)
            return nil
        }
        return OpenedGroup(
            listener: try ListenerURLStore.decode(row),
            orgStatus: Org.Status(rawValue: try row.decode("org_status")) ?? .suspended,
            senderUserIDs: try row.decode("sender_user_ids", as: [String?].self).map { $0.flatMap { Int64($0) } },
            requestLogIDs: try row.decode("request_log_ids"),
            requiredCustomFields: Array(
                zip(try row.decode("required_entities", as: [String].self), try row.decode("required_names", as: [String].self))),
            ingestRules: try MatchingSettingsStore.ingestRules(row))
    }

    /// Writes the log rows of several requests (of one listener) in one statement.
    public static func insertMany(_ connection: PostgresConnection, _ entries: [Entry]) throws {
        guard let first = entries.first else { return }
        try connection.query(
            """
            INSERT INTO listener_requests (org_id, id, listener_id, client_address, request_id, idempotency_key, replay_of,
                sender_user, size, body, status, response, item_count, error_count)
            SELECT \(first.orgID), id, \(first.listenerID), client_address::inet, request_id, idempotency_key, replay_of,
                sender_user, size, body, status, response, item_count, error_count
            FROM unnest(\(entries.map { $0.id })::bigint[], \(entries.map { $0.clientAddress })::text[], \(entries.map { $0.requestID })::text[],
                \(entries.map { $0.idempotencyKey })::text[], \(entries.map { $0.replayOf })::bigint[], \(entries.map { $0.senderUser })::text[],
                \(entries.map { $0.body.count })::int[], \(entries.map { PostgresBytes($0.body) })::bytea[], \(entries.map { $0.status })::int[],
                \(entries.map { PostgresBytes($0.response) })::bytea[], \(entries.map { $0.itemCount })::int[], \(entries.map { $0.errorCount })::int[])
                AS e(id, client_address, request_id, idempotency_key, replay_of, sender_user, size, body, status, response,
                     item_count, error_count)
            """)
    }

    /// A stored request to run again, in an org transaction.
    public struct Stored: Sendable {
        public let listener: ListenerURL
        public let orgStatus: Org.Status
        public let body: [UInt8]
        public let requestLogID: Int64
    }

    public static func openStored(_ connection: PostgresConnection, orgID: Int64, id: Int64) throws -> Stored? {
        guard
            let row = try connection.query(
                """
                WITH stored AS (SELECT listener_id, body FROM listener_requests WHERE org_id = \(orgID) AND id = \(id)),
                listener AS (
                    SELECT \(unescaped: ListenerURLStore.columns) FROM listeners
                    WHERE org_id = \(orgID) AND id = (SELECT listener_id FROM stored)
                )
                SELECT listener.*, (SELECT status FROM orgs WHERE id = \(orgID)) AS org_status, (SELECT body FROM stored) AS body,
                    nextval('listener_requests_id_seq') AS request_log_id
                FROM listener
                """
            ).first
        else { return nil }
        return Stored(
            listener: try ListenerURLStore.decode(row),
            orgStatus: Org.Status(rawValue: try row.decode("org_status")) ?? .suspended,
            body: try row.decode("body"), requestLogID: try row.decode("request_log_id"))
    }

    /// A listener of the org by id, for a request an admin runs through it (the test call), with a log id drawn
    /// and the sender's user id; nil when the org has no such listener.
    public static func openListener(
        _ connection: PostgresConnection, orgID: Int64, listenerID: Int64, senderEmail: String?
    ) throws -> Opened? {
        guard
            let row = try connection.query(
                """
                SELECT \(unescaped: ListenerURLStore.columns), (SELECT status FROM orgs WHERE id = \(orgID)) AS org_status,
                    (SELECT u.id FROM users AS u WHERE u.org_id = \(orgID) AND lower(u.email) = lower(\(senderEmail)) AND u.active) AS sender_user_id,
                    nextval('listener_requests_id_seq') AS request_log_id
                FROM listeners WHERE org_id = \(orgID) AND id = \(listenerID)
                """
            ).first
        else { return nil }
        return Opened(
            listener: try ListenerURLStore.decode(row),
            orgStatus: Org.Status(rawValue: try row.decode("org_status")) ?? .suspended,
            senderUserID: try row.decode("sender_user_id"), requestLogID: try row.decode("request_log_id"),
            requiredCustomFields: nil)
    }

    /// The body of a logged request.
    public static func storedBody(_ connection: PostgresConnection, orgID: Int64, id: Int64) throws -> [UInt8]? {
        try connection.query("SELECT body FROM listener_requests WHERE org_id = \(orgID) AND id = \(id)").first?.decode("body")
    }

    /// Requests logged for the listener in the last minute (those refused for its rate are not logged), committed
    /// ones only: an approximate count that takes no lock, which is what a rate limit needs.
    public static func acceptedLastMinute(_ connection: PostgresConnection, orgID: Int64, listenerID: Int64) throws -> Int {
        try connection.query(
            """
            SELECT count(*) FROM listener_requests
            WHERE org_id = \(orgID) AND listener_id = \(listenerID) AND received_at > now() - interval '1 minute'
            """
        ).rows[0].decode("count")
    }

    /// Requests and actions the org's listeners accepted in the last minute, and the seconds until the oldest of
    /// them leaves the window.
    public static func orgUsageLastMinute(
        _ connection: PostgresConnection, orgID: Int64
    ) throws -> (requests: Int, items: Int, resetSeconds: Double) {
        let row = try connection.query(
            """
            SELECT count(*) AS requests, coalesce(sum(item_count), 0)::bigint AS items,
                coalesce(extract(epoch FROM min(received_at) + interval '1 minute' - now()), 60)::float8 AS reset
            FROM listener_requests WHERE org_id = \(orgID) AND received_at > now() - interval '1 minute'
            """
        ).rows[0]
        return (try row.decode("requests"), try row.decode("items"), try row.decode("reset"))
    }

    /// The seconds until the listener's oldest request of the last minute leaves the window.
    public static func listenerResetSeconds(_ connection: PostgresConnection, orgID: Int64, listenerID: Int64) throws -> Double {
        try connection.query(
            """
            SELECT coalesce(extract(epoch FROM min(received_at) + interval '1 minute' - now()), 60)::float8 AS reset
            FROM listener_requests
            WHERE org_id = \(orgID) AND listener_id = \(listenerID) AND received_at > now() - interval '1 minute'
            """
        ).rows[0].decode("reset")
    }

    /// The stored answer to an earlier request with this Idempotency-Key.
    public static func storedResponse(
        _ connection: PostgresConnection, orgID: Int64, listenerID: Int64, idempotencyKey: String
    ) throws -> (id: Int64, status: Int, body: [UInt8])? {
        guard
            let row = try connection.query(
                """
                SELECT id, status, response FROM listener_requests
                WHERE org_id = \(orgID) AND listener_id = \(listenerID) AND idempotency_key = \(idempotencyKey)
                """
            ).first
        else { return nil }
        return try row.decode((Int64, Int, [UInt8]).self)
    }

    public struct Entry: Sendable {
        public var id: Int64
        public var orgID: Int64
        public var listenerID: Int64
        public var clientAddress: String?
        public var requestID: String?
        public var idempotencyKey: String?
        public var replayOf: Int64?
        public var senderUser: String?
        public var body: [UInt8]
        public var status: Int
        public var response: [UInt8]
        public var itemCount: Int
        public var errorCount: Int

        public init(
            id: Int64, orgID: Int64, listenerID: Int64, clientAddress: String?, requestID: String?,
            idempotencyKey: String?, replayOf: Int64?, senderUser: String?, body: [UInt8], status: Int,
            response: [UInt8], itemCount: Int, errorCount: Int
        ) {
            self.id = id
            self.orgID = orgID
            self.listenerID = listenerID
            self.clientAddress = clientAddress
            self.requestID = requestID
            self.idempotencyKey = idempotencyKey
            self.replayOf = replayOf
            self.senderUser = senderUser
            self.body = body
            self.status = status
            self.response = response
            self.itemCount = itemCount
            self.errorCount = errorCount
        }
    }

    /// Writes one request's log row.
    public static func insert(_ connection: PostgresConnection, _ entry: Entry) throws {
        try insertMany(connection, [entry])
    }
}
