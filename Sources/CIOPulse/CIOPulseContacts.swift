import CRM
import HTTPServer
import Platform
import Postgres
import Telemetry

/// The CIOPulse-compatible Contacts API (ciopulse-contacts-api.txt) and its support groups read.
///
/// Each request is one transaction: its first statement checks the HTTP Basic credentials, reads the contact the
/// path names and narrows the transaction to the portal's org (`CIOPulseStore.open`); the access rules run; then
/// at most one more statement writes or reads, carrying the COMMIT with it. A GET of one contact is one round
/// trip, a PUT or a deletion two; PUTs arriving together share theirs (see `CIOPulseContacts+Put.swift`). Every answer, errors included, is JSON in the document's shape.
public struct CIOPulseContacts: Sendable {
    let scope: OrgScope
    let logger: Logger
    /// The server's key, which recognises erased people's identities (`Suppressions`).
    let secrets: SecretBox?
    /// PUTs with the same credentials that arrive together are written in one transaction (see `putGroup`).
    let putCoalescer = Coalescer<PutArrival, Response>()

    public init(scope: OrgScope, logger: Logger, secrets: SecretBox? = nil) {
        self.scope = scope
        self.logger = logger
        self.secrets = secrets
    }

    /// What a request's transaction produced.
    enum Reply: Sendable {
        case body(Int, [UInt8])
        /// An existing contact's document, with how it was found in headers (the documented body gains no field).
        case found(Int, [UInt8], MatchReason)
        case error(CIOPulseError)

        var response: Response {
            switch self {
            case .body(let status, let body): return .json(body, status: status)
            case .found(let status, let body, let reason):
                var response = Response.json(body, status: status)
                for (name, value) in reason.headers { response.headers.add(name, value) }
                return response
            case .error(let error): return error.response
            }
        }
    }

    /// A concurrent request changed what this one read (created or deleted its contact): run it again. Thrown, so
    /// that the transaction rolls back.
    struct Retry: Error {}

    // MARK: Endpoints

    /// `GET /api/v5/contacts/{system_id}`.
    func get(_ request: Request) async -> Response {
        await serve(request, systemID: request.parameters["system_id"] ?? "", commitWithOpen: true) { _, opened in
            guard let found = opened.contact else { return .error(.notFound) }
            return .body(200, CIOPulseJSON.contactDocument(found.contact))
        }
    }

    /// `GET /api/v5/contacts`: every contact of the portal's org that has a system id.
    func list(_ request: Request) async -> Response {
        await serve(request, systemID: nil) { connection, opened in
            connection.commitWithNextQuery()
            return .body(200, CIOPulseJSON.contactsDocument(try CIOPulseContactStore.list(connection, orgID: opened.orgID)))
        }
    }

    /// Deleting, `/api/v5/contacts/{system_id}`: 202, 404, or 409 while a support group names the contact.
    func delete(_ request: Request) async -> Response {
        await serve(request, systemID: request.parameters["system_id"] ?? "") { connection, opened in
            guard let found = opened.contact else { return .error(.notFound) }
            do {
                connection.commitWithNextQuery()
                switch try CIOPulseContactStore.delete(connection, orgID: opened.orgID, customerID: found.customerID) {
                case .deleted: return .body(202, CIOPulseJSON.message("Contact deleted", status: 202))
                case .notFound: return .error(.notFound)
                case .referenced(let groups): return .error(.inSupportGroups(groups))
                }
            } catch CRMError.conflict(let field) where field.field == "contact" {
                throw CIOPulseError.inSupportGroups([])
            }
        }
    }

    /// `GET /api/v5/support_groups`: the document's example shape.
    func supportGroups(_ request: Request) async -> Response {
        await serve(request, systemID: nil) { connection, opened in
            connection.commitWithNextQuery()
            return .body(200, CIOPulseJSON.supportGroupsDocument(try SupportGroupStore.list(connection, orgID: opened.orgID)))
        }
    }

    // MARK: The transaction

    /// Authenticates, opens the portal's org and runs `body` in one transaction; maps every failure to the
    /// document's JSON errors. `Retry` runs it all again (twice at most).
    func serve(
        _ request: Request, systemID: String?, commitWithOpen: Bool = false,
        _ body: @escaping @Sendable (PostgresConnection, CIOPulseStore.Opened) throws -> Reply
    ) async -> Response {
        guard let credentials = BasicCredentials(request.headers), CIOPulseAccess.isPortalCode(credentials.user) else {
            return CIOPulseError.unauthorized.response
        }
        let client = request.clientAddress
        // A system id no contact can have (too long, or with NUL, which PostgreSQL text cannot hold) finds none.
        let lookup = systemID.flatMap { CIOPulseContact.isSystemID($0) ? $0 : nil }
        do {
            for _ in 0..<3 {
                do {
                    let (reply, orgID) = try await scope.withPlatform { connection -> (Reply, Int64?) in
                        if commitWithOpen { connection.commitWithNextQuery() }
                        guard
                            let opened = try CIOPulseStore.open(
                                connection, portalCode: credentials.user, apiKey: credentials.password, systemID: lookup)
                        else { return (.error(.unauthorized), nil) }
                        if let refusal = CIOPulseAccess.refusal(opened, client: client) { return (.error(refusal), opened.orgID) }
                        return (try body(connection, opened), opened.orgID)
                    }
                    var response = reply.response
                    // The portal's org, in the request's access-log line.
                    if let orgID { response.logFields = [("org_id", String(orgID))] }
                    return response
                } catch is Retry {
                    continue
                }
            }
            return failure(CIOPulseError(500, "a concurrent request kept changing this contact"), request)
        } catch let error as CIOPulseError {
            return error.response
        } catch {
            return failure(error, request)
        }
    }

    /// 503 while the database is unavailable, else 500; logged with the request id, never shown to the client.
    func failure(_ error: any Error, _ request: Request) -> Response {
        if let error = error as? PostgresError, error.isUnavailable {
            logger.warning("database unavailable", [("request_id", request.requestID), ("error", error.description)])
            return CIOPulseError.unavailable.response
        }
        logger.error(
            "CIOPulse request failed",
            [
                ("request_id", request.requestID), ("route", request.route), ("error", String(describing: type(of: error))),
                ("detail", (error as? PostgresError)?.description ?? "\(error)"),
            ])
        return CIOPulseError.transactionFailed(requestID: request.requestID).response
    }
}
