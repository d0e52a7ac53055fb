import CRM

/// `update-contact` (§2.2.4) and `update-lead` (§2.2.3).
///
/// - One of customerId, contactId, passport, emails or phones is required.
/// - The customer is the first found by customerId (PID-/LID-), contactId, passport, name (only when exactly one
///   customer has it), emails, then phones; a code that names no one is a notice in the result
///   (`CustomerMatch.lookup`, the rule of every action). The document lists no place for passport in its order although it
///   accepts it as the identifier; it is tried right after contactId, as the stronger key.
/// - Only the fields present change. The company (`companyContact`, with its customerId looked up first, or
///   `companyLead`) is found or created and the customer attached to it.
enum UpdateCustomer {
    static func run(
        _ item: Envelope.Item, series: CustomerSeries, context: IngestContext
    ) throws -> (ItemOutcome, [TouchedRecord]) {
        let action = item.action ?? .updateContact
        let reader = PayloadReader(object: item.data, path: "data[\(item.index)].data", errors: FieldErrors())
        let fields = try CustomerPayload.read(reader, entity: series == .lead ? .lead : .contact, directory: context.directory)
        var code: CustomerCode?
        if let text = reader.text("customerId", max: 50) {
            if let parsed = CustomerCode(text), parsed.series == series {
                code = parsed
            } else {
                reader.errors.add(
                    reader.field("customerId"), "'\(text)' is not a \(series.rawValue) code (\(series.codePrefix)-n)")
            }
        }
        let company: CompanyRequest? =
            series == .lead
            ? try CompanyRequest.readLead(reader, directory: context.directory)
            : try CompanyRequest.read(reader, directory: context.directory)
        var keys: [CustomerStore.MatchKey] = []
        if let contactID = fields.contactID { keys.append(.contactID(contactID)) }
        if let passport = fields.passportKey { keys.append(.passport(passport)) }
        let identified = code != nil || !keys.isEmpty || !(fields.emails ?? []).isEmpty || !(fields.phones ?? []).isEmpty
        if let name = fields.name { keys.append(.name(name)) }
        if let emails = fields.emails, !emails.isEmpty { keys.append(.emails(emails.map(\.key))) }
        if let phones = fields.phones, !phones.isEmpty { keys.append(.phones(phones.map(\.key))) }
        if !identified, reader.errors.isEmpty {
            reader.errors.add(
                reader.path, "needs one of customerId, contactId, passport, emails or phones to find the \(series.rawValue)")
        }
        guard reader.errors.isEmpty else { throw ActionFailure(reader.errors.list) }
        if let kind = try context.suppressions.first(in: fields) {
            throw SuppressedIdentity(field: reader.path, kind: kind, fields: fields)
        }
        guard
            let customer = try CustomerMatch.lookup(context, series: series, code: code, field: reader.field("customerId"), keys)
        else {
            let what = "no \(series.rawValue) matches its contactId, passport, name, emails or phones: nothing was changed"
            throw ActionFailure(
                code.map { [FieldError(reader.field("customerId"), CustomerMatch.unknownCode($0) + " and " + what)] }
                    ?? [FieldError(reader.path, what)])
        }

        var records: [TouchedRecord] = []
        var companyID: Int64?? = nil
        if let company {
            let (companyRef, created) = try company.resolve(context, action: action)
            companyID = .some(companyRef.id)
            records.append(TouchedRecord(customer: companyRef, outcome: created ? .created : .matchedExisting))
        }
        let changed: [String]
        do {
            changed = try CustomerStore.update(
                context.connection, orgID: context.orgID, series: series, id: customer.id, fields: fields, companyID: companyID)
        } catch CRMError.conflict(let field) {
            throw LateActionFailure([FieldError(reader.field(field.field), field.message)])
        }
        let updated = CustomerRef(
            id: customer.id, code: customer.code, type: fields.type ?? customer.type, matchedBy: customer.matchedBy)
        if changed.isEmpty {
            records.insert(TouchedRecord(customer: updated, outcome: .matchedExisting), at: 0)
            return (.matchedExisting, records)
        }
        try CustomerStore.appendHistory(
            context.connection, orgID: context.orgID, customerID: customer.id, event: "updated", source: context.source,
            detail: context.historyDetail(action, [("fields", .array(changed.map { .string($0) }))]))
        records.insert(TouchedRecord(customer: updated, outcome: .updated), at: 0)
        return (.updated, records)
    }
}
