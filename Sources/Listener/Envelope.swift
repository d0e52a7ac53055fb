import CRM
import JSON

/// The eight actions of crm-listener-webhook.txt §2.2.
public enum ActionType: String, Sendable, CaseIterable {
    case addContact = "add-contact"
    case updateContact = "update-contact"
    case addLead = "add-lead"
    case updateLead = "update-lead"
    case addNote = "add-note"
    case addDeal = "add-deal"
    case addTicket = "add-ticket"
    case sendSMS = "send-sms"

    /// The action a sender named, ignoring case and surrounding spaces.
    init?(sent: String) { self.init(rawValue: sent.trimmingCharacters(in: " ").lowercased()) }

    /// The `action` label of the listener metrics: the known action, or `unknown` for anything else, so a
    /// sender can neither add series nor put its text into /metrics.
    static func metricLabel(_ sent: String) -> String { ActionType(sent: sent)?.rawValue ?? "unknown" }
}

/// A listener request: `{"senderUser": <email>, "data": [{"actionType": …, "data": {…}}, …]}`.
///
/// Problems with the envelope itself refuse the whole request; a bad item is an error for that item only, so
/// the other actions still run (the per-item results).
public struct Envelope: Sendable {
    public struct Item: Sendable {
        public let index: Int
        /// As sent, for the per-item result even when it is not a known action.
        public let actionType: String
        public let action: ActionType?
        public let data: JSONObject
        /// Set when the item cannot run; `action` is then nil.
        public let error: FieldError?
    }

    /// Lower-cased and trimmed.
    public let senderUser: String
    public let items: [Item]

    /// Reads the envelope; throws the field that makes the whole request unusable.
    public static func parse(_ value: JSONValue) throws(EnvelopeError) -> Envelope {
        guard let object = value.objectValue else {
            throw EnvelopeError(FieldError("", "the body must be a JSON object with senderUser and data, not \(value.typeName)"))
        }
        guard let senderValue = object["senderUser"], !senderValue.isNull else {
            throw EnvelopeError(FieldError("senderUser", "is required: the email of a user of the org"))
        }
        guard let senderText = senderValue.stringValue, let sender = Identity.email(senderText) else {
            throw EnvelopeError(FieldError("senderUser", "must be the email address of a user of the org"))
        }
        guard let dataValue = object["data"], !dataValue.isNull else {
            throw EnvelopeError(FieldError("data", "is required: an array of {actionType, data}"))
        }
        guard let list = dataValue.arrayValue else {
            throw EnvelopeError(FieldError("data", "must be an array of {actionType, data}, not \(dataValue.typeName)"))
        }
        let items = list.enumerated().map { index, element in item(index, element) }
        return Envelope(senderUser: sender, items: items)
    }

    static func item(_ index: Int, _ element: JSONValue) -> Item {
        let prefix = "data[\(index)]"
        guard let object = element.objectValue else {
            return Item(
                index: index, actionType: "", action: nil, data: JSONObject(),
                error: FieldError(prefix, "must be an object {actionType, data}"))
        }
        guard let type = object["actionType"]?.stringValue else {
            return Item(
                index: index, actionType: "", action: nil, data: JSONObject(),
                error: FieldError("\(prefix).actionType", "is required"))
        }
        guard let action = ActionType(sent: type) else {
            let known = ActionType.allCases.map(\.rawValue).joined(separator: ", ")
            return Item(
                index: index, actionType: type, action: nil, data: JSONObject(),
                error: FieldError("\(prefix).actionType", "'\(type)' is not an action (known: \(known))"))
        }
        guard let data = object["data"]?.objectValue else {
            return Item(
                index: index, actionType: type, action: nil, data: JSONObject(),
                error: FieldError("\(prefix).data", "is required: an object with the action's fields"))
        }
        return Item(index: index, actionType: type, action: action, data: data, error: nil)
    }
}

public struct EnvelopeError: Error, Sendable, Equatable {
    public let field: FieldError
    init(_ field: FieldError) { self.field = field }
}
