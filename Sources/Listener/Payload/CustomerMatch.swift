import CRM
import JSON

/// The customer a note, ticket or deal is for (crm-listener-webhook.txt §2.2.5–2.2.7): the series `contactType`
/// chooses ("customer", the default: contacts and accounts, PID-n; "lead": leads, LID-n) and the identifiers that
/// find one, in the document's order: customerId, contactId, passport, email, phone.
struct CustomerMatch {
    let series: CustomerSeries
    var code: CustomerCode?
    var contactID: String?
    /// Normalised, as in customer_identities.
    var passport: String?
    var emails: [String] = []
    var phones: [String] = []

    /// Whether no identifier was sent.
    var isEmpty: Bool { code == nil && contactID == nil && passport == nil && emails.isEmpty && phones.isEmpty }

    /// The identifiers other than the customer code, in the order that decides which customer is meant.
    var identityKeys: [CustomerStore.MatchKey] {
        var keys: [CustomerStore.MatchKey] = []
        if let contactID { keys.append(.contactID(contactID)) }
        if let passport { keys.append(.passport(passport)) }
        if !emails.isEmpty { keys.append(.emails(emails)) }
        if !phones.isEmpty { keys.append(.phones(phones)) }
        return keys
    }

    /// The identifiers of a customer payload (`dealWith`, `contacts[]`).
    init(series: CustomerSeries, code: CustomerCode?, fields: CustomerFields) {
        self.series = series
        self.code = code
        contactID = fields.contactID
        passport = fields.passportKey
        emails = (fields.emails ?? []).map(\.key)
        phones = (fields.phones ?? []).map(\.key)
    }

    /// The identifiers of a note or ticket: `contactType`, `customerId`, `contactId`, `passport`, and the
    /// document's singular `email` and `phone` (the arrays `emails` and `phones` are accepted too).
    static func read(_ reader: PayloadReader) -> CustomerMatch {
        let series = series(reader)
        var match = CustomerMatch(series: series, code: readCode(reader, series: series), fields: CustomerFields())
        match.contactID = reader.text("contactId", max: 200)
        match.passport = CustomerPayload.identity(reader, "passport", max: 100, Identity.passportKey)?.key
        if let email = CustomerPayload.identity(reader, "email", max: 320, Identity.emailKey) { match.emails.append(email.key) }
        for point in CustomerPayload.emails(reader) ?? [] where !match.emails.contains(point.key) {
            match.emails.append(point.key)
        }
        if let phone = CustomerPayload.identity(reader, "phone", max: 320, Identity.phoneKey) { match.phones.append(phone.key) }
        for point in CustomerPayload.phones(reader) ?? [] where !match.phones.contains(point.key) {
            match.phones.append(point.key)
        }
        return match
    }

    /// `contactType`: "customer" (the default) or "lead".
    static func series(_ reader: PayloadReader) -> CustomerSeries {
        reader.choice("contactType", ["customer", "lead"], fallback: "customer") == "lead" ? .lead : .contact
    }

    /// `customerId`, which must be a code of the series: "PID-n" for a customer, "LID-n" for a lead (only with
    /// `"contactType": "lead"`).
    static func readCode(_ reader: PayloadReader, series: CustomerSeries) -> CustomerCode? {
        guard let text = reader.text("customerId", max: 50) else { return nil }
        switch parseCode(text, series: series) {
        case .success(let code): return code
        case .failure(let problem):
            reader.errors.add(reader.field("customerId"), problem.message)
            return nil
        }
    }

    struct CodeProblem: Error, Equatable {
        let message: String
    }

    /// The customer code in `text` if it belongs to `series`, else what is wrong with it.
    static func parseCode(_ text: String, series: CustomerSeries) -> Result<CustomerCode, CodeProblem> {
        guard let code = CustomerCode(text), code.series != .company else {
            return .failure(
                CodeProblem(message: "'\(text)' is not a customer code (PID-n, or LID-n with \"contactType\": \"lead\")"))
        }
        switch (code.series, series) {
        case (.lead, .contact):
            return .failure(CodeProblem(message: "'\(text)' is a lead code: send \"contactType\": \"lead\" with it"))
        case (.contact, .lead):
            return .failure(CodeProblem(message: "'\(text)' is a contact code, but contactType is lead (a lead code is LID-n)"))
        default:
            return .success(code)
        }
    }

    /// The customer meant, by the rule of every action that takes a `customerId` (`lookup`): the first found by
    /// the customer code, contactId, passport, emails, then phones.
    func find(_ context: IngestContext, field: String) throws -> CustomerRef? {
        try Self.lookup(context, series: series, code: code, field: field, identityKeys)
    }

    /// The one rule for a `customerId`, whatever the action: identifiers are tried in the document's order, the
    /// customer code first, and the first that finds a customer decides. A code that names no one is not an error
    /// by itself (the document's own update samples send codes that no org has, with a passport or contactId that
    /// finds the customer): the next identifier is tried, and the item result gets a notice at `field` saying that
    /// the code named no one and which customer was used. What happens when nothing is found is the action's
    /// (`unknownCode` words its message).
    static func lookup(
        _ context: IngestContext, series: CustomerSeries, code: CustomerCode?, field: String, _ others: [CustomerStore.MatchKey]
    ) throws -> CustomerRef? {
        let keys = (code.map { [CustomerStore.MatchKey.code($0)] } ?? []) + others
        guard !keys.isEmpty else { return nil }
        let found = try CustomerStore.match(context.connection, orgID: context.orgID, series: series, keys: keys)
        if let code, let found, found.code != code {
            if found.matchedBy?.kind == .customerId {
                context.notices.append(FieldError(field, "\(code) was merged into \(found.code), which was used"))
            } else {
                context.notices.append(
                    FieldError(field, unknownCode(code) + ": \(found.code) was found by the item's other identifiers and used"))
            }
        }
        return found
    }

    /// "no contact or account has the code PID-9", the start of every message about a code that names no one.
    static func unknownCode(_ code: CustomerCode) -> String {
        let kind =
            switch code.series {
            case .contact: "contact or account"
            case .lead: "lead"
            case .company: "company"
            }
        return "no \(kind) has the code \(code)"
    }

    /// "customerId", "contactId", … as the sender named them, for messages.
    var describedKeys: String {
        var names: [String] = []
        if let code { names.append("customerId \(code)") }
        if let contactID { names.append("contactId '\(contactID)'") }
        if let passport { names.append("passport '\(passport)'") }
        if !emails.isEmpty { names.append("email \(emails.joined(separator: ", "))") }
        if !phones.isEmpty { names.append("phone \(phones.joined(separator: ", "))") }
        return names.joined(separator: ", ")
    }
}
