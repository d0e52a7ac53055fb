import CRM
import Postgres

/// An org's webhook endpoints (`webhook_endpoints`); the events themselves are queued in the outbox by the triggers
/// of sql/0014, in the transaction of the change they report.
public struct WebhookEndpointStore: Sendable {
    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    static let columns = """
        id, url, description, event_types, enabled, secret, previous_secret,
        to_char(previous_secret_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS previous_secret_expires_at,
        coalesce(previous_secret_expires_at > now(), false) AS previous_secret_active,
        consecutive_failures, to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS failing_since,
        disabled_reason,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
        """

    static func decode(_ row: Row) throws -> WebhookEndpoint {
        WebhookEndpoint(
            id: try row.decode("id"), url: try row.decode("url"), description: try row.decode("description"),
            eventTypes: try row.decode("event_types"), enabled: try row.decode("enabled"), sealedSecret: try row.decode("secret"),
            sealedPreviousSecret: try row.decode("previous_secret"),
            previousSecretExpiresAt: try row.decode("previous_secret_expires_at"),
            previousSecretActive: try row.decode("previous_secret_active"),
            consecutiveFailures: try row.decode("consecutive_failures"),
            failingSince: try row.decode("failing_since"), disabledReason: try row.decode("disabled_reason"),
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }

    public func create(
        orgID: Int64, _ changes: WebhookEndpointChanges, sealedSecret: [UInt8], audit: AuditEntry
    ) async throws -> WebhookEndpoint {
        try await scope.withOrg(orgID) { connection in
            let endpoint = try Self.decode(
                try connection.query(
                    """
                    INSERT INTO webhook_endpoints (org_id, url, description, event_types, enabled, secret)
                    VALUES (\(orgID), \(changes.url ?? ""), \(changes.description ?? ""), \(changes.eventTypes ?? [])::text[],
                        \(changes.enabled ?? true), \(sealedSecret))
                    RETURNING \(unescaped: Self.columns)
                    """
                ).rows[0])
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("webhook-endpoint:\(endpoint.id)"))
            return endpoint
        }
    }

    public func find(orgID: Int64, id: Int64) async throws -> WebhookEndpoint? {
        try await scope.withOrg(orgID) { connection in
            try connection.query("SELECT \(unescaped: Self.columns) FROM webhook_endpoints WHERE id = \(id)").first.map(
                Self.decode)
        }
    }

