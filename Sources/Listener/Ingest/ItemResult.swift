import CRM
import JSON

/// What happened to one item of a listener request.
enum ItemOutcome: String, Sendable {
    case created
    case updated
    case matchedExisting = "matched-existing"
    /// Refused because the person was erased (`SuppressedIdentity`); not an error of the sender's.
    case suppressed
    case error
}

/// A record an item created, changed or found: a customer (with its code), company, deal, note, ticket or message.
struct TouchedRecord: Sendable, Equatable {
    enum Kind: String, Sendable {
        case contact, account, lead, company, deal, note, ticket, message
    }

    let kind: Kind
    let id: Int64
    let code: String?
    let outcome: ItemOutcome
    /// How an existing record was found (nil for a record the item created).
    let matchedBy: MatchReason?

    init(_ kind: Kind, id: Int64, code: String? = nil, outcome: ItemOutcome, matchedBy: MatchReason? = nil) {
        self.kind = kind
        self.id = id
        self.code = code
        self.outcome = outcome
        self.matchedBy = outcome == .created ? nil : matchedBy
    }

    /// A customer, named by its series and type (an account is a contact of type 1).
    init(customer: CustomerRef, outcome: ItemOutcome) {
        let kind: Kind =
            switch customer.code.series {
            case .contact: customer.type == 1 ? .account : .contact
            case .lead: .lead
            case .company: .company
            }
        self.init(kind, id: customer.id, code: customer.code.description, outcome: outcome, matchedBy: customer.matchedBy)
    }
}

struct ItemResult: Sendable {
    let index: Int
    let actionType: String
    let outcome: ItemOutcome
    let records: [TouchedRecord]
    let errors: [FieldError]
    /// What an item that succeeded wants its sender to know (a customerId that named no one, …).
    var notices: [FieldError] = []

    static func failed(_ item: Envelope.Item, _ errors: [FieldError]) -> ItemResult {
        ItemResult(index: item.index, actionType: item.actionType, outcome: .error, records: [], errors: errors)
    }

    static func suppressed(_ item: Envelope.Item, _ refusal: SuppressedIdentity) -> ItemResult {
        ItemResult(index: item.index, actionType: item.actionType, outcome: .suppressed, records: [], errors: [refusal.error])
    }

    var json: JSONValue {
        var object: JSONObject = [
            "index": .number(Double(index)), "actionType": .string(actionType), "outcome": .string(outcome.rawValue),
        ]
        // The item's own match: the first record it found rather than created.
        if let reason = records.lazy.compactMap(\.matchedBy).first {
            object["matchedBy"] = .string(reason.kind.rawValue)
            object["matchedValue"] = .string(reason.shownValue)
        }
        if !records.isEmpty {
            object["records"] = .array(
                records.map { record in
                    var entry: JSONObject = ["kind": .string(record.kind.rawValue), "id": .number(Double(record.id))]
                    if let code = record.code { entry["customerId"] = .string(code) }
                    entry["outcome"] = .string(record.outcome.rawValue)
                    if let reason = record.matchedBy {
                        entry["matchedBy"] = .string(reason.kind.rawValue)
                        entry["matchedValue"] = .string(reason.shownValue)
                    }
                    return .object(entry)
                })
        }
        if !errors.isEmpty {
            object["errors"] = .array(errors.map { ["field": .string($0.field), "message": .string($0.message)] })
        }
        if !notices.isEmpty {
            object["notices"] = .array(notices.map { ["field": .string($0.field), "message": .string($0.message)] })
        }
        return .object(object)
    }
}
