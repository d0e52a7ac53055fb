import CRM
import JSON
import Outbox

/// `add-deal` (crm-listener-webhook.txt §2.2.6): adds a deal (the document's "order") or updates the one it names.
///
/// - Finding the deal: with a `dealId`, the deal carrying it as its reference (the sender's own id, kept when an
///   add-deal created the deal), else our deal with that id; when neither exists, the most recent deal of the same
///   `name` that has no reference yet takes the dealId as its reference (a deal first sent without an id can be
///   adopted), else a new deal is created with the dealId as its reference, so the sender's next add-deal with it
///   updates that deal. Without a dealId, the most recent deal of the same name (any case) is updated.
/// - Creating needs `name`, `stage` and `dealWith` (the document marks them required for a new order) and the
///   deal custom fields marked required. Updating changes only the fields sent.
/// - `stage`, `currency`, `category` and `package` must be entries of the org's catalogs; `value` is a number or
///   a numeric string; `closeDate` is epoch milliseconds or a date (ISO 8601, "YYYY-MM-DD", JavaScript date);
///   `owner_opportunity` names active users by email and groups by name; `permit` and `cusFields` (deal custom
///   fields) as for contacts. "" means "not sent", so the sample's `"stage": ""` leaves the stage as it is.
/// - `dealWith` and each of `contacts` is a customer payload (as add-contact, with `contactType` "customer" or
///   "lead" and `customerId`): the first customer found by customerId, contactId, passport, emails then phones
///   (a customerId that names no one is a notice in the result: `CustomerMatch.lookup`), else a new one created
///   with the payload, which
///   then needs a name. A customer that is found is not changed. A created one is made as add-contact/add-lead
///   would: the listener's default channel and tag, a "created" history line, and the welcome messages.
///   `contacts` are linked to the deal; links already there stay.
/// - A "deal" history line goes on the deal's customer when the deal is created or changed.
enum AddDeal {
    /// A customer of `dealWith` or `contacts[i]`: the one found, or the payload to create one from.
    struct CustomerRequest {
        let series: CustomerSeries
        let fields: CustomerFields
        let found: CustomerRef?
    }

