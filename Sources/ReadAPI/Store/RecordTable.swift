import CRM

/// What the read API can read: a table, the columns it shows (SQL expression, field name, how it is written) and
/// what its filters need. Everything here is code; no input reaches the SQL text.
public struct RecordTable: Sendable {
    public enum Kind: Sendable {
        case text, id, integer, decimal, json, texts, ids
    }

    public struct Column: Sendable {
        let sql: String
        let name: String
        let kind: Kind
        /// The plain column a filter compares (the timestamp behind a formatted one).
        var source: String? = nil

        init(sql: String, name: String, kind: Kind, source: String? = nil) {
            self.sql = sql
            self.name = name
            self.kind = kind
            self.source = source ?? (sql.allSatisfy { $0 == "_" || ("a"..."z").contains($0) } ? sql : nil)
        }
    }

    let table: String
    /// A condition every row of this collection meets (`kind = 'lead'`), or nil.
    let scopeCondition: String?
    /// The customer series, for code lookups and identity filters; nil for other tables.
    public let series: CustomerSeries?
    /// The folded `name` that `namePrefix` searches: customers keep it in a stored column that their index covers
    /// (0011); deals fold on the fly (no index). Nil for tables without a name.
    let foldedName: String?
    let columns: [Column]

    /// The column behind a field a filter may compare (by `textEquals`, `idEquals`, `since`).
    func source(of field: String) -> String? { columns.first { $0.name == field }?.source }

    public var fieldNames: [String] { columns.map(\.name) }

    /// A timestamp written as RFC 3339 in UTC with milliseconds.
    static func time(_ column: String) -> Column {
        Column(
            sql: "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')", name: column, kind: .text,
            source: column)
    }

    static func customers(_ series: CustomerSeries) -> RecordTable {
        let columns: [Column] = [
            Column(sql: "id", name: "id", kind: .id),
            Column(sql: "'\(series.codePrefix)-' || code", name: "code", kind: .text),
            Column(sql: "CASE type WHEN 1 THEN 'account' ELSE 'contact' END", name: "type", kind: .text),
            Column(sql: "name", name: "name", kind: .text),
            Column(sql: "lastname", name: "lastname", kind: .text),
            Column(sql: "title", name: "title", kind: .text),
            Column(sql: "passport", name: "passport", kind: .text),
            Column(sql: "CASE gender WHEN 0 THEN 'male' WHEN 1 THEN 'female' ELSE 'other' END", name: "gender", kind: .text),
            Column(sql: "bg_info", name: "bg_info", kind: .text),
            Column(sql: "to_char(date_of_birth, 'YYYY-MM-DD')", name: "date_of_birth", kind: .text),
            Column(sql: "emails", name: "emails", kind: .json),
            Column(sql: "phones", name: "phones", kind: .json),
            Column(sql: "addresses", name: "addresses", kind: .json),
            Column(sql: "websites", name: "websites", kind: .json),
            Column(sql: "im", name: "im", kind: .json),
            Column(sql: "tags", name: "tags", kind: .texts),
            Column(sql: "custom_fields", name: "custom_fields", kind: .json),
            Column(sql: "permit", name: "permit", kind: .json),
            Column(sql: "channel", name: "channel", kind: .text),
            Column(sql: "contact_id", name: "contact_id", kind: .text),
            Column(sql: "system_id", name: "system_id", kind: .text),
            Column(sql: "company_id", name: "company_id", kind: .id),
            Column(sql: "owner_user_id", name: "owner_user_id", kind: .id),
            Column(sql: "created_by_listener_id", name: "listener_id", kind: .id),
            time("created_at"),
            time("updated_at"),
        ]
        return RecordTable(
            table: "customers", scopeCondition: "kind = '\(series.rawValue)'", series: series,
            foldedName: "name_folded", columns: columns)
    }

    public static let contacts = customers(.contact)
    public static let leads = customers(.lead)
    public static let companies = customers(.company)

    public static let deals = RecordTable(
        table: "deals", scopeCondition: nil, series: nil, foldedName: "crmhub_fold(name)",
        columns: [
            Column(sql: "id", name: "id", kind: .id),
            Column(sql: "reference", name: "reference", kind: .text),
            Column(sql: "name", name: "name", kind: .text),
            Column(sql: "value::text", name: "value", kind: .decimal),
            Column(sql: "currency", name: "currency", kind: .text),
            Column(sql: "description", name: "description", kind: .text),
            Column(sql: "stage", name: "stage", kind: .text),
            time("close_date"),
            Column(sql: "category", name: "category", kind: .text),
            Column(sql: "package", name: "package", kind: .text),
            Column(sql: "owner_user_ids", name: "owner_user_ids", kind: .ids),
            Column(sql: "owner_group_ids", name: "owner_group_ids", kind: .ids),
            Column(sql: "customer_id", name: "customer_id", kind: .id),
            Column(sql: "permit", name: "permit", kind: .json),
            Column(sql: "custom_fields", name: "custom_fields", kind: .json),
            Column(sql: "created_by_listener_id", name: "listener_id", kind: .id),
            time("created_at"),
            time("updated_at"),
        ])

