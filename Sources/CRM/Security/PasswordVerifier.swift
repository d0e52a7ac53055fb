import Platform
import Synchronization

/// Checks helpdesk passwords against their PBKDF2 hashes, remembering successes for a short time.
///
/// PBKDF2 is deliberately slow (about a tenth of a second) and a helpdesk calls in bursts (SpiceCSM searches as an
/// agent types, Sirportly on every ticket update). A success is remembered for `lifetime` under the SHA-256 of the
/// integration, the stored hash and the presented password, so a burst costs one derivation; a new password (a new
/// stored hash) misses at once. Failures are never remembered, and the presented password is not kept.
///
/// Derivations run on at most `threads` plain threads, never on Swift's cooperative pool: on a two-core server two
/// concurrent derivations there would stall every other request for their duration.
public final class PasswordVerifier: Sendable {
    private let remembered = Mutex<[[UInt8]: ContinuousClock.Instant]>([:])
    let lifetime: Duration
    let capacity: Int

    public init(lifetime: Duration = .seconds(60), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// - Parameter scope: what the stored hash belongs to (org, integration, user name).
    public func verify(_ password: String, against stored: String, scope: String) async -> Bool {
        let key = SecretToken.hash(scope + "\u{0}" + stored + "\u{0}" + password)
        if remembered.withLock({ $0[key].map { $0 > ContinuousClock.now } ?? false }) { return true }
        guard await PasswordHash.verifyOffPool(password, against: stored) else { return false }
        let now = ContinuousClock.now
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

extension PasswordHash {
    /// Every slow derivation of the process runs here, on at most two plain threads, never on Swift's cooperative
    /// pool: on a two-core server two derivations there would stall every other request for their duration.
    static let derivations = BlockingQueue(name: "crmhub-kdf", threads: 2)

    /// `make`, off the cooperative pool.
    public static func makeOffPool(_ password: String) async -> String { await derivations.run { make(password) } }

    /// `verify`, off the cooperative pool.
    public static func verifyOffPool(_ password: String, against stored: String) async -> Bool {
        await derivations.run { verify(password, against: stored) }
    }
}

/// Blocking work run in order on at most `threads` plain threads, started when work arrives and ended when none is left.
final class BlockingQueue: Sendable {
    private let state = Mutex<(jobs: [@Sendable () -> Void], running: Int)>(([], 0))
    let name: String
    let threads: Int

    init(name: String, threads: Int) {
        self.name = name
        self.threads = max(1, threads)
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let startThread = state.withLock { state in
                state.jobs.append { continuation.resume(returning: work()) }
                guard state.running < threads else { return false }
                state.running += 1
                return true
            }
            if startThread { OSThread.detach(name: name) { [self] in drain() } }
        }
    }

    private func drain() {
        while let job = state.withLock({ state -> (@Sendable () -> Void)? in
            if state.jobs.isEmpty {
                state.running -= 1
                return nil
            }
            return state.jobs.removeFirst()
        }) {
            job()
        }
    }
}
