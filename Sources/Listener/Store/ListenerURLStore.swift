import CRM
import Postgres

/// Listener URLs. The URL token ("crmhub_lt_…") is shown once; rotating it kills the old one at once.
public struct ListenerURLStore: Sendable {
    public static let prefix = "crmhub_lt"
    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    public static let columns = """
        id, org_id, name, enabled, lookup_id, ip_allowlist::text[] AS ip_allowlist, default_tag, default_contact_channel,
        default_lead_channel, welcome_email_enabled, welcome_email_from, welcome_email_subject, welcome_email_body,
        welcome_sms_enabled, welcome_sms_body, rate_limit_per_minute, signing_secret IS NOT NULL AS signed,
        (SELECT ARRAY[lim.requests_per_minute, lim.items_per_minute] FROM org_listener_limits AS lim
         WHERE lim.org_id = listeners.org_id) AS org_limits,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
        """

    public static func decode(_ row: Row) throws -> ListenerURL {
        var listener = ListenerURL(
            id: try row.decode("id"), orgID: try row.decode("org_id"), name: try row.decode("name"),
            enabled: try row.decode("enabled"),
            tokenPrefix: "\(prefix)_\(try row.decode("lookup_id", as: String.self))", ipAllowlist: try row.decode("ip_allowlist"),
            defaultTag: try row.decode("default_tag"), defaultContactChannel: try row.decode("default_contact_channel"),
            defaultLeadChannel: try row.decode("default_lead_channel"),
            welcomeEmailEnabled: try row.decode("welcome_email_enabled"), welcomeEmailFrom: try row.decode("welcome_email_from"),
            welcomeEmailSubject: try row.decode("welcome_email_subject"), welcomeEmailBody: try row.decode("welcome_email_body"),
            welcomeSMSEnabled: try row.decode("welcome_sms_enabled"), welcomeSMSBody: try row.decode("welcome_sms_body"),
            rateLimitPerMinute: try row.decode("rate_limit_per_minute"), createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at"))
        listener.signed = try row.decode("signed")
        if let limits = try row.decode("org_limits", as: [Int64?]?.self), limits.count == 2 {
            listener.orgLimits = OrgListenerLimits(
                requestsPerMinute: limits[0].map { Int($0) }, itemsPerMinute: limits[1].map { Int($0) })
        }
        return listener
    }

    public func create(orgID: Int64, _ changes: ListenerURLChanges, audit: AuditEntry) async throws -> (ListenerURL, SecretToken)
    {
        let token = SecretToken.generate(prefix: Self.prefix)
        let listener = try await scope.withOrg(orgID) { connection in
            let inserted: Row
            do {
                inserted = try connection.query(
                    """
                    INSERT INTO listeners (org_id, name, lookup_id, secret_hash) VALUES (\(orgID), \(changes.name ?? ""), \(token.lookupID), \(token.secretHash))
                    RETURNING id
                    """
                ).rows[0]
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                throw CRMError.conflict(FieldError("name", "a listener named '\(changes.name ?? "")' already exists"))
            }
            let id = try inserted.decode("id", as: Int64.self)
            let listener = try Self.apply(changes, to: id, connection)
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("listener:\(id)"))
            return listener
        }
        return (listener, token)
    }

