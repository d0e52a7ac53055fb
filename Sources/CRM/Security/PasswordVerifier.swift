import Synchronization

/// Checks helpdesk passwords against their PBKDF2 hashes, remembering successes for a short time.
///
/// PBKDF2 is deliberately slow (about a tenth of a second) and a helpdesk calls in bursts (SpiceCSM searches as an
/// agent types, Sirportly on every ticket update). A success is remembered for `lifetime` under the SHA-256 of the
/// integration, the stored hash and the presented password, so a burst costs one derivation; a new password (a new
/// stored hash) misses at once. Failures are never remembered, and the presented password is not kept.
public final class PasswordVerifier: Sendable {
    private let remembered = Mutex<[[UInt8]: ContinuousClock.Instant]>([:])
    let lifetime: Duration
    let capacity: Int

    public init(lifetime: Duration = .seconds(60), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// - Parameter scope: what the stored hash belongs to (org, integration, user name).
    public func verify(_ password: String, against stored: String, scope: String) -> Bool {
        let key = SecretToken.hash(scope + "\u{0}" + stored + "\u{0}" + password)
        let now = ContinuousClock.now
        if remembered.withLock({ $0[key].map { $0 > now } ?? false }) { return true }
        guard PasswordHash.verify(password, against: stored) else { return false }
        remembered.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value > now }
                if entries.count >= capacity { entries.removeAll() }
            }
            entries[key] = now + lifetime
        }
        return true
    }

    /// How many successes are remembered (expired ones included until the next clean-up).
    public var rememberedCount: Int { remembered.withLock { $0.count } }
}