    public func list(orgID: Int64, after cursor: Int64, limit: Int) async throws -> [WebhookEndpoint] {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM webhook_endpoints WHERE id > \(cursor) ORDER BY id LIMIT \(limit)
                """
            ).rows.map(Self.decode)
        }
    }

    /// Nil when there is no such endpoint. Enabling one clears its failure run and the reason it was disabled.
    public func update(
        orgID: Int64, id: Int64, _ changes: WebhookEndpointChanges, audit: AuditEntry
    ) async throws -> WebhookEndpoint? {
        try await scope.withOrg(orgID) { connection in
            guard
                let row = try connection.query(
                    """
                    UPDATE webhook_endpoints SET url = coalesce(\(changes.url)::text, url),
                        description = coalesce(\(changes.description)::text, description),
                        event_types = coalesce(\(changes.eventTypes)::text[], event_types),
                        enabled = coalesce(\(changes.enabled)::boolean, enabled),
                        consecutive_failures = CASE WHEN \(changes.enabled)::boolean THEN 0 ELSE consecutive_failures END,
                        failing_since = CASE WHEN \(changes.enabled)::boolean THEN NULL ELSE failing_since END,
                        disabled_reason = CASE WHEN \(changes.enabled)::boolean IS NOT NULL THEN NULL ELSE disabled_reason END,
                        updated_at = now()
                    WHERE id = \(id)
                    RETURNING \(unescaped: Self.columns)
                    """
                ).first
            else { return nil }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("webhook-endpoint:\(id)"))
            return try Self.decode(row)
        }
    }

    /// - Returns: false when there was no such endpoint. Its queued events stay, and fail when their turn comes.
    public func delete(orgID: Int64, id: Int64, audit: AuditEntry) async throws -> Bool {
        try await scope.withOrg(orgID) { connection in
            let deleted = try connection.query("DELETE FROM webhook_endpoints WHERE id = \(id)").affectedRows
            if deleted > 0 { try AuditStore.insert(connection, orgID: orgID, entry: audit.target("webhook-endpoint:\(id)")) }
            return deleted > 0
        }
    }

    /// Replaces the secret; the old one keeps signing for `overlapSeconds` (0: not at all).
    public func rotate(
        orgID: Int64, id: Int64, sealedSecret: [UInt8], overlapSeconds: Int, audit: AuditEntry
    ) async throws -> WebhookEndpoint? {
        try await scope.withOrg(orgID) { connection in
            guard
                let row = try connection.query(
                    """
                    UPDATE webhook_endpoints SET previous_secret = CASE WHEN \(overlapSeconds) > 0 THEN secret END,
                        previous_secret_expires_at = CASE WHEN \(overlapSeconds) > 0 THEN now() + make_interval(secs => \(overlapSeconds)) END,
                        secret = \(sealedSecret), updated_at = now()
                    WHERE id = \(id)
                    RETURNING \(unescaped: Self.columns)
                    """
                ).first
            else { return nil }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("webhook-endpoint:\(id)"))
            return try Self.decode(row)
        }
    }

    /// Records how an attempt to the endpoint went. A success ends a run of failures; a failure extends it, and
    /// when the run has lasted `rule` the endpoint is disabled, with an audit line. - Returns: true when this
    /// failure disabled it.
    @discardableResult
    public func noteAttempt(orgID: Int64, id: Int64, succeeded: Bool, rule: WebhookDisableRule) async throws -> Bool {
        try await scope.withOrg(orgID) { connection in
            if succeeded {
                try connection.query(
                    """
                    UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL
                    WHERE id = \(id) AND consecutive_failures > 0
                    """)
                return false
            }
            let reason = "disabled after \(rule.failures) failed attempts in a row over at least \(rule.seconds) seconds"
            guard
                let row = try connection.query(
                    """
                    UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1,
                        failing_since = coalesce(failing_since, now()),
                        enabled = NOT (consecutive_failures + 1 >= \(rule.failures)
                            AND coalesce(failing_since, now()) <= now() - make_interval(secs => \(rule.seconds))),
                        disabled_reason = CASE WHEN consecutive_failures + 1 >= \(rule.failures)
                            AND coalesce(failing_since, now()) <= now() - make_interval(secs => \(rule.seconds)) THEN \(reason) END
                    WHERE id = \(id) AND enabled
                    RETURNING enabled, consecutive_failures
                    """
                ).first
            else { return false }
            let disabled = !(try row.decode("enabled", as: Bool.self))
            if disabled {
                try AuditStore.insert(
                    connection, orgID: orgID,
                    entry: AuditEntry.system("delivery", "webhook_endpoint.disable")
                        .adding([
                            "reason": .string(reason),
                            "consecutive_failures": .number(Double(try row.decode("consecutive_failures", as: Int.self))),
                        ])
                        .target("webhook-endpoint:\(id)"))
            }
            return disabled
        }
    }

    /// Queues again, as new messages with the same webhook-id and body, the endpoint's events created in
    /// [since, until) that are no longer pending, oldest first (at most `limit`). - Returns: how many.
    public func replay(orgID: Int64, id: Int64, since: String, until: String, limit: Int) async throws -> Int {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                INSERT INTO outbox (org_id, channel, reason, recipient, body, customer_id, endpoint_id, event_type, event_id, ordering_key)
                SELECT o.org_id, o.channel, o.reason, e.url, o.body, o.customer_id, o.endpoint_id, o.event_type, o.event_id, o.ordering_key
                FROM outbox AS o JOIN webhook_endpoints AS e ON e.org_id = o.org_id AND e.id = o.endpoint_id
                WHERE o.channel = 'webhook' AND o.endpoint_id = \(id) AND o.status IN ('sent', 'failed')
                    AND o.created_at >= \(since)::timestamptz AND o.created_at < \(until)::timestamptz
                ORDER BY o.id LIMIT \(limit)
                """
            ).affectedRows
        }
    }
}

/// When an endpoint that keeps failing is disabled: after `failures` failed attempts in a row that span at least
/// `seconds` (`CRMHUB_WEBHOOK_DISABLE_AFTER_FAILURES`, `CRMHUB_WEBHOOK_DISABLE_AFTER_SECONDS`).
public struct WebhookDisableRule: Sendable {
    public var failures = 30
    public var seconds = 5 * 86_400

    public init() {}
}