    static func run(_ item: Envelope.Item, context: IngestContext) throws -> (ItemOutcome, [TouchedRecord]) {
        let reader = PayloadReader(object: item.data, path: "data[\(item.index)].data", errors: FieldErrors())
        let directory = context.directory
        let dealID = reader.text("dealId", max: 200)
        var fields = DealFields()
        fields.name = reader.text("name")
        if let raw = reader.object["value"], PayloadReader.isPresent(raw) {
            fields.value = decimal(raw)
            if fields.value == nil {
                reader.errors.add(reader.field("value"), "must be a number (at most 15 digits before the decimal point)")
            }
        }
        fields.currency = try catalogEntry(reader, "currency", .currency, directory)
        fields.description = reader.text("description", max: 20000)
        fields.stage = try catalogEntry(reader, "stage", .dealStage, directory)
        fields.category = try catalogEntry(reader, "category", .dealCategory, directory)
        fields.package = try catalogEntry(reader, "package", .dealPackage, directory)
        if let raw = reader.object["closeDate"], PayloadReader.isPresent(raw) {
            fields.closeDate = LenientValue.instant(raw)?.iso8601
            if fields.closeDate == nil {
                reader.errors.add(
                    reader.field("closeDate"), "is not a date (epoch milliseconds, ISO 8601, YYYY-MM-DD or a JavaScript date)")
            }
        }
        if let owners = reader.object("owner_opportunity") {
            (fields.ownerUserIDs, fields.ownerGroupIDs) = try self.owners(owners, directory)
        }
        fields.permitJSON = try Permit.read(reader, directory: directory)
        fields.customFieldsJSON = try CustomFieldValues.read(reader, entity: .deal, directory: directory)
        let dealWith = try reader.object("dealWith").map { try customer($0, context) }
        var contacts: [CustomerRequest] = []
        for (element, path) in reader.array("contacts") ?? [] {
            guard let object = element.objectValue else {
                if PayloadReader.isPresent(element) {
                    reader.errors.add(path, "must be a customer object, not \(element.typeName)")
                }
                continue
            }
            contacts.append(try customer(PayloadReader(object: object, path: path, errors: reader.errors), context))
        }

        var existing: DealRef?, adoptReference: String?, dealMatch: MatchReason?
        if let dealID {
            existing = try DealStore.find(context.connection, orgID: context.orgID, dealID: dealID)
            dealMatch = MatchReason(.dealId, dealID)
            if existing == nil, let name = fields.name {
                existing = try DealStore.find(context.connection, orgID: context.orgID, name: name, unreferencedOnly: true)
                if existing != nil { adoptReference = dealID }
                dealMatch = MatchReason(.name, name)
            }
        } else if let name = fields.name {
            existing = try DealStore.find(context.connection, orgID: context.orgID, name: name)
            dealMatch = MatchReason(.name, name)
        }
        if existing == nil {
            if fields.name == nil { reader.errors.add(reader.field("name"), "is required to create a deal") }
            if fields.stage == nil && !reader.has("stage") {
                reader.errors.add(reader.field("stage"), "is required to create a deal: a deal stage of the org")
            }
            if dealWith == nil && !reader.has("dealWith") {
                reader.errors.add(reader.field("dealWith"), "is required to create a deal: the customer it is with")
            }
            let missing = try CustomFieldValues.missingRequired(fields.customFieldsJSON, entity: .deal, directory: directory)
            if !missing.isEmpty {
                reader.errors.add(
                    reader.field("cusFields"), "the required custom fields \(missing.joined(separator: ", ")) are missing")
            }
        }
        guard reader.errors.isEmpty else { throw ActionFailure(reader.errors.list) }

        // Everything is checked: from here on the item writes.
        var records: [TouchedRecord] = []
        var messages: [OutboxWriter.Message] = []
        /// The request's customer, created if it was not found; each customer is one record, however often it is named.
        func resolve(_ request: CustomerRequest) throws -> CustomerRef {
            if let found = request.found {
                if !records.contains(where: { $0.id == found.id }) {
                    records.append(TouchedRecord(customer: found, outcome: .matchedExisting))
                }
                return found
            }
            let (ref, created) = try create(request, context)
            if !records.contains(where: { $0.id == ref.id }) {
                records.append(TouchedRecord(customer: ref, outcome: created ? .created : .matchedExisting))
            }
            if created { messages += Welcome.messages(for: ref, fields: request.fields, listener: context.listener) }
            return ref
        }
        if let dealWith { fields.customerID = try resolve(dealWith).id }
        var contactIDs: [Int64] = []
        for request in contacts {
            let id = try resolve(request).id
            if !contactIDs.contains(id) { contactIDs.append(id) }
        }

        let deal: DealRef, outcome: ItemOutcome
        var changed: [String] = []
        if let existing {
            (deal, changed) = try DealStore.update(
                context.connection, orgID: context.orgID, id: existing.id, fields: fields, reference: adoptReference)
            let linked = try DealStore.link(context.connection, orgID: context.orgID, dealID: deal.id, customerIDs: contactIDs)
            if !linked.isEmpty { changed.append("contacts") }
            outcome = changed.isEmpty ? .matchedExisting : .updated
        } else {
            deal = try DealStore.create(
                context.connection, orgID: context.orgID, fields: fields, reference: dealID, listenerID: context.listener.id)
            try DealStore.link(context.connection, orgID: context.orgID, dealID: deal.id, customerIDs: contactIDs)
            outcome = .created
        }
        if outcome != .matchedExisting, let customerID = deal.customerID {
            var extra: [(String, JSONValue)] = [
                ("dealId", .number(Double(deal.id))), ("name", .string(deal.name)), ("outcome", .string(outcome.rawValue)),
            ]
            if outcome == .updated { extra.append(("fields", .array(changed.map { .string($0) }))) }
            try CustomerStore.appendHistory(
                context.connection, orgID: context.orgID, customerID: customerID, event: "deal", source: context.source,
                detail: context.historyDetail(.addDeal, extra))
        }
        records.insert(TouchedRecord(.deal, id: deal.id, outcome: outcome, matchedBy: dealMatch), at: 0)
        for id in try OutboxWriter.enqueue(context.connection, orgID: context.orgID, listenerID: context.listener.id, messages) {
            records.append(TouchedRecord(.message, id: id, outcome: .created))
        }
        return (outcome, records)
    }

    // MARK: Fields

    /// A catalog entry named by `key`, spelled as the org spells it; nil (with an error) when the org has none of
    /// that name.
    static func catalogEntry(
        _ reader: PayloadReader, _ key: String, _ kind: CatalogStore.Kind, _ directory: OrgDirectory
    ) throws -> String? {
        guard let name = reader.text(key, max: 200) else { return nil }
        guard let entry = try directory.catalogEntry(kind, named: name) else {
            let what =
                switch kind {
                case .dealStage: "deal stage"
                case .dealCategory: "deal category"
                case .dealPackage: "deal package"
                default: kind.rawValue
                }
            reader.errors.add(reader.field(key), "no \(what) of the org is named '\(name)'")
            return nil
        }
        return entry
    }

