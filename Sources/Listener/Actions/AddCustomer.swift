import CRM
import Outbox

/// `add-contact` (§2.2.1) and `add-lead` (§2.2.2).
///
/// - `name` is required.
/// - A customer of the same series with the same contactId, passport, email or phone is a duplicate: nothing
///   is created, and a "duplicate" history line goes on the existing customer.
/// - The company (`companyContact`, `companyLead`) is found or created and the new customer attached to it;
///   an account (type 1) has no company, so `companyContact` is ignored for one.
/// - The listener's default tag goes on a new customer whose payload has no tag; its default channel is the
///   only channel a new customer gets (a channel in the payload is ignored).
/// - Welcome email and SMS are queued for a new customer only (see `Welcome`).
enum AddCustomer {
    /// An add-contact or add-lead whose payload was read and checked, ready to write.
    struct Prepared {
        let item: Envelope.Item
        let action: ActionType
        let series: CustomerSeries
        /// With the listener's default tag when the payload has none.
        let fields: CustomerFields
        let company: CompanyRequest?
        let channel: String?
        /// The request it belongs to (a group of requests shares one transaction).
        let context: IngestContext
        /// The org's matching settings when it was read.
        let matching: MatchingSettings

        /// The history detail of the "created" line and of a "duplicate" one.
        var createdDetail: String { context.historyDetail(action) }
        var duplicateDetail: String {
            context.historyDetail(action, [("fields", .array(fields.presentFields.map { .string($0) }))])
        }
    }

    static func run(
        _ item: Envelope.Item, series: CustomerSeries, context: IngestContext
    ) throws -> (ItemOutcome, [TouchedRecord]) {
        try apply(try prepare(item, series: series, context: context), context: context)
    }

    /// Reads and checks the payload; writes nothing.
    /// - Throws: `ActionFailure` with every bad field.
    static func prepare(_ item: Envelope.Item, series: CustomerSeries, context: IngestContext) throws -> Prepared {
        let reader = PayloadReader(object: item.data, path: "data[\(item.index)].data", errors: FieldErrors())
        var fields = try CustomerPayload.read(reader, entity: series == .lead ? .lead : .contact, directory: context.directory)
        if !reader.has("name") { reader.errors.add(reader.field("name"), "is required") }
        let isAccount = series == .contact && fields.type == 1
        let company: CompanyRequest? =
            switch series {
            case .lead: try CompanyRequest.readLead(reader, directory: context.directory)
            default: isAccount ? nil : try CompanyRequest.read(reader, directory: context.directory)
            }
        let missing = try CustomFieldValues.missingRequired(
            fields.customFieldsJSON, entity: series == .lead ? .lead : .contact, directory: context.directory)
        if !missing.isEmpty {
            reader.errors.add(
                reader.field("cusFields"), "the required custom fields \(missing.joined(separator: ", ")) are missing")
        }
        guard reader.errors.isEmpty else { throw ActionFailure(reader.errors.list) }
        if let kind = try context.suppressions.first(in: fields) {
            throw SuppressedIdentity(field: reader.path, kind: kind, fields: fields)
        }
        if fields.tags == nil, let tag = context.listener.defaultTag { fields.tags = [tag] }
        let channel = series == .lead ? context.listener.defaultLeadChannel : context.listener.defaultContactChannel
        return Prepared(
            item: item, action: item.action ?? .addContact, series: series, fields: fields, company: company, channel: channel,
            context: context, matching: try context.directory.matchingSettings())
    }

    /// Writes one prepared add: the customer (or a duplicate line), its company, its welcome messages.
    static func apply(_ prepared: Prepared, context: IngestContext) throws -> (ItemOutcome, [TouchedRecord]) {
        if prepared.matching.acrossSeries, let other = try otherSeriesDuplicate(prepared, context: context) {
            try CustomerStore.appendHistory(
                context.connection, orgID: context.orgID, customerID: other.id, event: "duplicate", source: context.source,
                detail: prepared.duplicateDetail)
            return (.matchedExisting, [TouchedRecord(customer: other, outcome: .matchedExisting)])
        }
        let outcome = try CustomerStore.create(
            context.connection, orgID: context.orgID, series: prepared.series, fields: prepared.fields, channel: prepared.channel,
            source: context.source, history: prepared.createdDetail, skippedKinds: prepared.matching.skipped)
        switch outcome {
        case .duplicate(let existing):
            try CustomerStore.appendHistory(
                context.connection, orgID: context.orgID, customerID: existing.id, event: "duplicate", source: context.source,
                detail: prepared.duplicateDetail)
            return (.matchedExisting, [TouchedRecord(customer: existing, outcome: .matchedExisting)])
        case .created(let customer):
            var records = [TouchedRecord(customer: customer, outcome: .created)]
            if let company = prepared.company {
                let (companyRef, created) = try company.resolve(context, action: prepared.action)
                _ = try CustomerStore.update(
                    context.connection, orgID: context.orgID, series: prepared.series, id: customer.id, fields: CustomerFields(),
                    companyID: .some(companyRef.id))
                records.append(TouchedRecord(customer: companyRef, outcome: created ? .created : .matchedExisting))
            }
            let messages = Welcome.messages(for: customer, fields: prepared.fields, listener: context.listener)
            for id in try OutboxWriter.enqueue(
                context.connection, orgID: context.orgID, listenerID: context.listener.id, messages)
            {
                records.append(TouchedRecord(.message, id: id, outcome: .created))
            }
            return (.created, records)
        }
    }

    /// With `acrossSeries` (MatchingSettings): the lead an add-contact duplicates (or the contact an add-lead does),
    /// when no customer of its own series has its identities. A read, not a claim: identities are unique per series,
    /// so two concurrent adds of one person in the two series can both create.
    static func otherSeriesDuplicate(_ prepared: Prepared, context: IngestContext) throws -> CustomerRef? {
        let fields = prepared.fields, kinds = prepared.matching.deduplicate
        var keys: [CustomerStore.MatchKey] = []
        if let contactID = fields.contactID { keys.append(.contactID(contactID)) }
        if kinds.contains("passport"), let passport = fields.passportKey { keys.append(.passport(passport)) }
        if kinds.contains("email"), let emails = fields.emails, !emails.isEmpty { keys.append(.emails(emails.map(\.key))) }
        if kinds.contains("phone"), let phones = fields.phones, !phones.isEmpty { keys.append(.phones(phones.map(\.key))) }
        guard !keys.isEmpty,
            try CustomerStore.match(context.connection, orgID: context.orgID, series: prepared.series, keys: keys) == nil
        else { return nil }
        let other: CustomerSeries = prepared.series == .lead ? .contact : .lead
        return try CustomerStore.match(context.connection, orgID: context.orgID, series: other, keys: keys)
    }
}
