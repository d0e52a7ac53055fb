import JSON
import Postgres

/// Merges one customer into another of the same series (issue 24): everything the merged customer has moves to
/// the survivor, the merged row is removed and its code becomes a redirect (`customer_redirects`).
///
/// Race-safe against ingestion: both customer rows are locked first, in id order, as every ingest write that
/// changes a customer locks its row before its identities; identities move by updating their rows in place, so a
/// concurrent create that claims one of them waits and then finds the survivor.
///
/// The merge reaches into tables that features own (support groups, portal logins): a merge must move all of a
/// customer at once, in one transaction, and CRM is the one layer every feature's customer rows meet in.
public enum CustomerMergeStore {
    /// The customer fields whose value the caller may take from the merged customer (`preferMerged`); the others
    /// keep the survivor's value, or the merged one's where the survivor has none. Emails, phones and tags are
    /// the union of both (the preferred customer's first).
    public static let fields: [String] = [
        "name", "lastname", "title", "passport", "type", "gender", "bg_info", "date_of_birth", "emails", "phones",
        "addresses", "websites", "im", "tags", "custom_fields", "permit", "channel", "contact_id", "company_id",
        "owner_user_id",
    ]

    /// How many rows of each kind moved to the survivor.
    public struct Moved: Sendable {
        public var counts: [(String, Int)] = []
    }

    public struct Outcome: Sendable {
        public let survivor: CustomerRef
        public let merged: CustomerCode
        public let moved: Moved
    }

