import JSON
import Postgres

/// Everything CRMHub stores about one person, for a subject access request (issue 24, point 5): the customer
/// record, identities, history, notes, deals, tickets, outbox messages, portal login (without its password hash),
/// support groups, codes merged into it, and excerpts of the listener requests that wrote it.
///
/// Like the merge, it reads tables that features own (request log, support groups, portal logins): a person's
/// data is gathered in one place, in one transaction, and CRM is where every feature's customer rows meet.
public enum SubjectAccessStore {
    /// The document's parts other than the request-log excerpts (`requestBodies`), as one JSON object; nil when no
    /// customer has the code (a code merged away leads to its survivor).
    public static func document(
        _ connection: PostgresConnection, orgID: Int64, code: CustomerCode
    ) throws -> (id: Int64, json: JSONValue)? {
        guard
            let row = try connection.query(
                """
                WITH person AS (
                    SELECT id FROM customers WHERE org_id = \(orgID) AND kind = \(code.series.rawValue) AND code = \(code.number)
                    UNION ALL
                    SELECT customer_id FROM customer_redirects
                    WHERE org_id = \(orgID) AND kind = \(code.series.rawValue) AND code = \(code.number)
                    LIMIT 1
                ), their_deals AS (
                    SELECT id FROM deals WHERE org_id = \(orgID) AND customer_id = (SELECT id FROM person)
                    UNION
                    SELECT deal_id FROM deal_contacts WHERE org_id = \(orgID) AND customer_id = (SELECT id FROM person)
                )
                SELECT (SELECT id FROM person) AS id, jsonb_build_object(
                    'customer', (SELECT to_jsonb(c) - 'org_id' - 'name_folded' FROM customers AS c
                                 WHERE c.org_id = \(orgID) AND c.id = (SELECT id FROM person)),
                    'identities', (SELECT coalesce(jsonb_agg(jsonb_build_object('kind', kind, 'value', value) ORDER BY kind, value), '[]')
                                   FROM customer_identities WHERE org_id = \(orgID) AND customer_id = (SELECT id FROM person)),
                    'merged_codes', (SELECT coalesce(jsonb_agg(jsonb_build_object('kind', kind, 'code', code, 'merged_at', merged_at) ORDER BY code), '[]')
                                     FROM customer_redirects WHERE org_id = \(orgID) AND customer_id = (SELECT id FROM person)),
                    'history', (SELECT coalesce(jsonb_agg(to_jsonb(h) - 'org_id' ORDER BY h.id), '[]')
                                FROM customer_history AS h WHERE h.org_id = \(orgID) AND h.customer_id = (SELECT id FROM person)),
                    'notes', (SELECT coalesce(jsonb_agg(to_jsonb(n) - 'org_id' ORDER BY n.id), '[]') FROM notes AS n
                              WHERE n.org_id = \(orgID) AND (n.customer_id = (SELECT id FROM person) OR n.deal_id IN (SELECT id FROM their_deals))),
                    'deals', (SELECT coalesce(jsonb_agg(to_jsonb(d) - 'org_id' - 'name_lower' ORDER BY d.id), '[]') FROM deals AS d
                              WHERE d.org_id = \(orgID) AND d.id IN (SELECT id FROM their_deals)),
                    'tickets', (SELECT coalesce(jsonb_agg(to_jsonb(t) - 'org_id' ORDER BY t.id), '[]') FROM tickets AS t
                                WHERE t.org_id = \(orgID) AND t.customer_id = (SELECT id FROM person)),
                    'outbox', (SELECT coalesce(jsonb_agg(to_jsonb(o) - 'org_id' ORDER BY o.id), '[]') FROM outbox AS o
                               WHERE o.org_id = \(orgID) AND o.customer_id = (SELECT id FROM person)),
                    'portal_login', (SELECT jsonb_build_object('username', username, 'status', status, 'created_at', created_at,
                                                               'updated_at', updated_at)
                                     FROM customer_portal_logins WHERE org_id = \(orgID) AND customer_id = (SELECT id FROM person)),
                    'support_groups', (SELECT coalesce(jsonb_agg(jsonb_build_object('system_id', system_id, 'name', name) ORDER BY system_id), '[]')
                                       FROM support_groups WHERE org_id = \(orgID) AND (SELECT id FROM person) IN (support_lead_id,
                                           also_alert_1_id, also_alert_2_id, also_alert_3_id, also_alert_4_id, also_alert_5_id, also_alert_6_id))
                )::text AS document
                """
            ).first, let id = try row.decode("id", as: Int64?.self)
        else { return nil }
        return (id, try JSONParser.parse(Array(try row.decode("document", as: String.self).utf8)))
    }

    /// The logged listener requests that wrote to the customer (those its history lines name), newest first, at
    /// most `limit`: id, when, listener, status and body.
    public static func requestBodies(
        _ connection: PostgresConnection, orgID: Int64, customerID: Int64, limit: Int
    ) throws -> [(id: Int64, receivedAt: String, listenerID: Int64, status: Int, body: [UInt8])] {
        try connection.query(
            """
            SELECT r.id, to_char(r.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS received_at, r.listener_id,
                r.status, r.body
            FROM listener_requests AS r
            WHERE r.org_id = \(orgID) AND r.id IN (
                SELECT listener_request_id FROM customer_history
                WHERE org_id = \(orgID) AND customer_id = \(customerID) AND listener_request_id IS NOT NULL)
            ORDER BY r.id DESC LIMIT \(limit)
            """
        ).rows.map { row in
            (
                try row.decode("id"), try row.decode("received_at"), try row.decode("listener_id"), try row.decode("status"),
                try row.decode("body")
            )
        }
    }
}
