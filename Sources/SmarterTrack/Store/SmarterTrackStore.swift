import CRM
import JSON
import Postgres

/// What the SmarterTrack provider endpoint reads and writes: the org behind a URL with its settings and rules,
/// customers by portal user name or email, the tickets StartTicket records and the events NotifyEventFired stores.
public struct SmarterTrackStore: Sendable {
    /// The org of a provider URL, with what decides whether a call may go on.
    public struct Provider: Sendable {
        public let orgID: Int64
        public let orgStatus: Org.Status
        public let enabled: Bool
        public let passwordHash: String?
        public let ipAllowlist: [String]
        public let rules: SmarterTrackRules
    }

    /// Where to find the customer a call is about.
    public enum Lookup: Sendable, Equatable {
        case username(String)
        case email(String)
    }

    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    /// A portal login's password hash made with fewer iterations, replaced by `new` at a successful login.
    func rehashPortalLogin(orgID: Int64, customerID: Int64, from old: String, to new: String) async throws {
        try await PortalLoginStore(scope: scope).rehash(orgID: orgID, customerID: customerID, from: old, to: new)
    }

    /// The web service password's hash (AuthPW) made with fewer iterations, replaced by `new` at a successful call,
    /// unless another password was saved meanwhile.
    func rehashAuthPW(orgID: Int64, from old: String, to new: String) async throws {
        try await scope.withOrg(orgID) { connection in
            _ = try connection.query(
                """
                UPDATE integration_settings SET password_hash = \(new)
                WHERE org_id = \(orgID) AND kind = 'smartertrack' AND password_hash = \(old)
                """)
        }
    }

    /// The org with this slug, its SmarterTrack settings and rules (one platform statement); nil for no such org.
    public func provider(slug: String) async throws -> Provider? {
        let row = try await scope.withPlatform { connection in
            try connection.query(
                """
                SELECT o.id, o.status, coalesce(s.enabled, false) AS enabled, s.password_hash,
                    coalesce(s.ip_allowlist::text[], '{}') AS ip_allowlist, r.rules::text
                FROM orgs AS o
                LEFT JOIN integration_settings AS s ON s.org_id = o.id AND s.kind = 'smartertrack'
                LEFT JOIN smartertrack_rules AS r ON r.org_id = o.id
                WHERE o.slug = \(slug)
                """
            ).first
        }
        guard let row else { return nil }
        var rules = SmarterTrackRules()
        if let text = try row.decode("rules", as: String?.self), let value = try? JSONParser.parse(text),
            case .success(let stored) = SmarterTrackRules.parse(value)
        {
            rules = stored
        }
        return Provider(
            orgID: try row.decode("id"), orgStatus: Org.Status(rawValue: try row.decode("status")) ?? .suspended,
            enabled: try row.decode("enabled"), passwordHash: try row.decode("password_hash"),
            ipAllowlist: try row.decode("ip_allowlist"),
            rules: rules)
    }

    // MARK: Customers

    static let customerColumns = """
        c.id, c.code, c.name, c.lastname, c.title, c.emails::text, c.phones::text, c.custom_fields::text, c.tags,
        company.name AS company_name, l.username, l.status AS login_status, l.password_hash
        """

    /// The contact found by the first lookup that finds one, with its latest five tickets.
    public func customer(orgID: Int64, _ lookups: [Lookup]) async throws -> PortalCustomer? {
        try await scope.withOrg(orgID) { connection in
            for lookup in lookups {
                if let customer = try Self.customer(connection, orgID: orgID, lookup) { return customer }
            }
            return nil
        }
    }

    /// The statement finding the contact of `lookup` (nil when an email does not normalise); the user name is matched
    /// through its stored lower-cased copy (0021), which row-level security lets the index serve.
    static func lookupQuery(orgID: Int64, _ lookup: Lookup) -> Query? {
        switch lookup {
        case .username(let username):
            return
                """
                SELECT \(unescaped: customerColumns)
                FROM customer_portal_logins AS l
                CROSS JOIN LATERAL (SELECT * FROM customers WHERE org_id = l.org_id AND id = l.customer_id LIMIT 1) AS c
                LEFT JOIN LATERAL (SELECT name FROM customers WHERE org_id = c.org_id AND id = c.company_id LIMIT 1) AS company ON true
                WHERE l.org_id = \(orgID) AND l.username_folded = lower(\(username))
                LIMIT 1
                """
        case .email(let email):
            guard let key = Identity.email(email) else { return nil }
            return
                """
                SELECT \(unescaped: customerColumns)
                FROM customer_identities AS i
                CROSS JOIN LATERAL (SELECT * FROM customers WHERE org_id = i.org_id AND id = i.customer_id LIMIT 1) AS c
                LEFT JOIN LATERAL (SELECT name FROM customers WHERE org_id = c.org_id AND id = c.company_id LIMIT 1) AS company ON true
                LEFT JOIN LATERAL (
                    SELECT username, status, password_hash FROM customer_portal_logins WHERE org_id = c.org_id AND customer_id = c.id LIMIT 1
                ) AS l ON true
                WHERE i.org_id = \(orgID) AND i.series = 'contact' AND i.kind = 'email' AND i.value = \(key)
                LIMIT 1
                """
        }
    }

