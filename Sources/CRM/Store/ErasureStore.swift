import JSON
import Postgres

/// Erases one person (issue 24, point 4): their record, identities, history, notes and tickets are deleted; the
/// stored listener request and response bodies that carry their email, phone or passport are redacted; outbox
/// messages to them are redacted and, when still pending, cancelled; and their email, phone and passport become
/// suppressions (keyed hashes, `SuppressionStore`) so that no ingest path stores them again.
///
/// Like the merge it reaches tables features own (request log, outbox, support groups): erasure must clear a
/// person everywhere in one transaction.
public enum ErasureStore {
    public static let redacted = "[erased]"
    static let cancelled = "cancelled: the recipient was erased"

    public struct Outcome: Sendable {
        public let suppressed: Int
        public let requestsRedacted: Int
        public let outboxMessages: Int
        public let outboxCancelled: Int
    }

    public static func erase(
        _ connection: PostgresConnection, orgID: Int64, code: CustomerCode, box: SecretBox, audit: AuditEntry
    ) throws -> Outcome {
        guard
            let row = try connection.query(
                """
                SELECT id, passport, emails::text AS emails, phones::text AS phones FROM customers
                WHERE org_id = \(orgID) AND kind = \(code.series.rawValue) AND code = \(code.number) FOR UPDATE
                """
            ).first
        else { throw CRMError.notFound("customer \(code)") }
        let id: Int64 = try row.decode("id")
        let identities = try connection.query(
            """
            SELECT kind, value FROM customer_identities WHERE org_id = \(orgID) AND customer_id = \(id)
            """
        ).rows.map { (kind: try $0.decode("kind", as: String.self), value: try $0.decode("value", as: String.self)) }

        // The spellings to redact: the identities as compared, and the emails, phones and passport as last sent.
        var needles = Set(identities.filter { ["email", "phone", "passport"].contains($0.kind) }.map(\.value))
        for list in [try row.decode("emails", as: String.self), try row.decode("phones", as: String.self)] {
            for point in (try? JSONParser.parse(Array(list.utf8)))?.arrayValue ?? [] {
                if let value = point["value"]?.stringValue, !value.isEmpty { needles.insert(value) }
            }
        }
        if let passport = try row.decode("passport", as: String?.self), !passport.isEmpty { needles.insert(passport) }
        let spellings = Array(needles.union(needles.map { $0.lowercased() })).filter { $0.count >= 3 }.sorted {
            $0.count > $1.count
        }

        let suppressions = identities.filter { ["email", "phone", "passport"].contains($0.kind) }.map { identity in
            (hash: SuppressionStore.hash(box, orgID: orgID, kind: identity.kind, value: identity.value), kind: identity.kind)
        }
        try SuppressionStore.add(connection, orgID: orgID, hashes: suppressions)

        let outbox = try connection.query(
            """
            WITH touched AS (
                UPDATE outbox SET
                    status = CASE WHEN status IN ('queued', 'retrying') THEN 'failed' ELSE status END,
                    last_error = CASE WHEN status IN ('queued', 'retrying') THEN \(cancelled) ELSE last_error END,
                    recipient = \(redacted), body = \(redacted), subject = NULL, updated_at = now()
                WHERE org_id = \(orgID) AND (customer_id = \(id) OR lower(recipient) = ANY(\(spellings.map { $0.lowercased() })::text[]))
                RETURNING id, last_error = \(cancelled) AS cancelled
            ), attempts AS (
                UPDATE outbox_attempts SET error = \(redacted)
                WHERE org_id = \(orgID) AND outbox_id IN (SELECT id FROM touched) AND error IS NOT NULL
            )
            SELECT count(*) AS touched, count(*) FILTER (WHERE cancelled) AS cancelled FROM touched
            """
        ).rows[0]

        let requests = try redactRequests(connection, orgID: orgID, spellings: spellings)
        try connection.query(
            """
            WITH notes AS (DELETE FROM notes WHERE org_id = \(orgID) AND customer_id = \(id)),
                tickets AS (DELETE FROM tickets WHERE org_id = \(orgID) AND customer_id = \(id)),
                requesters AS (
                    UPDATE tickets SET requester = '{}', updated_at = now()
                    WHERE org_id = \(orgID) AND customer_id IS DISTINCT FROM \(id)
                        AND lower(requester::text) LIKE ANY (ARRAY(SELECT '%' || s || '%' FROM unnest(\(spellings.map { $0.lowercased() })::text[]) AS s))
                ),
                history AS (DELETE FROM customer_history WHERE org_id = \(orgID) AND customer_id = \(id)),
                identities AS (DELETE FROM customer_identities WHERE org_id = \(orgID) AND customer_id = \(id))
            UPDATE support_groups SET
                support_lead_id = nullif(support_lead_id, \(id)), also_alert_1_id = nullif(also_alert_1_id, \(id)),
                also_alert_2_id = nullif(also_alert_2_id, \(id)), also_alert_3_id = nullif(also_alert_3_id, \(id)),
                also_alert_4_id = nullif(also_alert_4_id, \(id)), also_alert_5_id = nullif(also_alert_5_id, \(id)),
                also_alert_6_id = nullif(also_alert_6_id, \(id))
            WHERE org_id = \(orgID) AND \(id) IN (support_lead_id, also_alert_1_id, also_alert_2_id, also_alert_3_id,
                also_alert_4_id, also_alert_5_id, also_alert_6_id)
            """)
        // Deals keep their rows (their customer is cleared by the foreign key); deal links, the portal login and
        // redirects to this customer go with it.
        try connection.query("DELETE FROM customers WHERE org_id = \(orgID) AND id = \(id)")
        let outcome = Outcome(
            suppressed: suppressions.count, requestsRedacted: requests, outboxMessages: try outbox.decode("touched"),
            outboxCancelled: try outbox.decode("cancelled"))
        try AuditStore.insert(
            connection, orgID: orgID,
            entry: audit.target("customer:\(code)").adding([
                // The id orders the erasure's event after the record's earlier ones (sql/0017); it is no personal value.
                "customer_id": .string(String(id)),
                "suppressed": .number(Double(outcome.suppressed)), "requests_redacted": .number(Double(outcome.requestsRedacted)),
                "outbox_messages": .number(Double(outcome.outboxMessages)),
                "outbox_cancelled": .number(Double(outcome.outboxCancelled)),
            ]))
        return outcome
    }

