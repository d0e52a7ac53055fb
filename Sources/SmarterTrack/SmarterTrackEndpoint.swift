import CRM
import HTTPServer
import Telemetry

/// `/integrations/smartertrack/{org}/provider.asmx`: the org's external-provider web service. GET `?WSDL` describes
/// it; POST takes SOAP 1.1 or 1.2 calls. The org must exist, be active and have the integration enabled, and the
/// caller must be inside its IP allowlist (when it has one); then AuthPW decides, as in the document's samples.
struct SmarterTrackEndpoint: Sendable {
    let store: SmarterTrackStore
    let provider: ExternalProvider
    let passwords: PasswordVerifier
    let logger: Logger

    init(scope: OrgScope, logger: Logger) {
        store = SmarterTrackStore(scope: scope)
        provider = ExternalProvider(store: store)
        passwords = PasswordVerifier()
        self.logger = logger
    }

    func describe(_ request: Request) async -> Response {
        switch await open(request) {
        case .failure(let refusal): return .text(refusal.reason, status: refusal.status)
        case .success:
            guard request.queryItems.contains(where: { $0.name.lowercased() == "wsdl" }) else {
                return Response(status: 200, contentType: "text/html; charset=utf-8", body: Self.helpPage)
            }
            return Response(status: 200, contentType: "text/xml; charset=utf-8", body: WSDL.document(location: Self.location(request)))
        }
    }

    func call(_ request: Request) async -> Response {
        let contentType = request.headers["Content-Type"]
        let version = SOAPVersion(contentType: contentType) ?? .soap11
        let opened: SmarterTrackStore.Provider
        switch await open(request) {
        case .failure(let refusal): return SOAPResponse.fault(SOAPFault(version: version, code: .client, reason: refusal.reason, status: refusal.status))
        case .success(let provider): opened = provider
        }
        let call: SOAPCall
        switch SOAPCall.read(request.body, contentType: contentType, soapAction: request.headers["SOAPAction"]) {
        case .failure(let fault): return SOAPResponse.fault(fault)
        case .success(let read): call = read
        }
        guard let password = call.inputs["AuthPW"], let hash = opened.passwordHash,
            await passwords.verify(password, against: hash, scope: "\(opened.orgID):smartertrack")
        else { return SOAPResponse.result(.permissionDenied, for: call) }
        do {
            return SOAPResponse.result(try await provider.run(call, provider: opened), for: call)
        } catch {
            logger.error("smartertrack provider call failed", [("method", call.method.rawValue), ("error", String(describing: error))])
            return SOAPResponse.fault(SOAPFault(version: call.version, code: .server, reason: "Server was unable to process request."))
        }
    }

    struct Refusal: Error {
        let status: Int
        let reason: String
    }

    /// The org's provider settings, or why this caller may not use them.
    func open(_ request: Request) async -> Result<SmarterTrackStore.Provider, Refusal> {
        let slug = request.parameters["org"] ?? ""
        let found: SmarterTrackStore.Provider?
        do {
            found = try await store.provider(slug: slug)
        } catch {
            logger.error("smartertrack provider lookup failed", [("error", String(describing: error))])
            return .failure(Refusal(status: 503, reason: "The CRM is not available; try again."))
        }
        guard let found, found.enabled else {
            return .failure(Refusal(status: 404, reason: "No SmarterTrack external provider is enabled at this address."))
        }
        guard found.orgStatus == .active else { return .failure(Refusal(status: 403, reason: "This CRMHub org is suspended.")) }
        guard CIDR.allowlist(found.ipAllowlist, admits: request.clientAddress) else {
            return .failure(Refusal(status: 403, reason: "The address \(request.clientAddress?.description ?? "unknown") is not in this provider's IP allowlist."))
        }
        return .success(found)
    }

    /// The endpoint's own URL for `soap:address`: the request's Host, and its scheme, which a trusted proxy (one
    /// whose X-Forwarded-For was honoured) may state in X-Forwarded-Proto.
    static func location(_ request: Request) -> String {
        var scheme = request.isSecure ? "https" : "http"
        if request.clientAddress != request.peerAddress,
            let forwarded = request.headers["X-Forwarded-Proto"]?.split(separator: ",").first?.trimmingCharacters(in: " \t").lowercased(),
            forwarded == "http" || forwarded == "https"
        {
            scheme = forwarded
        }
        return "\(scheme)://\(request.headers["Host"] ?? "localhost")\(request.path)"
    }

    static let helpPage = """
        <!DOCTYPE html><html><head><title>CRMHub SmarterTrack external provider</title></head><body>
        <h1>CRMHub SmarterTrack external provider</h1>
        <p>Paste this page's URL into SmarterTrack's External Providers settings (Web Service URL), with the password
        the CRMHub admin API set as the Web Service Password. The service description is at <a href="?WSDL">?WSDL</a>.</p>
        <p>Methods: Authenticate, GetSignInCookieInfo, GetCustomFieldOptions, StartTicket, StartChat, GetUserDetails,
        NotifyEventFired.</p></body></html>
        """
}
