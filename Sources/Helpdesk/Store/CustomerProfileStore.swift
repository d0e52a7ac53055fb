import CRM
import JSON
import Postgres

/// Customers as helpdesks read them (Sirportly data source, SpiceCSM search and load), inside a transaction the
/// caller holds. Contacts and accounts come before leads; companies are not looked up (they are the `company`
/// of a profile).
public enum CustomerProfileStore {
    static let columns = """
        c.id, c.kind, c.code, c.type, c.name, c.lastname, c.title, c.emails::text, c.phones::text, c.im::text,
        c.addresses::text, c.websites::text, c.tags, c.custom_fields::text, c.contact_id, co.name AS company_name, c.date_of_birth::text,
        to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
        """
    static let company =
        "LEFT JOIN LATERAL (SELECT name FROM customers WHERE org_id = c.org_id AND id = c.company_id LIMIT 1) AS co ON true"

    /// The customer with this code.
    public static func profile(_ connection: PostgresConnection, orgID: Int64, code: CustomerCode) throws -> CustomerProfile? {
        try connection.query(
            """
            SELECT \(unescaped: columns) FROM customers AS c \(unescaped: company)
            WHERE c.org_id = \(orgID) AND c.kind = \(code.series.rawValue) AND c.code = \(code.number)
            """
        ).first.map { try decode($0) }
    }

    /// The contact, account or lead (in that order) with this email address (normalised).
    public static func find(_ connection: PostgresConnection, orgID: Int64, emailKey: String) throws -> CustomerProfile? {
        try find(connection, orgID: orgID, identity: "email", key: emailKey)
    }

    /// The contact, account or lead (in that order) with this phone number (normalised).
    public static func find(_ connection: PostgresConnection, orgID: Int64, phoneKey: String) throws -> CustomerProfile? {
        try find(connection, orgID: orgID, identity: "phone", key: phoneKey)
    }

    static func find(_ connection: PostgresConnection, orgID: Int64, identity: String, key: String) throws -> CustomerProfile? {
        try connection.query(
            """
            SELECT \(unescaped: columns) FROM unnest(ARRAY['contact', 'lead']) WITH ORDINALITY AS s(series, rank)
            CROSS JOIN LATERAL (
                SELECT customer_id FROM customer_identities
                WHERE org_id = \(orgID) AND series = s.series AND kind = \(identity) AND value = \(key) LIMIT 1
            ) AS i
            CROSS JOIN LATERAL (SELECT * FROM customers WHERE org_id = \(orgID) AND id = i.customer_id LIMIT 1) AS c
            \(unescaped: company)
            ORDER BY s.rank LIMIT 1
            """
        ).first.map { try decode($0) }
    }

    /// The contact, account or lead (in that order, then the oldest) holding one of these IM handles
    /// ({protocol, value} pairs, compared exactly: the caller lists the spellings to try).
    public static func find(
        _ connection: PostgresConnection, orgID: Int64, im handles: [CustomerProfile.Handle]
    ) throws -> CustomerProfile? {
        try connection.query(imQuery(orgID: orgID, handles)).first.map { try decode($0) }
    }

    /// The statement of ``find(_:orgID:im:)``. Each spelling is a probe of customer_im_handles (sql/0019), whose rows
    /// are exactly the pairs `im @> '[{"protocol": …, "value": …}]'` matched: jsonb containment is not leakproof, so
    /// under row-level security no index served it and each lookup read the org's customers with handles.
    static func imQuery(orgID: Int64, _ handles: [CustomerProfile.Handle]) -> Query {
        """
        SELECT \(unescaped: columns) FROM (
            SELECT h.customer_id, s.series FROM unnest(ARRAY['contact', 'lead']) WITH ORDINALITY AS s(series, rank)
            CROSS JOIN unnest(\(handles.map(\.type))::text[], \(handles.map(\.value))::text[]) AS p(protocol, value)
            CROSS JOIN LATERAL (
                SELECT customer_id FROM customer_im_handles
                WHERE org_id = \(orgID) AND kind = s.series AND protocol = p.protocol AND value = p.value
                ORDER BY customer_id LIMIT 1
            ) AS h
            ORDER BY s.rank, h.customer_id LIMIT 1
        ) AS found
        CROSS JOIN LATERAL (
            SELECT * FROM customers WHERE org_id = \(orgID) AND id = found.customer_id AND kind = found.series LIMIT 1
        ) AS c
        \(unescaped: company)
        """
    }

