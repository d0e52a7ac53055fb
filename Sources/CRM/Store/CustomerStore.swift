import JSON
import Postgres

/// Customers, their identities and their history, inside a transaction the caller holds (listener ingestion runs
/// a whole request in one). Every statement names the org explicitly so the (org_id, …) indexes are used; the
/// row-level policy still confines it.
public enum CustomerStore {
    /// One way of finding a customer; `match` tries them in the order given.
    public enum MatchKey: Sendable, Equatable {
        case code(CustomerCode)
        case contactID(String)
        /// A customer whose name is this one (any case), when exactly one has it.
        case name(String)
        case passport(String)
        case emails([String])
        case phones([String])
        /// A company's claimed, lower-cased name.
        case companyName(String)
    }

    public enum CreateOutcome: Sendable, Equatable {
        case created(CustomerRef)
        /// An identity of the payload already belongs to this customer: nothing was created.
        case duplicate(CustomerRef)
    }

    /// Who caused a write, for history lines.
    public struct Source: Sendable {
        public let listenerID: Int64?
        public let listenerRequestID: Int64?
        public let userID: Int64?

        public init(listenerID: Int64?, listenerRequestID: Int64?, userID: Int64?) {
            self.listenerID = listenerID
            self.listenerRequestID = listenerRequestID
            self.userID = userID
        }
    }

    // MARK: Matching

    /// The first customer of `series` found by `keys`, in their order; within emails or phones, the earlier value.
    public static func match(
        _ connection: PostgresConnection, orgID: Int64, series: CustomerSeries, keys: [MatchKey]
    ) throws -> CustomerRef? {
        guard let row = try connection.query(matchQuery(orgID: orgID, series: series, keys: keys)).first else { return nil }
        let found = CustomerCode(series: series, number: try row.decode("code"))
        let reason = Self.reason(keys[try row.decode("rank", as: Int.self)], value: try row.decode("value"))
        return CustomerRef(id: try row.decode("id"), code: found, type: try row.decode("type"), matchedBy: reason)
    }

    /// The statement of ``match(_:orgID:series:keys:)``: one branch per kind of key, each reached through an index
    /// (a name through customers_name_folded, 0011, then compared case-insensitively on the rows it finds).
    static func matchQuery(orgID: Int64, series: CustomerSeries, keys: [MatchKey]) -> Query {
        var codeRank: Int?, code: Int64?, contactRank: Int?, contactID: String?, nameRank: Int?, name: String?
        var passportRank: Int?, passport: String?, emailRank: Int?, emails: [String] = [], phoneRank: Int?, phones: [String] = []
        var companyRank: Int?, companyName: String?
        for (rank, key) in keys.enumerated() {
            switch key {
            case .code(let value):
                guard value.series == series else { continue }
                (codeRank, code) = (rank, value.number)
            case .contactID(let value): (contactRank, contactID) = (rank, value)
            case .name(let value): (nameRank, name) = (rank, value)
            case .passport(let value): (passportRank, passport) = (rank, value)
            case .emails(let values): (emailRank, emails) = (rank, values)
            case .phones(let values): (phoneRank, phones) = (rank, values)
            case .companyName(let value): (companyRank, companyName) = (rank, value.lowercased())
            }
        }
        return
            """
            SELECT c.id, c.code, c.type, m.rank, m.value FROM (
                SELECT id AS customer_id, \(codeRank)::int AS rank, 0 AS position, code::text AS value FROM customers
                WHERE \(codeRank)::int IS NOT NULL AND org_id = \(orgID) AND kind = \(series.rawValue) AND code = \(code)
                UNION ALL
                -- A code merged into another customer (CustomerMergeStore) leads to the survivor.
                SELECT customer_id, \(codeRank)::int, 1, code::text FROM customer_redirects
                WHERE \(codeRank)::int IS NOT NULL AND org_id = \(orgID) AND kind = \(series.rawValue) AND code = \(code)
                UNION ALL
                SELECT customer_id, \(contactRank)::int, 0, value FROM customer_identities
                WHERE \(contactRank)::int IS NOT NULL AND org_id = \(orgID) AND series = \(series.rawValue) AND kind = 'contact_id' AND value = \(contactID)
                UNION ALL
                SELECT min(id), \(nameRank)::int, 0, min(name) FROM customers
                WHERE \(nameRank)::int IS NOT NULL AND org_id = \(orgID) AND kind = \(series.rawValue)
                    AND name_folded = crmhub_fold(\(name)) AND lower(name) = lower(\(name))
                HAVING count(*) = 1
                UNION ALL
                SELECT customer_id, \(passportRank)::int, 0, value FROM customer_identities
                WHERE \(passportRank)::int IS NOT NULL AND org_id = \(orgID) AND series = \(series.rawValue) AND kind = 'passport' AND value = \(passport)
                UNION ALL
                SELECT customer_id, \(emailRank)::int, array_position(\(emails)::text[], value), value FROM customer_identities
                WHERE \(emailRank)::int IS NOT NULL AND org_id = \(orgID) AND series = \(series.rawValue) AND kind = 'email' AND value = ANY(\(emails)::text[])
                UNION ALL
                SELECT customer_id, \(phoneRank)::int, array_position(\(phones)::text[], value), value FROM customer_identities
                WHERE \(phoneRank)::int IS NOT NULL AND org_id = \(orgID) AND series = \(series.rawValue) AND kind = 'phone' AND value = ANY(\(phones)::text[])
                UNION ALL
                SELECT customer_id, \(companyRank)::int, 0, value FROM customer_identities
                WHERE \(companyRank)::int IS NOT NULL AND org_id = \(orgID) AND series = \(series.rawValue) AND kind = 'name' AND value = \(companyName)
            ) AS m CROSS JOIN LATERAL (
                SELECT id, code, type FROM customers WHERE org_id = \(orgID) AND id = m.customer_id LIMIT 1
            ) AS c
            ORDER BY m.rank, m.position LIMIT 1
            """

    }

