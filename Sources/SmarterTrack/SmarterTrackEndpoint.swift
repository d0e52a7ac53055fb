import CRM
import HTTPServer
import Telemetry

/// `/integrations/smartertrack/{org}/provider.asmx`: the org's external-provider web service. GET `?WSDL` describes
/// it; POST takes SOAP 1.1 or 1.2 calls. The org must exist, be active and have the integration enabled, the caller
/// must be inside its IP allowlist (when it has one), and AuthPW must be right, as in the document's samples.
///
/// An unauthenticated caller cannot tell which orgs exist (issue 18): the description is the same at every address,
/// and an unknown org, an integration that is off, an address outside the allowlist and a wrong or missing AuthPW
/// all get the document's Permission Denied result, after exactly one password derivation whenever an AuthPW was
/// sent (a decoy one when there is no stored hash). Only a caller who got in is told that the org is suspended.
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

    /// The help page, or the WSDL with `?WSDL`: nothing in them depends on the org, so they are shown at any address.
    func describe(_ request: Request) async -> Response {
        guard request.queryItems.contains(where: { $0.name.lowercased() == "wsdl" }) else {
            return Response(status: 200, contentType: "text/html; charset=utf-8", body: Self.helpPage)
        }
        return Response(
            status: 200, contentType: "text/xml; charset=utf-8", body: WSDL.document(location: Self.location(request)))
    }

    func call(_ request: Request) async -> Response {
        let contentType = request.headers["Content-Type"]
        let version = SOAPVersion(contentType: contentType) ?? .soap11
        let found: SmarterTrackStore.Provider?
        do {
            found = try await store.provider(slug: request.parameters["org"] ?? "")
        } catch {
            logger.error("smartertrack provider lookup failed", [("error", String(describing: error))])
            return SOAPResponse.fault(
                SOAPFault(version: version, code: .server, reason: "The CRM is not available; try again.", status: 503))
        }
        let call: SOAPCall
        switch SOAPCall.read(request.body, contentType: contentType, soapAction: request.headers["SOAPAction"]) {
        case .failure(let fault): return SOAPResponse.fault(fault)
        case .success(let read): call = read
        }
        guard let opened = await admit(found, password: call.inputs["AuthPW"], client: request.clientAddress) else {
            return SOAPResponse.result(.permissionDenied, for: call)
        }
        guard opened.orgStatus == .active else {
            return SOAPResponse.fault(
                SOAPFault(version: call.version, code: .client, reason: "This CRMHub org is suspended.", status: 403))
        }
        do {
            return SOAPResponse.result(try await provider.run(call, provider: opened), for: call)
        } catch {
            logger.error(
                "smartertrack provider call failed", [("method", call.method.rawValue), ("error", String(describing: error))])
            return SOAPResponse.fault(
                SOAPFault(version: call.version, code: .server, reason: "Server was unable to process request."))
        }
    }

    /// The provider when the caller may use it: enabled, address allowed, AuthPW right. One derivation whenever an
    /// AuthPW was sent, whatever the org.
    func admit(_ found: SmarterTrackStore.Provider?, password: String?, client: IPAddress?) async -> SmarterTrackStore.Provider? {
        var passwordRight = false
        if let password {
            if let found, let hash = found.passwordHash {
                passwordRight = await passwords.verify(password, against: hash, scope: "\(found.orgID):smartertrack")
                if passwordRight {
                    PasswordHash.upgrade(password, from: hash) { [store] fresh in
                        try await store.rehashAuthPW(orgID: found.orgID, from: hash, to: fresh)
                    }
                }
            } else {
                _ = await passwords.verify(password, against: LoginProvider.decoyHash, scope: "decoy:smartertrack")
            }
        }
        guard let found, found.enabled, CIDR.allowlist(found.ipAllowlist, admits: client), passwordRight else { return nil }
        return found
    }

    /// The endpoint's own URL for `soap:address`: the request's Host, and its scheme, which a trusted proxy (one
    /// whose X-Forwarded-For was honoured) may state in X-Forwarded-Proto.
    static func location(_ request: Request) -> String {
        var scheme = request.isSecure ? "https" : "http"
        if request.clientAddress != request.peerAddress,
            let forwarded = request.headers["X-Forwarded-Proto"]?.split(separator: ",").first?.trimmingCharacters(in: " \t")
                .lowercased(),
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