    /// Contacts, accounts and leads meeting every criterion of `search`, oldest first. Only the criteria present
    /// become conditions (no `$n IS NULL OR …`), so each search gets a plan for what it asks.
    public static func search(
        _ connection: PostgresConnection, orgID: Int64, _ search: CustomerSearch, limit: Int
    ) throws
        -> [CustomerProfile]
    {
        guard let query = searchQuery(orgID: orgID, search, limit: limit) else { return [] }
        return try connection.query(query).rows.map { try decode($0) }
    }

    /// The statement of ``search(_:orgID:_:limit:)``; nil when the search cannot match anything.
    static func searchQuery(orgID: Int64, _ search: CustomerSearch, limit: Int) -> Query? {
        guard !search.isEmpty, !search.impossible else { return nil }
        var binds: [String?] = [String(orgID)]
        func bind(_ value: String) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        var conditions = ["c.org_id = $1"]
        if let code = search.code {
            conditions.append("c.kind = \(bind(code.series.rawValue)) AND c.code = \(bind(String(code.number)))::bigint")
        } else {
            conditions.append("c.kind IN ('contact', 'lead')")
        }
        if let first = search.firstName {
            // The folded name's range (customers_name_folded, sql/0011) finds the candidates through the index; the
            // LIKEs keep the match exactly as before (folding also drops accents, so the range holds more). The index
            // holds the id, name and last name too (sql/0018): the candidates are tested in an index-only scan, and
            // only the matches' rows are read.
            let folded = bind(first)
            var names = [
                "n.org_id = $1", "n.kind IN ('contact', 'lead')",
                "n.name_folded ~>=~ crmhub_fold(\(folded)) AND n.name_folded ~<~ (crmhub_fold(\(folded)) || U&'\\+10FFFF')",
                "lower(n.name) LIKE \(bind(likePrefix(first))) ESCAPE '\\'",
            ]
            if let last = search.lastName { names.append("lower(n.lastname) LIKE \(bind(likePrefix(last))) ESCAPE '\\'") }
            conditions.append("c.id IN (SELECT n.id FROM customers AS n WHERE \(names.joined(separator: " AND ")))")
        } else if let last = search.lastName {
            conditions.append("lower(c.lastname) LIKE \(bind(likePrefix(last))) ESCAPE '\\'")
        }
        for (key, value) in [
            ("street", search.street), ("street2", search.street2), ("city", search.city), ("state", search.region),
            ("zip", search.postalCode),
        ] {
            guard let value else { continue }
            conditions.append(
                """
                EXISTS (SELECT 1 FROM jsonb_array_elements(c.addresses) AS a WHERE lower(a->>'\(key)') = lower(\(bind(value))))
                """)
        }
        if let country = search.country {
            let placeholder = bind(country)
            conditions.append(
                """
                EXISTS (SELECT 1 FROM jsonb_array_elements(c.addresses) AS a
                        WHERE lower(a->'country'->>'code') = lower(\(placeholder)) OR lower(a->'country'->>'name') = lower(\(placeholder)))
                """)
        }
        for (kind, values) in [
            ("phone", search.phones), ("email", search.emails), ("contact_id", search.contactID.map { [$0] } ?? []),
        ] {
            for value in values {
                conditions.append(
                    """
                    c.id IN (SELECT customer_id FROM customer_identities
                             WHERE org_id = $1 AND series IN ('contact', 'lead') AND kind = '\(kind)' AND value = \(bind(value)))
                    """)
            }
        }
        if let status = search.status {
            conditions.append("lower(coalesce(c.custom_fields->>'Status', 'Active')) = lower(\(bind(status)))")
        }
        for field in search.customFields {
            conditions.append("lower(c.custom_fields->>\(bind(field.name))) = lower(\(bind(field.value)))")
        }
        let sql = """
            SELECT \(columns) FROM customers AS c \(company)
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY CASE c.kind WHEN 'contact' THEN 0 ELSE 1 END, c.id LIMIT \(bind(String(limit)))::int
            """
        return Query(sql: sql, binds: binds)
    }

