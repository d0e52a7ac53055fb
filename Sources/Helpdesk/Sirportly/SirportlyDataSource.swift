import CRM
import HTTPServer
import JSON

/// `POST /integrations/sirportly/{org}`: CRMHub as a Sirportly Customer Data Source
/// (sirportly-customer-data-sources.txt). Sirportly posts `type` and `data` form-encoded, with HTTP Basic
/// credentials when the data source has them; the answer is 200 with the customer's JSON, or 404 with no data.
struct SirportlyDataSource: Sendable {
    let gate: HelpdeskGate
    let scope: OrgScope

    static let realm = "Basic realm=\"CRMHub Sirportly data source\", charset=\"UTF-8\""
    /// Latest open deals and tickets shown with a customer.
    static let activityLimit = 10

    func lookup(_ request: Request) async throws -> Response {
        let presented = BasicCredentials(request.headers).map { (user: $0.user, password: $0.password) }
        let admission = try await gate.admit(
            orgSlug: request.parameters["org"] ?? "", kind: .sirportly, client: request.clientAddress, credentials: presented)
        let opened: IntegrationStore.Opened
        switch admission {
        case .success(let value): opened = value
        case .failure(let refusal): return Self.response(refusal)
        }
        let form: [(name: String, value: String)]
        do {
            form = try FormBody.fields(request)
        } catch {
            return .text(error.message + "\n", status: error.status)
        }
        let type = form.first { $0.name == "type" }?.value.trimmingCharacters(in: " \t") ?? ""
        let data = form.first { $0.name == "data" }?.value.trimmingCharacters(in: " \t") ?? ""
        guard !type.isEmpty, !data.isEmpty else {
            return .text("type and data are required (form-encoded: type=email&data=adam%40atechmedia.com)\n", status: 400)
        }
        let method = SirportlyContactMethod(type: type, data: data)
        let orgID = opened.orgID
        let sections = Set(
            (opened.settings?.customData ?? SirportlyCustomData.allCases.map(\.rawValue)).compactMap(SirportlyCustomData.init))
        let found: (CustomerProfile, [CustomerActivity], [CustomerActivity])? = try await scope.withOrg(orgID) { connection in
            let profile: CustomerProfile?
            switch method {
            case .email(let key): profile = try CustomerProfileStore.find(connection, orgID: orgID, emailKey: key)
            case .phone(let key): profile = try CustomerProfileStore.find(connection, orgID: orgID, phoneKey: key)
            case .handles(let handles): profile = try CustomerProfileStore.find(connection, orgID: orgID, im: handles)
            case .none: profile = nil
            }
            guard let profile else { return nil }
            // The last statement of the two below carries the COMMIT.
            let (wantsDeals, wantsTickets) = (sections.contains(.openDeals), sections.contains(.recentTickets))
            if wantsDeals && !wantsTickets { connection.commitWithNextQuery() }
            let deals =
                wantsDeals
                ? try CustomerProfileStore.openDeals(connection, orgID: orgID, customerID: profile.id, limit: Self.activityLimit)
                : []
            if wantsTickets { connection.commitWithNextQuery() }
            let tickets =
                wantsTickets
                ? try CustomerProfileStore.recentTickets(
                    connection, orgID: orgID, customerID: profile.id, limit: Self.activityLimit) : []
            return (profile, deals, tickets)
        }
        // "If the customer does not exist you should return 404 Not Found status with no data."
        guard let (profile, deals, tickets) = found else { return Response(status: 404) }
        let document = SirportlyPayload.document(
            profile, searched: .init(type: type.lowercased(), data: data), timezone: opened.timezone, deals: deals,
            tickets: tickets,
            sections: sections)
        return .json(JSONWriter.bytes(document))
    }

    static func response(_ refusal: HelpdeskGate.Refusal) -> Response {
        switch refusal {
        case .unauthenticated:
            // The same for an unknown org, a data source that is off, an address outside the allowlist and wrong
            // credentials: callers cannot tell which orgs exist.
            var response = Response.text(
                "not authorised: HTTP Basic credentials missing or wrong, or no enabled data source here for this address\n",
                status: 401)
            response.headers.add("WWW-Authenticate", realm)
            return response
        case .orgSuspended: return .text("this org is suspended\n", status: 403)
        }
    }
}
