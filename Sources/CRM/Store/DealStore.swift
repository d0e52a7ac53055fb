import Postgres

/// Deals (the listener document's "orders") and the customers linked to them, inside a transaction the caller
/// holds. Every statement names the org explicitly so the (org_id, …) indexes are used; the row-level policy still
/// confines it.
public enum DealStore {
    static let columns = "id, name, reference, customer_id"

    static func decode(_ row: Row) throws -> DealRef {
        DealRef(
            id: try row.decode("id"), name: try row.decode("name"), reference: try row.decode("reference"),
            customerID: try row.decode("customer_id"))
    }

    // MARK: Finding

    /// The deal a sender's `dealId` names: the deal that carries it as its reference (the sender's own id, stored
    /// when an add-deal created the deal), else the deal with that id of ours. The reference is tried first so
    /// that a sender's second add-deal with the same id always reaches the deal its first one created.
    public static func find(_ connection: PostgresConnection, orgID: Int64, dealID: String) throws -> DealRef? {
        let number = Int64(dealID).flatMap { $0 > 0 ? $0 : nil }
        guard
            let row = try connection.query(
                """
                SELECT \(unescaped: columns) FROM deals
                WHERE org_id = \(orgID) AND (reference = \(dealID) OR id = \(number)::bigint)
                ORDER BY CASE WHEN reference = \(dealID) THEN 0 ELSE 1 END LIMIT 1
                """
            ).first
        else { return nil }
        return try decode(row)
    }

    /// The most recent deal with this name (any case); with `unreferencedOnly`, only among deals that carry no
    /// sender reference.
    public static func find(
        _ connection: PostgresConnection, orgID: Int64, name: String, unreferencedOnly: Bool = false
    ) throws -> DealRef? {
        guard let row = try connection.query(findQuery(orgID: orgID, name: name, unreferencedOnly: unreferencedOnly)).first
        else { return nil }
        return try decode(row)
    }

    /// Compares the stored lower-cased name (0021): row-level security keeps `lower(name)` from the index.
    static func findQuery(orgID: Int64, name: String, unreferencedOnly: Bool) -> Query {
        """
        SELECT \(unescaped: columns) FROM deals
        WHERE org_id = \(orgID) AND name_lower = lower(\(name)) AND (NOT \(unreferencedOnly) OR reference IS NULL)
        ORDER BY id DESC LIMIT 1
        """
    }

    // MARK: Writing

    /// Inserts a deal. `fields.name` and `fields.stage` must be set (the caller checked them).
    /// - Parameter reference: the sender's own id for the deal, kept so a later add-deal with it finds the deal.
    public static func create(
        _ connection: PostgresConnection, orgID: Int64, fields: DealFields, reference: String?, listenerID: Int64?
    ) throws -> DealRef {
        try decode(
            try connection.query(
                """
                INSERT INTO deals (org_id, reference, name, value, currency, description, stage, close_date, category, package,
                    owner_user_ids, owner_group_ids, customer_id, permit, custom_fields, created_by_listener_id)
                VALUES (\(orgID), \(reference), \(fields.name ?? ""), \(fields.value)::numeric, \(fields.currency), \(fields.description),
                    \(fields.stage ?? ""), \(fields.closeDate)::timestamptz, \(fields.category), \(fields.package),
                    coalesce(\(fields.ownerUserIDs)::bigint[], '{}'), coalesce(\(fields.ownerGroupIDs)::bigint[], '{}'),
                    \(fields.customerID)::bigint, \(fields.permitJSON)::jsonb, coalesce(\(fields.customFieldsJSON)::jsonb, '{}'),
                    \(listenerID)::bigint)
                RETURNING \(unescaped: columns)
                """
            ).rows[0])
    }