    /// What `key` found, said the listener document's way.
    static func reason(_ key: MatchKey, value: String) -> MatchReason {
        switch key {
        case .code(let requested): MatchReason(.customerId, requested.description)
        case .contactID: MatchReason(.contactId, value)
        case .name, .companyName: MatchReason(.name, value)
        case .passport: MatchReason(.passport, value)
        case .emails: MatchReason(.email, value)
        case .phones: MatchReason(.phone, value)
        }
    }

    // MARK: Creating

    /// The dedup keys of a payload as "kind:value" texts, to tell whether two payloads could be the same customer.
    public static func identityKeys(_ fields: CustomerFields) -> [String] {
        let (kinds, values) = identities(fields, companyName: nil)
        return zip(kinds, values).map { "\($0):\($1)" }
    }

    /// The dedup keys of a payload, in the order that decides which existing customer a duplicate is.
    static func identities(
        _ fields: CustomerFields, companyName: String?, skipping: Set<String> = []
    ) -> (kinds: [String], values: [String]) {
        var kinds: [String] = [], values: [String] = [], seen = Set<String>()
        func add(_ kind: String, _ value: String?) {
            guard let value, !value.isEmpty, !skipping.contains(kind), seen.insert(kind + "\u{0}" + value).inserted else {
                return
            }
            kinds.append(kind)
            values.append(value)
        }
        add("name", companyName?.lowercased())
        add("contact_id", fields.contactID)
        add("passport", fields.passportKey)
        for email in fields.emails ?? [] { add("email", email.key) }
        for phone in fields.phones ?? [] { add("phone", phone.key) }
        return (kinds, values)
    }

    /// Creates a customer unless one of its identities (contact id, passport, emails, phones; a company's name)
    /// already belongs to a customer of the series (`createMany` for one entry; the caller writes any
    /// "duplicate" line itself). Two concurrent creates with a shared identity cannot both win: the identities'
    /// primary key lets one claim them and the loser's row is removed again, so it reports the winner as the
    /// duplicate.
    public static func create(
        _ connection: PostgresConnection, orgID: Int64, series: CustomerSeries, fields: CustomerFields,
        channel: String?, source: Source, history: String, skippedKinds: Set<String> = []
    ) throws -> CreateOutcome {
        let entry = BatchEntry(
            fields: fields, channel: channel, source: source, createdDetail: history, skippedKinds: skippedKinds)
        for _ in 0..<3 {
            if let outcome = try createMany(connection, orgID: orgID, series: series, [entry], duplicateLines: false)[0] {
                return outcome
            }
        }
        throw PostgresError(kind: .server, sqlState: .serializationFailure, message: "customer identities kept changing")
    }

