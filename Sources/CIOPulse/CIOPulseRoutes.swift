import CRM
import HTTPServer
import Telemetry

/// The CIOPulse-compatible API (ciopulse-contacts-api.txt): the paths of app.cio-pulse.com, so an existing client
/// works by changing only the host name.
public enum CIOPulseRoutes {
    /// One contact's payload is a few hundred bytes; larger bodies get 413 before they are read.
    public static let bodyLimit = 64 << 10

    public static func register(in router: inout Router, scope: OrgScope, logger: Logger, secrets: SecretBox? = nil) {
        let contacts = CIOPulseContacts(scope: scope, logger: logger, secrets: secrets)
        let admission = CIOPulseAdmission(store: CIOPulseStore(scope: scope))
        router.add(.put, "/api/v5/contacts/{system_id}", bodyLimit: bodyLimit, admission: admission.admit) {
            await contacts.put($0)
        }
        router.add(.get, "/api/v5/contacts/{system_id}", bodyLimit: bodyLimit) { await contacts.get($0) }
        router.add(.delete, "/api/v5/contacts/{system_id}", bodyLimit: bodyLimit) { await contacts.delete($0) }
        router.add(.get, "/api/v5/contacts", bodyLimit: bodyLimit) { await contacts.list($0) }
        router.add(.get, "/api/v5/support_groups", bodyLimit: bodyLimit) { await contacts.supportGroups($0) }
    }
}
