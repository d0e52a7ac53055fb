import Platform
import Synchronization

/// Checks helpdesk passwords against their PBKDF2 hashes, remembering outcomes for a short time.
///
/// PBKDF2 is deliberately slow (about a quarter of a second at 600,000 iterations) and a helpdesk calls in bursts
/// (SpiceCSM searches as an agent types, Sirportly on every ticket update). An outcome is remembered under the
/// SHA-256 of the scope (org, integration, user name), the stored hash and the presented password: a success for
/// `lifetime` after its last use, so a burst costs one derivation and a steady caller none after the first; a failure for `failureLifetime`, so repeating one wrong password
/// costs nothing. A new stored hash misses at once. The presented password is not kept. Checks of the same key that
/// arrive while one is being derived wait for that derivation instead of starting their own: a burst of 16 searches
/// after the outcome expired costs one derivation, not 16 (bench/scale measured the burst's p99 at 3.7 s).
///
/// Derivations go through ``PasswordHash/derivations``, bounded and fair between orgs: an org's flood of wrong
/// passwords is refused beyond its share instead of delaying every other org.
public final class PasswordVerifier: Sendable {
    public enum Outcome: Sendable, Equatable {
        case valid
        case invalid
        /// Too many derivations are waiting for this org (or in all): refused without checking, after `busyDelay`.
        case busy
    }

    private let remembered: ExpiringMemory<Bool>
    /// The derivations under way, by key: nil inside when the queue refused it.
    private let inFlight = Mutex<[[UInt8]: Task<Bool?, Never>]>([:])
    private let derived = Atomic<Int>(0)
    let lifetime: Duration
    let failureLifetime: Duration
    /// How long a refusal for a full queue waits before it is answered. It costs nothing (a suspended task), and a
    /// flood's callers, answered at once, would come straight back: the CPU their calls take is what slows other
    /// orgs, not the queue.
    let busyDelay: Duration

    public init(
        lifetime: Duration = .seconds(60), failureLifetime: Duration = .seconds(10), capacity: Int = 10_000,
        busyDelay: Duration = .seconds(1)
    ) {
        self.lifetime = lifetime
        self.failureLifetime = failureLifetime
        remembered = ExpiringMemory(capacity: capacity)
        self.busyDelay = busyDelay
    }

    /// - Parameter scope: what the stored hash belongs to, starting with the org id and a colon ("17:spicecsm:user");
    ///   the org id is the fairness key of the derivation.
    public func verify(_ password: String, against stored: String, scope: String) async -> Bool {
        await check(password, against: stored, scope: scope) == .valid
    }

    public func check(_ password: String, against stored: String, scope: String) async -> Outcome {
        let key = SecretToken.hash(scope + "\u{0}" + stored + "\u{0}" + password)
        if let known = remembered.value(for: key) {
            // A success stays remembered while it is used, so a steady caller never waits for a derivation again
            // (the key holds the stored hash: a new password misses at once all the same).
            if known { remembered.remember(true, for: key, lifetime: lifetime) }
            return known ? .valid : .invalid
        }
        let tenant = String(scope.prefix { $0 != ":" })
        let derivation = inFlight.withLock { running in
            if let task = running[key] { return task }
            let task = Task { [self] () -> Bool? in
                self.derived.add(1, ordering: .relaxed)
                let valid = await PasswordHash.verifyOffPool(password, against: stored, tenant: tenant)
                if let valid { remembered.remember(valid, for: key, lifetime: valid ? lifetime : failureLifetime) }
                self.inFlight.withLock { _ = $0.removeValue(forKey: key) }
                return valid
            }
            running[key] = task
            return task
        }
        guard let valid = await derivation.value else {
            try? await Task.sleep(for: busyDelay)
            return .busy
        }
        return valid ? .valid : .invalid
    }

    /// How many derivations this verifier started (each shared by every check of its key that came meanwhile).
    var derivations: Int { derived.load(ordering: .relaxed) }

    /// How many outcomes are remembered (expired ones included until the next clean-up).
    public var rememberedCount: Int { remembered.count }
}

extension PasswordHash {
    /// Every slow derivation of the process runs here: two low-priority plain threads, never Swift's cooperative pool
    /// (on a two-core server two derivations there would stall every other request), at most 16 waiting per org and
    /// 256 in all.
    public static let derivations = FairBlockingQueue(name: "crmhub-kdf", threads: 2, perKeyLimit: 16, totalLimit: 256)

    /// `make`, off the cooperative pool (an administrator setting a password: waits for a free place).
    public static func makeOffPool(_ password: String) async -> String {
        while true {
            if let hash = await derivations.run(key: "", { make(password) }) { return hash }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// After `password` was found right against `stored`: when `stored` was made with fewer iterations than new
    /// hashes, makes a new one in the background (the caller's answer does not wait) and hands it to `save`, which
    /// replaces `stored` only if it is still the one saved.
    public static func upgrade(_ password: String, from stored: String, save: @escaping @Sendable (String) async throws -> Void) {
        guard needsRehash(stored) else { return }
        Task {
            let fresh = await makeOffPool(password)
            try? await save(fresh)
        }
    }

    /// `verify`, off the cooperative pool, queued under `tenant`; nil when the queue refused it.
    public static func verifyOffPool(_ password: String, against stored: String, tenant: String) async -> Bool? {
        await derivations.run(key: tenant) { verify(password, against: stored) }
    }
}