    /// Removes a customer with its identities and history (which have no foreign key to it: see 0003).
    static func delete(_ connection: PostgresConnection, orgID: Int64, id: Int64) throws {
        try connection.query(
            """
            WITH identities AS (DELETE FROM customer_identities WHERE org_id = \(orgID) AND customer_id = \(id)),
                history AS (DELETE FROM customer_history WHERE org_id = \(orgID) AND customer_id = \(id))
            DELETE FROM customers WHERE org_id = \(orgID) AND id = \(id)
            """)
    }

    // MARK: Updating

    /// Sets the fields the payload names and leaves the others; returns the names of the fields whose value
    /// changed. Emails, phones, passport and contact id move their identities with them.
    /// - Throws: `CRMError.conflict` when a new identity already belongs to another customer of the series.
    public static func update(
        _ connection: PostgresConnection, orgID: Int64, series: CustomerSeries, id: Int64, fields: CustomerFields,
        companyID: Int64??
    ) throws -> [String] {
        var kinds: [String] = [], values: [String] = [], replaced: [String] = []
        if let contactID = fields.contactID {
            replaced.append("contact_id")
            kinds.append("contact_id")
            values.append(contactID)
        }
        if let passport = fields.passportKey {
            replaced.append("passport")
            kinds.append("passport")
            values.append(passport)
        }
        if let emails = fields.emails {
            replaced.append("email")
            for email in emails where !zip(kinds, values).contains(where: { $0 == ("email", email.key) }) {
                kinds.append("email")
                values.append(email.key)
            }
        }
        if let phones = fields.phones {
            replaced.append("phone")
            for phone in phones where !zip(kinds, values).contains(where: { $0 == ("phone", phone.key) }) {
                kinds.append("phone")
                values.append(phone.key)
            }
        }
        if !kinds.isEmpty,
            let taken = try connection.query(
                """
                SELECT found.kind, found.value, c.code FROM unnest(\(kinds)::text[], \(values)::text[]) AS t(k, v)
                CROSS JOIN LATERAL (
                    SELECT i.kind, i.value, i.customer_id FROM customer_identities AS i
                    WHERE i.org_id = \(orgID) AND i.series = \(series.rawValue) AND i.kind = t.k AND i.value = t.v AND i.customer_id <> \(id)
                    LIMIT 1
                ) AS found
                CROSS JOIN LATERAL (SELECT code FROM customers WHERE org_id = \(orgID) AND id = found.customer_id LIMIT 1) AS c
                LIMIT 1
                """
            ).first
        {
            let owner = CustomerCode(series: series, number: try taken.decode("code"))
            let field =
                ["contact_id": "contactId", "passport": "passport", "email": "emails", "phone": "phones"][
                    try taken.decode("kind", as: String.self)] ?? "data"
            throw CRMError.conflict(
                FieldError(field, "'\(try taken.decode("value", as: String.self))' already belongs to \(owner)"))
        }
        let setCompany = companyID != nil, company: Int64? = companyID ?? nil
        // No row when the customer was merged away (CustomerMergeStore) after this request found it.
        guard
            let row = try connection.query(
                """
                UPDATE customers AS c SET
                    name = coalesce(\(fields.name), c.name), lastname = coalesce(\(fields.lastname), c.lastname),
                    title = coalesce(\(fields.title), c.title), passport = coalesce(\(fields.passport), c.passport),
                    type = coalesce(\(fields.type)::smallint, c.type), gender = coalesce(\(fields.gender)::smallint, c.gender),
                    bg_info = coalesce(\(fields.bgInfo), c.bg_info), date_of_birth = coalesce(\(fields.dateOfBirth)::date, c.date_of_birth),
                    emails = coalesce(\(Self.contactPointsJSON(fields.emails))::jsonb, c.emails),
                    phones = coalesce(\(Self.contactPointsJSON(fields.phones))::jsonb, c.phones),
                    addresses = coalesce(\(fields.addressesJSON)::jsonb, c.addresses),
                    websites = coalesce(\(fields.websitesJSON)::jsonb, c.websites), im = coalesce(\(fields.imJSON)::jsonb, c.im),
                    tags = coalesce(\(fields.tags)::text[], c.tags),
                    custom_fields = c.custom_fields || coalesce(\(fields.customFieldsJSON)::jsonb, '{}'),
                    permit = coalesce(\(fields.permitJSON)::jsonb, c.permit), contact_id = coalesce(\(fields.contactID), c.contact_id),
                    company_id = CASE WHEN \(setCompany) THEN \(company) ELSE c.company_id END,
                    updated_at = now()
                FROM customers AS old
                WHERE c.org_id = \(orgID) AND c.id = \(id) AND old.org_id = c.org_id AND old.id = c.id
                RETURNING c.name IS DISTINCT FROM old.name AS name, c.lastname IS DISTINCT FROM old.lastname AS lastname,
                    c.title IS DISTINCT FROM old.title AS title, c.passport IS DISTINCT FROM old.passport AS passport,
                    c.type IS DISTINCT FROM old.type AS type, c.gender IS DISTINCT FROM old.gender AS gender,
                    c.bg_info IS DISTINCT FROM old.bg_info AS bg_info,
                    c.date_of_birth IS DISTINCT FROM old.date_of_birth AS date_of_birth,
                    c.emails IS DISTINCT FROM old.emails AS emails, c.phones IS DISTINCT FROM old.phones AS phones,
                    c.addresses IS DISTINCT FROM old.addresses AS addresses, c.websites IS DISTINCT FROM old.websites AS websites,
                    c.im IS DISTINCT FROM old.im AS im, c.tags IS DISTINCT FROM old.tags AS tags,
                    c.custom_fields IS DISTINCT FROM old.custom_fields AS custom_fields,
                    c.permit IS DISTINCT FROM old.permit AS permit, c.contact_id IS DISTINCT FROM old.contact_id AS contact_id,
                    c.company_id IS DISTINCT FROM old.company_id AS company_id
                """
            ).rows.first
        else { throw CRMError.notFound("customer \(id) (merged into another meanwhile)") }
        // (the column that says whether it changed, named for it; the listener field it is reported as)
        let fields = [
            ("name", "name"), ("lastname", "lastname"), ("title", "title"), ("passport", "passport"), ("type", "type"),
            ("gender", "gender"), ("bg_info", "bgInfo"), ("date_of_birth", "dateOfBirth"), ("emails", "emails"),
            ("phones", "phones"), ("addresses", "addresses"), ("websites", "websites"), ("im", "im"), ("tags", "tag"),
            ("custom_fields", "cusFields"), ("permit", "permit"), ("contact_id", "contactId"), ("company_id", "company"),
        ]
        var changed: [String] = []
        for (column, name) in fields where try row.decode(column, as: Bool.self) { changed.append(name) }
        if !replaced.isEmpty {
            try connection.query(
                """
                DELETE FROM customer_identities
                WHERE org_id = \(orgID) AND customer_id = \(id) AND kind = ANY(\(replaced)::text[])
                    AND (kind, value) NOT IN (SELECT * FROM unnest(\(kinds)::text[], \(values)::text[]))
                """)
            try connection.query(
                """
                INSERT INTO customer_identities (org_id, series, kind, value, customer_id)
                SELECT \(orgID), \(series.rawValue), k, v, \(id) FROM unnest(\(kinds)::text[], \(values)::text[]) AS t(k, v)
                ON CONFLICT (org_id, series, kind, value) DO UPDATE SET customer_id = excluded.customer_id
                WHERE customer_identities.customer_id = excluded.customer_id
                """)
        }
        return changed
    }

    // MARK: History

    public static func appendHistory(
        _ connection: PostgresConnection, orgID: Int64, customerID: Int64, event: String, source: Source, detail: String
    ) throws {
        try connection.query(
            """
            INSERT INTO customer_history (org_id, customer_id, event, listener_id, listener_request_id, detail)
            VALUES (\(orgID), \(customerID), \(event), \(source.listenerID), \(source.listenerRequestID), \(detail)::jsonb)
            """)
    }

    public static func contactPointsJSON(_ points: [ContactPoint]?) -> String? {
        guard let points else { return nil }
        var out = "["
        for (index, point) in points.enumerated() {
            if index > 0 { out += "," }
            out += "{\"type\":"
            JSONWriter.quote(point.type, into: &out)
            out += ",\"value\":"
            JSONWriter.quote(point.value, into: &out)
            out += "}"
        }
        return out + "]"
    }
}
