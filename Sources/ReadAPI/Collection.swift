import CRM

/// One collection of the read API: its path, the table behind it and the query parameters that filter it.
struct Collection: Sendable {
    /// "contacts" in `/api/v1/contacts`.
    let path: String
    /// The path parameter of one record: "contact" in `/api/v1/contacts/{contact}`.
    let parameter: String
    let table: RecordTable
    let filters: [Parameter]

    /// A query parameter and the filter it becomes.
    enum Parameter: Sendable {
        /// `name=value` compared with a text field; `values` limits it when not empty.
        case text(String, field: String, values: [String] = [])
        /// `name=<id>` compared with an id field.
        case id(String, field: String)
        /// `name=<RFC 3339 date-time or date>`: the field is at or after it.
        case since(String, field: String)
        /// `tag=vip`: the record has this tag.
        case tag
        /// `email`, `phone`, `passport`: the customer holding this identity (normalised as the listener does).
        case identity(String)
        /// `q=ngoc`: the name starts with this, ignoring case and diacritics.
        case namePrefix
        /// `customer=<id or code>`.
        case customer
        /// `type=contact|account`.
        case customerType

        var name: String {
            switch self {
            case .text(let name, _, _), .id(let name, _), .since(let name, _), .identity(let name): name
            case .tag: "tag"
            case .namePrefix: "q"
            case .customer: "customer"
            case .customerType: "type"
            }
        }
    }

    static let customerFilters: [Parameter] = [
        .identity("email"), .identity("phone"), .identity("passport"), .tag, .text("channel", field: "channel"),
        .id("listener", field: "listener_id"), .namePrefix, .since("created_since", field: "created_at"),
        .since("updated_since", field: "updated_at"),
    ]

    static let contacts = Collection(
        path: "contacts", parameter: "contact", table: .contacts, filters: customerFilters + [.customerType])
    static let leads = Collection(path: "leads", parameter: "lead", table: .leads, filters: customerFilters)
    static let companies = Collection(path: "companies", parameter: "company", table: .companies, filters: customerFilters)
    static let deals = Collection(
        path: "deals", parameter: "deal", table: .deals,
        filters: [
            .customer, .text("stage", field: "stage"), .id("listener", field: "listener_id"), .namePrefix,
            .since("created_since", field: "created_at"), .since("updated_since", field: "updated_at"),
        ])
    static let notes = Collection(
        path: "notes", parameter: "note", table: .notes,
        filters: [
            .customer, .id("deal", field: "deal_id"), .tag, .text("channel", field: "channel"),
            .id("listener", field: "listener_id"), .since("created_since", field: "created_at"),
        ])
    static let tickets = Collection(
        path: "tickets", parameter: "ticket", table: .tickets,
        filters: [
            .customer, .id("deal", field: "deal_id"),
            .text("status", field: "status", values: ["open", "pending", "solved", "closed"]),
            .tag, .text("channel", field: "channel"), .id("listener", field: "listener_id"),
            .since("created_since", field: "created_at"), .since("updated_since", field: "updated_at"),
        ])
    static let outbox = Collection(
        path: "outbox", parameter: "message", table: .outbox,
        filters: [
            .customer, .text("status", field: "status", values: ["queued", "sending", "sent", "retrying", "failed"]),
            .text("channel", field: "channel", values: ["email", "sms", "webhook"]),
            .text("reason", field: "reason", values: ["welcome-email", "welcome-sms", "send-sms", "webhook-event"]),
            .id("listener", field: "listener_id"), .since("created_since", field: "created_at"),
        ])
    /// A customer's history (the customer comes from the path, so no filters).
    static let history = Collection(path: "history", parameter: "", table: .history, filters: [])
    static let listenerRequests = Collection(
        path: "listener-requests", parameter: "request", table: .listenerRequests,
        filters: [.id("listener", field: "listener_id"), .since("received_since", field: "received_at")])
}
