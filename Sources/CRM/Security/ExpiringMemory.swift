import Synchronization

/// Values remembered under a digest (a SHA-256, never a secret in clear) until each one's lifetime ends. A full
/// memory drops its expired entries, and is emptied if that is not enough, rather than grow.
public final class ExpiringMemory<Value: Sendable>: Sendable {
    private let entries = Mutex<[[UInt8]: (expires: ContinuousClock.Instant, value: Value)]>([:])
    let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// The value remembered under `key`, unless it expired.
    public func value(for key: [UInt8]) -> Value? {
        let now = ContinuousClock.now
        return entries.withLock { $0[key].flatMap { $0.expires > now ? $0.value : nil } }
    }

    public func remember(_ value: Value, for key: [UInt8], lifetime: Duration) {
        let now = ContinuousClock.now
        entries.withLock { entries in
            // Only a new key makes room: renewing one held (a success used again) must not empty a full memory.
            if entries[key] == nil, entries.count >= capacity {
                entries = entries.filter { $0.value.expires > now }
                if entries.count >= capacity { entries.removeAll() }
            }
            entries[key] = (now + lifetime, value)
        }
    }

    /// Entries held, expired ones included until the next clean-up.
    public var count: Int { entries.withLock { $0.count } }
}

/// Credentials that opened something a moment ago, remembered for `lifetime`. A check made before a request's body is
/// read uses it so that the hot path pays no extra round trip for a credential it saw seconds ago; the request's own
/// transaction checks the credential again, so a revoked or rotated one stops working there at once.
public final class RecentlyAdmitted: Sendable {
    private let memory = ExpiringMemory<Bool>()
    let lifetime: Duration

    public init(lifetime: Duration = .seconds(5)) {
        self.lifetime = lifetime
    }

    public func contains(_ credential: String) -> Bool { memory.value(for: SecretToken.hash(credential)) != nil }

    public func remember(_ credential: String) { memory.remember(true, for: SecretToken.hash(credential), lifetime: lifetime) }
}