    /// Sets the fields the payload names and leaves the others; custom field values are merged into the stored
    /// ones. A reference is only given to a deal that has none. Returns the deal as it now is and the names of the
    /// fields whose value changed, as the document spells them.
    public static func update(
        _ connection: PostgresConnection, orgID: Int64, id: Int64, fields: DealFields, reference: String?
    ) throws -> (deal: DealRef, changed: [String]) {
        let row = try connection.query(
            """
            UPDATE deals AS d SET
                name = coalesce(\(fields.name), d.name), reference = coalesce(d.reference, \(reference)),
                value = coalesce(\(fields.value)::numeric, d.value), currency = coalesce(\(fields.currency), d.currency),
                description = coalesce(\(fields.description), d.description), stage = coalesce(\(fields.stage), d.stage),
                close_date = coalesce(\(fields.closeDate)::timestamptz, d.close_date),
                category = coalesce(\(fields.category), d.category), package = coalesce(\(fields.package), d.package),
                owner_user_ids = coalesce(\(fields.ownerUserIDs)::bigint[], d.owner_user_ids),
                owner_group_ids = coalesce(\(fields.ownerGroupIDs)::bigint[], d.owner_group_ids),
                customer_id = coalesce(\(fields.customerID)::bigint, d.customer_id),
                permit = coalesce(\(fields.permitJSON)::jsonb, d.permit),
                custom_fields = d.custom_fields || coalesce(\(fields.customFieldsJSON)::jsonb, '{}'),
                updated_at = now()
            FROM deals AS old
            WHERE d.org_id = \(orgID) AND d.id = \(id) AND old.org_id = d.org_id AND old.id = d.id
            RETURNING d.id, d.name, d.reference, d.customer_id,
                d.name IS DISTINCT FROM old.name AS changed_name, d.reference IS DISTINCT FROM old.reference AS changed_reference,
                d.value IS DISTINCT FROM old.value AS changed_value, d.currency IS DISTINCT FROM old.currency AS changed_currency,
                d.description IS DISTINCT FROM old.description AS changed_description, d.stage IS DISTINCT FROM old.stage AS changed_stage,
                d.close_date IS DISTINCT FROM old.close_date AS changed_close_date,
                d.category IS DISTINCT FROM old.category AS changed_category, d.package IS DISTINCT FROM old.package AS changed_package,
                d.owner_user_ids IS DISTINCT FROM old.owner_user_ids OR d.owner_group_ids IS DISTINCT FROM old.owner_group_ids
                    AS changed_owners,
                d.customer_id IS DISTINCT FROM old.customer_id AS changed_customer, d.permit IS DISTINCT FROM old.permit AS changed_permit,
                d.custom_fields IS DISTINCT FROM old.custom_fields AS changed_custom_fields
            """
        ).rows[0]
        // (the column that says whether it changed, the listener field it is reported as)
        let fields = [
            ("changed_name", "name"), ("changed_reference", "dealId"), ("changed_value", "value"),
            ("changed_currency", "currency"),
            ("changed_description", "description"), ("changed_stage", "stage"), ("changed_close_date", "closeDate"),
            ("changed_category", "category"), ("changed_package", "package"), ("changed_owners", "owner_opportunity"),
            ("changed_customer", "dealWith"), ("changed_permit", "permit"), ("changed_custom_fields", "cusFields"),
        ]
        var changed: [String] = []
        for (column, name) in fields where try row.decode(column, as: Bool.self) { changed.append(name) }
        let deal = try Self.decode(row)
        return (deal, changed)
    }

    /// Links customers to a deal (`contacts`); links it already has stay. Returns the ids newly linked.
    @discardableResult
    public static func link(_ connection: PostgresConnection, orgID: Int64, dealID: Int64, customerIDs: [Int64]) throws -> [Int64]
    {
        guard !customerIDs.isEmpty else { return [] }
        return try connection.query(
            """
            INSERT INTO deal_contacts (org_id, deal_id, customer_id)
            SELECT \(orgID), \(dealID), customer_id FROM unnest(\(customerIDs)::bigint[]) AS t(customer_id)
            ON CONFLICT DO NOTHING
            RETURNING customer_id
            """
        ).rows.map { try $0.decode("customer_id") }
    }
}
