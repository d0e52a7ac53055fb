import CRM
import HTTPServer

/// The helpdesk web calls, per org (the org's slug in the path): Sirportly's Customer Data Source and SpiceCSM's
/// account search/load/update and case update. Each product is configured through
/// `/admin/v1/orgs/{org}/integrations/{sirportly|spicecsm}`.
public enum HelpdeskRoutes {
    /// A caseXML with many responses and their journals stays well under this.
    public static let bodyLimit = 1 << 20

    public static func register(in router: inout Router, scope: OrgScope, secrets: SecretBox? = nil) {
        let gate = HelpdeskGate(store: IntegrationStore(scope: scope), verifier: PasswordVerifier())
        let sirportly = SirportlyDataSource(gate: gate, scope: scope)
        router.add(.post, "/integrations/sirportly/{org}", bodyLimit: 64 << 10, sirportly.lookup)
        let spice = SpiceCSMWebCalls(gate: gate, scope: scope, secrets: secrets)
        router.add(.post, "/integrations/spicecsm/{org}/search", bodyLimit: 64 << 10, spice.search)
        router.add(.post, "/integrations/spicecsm/{org}/load", bodyLimit: 64 << 10, spice.load)
        router.add(.post, "/integrations/spicecsm/{org}/update-account", bodyLimit: bodyLimit, spice.updateAccount)
        router.add(.post, "/integrations/spicecsm/{org}/update-case", bodyLimit: bodyLimit, spice.updateCase)
    }
}