    /// Replaces every spelling in the org's stored listener request and response bodies that hold one; how many
    /// requests changed.
    static func redactRequests(_ connection: PostgresConnection, orgID: Int64, spellings: [String]) throws -> Int {
        guard !spellings.isEmpty else { return 0 }
        let rows = try connection.query(
            """
            SELECT id, body, response FROM listener_requests
            WHERE org_id = \(orgID) AND EXISTS (
                SELECT 1 FROM unnest(\(spellings)::text[]) AS s(v)
                WHERE position(convert_to(s.v, 'UTF8') IN body) > 0 OR position(convert_to(s.v, 'UTF8') IN response) > 0)
            """
        ).rows
        var ids: [Int64] = [], bodies: [PostgresBytes] = [], responses: [PostgresBytes] = []
        for row in rows {
            ids.append(try row.decode("id"))
            bodies.append(PostgresBytes(redact(try row.decode("body"), spellings)))
            responses.append(PostgresBytes(redact(try row.decode("response"), spellings)))
        }
        guard !ids.isEmpty else { return 0 }
        try connection.query(
            """
            UPDATE listener_requests AS r SET body = t.body, response = t.response, size = length(t.body)
            FROM unnest(\(ids)::bigint[], \(bodies)::bytea[], \(responses)::bytea[]) AS t(id, body, response)
            WHERE r.org_id = \(orgID) AND r.id = t.id
            """)
        return ids.count
    }

    /// `bytes` with every occurrence of each spelling (ASCII letters in any case) replaced by "[erased]".
    public static func redact(_ bytes: [UInt8], _ spellings: [String]) -> [UInt8] {
        func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte }
        let replacement = Array(redacted.utf8)
        var current = bytes
        for spelling in spellings {
            let needle = Array(spelling.lowercased().utf8)
            guard !needle.isEmpty, current.count >= needle.count else { continue }
            var out: [UInt8] = []
            out.reserveCapacity(current.count)
            var index = 0
            while index < current.count {
                if index + needle.count <= current.count,
                    (0..<needle.count).allSatisfy({ lower(current[index + $0]) == needle[$0] })
                {
                    out += replacement
                    index += needle.count
                } else {
                    out.append(current[index])
                    index += 1
                }
            }
            current = out
        }
        return current
    }
}
