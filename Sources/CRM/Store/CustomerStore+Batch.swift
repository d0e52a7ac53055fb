import JSON
import Postgres

extension CustomerStore {
    /// One customer to create in a batch, who asked for it, and the history details of either outcome.
    public struct BatchEntry: Sendable {
        public let fields: CustomerFields
        public let channel: String?
        public let source: Source
        public let createdDetail: String
        /// Identity kinds the org does not deduplicate by (`MatchingSettings`): the customer does not claim them.
        public let skippedKinds: Set<String>
        /// A "duplicate" line is the created detail plus `{"fields": [the field names the payload sent]}`.
        public init(
            fields: CustomerFields, channel: String?, source: Source, createdDetail: String, skippedKinds: Set<String> = []
        ) {
            self.fields = fields
            self.channel = channel
            self.source = source
            self.createdDetail = createdDetail
            self.skippedKinds = skippedKinds
        }
    }

    /// Creates many customers of one series: each entry becomes a new customer with its identities (a company also
    /// claims its lower-cased name) and "created" line, or, when one of its identities already belongs to a
    /// customer, matches that one (with a "duplicate" line on it when `duplicateLines`). The entries must not share
    /// identities with each other (the caller splits batches there).
    ///
    /// The common case, nothing known yet, is one statement that claims every entry's identities and creates the
    /// entries whose claims all succeeded (`claimAndCreate`). Only the entries left over, duplicates, take a
    /// second statement that finds their customers (`matchOrCreate`).
    ///
    /// - Returns: one outcome per entry, in order; nil for an entry that lost a race for an identity to a
    ///   concurrent request (its row is removed again): run it alone with `create`.
    public static func createMany(
        _ connection: PostgresConnection, orgID: Int64, series: CustomerSeries, _ entries: [BatchEntry],
        duplicateLines: Bool = true
    ) throws -> [CreateOutcome?] {
        let claims = try claimAndCreate(connection, orgID: orgID, series: series, entries)
        var outcomes = claims.outcomes
        let left = outcomes.indices.filter { outcomes[$0] == nil }
        guard !left.isEmpty else { return outcomes }
        // Identities an entry did claim before another of its identities turned out to be taken.
        try connection.query(
            """
            DELETE FROM customer_identities WHERE org_id = \(orgID) AND customer_id = ANY(\(left.map { claims.drawnIDs[$0] })::bigint[])
            """)
        let matched = try matchOrCreate(
            connection, orgID: orgID, series: series, left.map { entries[$0] }, duplicateLines: duplicateLines)
        for (index, outcome) in zip(left, matched) { outcomes[index] = outcome }
        return outcomes
    }

    /// The entries as the `input` CTE's rows (ordinal, wanted: how many identities the entry has, then its
    /// columns), and the entries' identities as arrays for `wanted`.
    struct BatchRows {
        let input: Query
        let identityOrdinals: [Int], identityKinds: [String], identityValues: [String], identityRanks: [Int]
        let wantedCount: [Int]

        init(_ entries: [BatchEntry], series: CustomerSeries) {
            var ordinals: [Int] = [], kinds: [String] = [], values: [String] = [], ranks: [Int] = []
            var wanted = [Int](repeating: 0, count: entries.count)
            for (ordinal, entry) in entries.enumerated() {
                let (entryKinds, entryValues) = identities(
                    entry.fields, companyName: series == .company ? entry.fields.name : nil, skipping: entry.skippedKinds)
                for (rank, (kind, value)) in zip(entryKinds, entryValues).enumerated() {
                    ordinals.append(ordinal)
                    kinds.append(kind)
                    values.append(value)
                    ranks.append(rank)
                }
                wanted[ordinal] = entryKinds.count
            }
            (identityOrdinals, identityKinds, identityValues, identityRanks, wantedCount) = (
                ordinals, kinds, values, ranks, wanted
            )
            let fields = entries.map { $0.fields }
            let tags: [String?] = fields.map { $0.tags.map { JSONWriter.string(.array($0.map(JSONValue.string))) } }
            input = """
                SELECT * FROM unnest(
                    \(Array(0..<entries.count))::int[], \(wanted)::int[], \(fields.map { $0.type ?? 0 })::int[],
                    \(fields.map { $0.name ?? "" })::text[], \(fields.map { $0.lastname })::text[], \(fields.map { $0.title })::text[],
                    \(fields.map { $0.passport })::text[], \(fields.map { $0.gender ?? 2 })::int[], \(fields.map { $0.bgInfo })::text[],
                    \(fields.map { $0.dateOfBirth })::text[], \(fields.map { CustomerStore.contactPointsJSON($0.emails) })::text[],
                    \(fields.map { CustomerStore.contactPointsJSON($0.phones) })::text[], \(fields.map { $0.addressesJSON })::text[],
                    \(fields.map { $0.websitesJSON })::text[], \(fields.map { $0.imJSON })::text[], \(tags)::text[],
                    \(fields.map { $0.customFieldsJSON })::text[], \(fields.map { $0.permitJSON })::text[],
                    \(fields.map { $0.contactID })::text[], \(entries.map { $0.channel })::text[],
                    \(entries.map { $0.createdDetail })::text[], \(entries.map { $0.fields.presentFields.joined(separator: ",") })::text[],
                    \(entries.map { $0.source.listenerID })::bigint[], \(entries.map { $0.source.listenerRequestID })::bigint[],
                    \(entries.map { $0.source.userID })::bigint[]
                ) AS t(ordinal, wanted, type, name, lastname, title, passport, gender, bg_info, date_of_birth, emails, phones,
                       addresses, websites, im, tags, custom_fields, permit, contact_id, channel, created_detail, sent_fields,
                       listener_id, listener_request_id, user_id)
                """
        }
    }