    public func update(orgID: Int64, id: Int64, _ changes: ListenerURLChanges, audit: AuditEntry) async throws -> ListenerURL {
        try await scope.withOrg(orgID) { connection in
            let listener = try Self.apply(changes, to: id, connection)
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("listener:\(id)"))
            return listener
        }
    }

    /// One UPDATE: each column takes the new value when the change names it, else keeps its own.
    static func apply(_ changes: ListenerURLChanges, to id: Int64, _ connection: PostgresConnection) throws -> ListenerURL {
        let setTag = changes.defaultTag != nil, tag: String? = changes.defaultTag ?? nil
        let setContact = changes.defaultContactChannel != nil, contact: String? = changes.defaultContactChannel ?? nil
        let setLead = changes.defaultLeadChannel != nil, lead: String? = changes.defaultLeadChannel ?? nil
        let setFrom = changes.welcomeEmailFrom != nil, from: String? = changes.welcomeEmailFrom ?? nil
        let setSubject = changes.welcomeEmailSubject != nil, subject: String? = changes.welcomeEmailSubject ?? nil
        let setBody = changes.welcomeEmailBody != nil, body: String? = changes.welcomeEmailBody ?? nil
        let setSMS = changes.welcomeSMSBody != nil, sms: String? = changes.welcomeSMSBody ?? nil
        let setRate = changes.rateLimitPerMinute != nil, rate: Int? = changes.rateLimitPerMinute ?? nil
        let query: Query = """
            UPDATE listeners SET
                name = coalesce(\(changes.name), name),
                enabled = coalesce(\(changes.enabled), enabled),
                ip_allowlist = coalesce(\(changes.ipAllowlist)::cidr[], ip_allowlist),
                default_tag = CASE WHEN \(setTag) THEN \(tag) ELSE default_tag END,
                default_contact_channel = CASE WHEN \(setContact) THEN \(contact) ELSE default_contact_channel END,
                default_lead_channel = CASE WHEN \(setLead) THEN \(lead) ELSE default_lead_channel END,
                welcome_email_enabled = coalesce(\(changes.welcomeEmailEnabled), welcome_email_enabled),
                welcome_email_from = CASE WHEN \(setFrom) THEN \(from) ELSE welcome_email_from END,
                welcome_email_subject = CASE WHEN \(setSubject) THEN \(subject) ELSE welcome_email_subject END,
                welcome_email_body = CASE WHEN \(setBody) THEN \(body) ELSE welcome_email_body END,
                welcome_sms_enabled = coalesce(\(changes.welcomeSMSEnabled), welcome_sms_enabled),
                welcome_sms_body = CASE WHEN \(setSMS) THEN \(sms) ELSE welcome_sms_body END,
                rate_limit_per_minute = CASE WHEN \(setRate) THEN \(rate) ELSE rate_limit_per_minute END,
                updated_at = now()
            WHERE id = \(id)
            RETURNING \(unescaped: columns)
            """
        let result: QueryResult
        do {
            result = try connection.query(query)
        } catch {
            if error.sqlState == .uniqueViolation {
                throw CRMError.conflict(FieldError("name", "a listener named '\(changes.name ?? "")' already exists"))
            }
            throw error
        }
        guard let row = result.first else { throw CRMError.notFound("listener \(id)") }
        return try decode(row)
    }

    public func find(orgID: Int64, id: Int64) async throws -> ListenerURL? {
        try await scope.withOrg(orgID) { connection in
            try connection.query("SELECT \(unescaped: Self.columns) FROM listeners WHERE id = \(id)").first.map(Self.decode)
        }
    }

    public func list(orgID: Int64, after cursor: Int64, limit: Int) async throws -> [ListenerURL] {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM listeners WHERE id > \(cursor) ORDER BY id LIMIT \(limit)
                """
            ).rows.map(Self.decode)
        }
    }

    /// A new URL token; the old one stops working in the same transaction.
    public func rotate(orgID: Int64, id: Int64, audit: AuditEntry) async throws -> (ListenerURL, SecretToken) {
        let token = SecretToken.generate(prefix: Self.prefix)
        let listener = try await scope.withOrg(orgID) { connection in
            guard
                let row = try connection.query(
                    """
                    UPDATE listeners SET lookup_id = \(token.lookupID), secret_hash = \(token.secretHash), updated_at = now()
                    WHERE id = \(id) RETURNING \(unescaped: Self.columns)
                    """
                ).first
            else { throw CRMError.notFound("listener \(id)") }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("listener:\(id)"))
            return try Self.decode(row)
        }
        return (listener, token)
    }

    public func delete(orgID: Int64, id: Int64, audit: AuditEntry) async throws {
        try await scope.withOrg(orgID) { connection in
            guard try connection.query("DELETE FROM listeners WHERE id = \(id)").affectedRows == 1 else {
                throw CRMError.notFound("listener \(id)")
            }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("listener:\(id)"))
        }
    }

    /// The listener a presented URL token opens, with its org; nil for an unknown or rotated token.
    public func authenticate(_ presented: String) async throws -> ListenerURL? {
        guard let token = SecretToken.parse(presented, prefix: Self.prefix) else { return nil }
        return try await scope.withPlatform { connection in
            guard
                let row = try connection.query(
                    """
                    SELECT \(unescaped: Self.columns), secret_hash FROM listeners WHERE lookup_id = \(token.lookupID)
                    """
                ).first,
                SecretToken.matches(token.secretHash, try row.decode("secret_hash", as: [UInt8].self))
            else { return nil }
            return try Self.decode(row)
        }
    }

    /// Whether a listener signs its requests, for ListenerSignatureCheck.
    public struct Signing: Sendable {
        public let orgID: Int64
        public let listenerID: Int64
        public let sealedSecret: [UInt8]?
    }

    /// The context a listener's signing secret is sealed for.
    public static func signingContext(orgID: Int64) -> String { "listener-signing:\(orgID)" }

    /// The signing state of the listener a token opens; nil for an unknown token.
    public func signing(token presented: String) async throws -> Signing? {
        guard let token = SecretToken.parse(presented, prefix: Self.prefix) else { return nil }
        return try await scope.withPlatform { connection in
            guard
                let row = try connection.query(
                    """
                    SELECT org_id, id, signing_secret, secret_hash FROM listeners WHERE lookup_id = \(token.lookupID)
                    """
                ).first,
                SecretToken.matches(token.secretHash, try row.decode("secret_hash", as: [UInt8].self))
            else { return nil }
            return Signing(
                orgID: try row.decode("org_id"), listenerID: try row.decode("id"), sealedSecret: try row.decode("signing_secret"))
        }
    }

    /// Sets (or, with nil, removes) a listener's signing secret. - Returns: false when there is no such listener.
    public func setSigningSecret(orgID: Int64, id: Int64, sealed: [UInt8]?, audit: AuditEntry) async throws -> Bool {
        try await scope.withOrg(orgID) { connection in
            guard
                try connection.query(
                    """
                    UPDATE listeners SET signing_secret = \(sealed), updated_at = now() WHERE id = \(id)
                    """
                ).affectedRows == 1
            else { return false }
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("listener:\(id)"))
            return true
        }
    }

    /// Records a webhook-id as accepted; false when it already was (and has not expired). An expired row of the
    /// same id is removed first, and one call in a hundred sweeps the listener's expired ids.
    public func acceptWebhookID(orgID: Int64, listenerID: Int64, webhookID: String, lifetimeSeconds: Int) async throws -> Bool {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                DELETE FROM listener_seen_webhook_ids
                WHERE listener_id = \(listenerID) AND webhook_id = \(webhookID) AND expires_at < now()
                """)
            if Int.random(in: 0..<100) == 0 {
                try connection.query(
                    "DELETE FROM listener_seen_webhook_ids WHERE listener_id = \(listenerID) AND expires_at < now()")
            }
            return try connection.query(
                """
                INSERT INTO listener_seen_webhook_ids (org_id, listener_id, webhook_id, expires_at)
                VALUES (\(orgID), \(listenerID), \(webhookID), now() + make_interval(secs => \(lifetimeSeconds)))
                ON CONFLICT DO NOTHING
                """
            ).affectedRows == 1
        }
    }

    public func forgetWebhookID(orgID: Int64, listenerID: Int64, webhookID: String) async throws {
        try await scope.withOrg(orgID) { connection in
            _ = try connection.query(
                """
                DELETE FROM listener_seen_webhook_ids WHERE listener_id = \(listenerID) AND webhook_id = \(webhookID)
                """)
        }
    }
}
