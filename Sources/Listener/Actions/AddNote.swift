import CRM
import JSON

/// `add-note` (crm-listener-webhook.txt §2.2.5): a note on a contact, account or lead, or on a deal.
///
/// - `body` is required. `model` is "contact" (the default) or "deal".
/// - Contact model: `contactType` "customer" (default: contacts and accounts) or "lead" chooses the series. One of
///   `customerId`, `contactId`, `passport`, `email` or `phone` is required (`emails`/`phones` arrays are accepted
///   too). `customerId` is PID-n, or LID-n with `"contactType": "lead"`. The customer is the first found by
///   customerId, contactId, passport, email, then phone (the document's order, with the contactId its parameter
///   table lists placed after the code, as the stronger key); a code that names no one is a notice in the result
///   (`CustomerMatch.lookup`, the rule of every action), and no customer found at all is an item error.
/// - Deal model: one of `dealId` or `name` is required; the deal is found by dealId (the sender's reference, then
///   our id), then by name (any case, the most recent deal of that name).
/// - `permit`, `tag` (stored on the note) and `channel` (a channel of the org's catalog) are optional.
/// - A "note" history line goes on the customer (for a deal note, on the deal's customer if it has one).
enum AddNote {
    static func run(_ item: Envelope.Item, context: IngestContext) throws -> (ItemOutcome, [TouchedRecord]) {
        let reader = PayloadReader(object: item.data, path: "data[\(item.index)].data", errors: FieldErrors())
        let body = reader.requiredText("body", max: 100_000)
        let model = reader.choice("model", ["contact", "deal"], fallback: "contact")
        let permit = try Permit.read(reader, directory: context.directory)
        let tags = (reader.object["tag"] ?? reader.object["tags"]).map(LenientValue.tags) ?? []
        var channel: String?
        if let name = reader.text("channel", max: 200) {
            channel = try context.directory.catalogEntry(.channel, named: name)
            if channel == nil { reader.errors.add(reader.field("channel"), "no channel of the org is named '\(name)'") }
        }
        var customer: CustomerMatch?
        var dealID: String?, dealName: String?
        if model == "deal" {
            dealID = reader.text("dealId", max: 200)
            dealName = reader.text("name")
            if dealID == nil && dealName == nil {
                reader.errors.add(reader.path, "needs dealId or name to find the deal")
            }
        } else {
            let match = CustomerMatch.read(reader)
            if match.isEmpty && reader.errors.isEmpty {
                reader.errors.add(reader.path, "needs one of customerId, contactId, passport, email or phone to find the contact")
            }
            customer = match
        }
        guard reader.errors.isEmpty, let body else { throw ActionFailure(reader.errors.list) }

        var note = NoteStore.NewNote(
            body: body, permitJSON: permit, tags: tags, channel: channel, authorUserID: context.senderUserID,
            listenerID: context.listener.id)
        let subject: TouchedRecord
        let historyCustomer: Int64?
        var extra: [(String, JSONValue)] = []
        if let customer {
            guard let found = try customer.find(context, field: reader.field("customerId")) else {
                var unmatched = customer
                unmatched.code = nil
                let others =
                    unmatched.isEmpty
                    ? "" : "no \(customer.series == .lead ? "lead" : "contact") matches its \(unmatched.describedKeys)"
                let what = [customer.code.map(CustomerMatch.unknownCode), others].compactMap { $0 }.filter { !$0.isEmpty }
                throw ActionFailure(
                    customer.code == nil ? reader.path : reader.field("customerId"),
                    what.joined(separator: " and ") + ": the note was not recorded")
            }
            note.customerID = found.id
            subject = TouchedRecord(customer: found, outcome: .matchedExisting)
            historyCustomer = found.id
        } else {
            var deal = try dealID.flatMap { try DealStore.find(context.connection, orgID: context.orgID, dealID: $0) }
            var dealMatch = dealID.map { MatchReason(.dealId, $0) }
            if deal == nil, let dealName {
                deal = try DealStore.find(context.connection, orgID: context.orgID, name: dealName)
                dealMatch = MatchReason(.name, dealName)
            }
            guard let deal else {
                let keys = [dealID.map { "dealId '\($0)'" }, dealName.map { "name '\($0)'" }].compactMap { $0 }
                throw ActionFailure(reader.path, "no deal matches its \(keys.joined(separator: " or "))")
            }
            note.dealID = deal.id
            subject = TouchedRecord(.deal, id: deal.id, outcome: .matchedExisting, matchedBy: dealMatch)
            historyCustomer = deal.customerID
            extra.append(("dealId", .number(Double(deal.id))))
        }

        let noteID = try NoteStore.insert(context.connection, orgID: context.orgID, note)
        if let historyCustomer {
            extra.insert(("noteId", .number(Double(noteID))), at: 0)
            try CustomerStore.appendHistory(
                context.connection, orgID: context.orgID, customerID: historyCustomer, event: "note", source: context.source,
                detail: context.historyDetail(.addNote, extra))
        }
        return (.created, [TouchedRecord(.note, id: noteID, outcome: .created), subject])
    }
}