    public static let notes = RecordTable(
        table: "notes", scopeCondition: nil, series: nil, foldedName: nil,
        columns: [
            Column(sql: "id", name: "id", kind: .id),
            Column(sql: "customer_id", name: "customer_id", kind: .id),
            Column(sql: "deal_id", name: "deal_id", kind: .id),
            Column(sql: "body", name: "body", kind: .text),
            Column(sql: "permit", name: "permit", kind: .json),
            Column(sql: "tags", name: "tags", kind: .texts),
            Column(sql: "channel", name: "channel", kind: .text),
            Column(sql: "author_user_id", name: "author_user_id", kind: .id),
            Column(sql: "listener_id", name: "listener_id", kind: .id),
            time("created_at"),
        ])

    public static let tickets = RecordTable(
        table: "tickets", scopeCondition: nil, series: nil, foldedName: nil,
        columns: [
            Column(sql: "id", name: "id", kind: .id),
            Column(sql: "title", name: "title", kind: .text),
            Column(sql: "body", name: "body", kind: .text),
            Column(sql: "contact_type", name: "contact_type", kind: .text),
            Column(sql: "customer_id", name: "customer_id", kind: .id),
            Column(sql: "deal_id", name: "deal_id", kind: .id),
            Column(sql: "group_id", name: "group_id", kind: .id),
            Column(sql: "sla", name: "sla", kind: .text),
            Column(sql: "channel", name: "channel", kind: .text),
            Column(sql: "tags", name: "tags", kind: .texts),
            Column(sql: "custom_fields", name: "custom_fields", kind: .json),
            Column(sql: "requester", name: "requester", kind: .json),
            Column(sql: "status", name: "status", kind: .text),
            Column(sql: "author_user_id", name: "author_user_id", kind: .id),
            Column(sql: "listener_id", name: "listener_id", kind: .id),
            time("created_at"),
            time("updated_at"),
        ])

    /// A customer's history lines (read with a `customer` filter).
    public static let history = RecordTable(
        table: "customer_history", scopeCondition: nil, series: nil, foldedName: nil,
        columns: [
            Column(sql: "id", name: "id", kind: .id),
            Column(sql: "customer_id", name: "customer_id", kind: .id),
            time("at"),
            Column(sql: "event", name: "event", kind: .text),
            Column(sql: "listener_id", name: "listener_id", kind: .id),
            Column(sql: "listener_request_id", name: "listener_request_id", kind: .id),
            Column(sql: "detail", name: "detail", kind: .json),
        ])

    public static let outbox = RecordTable(
        table: "outbox", scopeCondition: nil, series: nil, foldedName: nil,
        columns: [
            Column(sql: "id", name: "id", kind: .id),
            Column(sql: "channel", name: "channel", kind: .text),
            Column(sql: "reason", name: "reason", kind: .text),
            Column(sql: "recipient", name: "recipient", kind: .text),
            Column(sql: "sender", name: "sender", kind: .text),
            Column(sql: "subject", name: "subject", kind: .text),
            Column(sql: "body", name: "body", kind: .text),
            Column(sql: "status", name: "status", kind: .text),
            Column(sql: "attempts", name: "attempts", kind: .integer),
            Column(sql: "last_error", name: "last_error", kind: .text),
            Column(sql: "customer_id", name: "customer_id", kind: .id),
            Column(sql: "listener_id", name: "listener_id", kind: .id),
            time("created_at"),
            time("updated_at"),
            time("next_attempt_at"),
            time("sent_at"),
            Column(sql: "provider_message_id", name: "provider_message_id", kind: .text),
        ])

    /// The listener request log without the bodies (the admin API's listener-requests/{id} shows those).
    public static let listenerRequests = RecordTable(
        table: "listener_requests", scopeCondition: nil, series: nil, foldedName: nil,
        columns: [
            Column(sql: "id", name: "id", kind: .id),
            Column(sql: "listener_id", name: "listener_id", kind: .id),
            time("received_at"),
            Column(sql: "host(client_address)", name: "client_address", kind: .text),
            Column(sql: "request_id", name: "request_id", kind: .text),
            Column(sql: "idempotency_key", name: "idempotency_key", kind: .text),
            Column(sql: "replay_of", name: "replay_of", kind: .id),
            Column(sql: "sender_user", name: "sender_user", kind: .text),
            Column(sql: "size", name: "size", kind: .integer),
            Column(sql: "status", name: "status", kind: .integer),
            Column(
                sql: "CASE status WHEN 200 THEN 'ok' WHEN 207 THEN 'partial' WHEN 422 THEN 'failed' ELSE 'refused' END",
                name: "outcome", kind: .text),
            Column(sql: "item_count", name: "item_count", kind: .integer),
            Column(sql: "error_count", name: "error_count", kind: .integer),
        ])
}
