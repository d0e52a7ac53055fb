import CRM
import HTTPServer

/// A PUT's Basic credentials, checked before its body is read: a portal code and API key that open nothing are
/// answered the document's 401 unread. Credentials seen a moment ago are remembered, so the coalesced PUT path pays
/// no extra round trip; the PUT's transaction checks them again.
struct CIOPulseAdmission: Sendable {
    let store: CIOPulseStore
    let recent = RecentlyAdmitted()

    func admit(_ request: Request) async -> Response? {
        guard let credentials = BasicCredentials(request.headers), CIOPulseAccess.isPortalCode(credentials.user),
            credentials.password.utf8.count == 40
        else { return CIOPulseError.unauthorized.response }
        let key = credentials.user + ":" + credentials.password
        if recent.contains(key) { return nil }
        do {
            guard try await store.opens(portalCode: credentials.user, apiKey: credentials.password) else {
                return CIOPulseError.unauthorized.response
            }
        } catch {
            return nil  // the database is unavailable: the PUT answers as it answers any outage
        }
        recent.remember(key)
        return nil
    }
}
