import CRM
import HTTPServer
import JSON
import Postgres
import XML

/// `POST /integrations/spicecsm/{org}/search|load|update-account|update-case`: CRMHub as the receiving end of
/// SpiceCSM's web calls (spicecsm-web-call-integrations.txt). Every call's POST variables (form-encoded or
/// multipart/form-data) carry `intUser` and `intPass`; answers are the document's XML, errors `SpiceCSMError`. The
/// Userkey of an account is its customer code ("PID-12", "LID-3").
struct SpiceCSMWebCalls: Sendable {
    let gate: HelpdeskGate
    let scope: OrgScope
    /// The server's key, which recognises erased people's identities (`Suppressions`).
    var secrets: SecretBox? = nil

    /// Most accounts one search answers.
    static let searchLimit = 100
    static let source = "spicecsm"

    func search(_ request: Request) async throws -> Response {
        try await serve(request) { form, orgID in
            let variables = try SearchVariables(form)
            let profiles = try await scope.withOrg(orgID) { connection in
                var search = variables.search
                let definitions = try Self.definitions(connection, orgID: orgID, series: nil)
                for (id, value) in variables.customFieldIDs {
                    guard let definition = definitions.first(where: { $0.id == id }) else { return [CustomerProfile]() }
                    search.customFields.append((definition.name, value))
                }
                connection.commitWithNextQuery()
                return try CustomerProfileStore.search(connection, orgID: orgID, search, limit: Self.searchLimit)
            }
            return SpiceCSMXML.response(SpiceCSMXML.users(profiles))
        }
    }

    func load(_ request: Request) async throws -> Response {
        try await serve(request) { form, orgID in
            let userkey = try Self.required(form, "Userkey")
            return try await scope.withOrg(orgID) { connection in
                guard let profile = try Self.profile(connection, orgID: orgID, userkey: userkey) else {
                    throw SpiceCSMError.unknownUserkey(userkey)
                }
                return SpiceCSMXML.response(try Self.userdata(connection, orgID: orgID, profile))
            }
        }
    }

    func updateAccount(_ request: Request) async throws -> Response {
        try await serve(request) { form, orgID in
            let update = try AccountUpdate(try Self.document(form, "userXML"))
            return try await scope.withOrg(orgID) { connection in
                guard let profile = try Self.profile(connection, orgID: orgID, userkey: update.userkey) else {
                    throw SpiceCSMError.unknownUserkey(update.userkey)
                }
                let definitions = try Self.definitions(connection, orgID: orgID, series: profile.code.series)
                let fields = try update.fields(for: profile, definitions: definitions)
                if let kind = try Suppressions(box: secrets, connection: connection, orgID: orgID).first(in: fields) {
                    throw SpiceCSMError(
                        status: 422, code: "suppressed",
                        message: "this person was erased: the \(kind) cannot be stored again (suppressed)")
                }
                let changed: [String]
                do {
                    changed = try CustomerStore.update(
                        connection, orgID: orgID, series: profile.code.series, id: profile.id, fields: fields, companyID: nil)
                } catch CRMError.conflict(let field) {
                    throw SpiceCSMError(status: 409, code: "conflict", message: "\(field.field): \(field.message)")
                }
                if !changed.isEmpty {
                    try CustomerStore.appendHistory(
                        connection, orgID: orgID, customerID: profile.id, event: "updated", source: Self.historySource,
                        detail: JSONWriter.string([
                            "source": .string(Self.source), "action": "update-account",
                            "fields": .array(changed.map(JSONValue.string)),
                        ]))
                }
                guard let updated = try CustomerProfileStore.profile(connection, orgID: orgID, code: profile.code) else {
                    throw SpiceCSMError.unknownUserkey(update.userkey)
                }
                var response = SpiceCSMXML.response(try Self.userdata(connection, orgID: orgID, updated))
                // The userkey is the customer's code; the documented XML answer gains no element.
                for (name, value) in MatchReason(.customerId, profile.code.description).headers {
                    response.headers.add(name, value)
                }
                return response
            }
        }
    }

    func updateCase(_ request: Request) async throws -> Response {
        try await serve(request) { form, orgID in
            let userkey = try Self.required(form, "Userkey")
            let responses = try CaseResponse.parse(try Self.document(form, "caseXML"))
            return try await scope.withOrg(orgID) { connection in
                guard let profile = try Self.profile(connection, orgID: orgID, userkey: userkey) else {
                    throw SpiceCSMError.unknownUserkey(userkey)
                }
                var recorded = 0
                for response in responses where try Self.record(connection, orgID: orgID, profile, response) { recorded += 1 }
                let document =
                    SpiceCSMXML.declaration + "<result status=\"ok\""
                    + SpiceCSMXML.attributes([
                        ("userkey", profile.code.description), ("recorded", String(recorded)),
                        ("duplicates", String(responses.count - recorded)),
                    ]) + " />\n"
                return SpiceCSMXML.response(document)
            }
        }
    }

