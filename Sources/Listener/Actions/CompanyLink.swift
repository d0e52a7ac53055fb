import CRM

/// The company a contact or lead belongs to (`companyContact`, `companyLead`): found by customerId (CID-),
/// then name, then emails, then phones; created when none matches and a name is given.
struct CompanyRequest {
    var code: CustomerCode?
    var fields: CustomerFields
    let path: String

    /// `companyContact: {customerId?, name, emails, phones, websites, addresses, im}`.
    static func read(_ reader: PayloadReader, directory: OrgDirectory) throws -> CompanyRequest? {
        guard let company = reader.object("companyContact") else { return nil }
        var request = CompanyRequest(code: nil, fields: CustomerFields(), path: company.path)
        if let text = company.text("customerId", max: 50) {
            guard let code = CustomerCode(text), code.series == .company else {
                company.errors.add(company.field("customerId"), "'\(text)' is not a company code (CID-n)")
                return nil
            }
            request.code = code
        }
        request.fields.name = company.text("name")
        request.fields.emails = CustomerPayload.emails(company)
        request.fields.phones = CustomerPayload.phones(company)
        request.fields.websitesJSON = CustomerPayload.websites(company)
        request.fields.addressesJSON = CustomerPayload.addresses(company)
        request.fields.imJSON = CustomerPayload.instantMessaging(company)
        request.fields.permitJSON = try Permit.read(company, directory: directory)
        if request.code == nil, request.fields.name == nil, (request.fields.emails ?? []).isEmpty,
            (request.fields.phones ?? []).isEmpty
        {
            company.errors.add(company.path, "needs a customerId, name, emails or phones to find or create the company")
        }
        return request
    }

    /// `companyLead: "GOOGLE"` (or an object like companyContact).
    static func readLead(_ reader: PayloadReader, directory: OrgDirectory) throws -> CompanyRequest? {
        guard let value = reader.object["companyLead"], PayloadReader.isPresent(value) else { return nil }
        if value.objectValue != nil {
            let renamed = PayloadReader(object: ["companyContact": value], path: reader.path, errors: reader.errors)
            return try read(renamed, directory: directory)
        }
        guard let name = reader.text("companyLead") else { return nil }
        var fields = CustomerFields()
        fields.name = name
        return CompanyRequest(code: nil, fields: fields, path: reader.field("companyLead"))
    }

    /// The existing company, or a new one.
    /// - Throws: `LateActionFailure` (the caller may have written already) when nothing matches and there is no name to create the company with.
    func resolve(_ context: IngestContext, action: ActionType) throws -> (CustomerRef, created: Bool) {
        var keys: [CustomerStore.MatchKey] = []
        if let name = fields.name { keys.append(.companyName(name)) }
        if let emails = fields.emails, !emails.isEmpty { keys.append(.emails(emails.map(\.key))) }
        if let phones = fields.phones, !phones.isEmpty { keys.append(.phones(phones.map(\.key))) }
        if let found = try CustomerMatch.lookup(context, series: .company, code: code, field: "\(path).customerId", keys) {
            return (found, false)
        }
        guard fields.name != nil else {
            throw LateActionFailure(
                "\(path).name",
                (code.map { CustomerMatch.unknownCode($0) + " and " } ?? "")
                    + "no company matches its emails or phones; a name is needed to create one")
        }
        if let code {
            context.notices.append(
                FieldError(
                    "\(path).customerId",
                    CustomerMatch.unknownCode(code) + " and no other identifier matches: a new one is created from the payload"))
        }
        let outcome = try CustomerStore.create(
            context.connection, orgID: context.orgID, series: .company, fields: fields, channel: nil,
            source: context.source, history: context.historyDetail(action))
        switch outcome {
        case .created(let ref): return (ref, true)
        case .duplicate(let ref): return (ref, false)
        }
    }
}
