import Synchronization

/// Remembers, for a short time, that a password matched a stored PBKDF2 hash, so a burst of calls from a helpdesk
/// (every SmarterTrack provider call carries AuthPW) costs one key derivation instead of one each. Keyed by the
/// org, the integration, the stored hash (a rotated password misses) and the SHA-256 of the presented password:
/// the password itself is never kept. Only successes are remembered; a wrong password always pays the KDF.
public final class VerifiedPasswordCache: Sendable {
    struct Key: Hashable {
        let orgID: Int64
        let kind: String
        let storedHash: String
        let presented: [UInt8]
    }

    private let entries = Mutex<[Key: ContinuousClock.Instant]>([:])
    let lifetime: Duration
    let capacity: Int

    public init(lifetime: Duration = .seconds(60), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// Whether `password` matches `storedHash`, answered from memory when it matched less than `lifetime` ago.
    public func verify(_ password: String, against storedHash: String, orgID: Int64, kind: String) -> Bool {
        let key = Key(orgID: orgID, kind: kind, storedHash: storedHash, presented: SecretToken.hash(password))
        let now = ContinuousClock.now
        let remembered = entries.withLock { entries -> Bool in
            guard let until = entries[key] else { return false }
            if until > now { return true }
            entries[key] = nil
            return false
        }
        if remembered { return true }
        guard PasswordHash.verify(password, against: storedHash) else { return false }
        entries.withLock { entries in
            if entries.count >= capacity { entries = entries.filter { $0.value > now } }
            if entries.count < capacity { entries[key] = now + lifetime }
        }
        return true
    }
}
