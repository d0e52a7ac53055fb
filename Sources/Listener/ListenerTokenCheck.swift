import CRM

/// Whether a listener URL's token opens a listener, checked before the request's body is read: anyone may post to
/// `/l/anything`, and a 4 MiB body for a token that opens nothing must cost neither its memory nor its parsing.
/// A token that is not even well-formed is refused without a query; known tokens are remembered for a few seconds.
struct ListenerTokenCheck: Sendable {
    let store: ListenerURLStore
    let recent = RecentlyAdmitted()

    func knows(_ token: String) async -> Bool {
        guard SecretToken.parse(token, prefix: ListenerURLStore.prefix) != nil else { return false }
        if recent.contains(token) { return true }
        do {
            guard try await store.authenticate(token) != nil else { return false }
        } catch {
            return true  // the database is unavailable: the ingestion answers the request as it answers any outage
        }
        recent.remember(token)
        return true
    }
}