    /// - Throws: `CRMError.notFound` naming a code that names no customer; `CRMError.invalid` for the same customer
    ///   twice; `CRMError.conflict` when both have a system id or both a portal login (a customer has one).
    public static func merge(
        _ connection: PostgresConnection, orgID: Int64, survivor survivorCode: CustomerCode, merged mergedCode: CustomerCode,
        preferMerged: [String], by actor: String, audit: AuditEntry
    ) throws -> Outcome {
        guard survivorCode != mergedCode else {
            throw CRMError.invalid([FieldError("merged", "is the survivor itself: name two different customers")])
        }
        guard survivorCode.series == mergedCode.series else {
            throw CRMError.invalid([
                FieldError(
                    "merged", "\(mergedCode) and \(survivorCode) are of different series: only customers of one series merge")
            ])
        }
        let series = survivorCode.series
        // Both rows locked in id order, the order any two writers of these customers take them.
        let locked = try connection.query(
            """
            SELECT c.id, c.code, c.type, c.system_id,
                EXISTS (SELECT 1 FROM customer_portal_logins AS p WHERE p.org_id = c.org_id AND p.customer_id = c.id) AS has_login
            FROM customers AS c
            WHERE c.org_id = \(orgID) AND c.kind = \(series.rawValue) AND c.code = ANY(\([survivorCode.number, mergedCode.number])::bigint[])
            ORDER BY c.id FOR UPDATE OF c
            """
        ).rows
        struct Locked {
            let id: Int64
            let type: Int
            let systemID: String?
            let hasLogin: Bool
        }
        var byCode: [Int64: Locked] = [:]
        for row in locked {
            byCode[try row.decode("code")] = Locked(
                id: try row.decode("id"), type: try row.decode("type"), systemID: try row.decode("system_id"),
                hasLogin: try row.decode("has_login"))
        }
        guard let survivor = byCode[survivorCode.number] else { throw CRMError.notFound("customer \(survivorCode)") }
        guard let merged = byCode[mergedCode.number] else { throw CRMError.notFound("customer \(mergedCode)") }
        if let kept = survivor.systemID, let other = merged.systemID {
            throw CRMError.conflict(
                FieldError(
                    "merged",
                    "\(survivorCode) has system id '\(kept)' and \(mergedCode) has '\(other)': a contact has one system id, so clear one first"
                ))
        }
        if survivor.hasLogin && merged.hasLogin {
            throw CRMError.conflict(
                FieldError(
                    "merged",
                    "\(survivorCode) and \(mergedCode) both have a portal login: a customer has one, so remove one first"))
        }
        let (s, m) = (survivor.id, merged.id)
        let moved = try connection.query(
            """
            WITH identities AS (
                UPDATE customer_identities SET customer_id = \(s) WHERE org_id = \(orgID) AND customer_id = \(m) RETURNING 1
            ), history AS (
                UPDATE customer_history SET customer_id = \(s) WHERE org_id = \(orgID) AND customer_id = \(m) RETURNING 1
            ), notes AS (
                UPDATE notes SET customer_id = \(s) WHERE org_id = \(orgID) AND customer_id = \(m) RETURNING 1
            ), deals AS (
                UPDATE deals SET customer_id = \(s) WHERE org_id = \(orgID) AND customer_id = \(m) RETURNING 1
            ), deal_links AS (
                INSERT INTO deal_contacts (org_id, deal_id, customer_id)
                SELECT org_id, deal_id, \(s) FROM deal_contacts WHERE org_id = \(orgID) AND customer_id = \(m)
                ON CONFLICT DO NOTHING RETURNING 1
            ), tickets AS (
                UPDATE tickets SET customer_id = \(s) WHERE org_id = \(orgID) AND customer_id = \(m) RETURNING 1
            ), outbox AS (
                UPDATE outbox SET customer_id = \(s) WHERE org_id = \(orgID) AND customer_id = \(m) RETURNING 1
            ), members AS (
                UPDATE customers SET company_id = \(s) WHERE org_id = \(orgID) AND company_id = \(m) RETURNING 1
            ), support_groups AS (
                UPDATE support_groups SET
                    support_lead_id = CASE WHEN support_lead_id = \(m) THEN \(s) ELSE support_lead_id END,
                    also_alert_1_id = CASE WHEN also_alert_1_id = \(m) THEN \(s) ELSE also_alert_1_id END,
                    also_alert_2_id = CASE WHEN also_alert_2_id = \(m) THEN \(s) ELSE also_alert_2_id END,
                    also_alert_3_id = CASE WHEN also_alert_3_id = \(m) THEN \(s) ELSE also_alert_3_id END,
                    also_alert_4_id = CASE WHEN also_alert_4_id = \(m) THEN \(s) ELSE also_alert_4_id END,
                    also_alert_5_id = CASE WHEN also_alert_5_id = \(m) THEN \(s) ELSE also_alert_5_id END,
                    also_alert_6_id = CASE WHEN also_alert_6_id = \(m) THEN \(s) ELSE also_alert_6_id END
                WHERE org_id = \(orgID) AND \(m) IN (support_lead_id, also_alert_1_id, also_alert_2_id, also_alert_3_id,
                    also_alert_4_id, also_alert_5_id, also_alert_6_id)
                RETURNING 1
            ), logins AS (
                UPDATE customer_portal_logins SET customer_id = \(s) WHERE org_id = \(orgID) AND customer_id = \(m) RETURNING 1
            ), redirects AS (
                UPDATE customer_redirects SET customer_id = \(s) WHERE org_id = \(orgID) AND customer_id = \(m) RETURNING 1
            )
            SELECT (SELECT count(*) FROM identities) AS identities, (SELECT count(*) FROM history) AS history,
                (SELECT count(*) FROM notes) AS notes, (SELECT count(*) FROM deals) AS deals,
                (SELECT count(*) FROM deal_links) AS deal_links, (SELECT count(*) FROM tickets) AS tickets,
                (SELECT count(*) FROM outbox) AS outbox, (SELECT count(*) FROM members) AS members,
                (SELECT count(*) FROM support_groups) AS support_groups, (SELECT count(*) FROM logins) AS portal_logins,
                (SELECT count(*) FROM redirects) AS redirects
            """
        ).rows[0]
        var counts = Moved()
        for name in [
            "identities", "history", "notes", "deals", "deal_links", "tickets", "outbox", "members", "support_groups",
            "portal_logins",
        ] {
            counts.counts.append((name, try moved.decode(name, as: Int.self)))
        }
        // The merged row goes (its deal links with it, by cascade: they were copied above); its values fill the survivor.
        let type =
            try connection.query(
                """
                WITH gone AS (
                    DELETE FROM customers WHERE org_id = \(orgID) AND id = \(m) RETURNING *
                ), preferred AS (SELECT \(preferMerged)::text[] AS names)
                UPDATE customers AS c SET
                    name = CASE WHEN 'name' = ANY(p.names) THEN g.name ELSE c.name END,
                    lastname = CASE WHEN 'lastname' = ANY(p.names) THEN coalesce(g.lastname, c.lastname) ELSE coalesce(c.lastname, g.lastname) END,
                    title = CASE WHEN 'title' = ANY(p.names) THEN coalesce(g.title, c.title) ELSE coalesce(c.title, g.title) END,
                    passport = CASE WHEN 'passport' = ANY(p.names) THEN coalesce(g.passport, c.passport) ELSE coalesce(c.passport, g.passport) END,
                    type = CASE WHEN 'type' = ANY(p.names) THEN g.type ELSE c.type END,
                    gender = CASE WHEN 'gender' = ANY(p.names) THEN g.gender WHEN c.gender = 2 THEN g.gender ELSE c.gender END,
                    bg_info = CASE WHEN 'bg_info' = ANY(p.names) THEN coalesce(g.bg_info, c.bg_info) ELSE coalesce(c.bg_info, g.bg_info) END,
                    date_of_birth = CASE WHEN 'date_of_birth' = ANY(p.names) THEN coalesce(g.date_of_birth, c.date_of_birth)
                        ELSE coalesce(c.date_of_birth, g.date_of_birth) END,
                    emails = crmhub_merge_lists(CASE WHEN 'emails' = ANY(p.names) THEN g.emails || c.emails ELSE c.emails || g.emails END),
                    phones = crmhub_merge_lists(CASE WHEN 'phones' = ANY(p.names) THEN g.phones || c.phones ELSE c.phones || g.phones END),
                    addresses = CASE WHEN 'addresses' = ANY(p.names) AND g.addresses <> '[]' OR c.addresses = '[]' THEN g.addresses ELSE c.addresses END,
                    websites = CASE WHEN 'websites' = ANY(p.names) AND g.websites <> '[]' OR c.websites = '[]' THEN g.websites ELSE c.websites END,
                    im = CASE WHEN 'im' = ANY(p.names) AND g.im <> '[]' OR c.im = '[]' THEN g.im ELSE c.im END,
                    tags = ARRAY(
                        SELECT t FROM unnest(CASE WHEN 'tags' = ANY(p.names) THEN g.tags || c.tags ELSE c.tags || g.tags END)
                            WITH ORDINALITY AS u(t, n)
                        GROUP BY t ORDER BY min(n)),
                    custom_fields = CASE WHEN 'custom_fields' = ANY(p.names) THEN c.custom_fields || g.custom_fields ELSE g.custom_fields || c.custom_fields END,
                    permit = CASE WHEN 'permit' = ANY(p.names) THEN coalesce(g.permit, c.permit) ELSE coalesce(c.permit, g.permit) END,
                    channel = CASE WHEN 'channel' = ANY(p.names) THEN coalesce(g.channel, c.channel) ELSE coalesce(c.channel, g.channel) END,
                    contact_id = CASE WHEN 'contact_id' = ANY(p.names) THEN coalesce(g.contact_id, c.contact_id) ELSE coalesce(c.contact_id, g.contact_id) END,
                    company_id = CASE WHEN 'company_id' = ANY(p.names) THEN coalesce(g.company_id, c.company_id)
                        ELSE coalesce(c.company_id, g.company_id) END,
                    owner_user_id = CASE WHEN 'owner_user_id' = ANY(p.names) THEN coalesce(g.owner_user_id, c.owner_user_id)
                        ELSE coalesce(c.owner_user_id, g.owner_user_id) END,
                    updated_at = now()
                FROM gone AS g, preferred AS p
                WHERE c.org_id = \(orgID) AND c.id = \(s)
                RETURNING c.type
                """
            ).rows.first?.decode("type", as: Int.self) ?? survivor.type
        // A separate statement: the merged row, which held it, is gone now.
        if let systemID = merged.systemID {
            try connection.query("UPDATE customers SET system_id = \(systemID) WHERE org_id = \(orgID) AND id = \(s)")
        }
        let line: JSONObject = [
            "merged": .string(mergedCode.description), "survivor": .string(survivorCode.description), "by": .string(actor),
            "preferMerged": .array(preferMerged.map(JSONValue.string)),
        ]
        try connection.query(
            """
            WITH redirect AS (
                INSERT INTO customer_redirects (org_id, kind, code, customer_id)
                VALUES (\(orgID), \(series.rawValue), \(mergedCode.number), \(s))
            )
            INSERT INTO customer_history (org_id, customer_id, event, detail)
            VALUES (\(orgID), \(s), 'merged', \(JSONWriter.string(.object(line)))::jsonb),
                (\(orgID), \(m), 'merged_into', \(JSONWriter.string(.object(line)))::jsonb)
            """)
        try AuditStore.insert(connection, orgID: orgID, entry: audit.target("customer:\(mergedCode)"))
        return Outcome(survivor: CustomerRef(id: s, code: survivorCode, type: type), merged: mergedCode, moved: counts)
    }

    /// The customer a merged customer's code now leads to; nil when the code was never merged away.
    public static func redirect(_ connection: PostgresConnection, orgID: Int64, code: CustomerCode) throws -> CustomerRef? {
        guard
            let row = try connection.query(
                """
                SELECT c.id, c.code, c.type FROM customer_redirects AS r
                JOIN customers AS c ON c.org_id = r.org_id AND c.id = r.customer_id
                WHERE r.org_id = \(orgID) AND r.kind = \(code.series.rawValue) AND r.code = \(code.number)
                """
            ).first
        else { return nil }
        return CustomerRef(
            id: try row.decode("id"), code: CustomerCode(series: code.series, number: try row.decode("code")),
            type: try row.decode("type"))
    }
}
