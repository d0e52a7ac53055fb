import Synchronization

/// Credentials that opened something a moment ago, remembered under their SHA-256 (never in clear) for `lifetime`.
/// A check made before a request's body is read uses it so that the hot path pays no extra round trip for a
/// credential it saw seconds ago; the request's own transaction checks the credential again, so a revoked or rotated
/// one stops working there at once.
public final class RecentlyAdmitted: Sendable {
    private let entries = Mutex<[[UInt8]: ContinuousClock.Instant]>([:])
    let lifetime: Duration
    let capacity: Int

    public init(lifetime: Duration = .seconds(5), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    public func contains(_ credential: String) -> Bool {
        let key = SecretToken.hash(credential)
        let now = ContinuousClock.now
        return entries.withLock { $0[key].map { $0 > now } ?? false }
    }

    public func remember(_ credential: String) {
        let key = SecretToken.hash(credential)
        let now = ContinuousClock.now
        entries.withLock { entries in
            if entries.count >= capacity { entries = entries.filter { $0.value > now } }
            if entries.count >= capacity { entries.removeAll() }
            entries[key] = now + lifetime
        }
    }
}
