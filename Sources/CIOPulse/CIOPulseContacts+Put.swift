import CRM
import HTTPServer
import Postgres

/// `PUT /api/v5/contacts/{system_id}`: creates the contact (201) or updates it (200).
///
/// PUTs sent with the same credentials while earlier ones are being written are written together (see
/// `Coalescer`): one credentials check and contact lookup for the group, the updates, then every new contact in
/// one statement carrying the COMMIT. When the group cannot finish together (an email another contact has, a
/// system id created meanwhile, a contact deleted meanwhile), each PUT of it runs again alone, which is exact.
extension CIOPulseContacts {
    /// What one PUT asks for, once its contact was looked up.
    enum PutPlan {
        case answer(Reply)
        case create(CIOPulseContact)
        case update(customerID: Int64, changes: CIOPulseContact.Changes, changedFields: [String])
    }

    struct PutArrival: Sendable {
        let request: Request
        let systemID: String
        let payload: Result<CIOPulseContact.Changes, CIOPulseError>
    }

    func put(_ request: Request) async -> Response {
        let arrival = PutArrival(
            request: request, systemID: request.parameters["system_id"] ?? "", payload: ContactPayload.parse(request.body))
        guard let credentials = BasicCredentials(request.headers), CIOPulseAccess.isPortalCode(credentials.user) else {
            return CIOPulseError.unauthorized.response
        }
        do {
            return try await putCoalescer.submit(key: credentials.user + ":" + credentials.password, arrival: arrival) {
                _, arrivals in
                await self.putGroup(arrivals, credentials)
            }
        } catch {
            return failure(error, request)
        }
    }

    /// One PUT in a transaction of its own.
    func putAlone(_ arrival: PutArrival) async -> Response {
        await serve(arrival.request, systemID: arrival.systemID) { connection, opened in
            do {
                switch Self.plan(arrival, opened) {
                case .answer(let reply):
                    return reply
                case .create(let contact):
                    if try suppressed(connection, orgID: opened.orgID, email: contact.email, mobile: contact.mobile) {
                        return .error(.suppressed)
                    }
                    connection.commitWithNextQuery()
                    try CIOPulseContactStore.create(connection, orgID: opened.orgID, contacts: [contact])
                    return .body(201, CIOPulseJSON.contactDocument(contact))
                case .update(let customerID, let changes, let changedFields):
                    if try suppressed(connection, orgID: opened.orgID, email: changes.email ?? nil, mobile: changes.mobile ?? nil)
                    {
                        return .error(.suppressed)
                    }
                    connection.commitWithNextQuery()
                    guard
                        let updated = try CIOPulseContactStore.update(
                            connection, orgID: opened.orgID, customerID: customerID, changes: changes,
                            changedFields: changedFields)
                    else { throw Retry() }
                    return .found(200, CIOPulseJSON.contactDocument(updated), MatchReason(.systemId, arrival.systemID))
                }
            } catch CRMError.conflict(let field) where field.field == "system_id" {
                throw Retry()  // created by a concurrent request: this one becomes an update
            } catch CRMError.conflict(let field) where field.field == "email" {
                throw CIOPulseError.emailTaken
            }
        }
    }

    /// PUTs sent together with the same credentials, in one transaction (see the type's comment).
    func putGroup(_ arrivals: [PutArrival], _ credentials: BasicCredentials) async -> [Result<Response, any Error>] {
        guard arrivals.count > 1 else { return [.success(await putAlone(arrivals[0]))] }
        do {
            let replies = try await scope.withPlatform { connection -> [Reply] in
                let lookups = arrivals.map { CIOPulseContact.isSystemID($0.systemID) ? $0.systemID : nil }
                guard
                    let opened = try CIOPulseStore.open(
                        connection, portalCode: credentials.user, apiKey: credentials.password, systemIDs: lookups)
                else { return arrivals.map { _ in .error(.unauthorized) } }
                var replies: [Reply?] = []
                var creates: [(index: Int, contact: CIOPulseContact)] = []
                for (index, arrival) in arrivals.enumerated() {
                    switch Self.plan(arrival, opened[index]) {
                    case .answer(let reply):
                        replies.append(reply)
                    case .create(let contact):
                        if try suppressed(connection, orgID: opened[index].orgID, email: contact.email, mobile: contact.mobile) {
                            replies.append(.error(.suppressed))
                            continue
                        }
                        replies.append(nil)
                        creates.append((index, contact))
                    case .update(let customerID, let changes, let changedFields):
                        if try suppressed(
                            connection, orgID: opened[index].orgID, email: changes.email ?? nil, mobile: changes.mobile ?? nil)
                        {
                            replies.append(.error(.suppressed))
                            continue
                        }
                        guard
                            let updated = try CIOPulseContactStore.update(
                                connection, orgID: opened[index].orgID, customerID: customerID, changes: changes,
                                changedFields: changedFields)
                        else { throw Retry() }
                        replies.append(
                            .found(200, CIOPulseJSON.contactDocument(updated), MatchReason(.systemId, arrival.systemID)))
                    }
                }
                if let orgID = opened.first?.orgID, !creates.isEmpty {
                    connection.commitWithNextQuery()
                    try CIOPulseContactStore.create(connection, orgID: orgID, contacts: creates.map(\.contact))
                    for (index, contact) in creates { replies[index] = .body(201, CIOPulseJSON.contactDocument(contact)) }
                }
                return replies.map { $0 ?? .error(CIOPulseError(500, "no answer")) }
            }
            return replies.map { .success($0.response) }
        } catch let error as PostgresError where error.isUnavailable {
            return arrivals.map { .success(failure(error, $0.request)) }
        } catch {
            var results: [Result<Response, any Error>] = []
            for arrival in arrivals { results.append(.success(await putAlone(arrival))) }
            return results
        }
    }

    /// Whether the email or mobile a PUT would store belongs to an erased person (`Suppressions`).
    func suppressed(_ connection: PostgresConnection, orgID: Int64, email: String?, mobile: String?) throws -> Bool {
        var identities: [(kind: String, value: String)] = []
        if let key = email.flatMap(Identity.email) { identities.append(("email", key)) }
        if let key = mobile.flatMap({ Identity.phone($0) }) { identities.append(("phone", key)) }
        return try Suppressions(box: secrets, connection: connection, orgID: orgID).first(identities) != nil
    }

    /// The rules of a PUT once its portal and contact are known: refusals, payload errors, create or update.
    static func plan(_ arrival: PutArrival, _ opened: CIOPulseStore.Opened) -> PutPlan {
        if let refusal = CIOPulseAccess.refusal(opened, client: arrival.request.clientAddress) { return .answer(.error(refusal)) }
        let changes: CIOPulseContact.Changes
        switch arrival.payload {
        case .failure(let error): return .answer(.error(error))
        case .success(let parsed): changes = parsed
        }
        guard CIOPulseContact.isSystemID(arrival.systemID) else {
            return .answer(.error(CIOPulseError(400, "system_id must be 1 to 200 characters, without the NUL character")))
        }
        guard let existing = opened.contact else {
            if let missing = ContactPayload.missingForCreate(changes) { return .answer(.error(missing)) }
            return .create(ContactPayload.newContact(systemID: arrival.systemID, changes))
        }
        let changed = existing.contact.changedFields(changes)
        guard !changed.isEmpty else {
            return .answer(.found(200, CIOPulseJSON.contactDocument(existing.contact), MatchReason(.systemId, arrival.systemID)))
        }
        return .update(customerID: existing.customerID, changes: changes, changedFields: changed)
    }
}
