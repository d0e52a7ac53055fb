import Platform
import Synchronization

/// A pool of PostgreSQL connections, each owned by its own thread.
///
/// Callers hand the pool a synchronous closure; a worker thread runs it with its connection and resumes the
/// caller. Blocking libpq calls therefore never run on Swift's cooperative pool or on the HTTP I/O threads, and a
/// whole transaction costs one hop, not one per statement.
///
/// - Connections open lazily: a worker connects when it gets its first job (and again after losing its
///   connection). Idle workers that hold a connection are preferred, so a quiet service keeps few connections.
/// - Jobs queue FIFO, at most `maxWaiting` of them; one that waits longer than `acquireTimeout` fails with
///   `.poolTimeout`; a waiting job whose task is cancelled fails with `CancellationError`.
/// - A lost connection fails the running job with `.connectionLost`; the worker reconnects on its next job.
///   A connection found dead while idle is replaced before the job runs.
/// - After a failed connection attempt, jobs that would need a new connection fail at once with `.unavailable`
///   for `reconnectBackoff`; then one job tries again. The pool recovers by itself when the server is back.
public final class PostgresClient: Sendable {
    public let configuration: PostgresConfiguration
    private let pool: ConnectionPool
    /// The workers, then the timer.
    private let threads: [OSThread]
    private let lifecycle = Mutex(Lifecycle.running)

    private enum Lifecycle {
        case running
        case stopping([CheckedContinuation<Void, Never>])
        case stopped
    }

    /// Starts the worker threads (connections open on demand).
    /// - Parameters:
    ///   - configuration: where the database is and how the pool behaves; `poolSize` is raised to at least 1.
    ///   - log: receives one line per failed connection attempt and per server WARNING; never SQL or values.
    public init(configuration: PostgresConfiguration, log: (@Sendable (String) -> Void)? = nil) {
        var configuration = configuration
        configuration.poolSize = max(1, configuration.poolSize)
        self.configuration = configuration
        let pool = ConnectionPool(configuration: configuration, log: log)
        self.pool = pool
        // Transaction bodies (a whole request's work) run on these threads: the platform's default 8 MiB stack,
        // as before they were OSThreads.
        var threads = (0..<configuration.poolSize).map { index in
            OSThread.start(name: "crmhub-db-\(index)", stackSize: 8 << 20) { pool.runWorker(index) }
        }
        threads.append(OSThread.start(name: "crmhub-db-timer") { pool.runTimer() })
        self.threads = threads
    }

    deinit {
        // Released without `shutdown()`: no caller is waiting (each call keeps the client alive), so the workers
        // only have to close their connections and end. Nobody will join them.
        let wasRunning = lifecycle.withLock { state -> Bool in
            guard case .running = state else { return false }
            state = .stopped
            return true
        }
        if wasRunning {
            pool.beginShutdown()
            for thread in threads { thread.detach() }
        }
    }

    /// Runs `body` with a pooled connection, on that connection's thread.
    ///
    /// The closure may run several statements; a transaction it leaves open is rolled back afterwards.
    /// - Throws: what `body` throws, or a `PostgresError` (`.poolTimeout`, `.poolExhausted`, `.unavailable`,
    ///   `.shutdown`), or `CancellationError` when the task is cancelled while waiting for a connection.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let pool = self.pool
        let id = pool.makeJobID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                pool.submit(
                    PoolJob(
                        run: { connection in
                            let result = Result { try body(connection) }
                            return { continuation.resume(with: result) }
                        },
                        fail: { error in continuation.resume(throwing: error) }),
                    id: id)
            }
        } onCancel: {
            pool.cancel(id: id)
        }
    }

    /// Runs `body` in a transaction: `BEGIN ISOLATION LEVEL …`, then `COMMIT` when it returns, `ROLLBACK` when it
    /// throws. A serialization failure (40001) or deadlock (40P01) runs the whole closure again in a fresh
    /// transaction, up to `retries` times, on the same connection, so `body` must be safe to repeat. `prelude`
    /// (one statement, e.g. transaction-local settings) goes with `BEGIN` and the body's first statement in one
    /// round trip.
    /// - Throws: what `body` throws (after rolling back), or the last retryable failure once retries run out.
    public func withTransaction<T: Sendable>(
        isolation: IsolationLevel = .readCommitted, retries: Int = 3, prelude: Query? = nil,
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try connection.withTransaction(isolation: isolation, retries: retries, prelude: prelude, body)
        }
    }

    /// One statement in its own implicit transaction (autocommit).
    @discardableResult
    public func query(_ query: Query) async throws -> QueryResult {
        try await withConnection { connection in try connection.query(query) }
    }

    /// A snapshot for metrics.
    public var stats: PoolStats {
        let size = configuration.poolSize
        return pool.state.withLock { state in
            PoolStats(
                size: size, inUse: state.inUse, idle: state.idleCount, waiting: state.waitingCount,
                connected: state.connectedCount)
        }
    }

    /// Refuses new jobs (they fail with `.shutdown`), lets the running and queued ones finish, closes every
    /// connection and joins the threads. Later and concurrent calls wait for the same end.
    public func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let first = lifecycle.withLock { state -> Bool? in
                switch state {
                case .running:
                    state = .stopping([continuation])
                    return true
                case .stopping(let waiters):
                    state = .stopping(waiters + [continuation])
                    return false
                case .stopped:
                    return nil
                }
            }
            switch first {
            case nil: continuation.resume()
            case false?: break
            case true?: startStopping()
            }
        }
    }

    /// Joins the threads on a thread of its own (joining blocks) and then resumes everyone waiting in `shutdown()`.
    private func startStopping() {
        let pool = self.pool
        let threads = self.threads
        OSThread.start(name: "crmhub-db-stop") { [self] in
            pool.beginShutdown()
            for thread in threads { thread.join() }
            let waiters = lifecycle.withLock { state -> [CheckedContinuation<Void, Never>] in
                defer { state = .stopped }
                if case .stopping(let waiters) = state { return waiters }
                return []
            }
            for waiter in waiters { waiter.resume() }
        }.detach()
    }
}

/// The pool at one instant. `inUse + idle == size` while the pool runs.
public struct PoolStats: Sendable, Hashable {
    /// Worker threads (the most connections the pool opens).
    public let size: Int
    /// Workers running a job.
    public let inUse: Int
    /// Workers free to take a job at once.
    public let idle: Int
    /// Jobs queued for a worker.
    public let waiting: Int
    /// Open connections.
    public let connected: Int
}