    static func customer(_ connection: PostgresConnection, orgID: Int64, _ lookup: Lookup) throws -> PortalCustomer? {
        guard let query = lookupQuery(orgID: orgID, lookup), let row = try connection.query(query).first else { return nil }
        let username: String? = try row.decode("username")
        var customer = PortalCustomer(
            id: try row.decode("id"), code: CustomerCode(series: .contact, number: try row.decode("code")),
            name: try row.decode("name"),
            lastname: try row.decode("lastname"), title: try row.decode("title"),
            emails: PortalCustomer.values(ofContactPoints: try row.decode("emails")),
            phones: PortalCustomer.values(ofContactPoints: try row.decode("phones")), company: try row.decode("company_name"),
            customFields: PortalCustomer.fields(try row.decode("custom_fields")), tags: try row.decode("tags"),
            login: try username.map {
                .init(username: $0, status: try row.decode("login_status"), passwordHash: try row.decode("password_hash"))
            })
        customer.recentTickets = try connection.query(
            """
            SELECT id, title, status, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
            FROM tickets WHERE org_id = \(orgID) AND customer_id = \(customer.id) ORDER BY id DESC LIMIT 5
            """
        ).rows.map {
            let (id, title, status, createdAt) = try $0.decode((Int64, String?, String, String).self)
            return .init(id: id, title: title, status: status, createdAt: createdAt)
        }
        return customer
    }

    // MARK: Writes

    /// A ticket StartTicket let through. Recorded once per SmarterTrack ticket number and customer (SmarterTrack may
    /// call again for the same ticket); a "ticket" history line goes on the customer. Returns the ticket's id.
    public func recordTicket(
        orgID: Int64, customerID: Int64?, ticketNumber: String?, ticket: TicketStore.NewTicket
    ) async throws -> Int64 {
        try await scope.withOrg(orgID) { connection in
            if let customerID, let ticketNumber,
                let existing = try connection.query(
                    """
                    SELECT id FROM tickets WHERE org_id = \(orgID) AND customer_id = \(customerID)
                        AND requester->>'smartertrack_ticket_number' = \(ticketNumber)
                    LIMIT 1
                    """
                ).first
            {
                return try existing.decode("id", as: Int64.self)
            }
            let id = try TicketStore.insert(connection, orgID: orgID, ticket)
            if let customerID {
                var detail: JSONObject = ["ticket_id": .string(String(id)), "source": "smartertrack"]
                if let ticketNumber { detail["ticket_number"] = .string(ticketNumber) }
                try CustomerStore.appendHistory(
                    connection, orgID: orgID, customerID: customerID, event: "ticket",
                    source: .init(listenerID: nil, listenerRequestID: nil, userID: nil),
                    detail: JSONWriter.string(.object(detail)))
            }
            return id
        }
    }

    /// A "helpdesk_event" history line on the customer.
    public func recordEvent(orgID: Int64, customerID: Int64, detail: JSONValue) async throws {
        try await scope.withOrg(orgID) { connection in
            try CustomerStore.appendHistory(
                connection, orgID: orgID, customerID: customerID, event: "helpdesk_event",
                source: .init(listenerID: nil, listenerRequestID: nil, userID: nil), detail: JSONWriter.string(detail))
        }
    }

    // MARK: Rules

    public func rules(orgID: Int64) async throws -> SmarterTrackRules? {
        let text = try await scope.withOrg(orgID) { connection in
            try connection.query("SELECT rules::text FROM smartertrack_rules WHERE org_id = \(orgID)").first?.decode(
                "rules", as: String.self)
        }
        guard let text, let value = try? JSONParser.parse(text), case .success(let rules) = SmarterTrackRules.parse(value) else {
            return nil
        }
        return rules
    }

    public func saveRules(orgID: Int64, _ rules: SmarterTrackRules, audit: AuditEntry) async throws {
        let document = JSONWriter.string(rules.json)
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                INSERT INTO smartertrack_rules (org_id, rules) VALUES (\(orgID), \(document)::jsonb)
                ON CONFLICT (org_id) DO UPDATE SET rules = EXCLUDED.rules, updated_at = now()
                """)
            try AuditStore.insert(connection, orgID: orgID, entry: audit.target("integration:smartertrack:rules"))
        }
    }
}
