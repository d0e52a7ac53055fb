import CRM
import Synchronization

/// Whether a listener URL's token opens a listener, checked before the request's body is read: anyone may post to
/// `/l/anything`, and a 4 MiB body for a token that opens nothing must cost neither its memory nor its parsing.
/// A token that is not even well-formed is refused without a query. Known tokens are remembered for a few
/// seconds, so the ingestion path pays no extra round trip; the ingestion transaction checks the token again, so a
/// rotated token stops working there at once.
final class ListenerTokenCheck: Sendable {
    private let known = Mutex<[[UInt8]: ContinuousClock.Instant]>([:])
    let store: ListenerStore
    let lifetime: Duration
    let capacity: Int

    init(store: ListenerStore, lifetime: Duration = .seconds(5), capacity: Int = 10_000) {
        self.store = store
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func knows(_ token: String) async -> Bool {
        guard SecretToken.parse(token, prefix: ListenerStore.prefix) != nil else { return false }
        let key = SecretToken.hash(token)
        let now = ContinuousClock.now
        if known.withLock({ $0[key].map { $0 > now } ?? false }) { return true }
        do {
            guard try await store.authenticate(token) != nil else { return false }
        } catch {
            return true  // the database is unavailable: the ingestion answers the request as it answers any outage
        }
        known.withLock { entries in
            if entries.count >= capacity { entries = entries.filter { $0.value > now } }
            if entries.count >= capacity { entries.removeAll() }
            entries[key] = now + lifetime
        }
        return true
    }
}
