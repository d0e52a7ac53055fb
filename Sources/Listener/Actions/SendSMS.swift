import CRM
import JSON
import Outbox

/// `send-sms` (crm-listener-webhook.txt §2.2.8): queues an SMS in the outbox for each phone.
///
/// - `content` and `phones` (a non-empty array of phone numbers) are required; every phone must be a phone number
///   (6 to 15 digits), else the item fails naming it and nothing is queued.
/// - One message per distinct number (two spellings of one number are one message), in the order sent, addressed
///   to the normalised number. Delivery reads the outbox later.
/// - A message is linked to the contact or account with that phone, else the lead with it, when there is one;
///   that customer gets an "sms" history line.
enum SendSMS {
    static let maxContent = 2000

    static func run(_ item: Envelope.Item, context: IngestContext) throws -> (ItemOutcome, [TouchedRecord]) {
        let reader = PayloadReader(object: item.data, path: "data[\(item.index)].data", errors: FieldErrors())
        let content = reader.requiredText("content", max: maxContent)
        let phones = phones(reader)
        guard reader.errors.isEmpty, let content else { throw ActionFailure(reader.errors.list) }

        var messages: [OutboxWriter.Message] = []
        for phone in phones {
            let customer = try customer(phone: phone, context: context)
            messages.append(
                OutboxWriter.Message(channel: .sms, reason: .sendSMS, recipient: phone, body: content, customerID: customer))
        }
        let ids = try OutboxWriter.enqueue(context.connection, orgID: context.orgID, listenerID: context.listener.id, messages)
        for (message, id) in zip(messages, ids) {
            guard let customerID = message.customerID else { continue }
            try CustomerStore.appendHistory(
                context.connection, orgID: context.orgID, customerID: customerID, event: "sms", source: context.source,
                detail: context.historyDetail(
                    .sendSMS, [("messageId", .number(Double(id))), ("phone", .string(message.recipient))]))
        }
        return (.created, ids.map { TouchedRecord(.message, id: $0, outcome: .created) })
    }

    /// The distinct normalised numbers of `phones`, in the order sent; problems are added to the reader's errors.
    /// Each element is a string (or a number, or `{"value": …}` as in the customer payloads).
    static func phones(_ reader: PayloadReader) -> [String] {
        guard reader.has("phones") else {
            reader.errors.add(reader.field("phones"), "is required: an array of phone numbers")
            return []
        }
        // Anything but an array has been reported by `array`.
        guard let elements = reader.array("phones") else { return [] }
        var phones: [String] = []
        for (element, path) in elements {
            var value = element, valuePath = path
            if let object = element.objectValue {
                value = object["value"] ?? .null
                valuePath = path + ".value"
            }
            guard PayloadReader.isPresent(value) else {
                reader.errors.add(valuePath, "must be a phone number, not empty")
                continue
            }
            guard let text = PayloadReader.text(value, field: valuePath, max: 100, errors: reader.errors) else { continue }
            switch Identity.phoneKey(text) {
            case .success(let key): if !phones.contains(key) { phones.append(key) }
            case .failure(let problem): reader.errors.add(valuePath, problem.message)
            }
        }
        if elements.isEmpty { reader.errors.add(reader.field("phones"), "must list at least one phone number") }
        return phones
    }

    /// The contact or account with this phone, else the lead with it.
    static func customer(phone: String, context: IngestContext) throws -> Int64? {
        for series in [CustomerSeries.contact, .lead] {
            if let found = try CustomerStore.match(
                context.connection, orgID: context.orgID, series: series, keys: [.phones([phone])])
            {
                return found.id
            }
        }
        return nil
    }
}