    /// `text` as a LIKE pattern matching what starts with it (lower-cased, wildcards escaped).
    static func likePrefix(_ text: String) -> String {
        var pattern = ""
        for character in text.lowercased() {
            if character == "%" || character == "_" || character == "\\" { pattern.append("\\") }
            pattern.append(character)
        }
        return pattern + "%"
    }

    /// The customer's deals that are not won, lost or closed, latest first. Its own deals and those naming it as a
    /// contact are found through their customer indexes (sql/0013); "customer_id = … OR EXISTS (…)" read every deal
    /// of the org instead.
    public static func openDeals(
        _ connection: PostgresConnection, orgID: Int64, customerID: Int64, limit: Int
    ) throws -> [CustomerActivity] {
        try connection.query(openDealsQuery(orgID: orgID, customerID: customerID, limit: limit)).rows.map { row in
            let (id, title, status, amount, date) = try row.decode((Int64, String, String, String?, String?).self)
            return CustomerActivity(id: id, title: title, status: status, amount: amount, date: date)
        }
    }

    static func openDealsQuery(orgID: Int64, customerID: Int64, limit: Int) -> Query {
        """
        SELECT d.id, d.name, d.stage, CASE WHEN d.value IS NULL THEN NULL ELSE concat_ws(' ', d.value::text, d.currency) END,
            to_char(d.close_date AT TIME ZONE 'UTC', 'YYYY-MM-DD')
        FROM deals AS d
        WHERE d.org_id = \(orgID)
            AND d.id IN (
                SELECT id FROM deals WHERE org_id = \(orgID) AND customer_id = \(customerID)
                UNION
                SELECT deal_id FROM deal_contacts WHERE org_id = \(orgID) AND customer_id = \(customerID))
            AND lower(d.stage) NOT IN ('won', 'lost', 'closed', 'closed won', 'closed lost')
        ORDER BY d.id DESC LIMIT \(limit)
        """
    }

    /// The customer's latest tickets.
    public static func recentTickets(
        _ connection: PostgresConnection, orgID: Int64, customerID: Int64, limit: Int
    ) throws -> [CustomerActivity] {
        try connection.query(
            """
            SELECT id, coalesce(title, left(body, 100)), status, NULL::text, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
            FROM tickets WHERE org_id = \(orgID) AND customer_id = \(customerID)
            ORDER BY id DESC LIMIT \(limit)
            """
        ).rows.map { row in
            let (id, title, status, amount, date) = try row.decode((Int64, String, String, String?, String?).self)
            return CustomerActivity(id: id, title: title, status: status, amount: amount, date: date)
        }
    }

    static func decode(_ row: Row) throws -> CustomerProfile {
        let series = CustomerSeries(rawValue: try row.decode("kind")) ?? .contact
        func objects(_ column: String) throws -> [JSONObject] {
            let text: String = try row.decode(column)
            return ((try? JSONParser.parse(text))?.arrayValue ?? []).compactMap(\.objectValue)
        }
        func handles(_ column: String, typeKey: String) throws -> [CustomerProfile.Handle] {
            try objects(column).compactMap { object in
                guard let value = object["value"]?.stringValue else { return nil }
                return CustomerProfile.Handle(type: object[typeKey]?.stringValue ?? "Other", value: value)
            }
        }
        let customFieldsText: String = try row.decode("custom_fields")
        return CustomerProfile(
            id: try row.decode("id"), code: CustomerCode(series: series, number: try row.decode("code")),
            type: Int(try row.decode("type", as: Int16.self)), name: try row.decode("name"), lastname: try row.decode("lastname"),
            title: try row.decode("title"), emails: try handles("emails", typeKey: "type"),
            phones: try handles("phones", typeKey: "type"),
            im: try handles("im", typeKey: "protocol"), addresses: try objects("addresses"),
            websites: try objects("websites").compactMap { $0["value"]?.stringValue }, tags: try row.decode("tags"),
            customFields: (try? JSONParser.parse(customFieldsText))?.objectValue ?? JSONObject(),
            contactID: try row.decode("contact_id"),
            company: try row.decode("company_name"), dateOfBirth: try row.decode("date_of_birth"),
            createdAt: try row.decode("created_at"))
    }
}