    /// The customers columns a `fresh` row (input plus new_id) becomes.
    static func insertFresh(orgID: Int64, series: CustomerSeries) -> Query {
        """
        INSERT INTO customers (org_id, id, kind, code, type, name, lastname, title, passport, gender, bg_info,
            date_of_birth, emails, phones, addresses, websites, im, tags, custom_fields, permit, channel,
            contact_id, owner_user_id, created_by_listener_id)
        SELECT \(orgID), new_id, \(series.rawValue), crmhub_next_code(\(series.rawValue)), type, name, lastname, title,
            passport, gender, bg_info, date_of_birth::date, coalesce(emails::jsonb, '[]'), coalesce(phones::jsonb, '[]'),
            coalesce(addresses::jsonb, '[]'), coalesce(websites::jsonb, '[]'), coalesce(im::jsonb, '[]'),
            coalesce(ARRAY(SELECT jsonb_array_elements_text(tags::jsonb)), '{}'), coalesce(custom_fields::jsonb, '{}'),
            permit::jsonb, channel, contact_id, user_id, listener_id
        FROM fresh ORDER BY ordinal
        RETURNING id, code, type
        """
    }

    /// The "created" history line of every `fresh` row.
    static func insertCreatedLines(orgID: Int64) -> Query {
        """
        INSERT INTO customer_history (org_id, customer_id, event, listener_id, listener_request_id, detail)
        SELECT \(orgID), new_id, 'created', listener_id, listener_request_id, created_detail::jsonb FROM fresh
        """
    }

    /// One statement: every entry draws a customer id and claims its identities (ON CONFLICT DO NOTHING); the
    /// entries that claimed all of theirs become customers with a "created" line. No identity is looked up first:
    /// the primary key's own check is the lookup.
    /// - Returns: the created entries' outcomes (nil for the others) and every entry's drawn id.
    static func claimAndCreate(
        _ connection: PostgresConnection, orgID: Int64, series: CustomerSeries, _ entries: [BatchEntry]
    ) throws -> (outcomes: [CreateOutcome?], drawnIDs: [Int64]) {
        let rows = BatchRows(entries, series: series)
        let result = try connection.query(
            """
            WITH input AS MATERIALIZED (
                SELECT input.*, nextval('customers_id_seq') AS new_id FROM (\(fragment: rows.input)) AS input
            ), claimed AS (
                INSERT INTO customer_identities (org_id, series, kind, value, customer_id)
                SELECT \(orgID), \(series.rawValue), w.k, w.v, input.new_id
                FROM unnest(\(rows.identityOrdinals)::int[], \(rows.identityKinds)::text[], \(rows.identityValues)::text[]) AS w(ordinal, k, v)
                JOIN input USING (ordinal)
                ON CONFLICT DO NOTHING
                RETURNING customer_id
            ), fresh AS MATERIALIZED (
                SELECT input.* FROM input
                LEFT JOIN (SELECT customer_id, count(*) AS n FROM claimed GROUP BY customer_id) AS c ON c.customer_id = input.new_id
                WHERE coalesce(c.n, 0) = input.wanted
            ), inserted AS (
                \(fragment: insertFresh(orgID: orgID, series: series))
            ), created_lines AS (
                \(fragment: insertCreatedLines(orgID: orgID))
            )
            SELECT input.ordinal, input.new_id, inserted.code, inserted.type
            FROM input LEFT JOIN inserted ON inserted.id = input.new_id
            """
        ).rows
        var outcomes = [CreateOutcome?](repeating: nil, count: entries.count)
        var drawnIDs = [Int64](repeating: 0, count: entries.count)
        for row in result {
            let ordinal = try row.decode("ordinal", as: Int.self)
            let id = try row.decode("new_id", as: Int64.self)
            drawnIDs[ordinal] = id
            if let code = try row.decode("code", as: Int64?.self) {
                outcomes[ordinal] = .created(
                    CustomerRef(id: id, code: CustomerCode(series: series, number: code), type: try row.decode("type")))
            }
        }
        return (outcomes, drawnIDs)
    }