    // MARK: Steps

    static let historySource = CustomerStore.Source(listenerID: nil, listenerRequestID: nil, userID: nil)

    /// Records one case response: its note (unless that response id was recorded before), the case's ticket
    /// (created, or brought up to date), and history lines. Returns whether the response was new.
    static func record(
        _ connection: PostgresConnection, orgID: Int64, _ profile: CustomerProfile, _ response: CaseResponse
    ) throws -> Bool {
        let note = NoteStore.NewNote(customerID: profile.id, body: response.noteBody)
        guard
            let noteID = try NoteStore.insertExternal(
                connection, orgID: orgID, source: source, externalID: response.responseID, note)
        else {
            return false
        }
        let requester = JSONWriter.string([
            "name": .string(response.value("agent")), "customerId": .string(profile.code.description),
        ])
        let ticket = TicketStore.NewTicket(
            title: response.ticketTitle, body: response.noteBody, customerID: profile.id,
            customFieldsJSON: response.ticketFieldsJSON,
            requesterJSON: requester)
        let (ticketID, created) = try TicketStore.upsertExternal(
            connection, orgID: orgID, source: source, externalID: response.caseID, status: response.ticketStatus, ticket)
        var detail: JSONObject = [
            "source": .string(source), "action": "update-case", "caseId": .string(response.caseID),
            "ticketId": .number(Double(ticketID)),
        ]
        if created {
            try CustomerStore.appendHistory(
                connection, orgID: orgID, customerID: profile.id, event: "ticket", source: historySource,
                detail: JSONWriter.string(.object(detail)))
        }
        detail["responseId"] = .string(response.responseID)
        detail["noteId"] = .number(Double(noteID))
        try CustomerStore.appendHistory(
            connection, orgID: orgID, customerID: profile.id, event: "note", source: historySource,
            detail: JSONWriter.string(.object(detail)))
        return true
    }

    static func profile(_ connection: PostgresConnection, orgID: Int64, userkey: String) throws -> CustomerProfile? {
        guard let code = CustomerCode(userkey), code.series != .company else { return nil }
        return try CustomerProfileStore.profile(connection, orgID: orgID, code: code)
    }

    /// The org's custom field definitions of a series' entity (both contact and lead ones when nil).
    static func definitions(
        _ connection: PostgresConnection, orgID: Int64, series: CustomerSeries?
    ) throws -> [CustomFieldStore.Definition] {
        let directory = OrgDirectory(connection: connection, orgID: orgID)
        let entities: [CustomFieldStore.Entity] =
            switch series {
            case .lead: [.lead]
            case .contact, .company: [.contact]
            case nil: [.contact, .lead]
            }
        return try entities.flatMap { try directory.customFields($0).values }.sorted { $0.id < $1.id }
    }

    static func userdata(_ connection: PostgresConnection, orgID: Int64, _ profile: CustomerProfile) throws -> String {
        let fields = try definitions(connection, orgID: orgID, series: profile.code.series).compactMap {
            definition -> (id: Int64, value: String)? in
            guard let value = profile.customFields[definition.name].flatMap(SirportlyPayload.singleValue) else { return nil }
            return (definition.id, value)
        }
        return SpiceCSMXML.userdata(profile, fields: fields)
    }

    static func required(_ form: [(name: String, value: String)], _ name: String) throws(SpiceCSMError) -> String {
        guard let value = form.first(where: { $0.name == name })?.value.trimmingCharacters(in: " \t\r\n"), !value.isEmpty else {
            throw .missing(name)
        }
        return value
    }

    static func document(_ form: [(name: String, value: String)], _ name: String) throws(SpiceCSMError) -> XMLElement {
        do {
            return try XMLDocumentParser.parse(try required(form, name))
        } catch let error as SpiceCSMError {
            throw error
        } catch let error as XMLSyntaxError {
            throw .malformed(name, error.description)
        } catch {
            throw .malformed(name, "unreadable")
        }
    }

    /// Admits the call (org, enabled, allowlist, intUser/intPass), runs `body`, and answers its errors as XML.
    func serve(
        _ request: Request, _ body: @Sendable (_ form: [(name: String, value: String)], _ orgID: Int64) async throws -> Response
    ) async throws -> Response {
        let form: [(name: String, value: String)]
        do {
            form = try FormBody.fields(request)
        } catch {
            return SpiceCSMError.body(error).response
        }
        let user = form.first { $0.name == "intUser" }?.value, password = form.first { $0.name == "intPass" }?.value
        let admission = try await gate.admit(
            orgSlug: request.parameters["org"] ?? "", kind: .spicecsm, client: request.clientAddress,
            credentials: user.map { ($0, password ?? "") })
        switch admission {
        case .failure(let refusal): return SpiceCSMError.refusal(refusal).response
        case .success(let opened):
            do {
                return try await body(form, opened.orgID)
            } catch let error as SpiceCSMError {
                return error.response
            }
        }
    }
}