    /// `value`: a number, or a numeric string ("50000", "-12.5"), as the decimal text stored in numeric(20, 4).
    /// Nil when it is not one, or has more than 15 digits before the decimal point.
    static func decimal(_ value: JSONValue) -> String? {
        if let number = value.doubleValue {
            guard number.isFinite, abs(number) < 1e15 else { return nil }
            return JSONWriter.format(number)
        }
        guard let text = value.stringValue?.trimmingCharacters(in: " ") else { return nil }
        var unsigned = Substring(text)
        if unsigned.first == "+" || unsigned.first == "-" { unsigned = unsigned.dropFirst() }
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.contains(where: { !$0.isEmpty }),
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            parts[0].drop(while: { $0 == "0" }).count <= 15
        else { return nil }
        return text.hasPrefix("+") ? String(text.dropFirst()) : text
    }

    /// `owner_opportunity: {users: [emails of active users], groups: [group names]}` as user and group ids; an
    /// absent list is nil (left as it is on update).
    static func owners(_ reader: PayloadReader, _ directory: OrgDirectory) throws -> ([Int64]?, [Int64]?) {
        var users: [Int64]?, groups: [Int64]?
        if let elements = reader.array("users") {
            var ids: [Int64] = []
            for (value, path) in elements {
                guard let text = value.stringValue, let email = Identity.email(text) else {
                    reader.errors.add(path, "must be the email of a user of the org")
                    continue
                }
                guard let id = try directory.activeUser(email: email) else {
                    reader.errors.add(path, "'\(email)' is not an active user of the org")
                    continue
                }
                if !ids.contains(id) { ids.append(id) }
            }
            users = ids
        }
        if let elements = reader.array("groups") {
            var ids: [Int64] = []
            for (value, path) in elements {
                guard let name = value.stringValue?.trimmingCharacters(in: " "), !name.isEmpty else {
                    reader.errors.add(path, "must be the name of a group of the org")
                    continue
                }
                guard let group = try directory.group(named: name) else {
                    reader.errors.add(path, "no group of the org is named '\(name)'")
                    continue
                }
                if !ids.contains(group.id) { ids.append(group.id) }
            }
            groups = ids
        }
        return (users, groups)
    }

    // MARK: Customers

    /// Reads a `dealWith` or `contacts[i]` payload and finds its customer; reports what would stop it from being
    /// created when none is found.
    static func customer(_ reader: PayloadReader, _ context: IngestContext) throws -> CustomerRequest {
        let series = CustomerMatch.series(reader)
        let code = CustomerMatch.readCode(reader, series: series)
        let entity: CustomFieldStore.Entity = series == .lead ? .lead : .contact
        let fields = try CustomerPayload.read(reader, entity: entity, directory: context.directory)
        let match = CustomerMatch(series: series, code: code, fields: fields)
        let found = try match.find(context, field: reader.field("customerId"))
        if found == nil, let code, fields.name != nil {
            context.notices.append(
                FieldError(
                    reader.field("customerId"),
                    CustomerMatch.unknownCode(code) + " and no other identifier matches: a new one is created from the payload"))
        }
        if found == nil {
            if let kind = try context.suppressions.first(in: fields) {
                throw SuppressedIdentity(field: reader.path, kind: kind, fields: fields)
            }
            let kind = series == .lead ? "lead" : "contact"
            if fields.name == nil {
                reader.errors.add(
                    reader.field("name"),
                    match.isEmpty
                        ? "is required to create the \(kind) (or send customerId, contactId, passport, emails or phones to find one)"
                        : "is required to create the \(kind): no \(kind) matches its \(match.describedKeys)")
            }
            let missing = try CustomFieldValues.missingRequired(
                fields.customFieldsJSON, entity: entity, directory: context.directory)
            if !missing.isEmpty {
                reader.errors.add(
                    reader.field("cusFields"), "the required custom fields \(missing.joined(separator: ", ")) are missing")
            }
        }
        return CustomerRequest(series: series, fields: fields, found: found)
    }

    /// Creates the customer of a request as add-contact or add-lead would; true when it was created, false when a
    /// customer created meanwhile (by this request or a concurrent one) already has one of its identities.
    static func create(_ request: CustomerRequest, _ context: IngestContext) throws -> (CustomerRef, Bool) {
        var fields = request.fields
        if fields.tags == nil, let tag = context.listener.defaultTag { fields.tags = [tag] }
        let channel = request.series == .lead ? context.listener.defaultLeadChannel : context.listener.defaultContactChannel
        switch try CustomerStore.create(
            context.connection, orgID: context.orgID, series: request.series, fields: fields, channel: channel,
            source: context.source, history: context.historyDetail(.addDeal),
            skippedKinds: try context.directory.matchingSettings().skipped)
        {
        case .created(let ref): return (ref, true)
        case .duplicate(let ref): return (ref, false)
        }
    }
}