    /// One statement for entries that may match existing customers: each entry whose identities already belong to a
    /// customer matches the customer of its first such identity (with a "duplicate" line when `duplicateLines`);
    /// the others are created as in `claimAndCreate`.
    static func matchOrCreate(
        _ connection: PostgresConnection, orgID: Int64, series: CustomerSeries, _ entries: [BatchEntry],
        duplicateLines: Bool
    ) throws -> [CreateOutcome?] {
        let rows = BatchRows(entries, series: series)
        let result = try connection.query(
            """
            WITH input AS MATERIALIZED (
                \(fragment: rows.input)
            ), wanted AS MATERIALIZED (
                SELECT * FROM unnest(\(rows.identityOrdinals)::int[], \(rows.identityKinds)::text[], \(rows.identityValues)::text[],
                    \(rows.identityRanks)::int[]) AS w(ordinal, k, v, r)
            ), existing AS MATERIALIZED (
                SELECT DISTINCT ON (wanted.ordinal) wanted.ordinal, found.customer_id, wanted.k, wanted.v
                FROM wanted CROSS JOIN LATERAL (
                    SELECT i.customer_id FROM customer_identities AS i
                    WHERE i.org_id = \(orgID) AND i.series = \(series.rawValue) AND i.kind = wanted.k AND i.value = wanted.v
                    LIMIT 1
                ) AS found
                ORDER BY wanted.ordinal, wanted.r
            ), fresh AS MATERIALIZED (
                SELECT input.*, nextval('customers_id_seq') AS new_id FROM input
                WHERE input.ordinal NOT IN (SELECT ordinal FROM existing)
            ), inserted AS (
                \(fragment: insertFresh(orgID: orgID, series: series))
            ), claimed AS (
                INSERT INTO customer_identities (org_id, series, kind, value, customer_id)
                SELECT \(orgID), \(series.rawValue), wanted.k, wanted.v, fresh.new_id FROM wanted JOIN fresh USING (ordinal)
                ON CONFLICT DO NOTHING
                RETURNING customer_id
            ), created_lines AS (
                \(fragment: insertCreatedLines(orgID: orgID))
            ), duplicate_lines AS (
                INSERT INTO customer_history (org_id, customer_id, event, listener_id, listener_request_id, detail)
                SELECT \(orgID), existing.customer_id, 'duplicate', input.listener_id, input.listener_request_id,
                    input.created_detail::jsonb || jsonb_build_object('fields', to_jsonb(string_to_array(input.sent_fields, ',')))
                FROM existing JOIN input USING (ordinal)
                WHERE \(duplicateLines)
            ), claims AS (
                SELECT customer_id, count(*) AS n FROM claimed GROUP BY customer_id
            )
            SELECT fresh.ordinal, true AS created, inserted.id, inserted.code, inserted.type, coalesce(claims.n, 0) AS claims,
                NULL::text AS matched_kind, NULL::text AS matched_value
            FROM fresh JOIN inserted ON inserted.id = fresh.new_id LEFT JOIN claims ON claims.customer_id = inserted.id
            UNION ALL
            SELECT existing.ordinal, false AS created, c.id, c.code, c.type, 0 AS claims, existing.k, existing.v
            FROM existing CROSS JOIN LATERAL (
                SELECT id, code, type FROM customers WHERE org_id = \(orgID) AND id = existing.customer_id LIMIT 1
            ) AS c
            """
        ).rows
        var outcomes = [CreateOutcome?](repeating: nil, count: entries.count)
        for row in result {
            let ordinal = try row.decode("ordinal", as: Int.self)
            let ref = CustomerRef(
                id: try row.decode("id"), code: CustomerCode(series: series, number: try row.decode("code")),
                type: try row.decode("type"))
            if try row.decode("created", as: Bool.self) {
                if try row.decode("claims", as: Int.self) == rows.wantedCount[ordinal] {
                    outcomes[ordinal] = .created(ref)
                } else {
                    // A concurrent request claimed one of its identities first: take this row back.
                    try delete(connection, orgID: orgID, id: ref.id)
                }
            } else {
                var found = ref
                if let kind = try row.decode("matched_kind", as: String?.self),
                    let value = try row.decode("matched_value", as: String?.self)
                {
                    found.matchedBy = MatchReason(MatchReason.kind(ofIdentity: kind), value)
                }
                outcomes[ordinal] = .duplicate(found)
            }
        }
        return outcomes
    }
}
