import CRM
import JSON

/// `add-ticket` (crm-listener-webhook.txt §2.2.7).
///
/// - `body` is required; `contactType` is "customer" (the default: contacts and accounts) or "lead".
/// - The ticket is linked to the first customer found by `customerId` (PID-n, or LID-n with
///   `"contactType": "lead"`), `contactId`, `passport`, `email`, then `phone` (`emails` and `phones` arrays are
///   accepted too); a code that names no one is a notice in the result (`CustomerMatch.lookup`).
/// - When those identifiers match no one (or none is sent) the ticket is still created, without a customer: a
///   ticket is a request for help and must not be lost because its requester is not in the CRM yet. The
///   requester's `name`, `email`, `phone`, `passport`, `contactId` and `customerId` are kept as sent in
///   `tickets.requester` in every case, so an agent can see who asked and link the ticket later.
/// - `groupName` (a group of the org), `slaName` (the SLA catalog), `channel` (the channel catalog) and `dealId`
///   (a deal of the org: the sender's reference or our id) must exist when given; `title`, `tag` and `cusFields`
///   (ticket custom fields) are optional.
/// - A "ticket" history line goes on the linked customer.
enum AddTicket {
    static func run(_ item: Envelope.Item, context: IngestContext) throws -> (ItemOutcome, [TouchedRecord]) {
        let reader = PayloadReader(object: item.data, path: "data[\(item.index)].data", errors: FieldErrors())
        let body = reader.requiredText("body", max: 100_000)
        let title = reader.text("title", max: 1000)
        let match = CustomerMatch.read(reader)
        let directory = context.directory
        var groupID: Int64?
        if let name = reader.text("groupName", max: 200) {
            groupID = try directory.group(named: name)?.id
            if groupID == nil { reader.errors.add(reader.field("groupName"), "no group of the org is named '\(name)'") }
        }
        var sla: String?
        if let name = reader.text("slaName", max: 200) {
            sla = try directory.catalogEntry(.sla, named: name)
            if sla == nil { reader.errors.add(reader.field("slaName"), "no SLA of the org is named '\(name)'") }
        }
        var channel: String?
        if let name = reader.text("channel", max: 200) {
            channel = try directory.catalogEntry(.channel, named: name)
            if channel == nil { reader.errors.add(reader.field("channel"), "no channel of the org is named '\(name)'") }
        }
        let tags = (reader.object["tag"] ?? reader.object["tags"]).map(LenientValue.tags) ?? []
        let customFields = try CustomFieldValues.read(reader, entity: .ticket, directory: directory)
        let missing = try CustomFieldValues.missingRequired(customFields, entity: .ticket, directory: directory)
        if !missing.isEmpty {
            reader.errors.add(
                reader.field("cusFields"), "the required custom fields \(missing.joined(separator: ", ")) are missing")
        }
        var deal: DealRef?
        if let dealID = reader.text("dealId", max: 200) {
            deal = try DealStore.find(context.connection, orgID: context.orgID, dealID: dealID)
            if deal == nil { reader.errors.add(reader.field("dealId"), "no deal of the org has the id '\(dealID)'") }
        }
        let requester = requester(reader)
        guard reader.errors.isEmpty, let body else { throw ActionFailure(reader.errors.list) }
        let customer = try match.find(context, field: reader.field("customerId"))
        if customer == nil, let code = match.code {
            context.notices.append(
                FieldError(
                    reader.field("customerId"),
                    CustomerMatch.unknownCode(code)
                        + " and no other identifier matches: the ticket was recorded without a customer"))
        }

        let ticketID = try TicketStore.insert(
            context.connection, orgID: context.orgID,
            TicketStore.NewTicket(
                title: title, body: body, contactType: match.series == .lead ? "lead" : "customer", customerID: customer?.id,
                dealID: deal?.id, groupID: groupID, sla: sla, channel: channel, tags: tags, customFieldsJSON: customFields,
                requesterJSON: requester, authorUserID: context.senderUserID, listenerID: context.listener.id))
        var records = [TouchedRecord(.ticket, id: ticketID, outcome: .created)]
        if let customer {
            var extra: [(String, JSONValue)] = [("ticketId", .number(Double(ticketID)))]
            if let title { extra.append(("title", .string(title))) }
            try CustomerStore.appendHistory(
                context.connection, orgID: context.orgID, customerID: customer.id, event: "ticket", source: context.source,
                detail: context.historyDetail(.addTicket, extra))
            records.append(TouchedRecord(customer: customer, outcome: .matchedExisting))
        }
        return (.created, records)
    }

    /// Who asked, as sent: {name, email, phone, passport, contactId, customerId} (those present; the arrays
    /// `emails` and `phones` are kept as sent too).
    static func requester(_ reader: PayloadReader) -> String {
        var object = JSONObject()
        for key in ["name", "email", "phone", "passport", "contactId", "customerId"] {
            if let value = reader.object[key], PayloadReader.isPresent(value),
                value.stringValue != nil || value.doubleValue != nil
            {
                object[key] = value
            }
        }
        for key in ["emails", "phones"] {
            if let value = reader.object[key], let list = value.arrayValue, !list.isEmpty { object[key] = value }
        }
        return JSONWriter.string(.object(object))
    }
}
