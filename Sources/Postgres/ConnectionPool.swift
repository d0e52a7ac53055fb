import Dispatch
import Synchronization

/// A unit of work for a worker: run it with the worker's connection, or fail it without one. Exactly one of
/// the two is called, exactly once. `run` returns the delivery of its result (resuming the caller), which the
/// worker calls once it has put the connection back in order and told the pool it is free: a caller never
/// sees its result before the pool's state and the connection reflect that the job is over.
struct PoolJob: Sendable {
    let run: @Sendable (PostgresConnection) -> @Sendable () -> Void
    let fail: @Sendable (any Error) -> Void
}

/// The threads behind `PostgresClient`: one worker thread per connection, plus a timer thread that fails jobs
/// whose acquire deadline passes while every worker is busy. All shared state is the `PoolStateMachine` in
/// `state`; each worker sleeps on its own semaphore and the timer on another.
final class ConnectionPool: Sendable {
    let configuration: PostgresConfiguration
    let log: (@Sendable (String) -> Void)?
    let state: Mutex<PoolStateMachine<PoolJob>>
    private let wakeups: [DispatchSemaphore]
    private let timerWakeup = DispatchSemaphore(value: 0)
    private let jobIDs = Atomic<UInt64>(0)

    init(configuration: PostgresConfiguration, log: (@Sendable (String) -> Void)?) {
        self.configuration = configuration
        self.log = log
        let settings = PoolStateMachine<PoolJob>.Settings(
            poolSize: configuration.poolSize, maxWaiting: max(0, configuration.maxWaiting),
            acquireTimeout: configuration.acquireTimeout.nanoseconds,
            reconnectBackoff: configuration.reconnectBackoff.nanoseconds)
        state = Mutex(PoolStateMachine(settings: settings))
        wakeups = (0..<configuration.poolSize).map { _ in DispatchSemaphore(value: 0) }
    }

    /// Monotonic nanoseconds, on the clock `DispatchSemaphore.wait(timeout:)` uses.
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    func makeJobID() -> UInt64 {
        jobIDs.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// Hands a job to an idle worker, queues it, or fails it at once (shut down, queue full, database down,
    /// caller already cancelled). Cancellation is read under the lock, so a cancellation handler that runs
    /// after this call always finds the job queued or gone.
    func submit(_ job: PoolJob, id: UInt64) {
        let (action, lastError) = state.withLock { state in
            (state.submit(job, id: id, now: Self.now(), cancelled: Task.isCancelled), state.lastConnectError)
        }
        switch action {
        case .wake(let worker):
            wakeups[worker].signal()
        case .queued(let wakeTimer):
            if wakeTimer { timerWakeup.signal() }
        case .reject(let job, let rejection):
            switch rejection {
            case .shutdown: job.fail(PostgresError.shutdown)
            case .exhausted: job.fail(PostgresError.poolExhausted)
            case .unavailable: job.fail(Self.unavailable(lastError))
            case .cancelled: job.fail(CancellationError())
            }
        }
    }

    /// The caller's task was cancelled: a job still waiting for a worker fails with `CancellationError`.
    /// A running job is left to finish.
    func cancel(id: UInt64) {
        if let job = state.withLock({ $0.cancel(id: id) }) { job.fail(CancellationError()) }
    }

    /// Stops taking jobs and wakes the idle workers so they exit; busy ones exit after the queue is empty.
    func beginShutdown() {
        let idle = state.withLock { $0.shutdown() }
        for worker in idle { wakeups[worker].signal() }
        timerWakeup.signal()
    }

    // MARK: - Worker threads

    func runWorker(_ index: Int) {
        var connection: PostgresConnection?
        var delivery: (@Sendable () -> Void)?
        while true {
            let action = state.withLock { $0.next(worker: index) }
            delivery?()
            delivery = nil
            switch action {
            case .wait:
                wakeups[index].wait()
            case .run(let job):
                (connection, delivery) = perform(job, worker: index, connection: connection)
            case .exit:
                if let connection {
                    connection.close()
                    state.withLock { $0.connectionClosed(worker: index) }
                }
                if state.withLock({ $0.allExited }) { timerWakeup.signal() }
                return
            }
        }
    }

    /// Runs one job on this worker's connection, opening one first if needed. Returns the connection to keep
    /// and the delivery of the job's outcome.
    private func perform(
        _ job: PoolJob, worker: Int, connection existing: PostgresConnection?
    ) -> (PostgresConnection?, @Sendable () -> Void) {
        var connection = existing
        if let current = connection, !current.isUsableWhenIdle() {
            current.close()
            connection = nil
            state.withLock { $0.connectionClosed(worker: worker) }
        }
        if connection == nil {
            let (permitted, lastError) = state.withLock { ($0.mayConnect(now: Self.now()), $0.lastConnectError) }
            guard permitted else {
                let error = Self.unavailable(lastError)
                return (nil, { job.fail(error) })
            }
            do throws(PostgresError) {
                let fresh = try PostgresConnection.connect(configuration, log: log)
                state.withLock { $0.connectSucceeded(worker: worker) }
                connection = fresh
            } catch {
                state.withLock { $0.connectFailed(now: Self.now(), message: error.message) }
                log?("cannot connect to PostgreSQL: \(error.message)")
                return (nil, { job.fail(error) })
            }
        }
        guard let current = connection else { return (nil, {}) }
        let delivery = job.run(current)
        if !current.isBroken, current.isInTransaction {
            // A `withConnection` job left a transaction open: never hand that to the next job.
            try? current.execute("ROLLBACK")
        }
        if current.isBroken {
            current.close()
            state.withLock { $0.connectionClosed(worker: worker) }
            return (nil, delivery)
        }
        return (current, delivery)
    }

    // MARK: - Timer thread

    /// Fails waiting jobs at their acquire deadline; ends once every worker has exited.
    func runTimer() {
        while true {
            let (expired, deadline, finished) = state.withLock { state in
                (state.expire(now: Self.now()), state.nextDeadline, state.allExited)
            }
            for job in expired { job.fail(PostgresError.poolTimeout(configuration.acquireTimeout)) }
            if finished { return }
            if let deadline {
                _ = timerWakeup.wait(timeout: DispatchTime(uptimeNanoseconds: max(1, deadline)))
            } else {
                timerWakeup.wait()
            }
        }
    }

    private static func unavailable(_ lastError: String?) -> PostgresError {
        PostgresError(
            kind: .unavailable,
            message: "PostgreSQL is unavailable; retrying shortly" + (lastError.map { " (last attempt: \($0))" } ?? ""))
    }
}
