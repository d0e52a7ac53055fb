/// The pool's bookkeeping as a plain value: which workers are idle, which jobs wait and until when, and whether
/// the database is believed to be down. No locks, threads, clocks or I/O: the caller passes `now` (monotonic
/// nanoseconds), holds the lock, and carries out the action returned (wake a worker, fail a job, …) after
/// releasing it. Generic over the job so tests can drive it with plain values.
///
/// Invariants: a worker is in an idle list exactly when its state is `.idle`; while any job waits, no worker
/// is idle (a new job goes to an idle worker before it would queue).
struct PoolStateMachine<Job> {
    struct Settings {
        var poolSize: Int
        var maxWaiting: Int
        var acquireTimeout: UInt64
        var reconnectBackoff: UInt64
    }

    enum WorkerState {
        /// Waiting on its semaphore with nothing to do.
        case idle
        /// Handed a job; its semaphore has been (or is about to be) signalled.
        case assigned(Job)
        /// Running a job.
        case busy
        /// Told to stop while idle; its semaphore has been signalled.
        case stopping
        case exited
    }

    /// What the database looks like from here.
    enum Circuit: Equatable {
        /// Connections may be opened freely.
        case closed
        /// A connection attempt failed: until this instant, jobs that need a new connection fail at once.
        case open(until: UInt64)
        /// The backoff expired and one worker is trying to connect; the others still fail fast.
        case probing
    }

    enum Rejection: Equatable {
        case shutdown
        case exhausted
        case unavailable
        case cancelled
    }

    enum SubmitAction {
        /// Signal this worker's semaphore: the job is in its mailbox.
        case wake(worker: Int)
        /// The job waits; when it is the only one, the timer must learn of its deadline.
        case queued(wakeTimer: Bool)
        case reject(Job, Rejection)
    }

    enum WorkerAction {
        case run(Job)
        /// Wait on the semaphore, then ask again.
        case wait
        case exit
    }

    struct Waiting {
        let id: UInt64
        let job: Job
        let deadline: UInt64
    }

    let settings: Settings
    private(set) var workers: [WorkerState]
    private(set) var connected: [Bool]
    private var idleConnected: [Int] = []
    private var idleDisconnected: [Int]
    private var waiting: [Waiting] = []
    private var waitingHead = 0
    private(set) var circuit: Circuit = .closed
    /// Why the last connection attempt failed, for the fast failures that follow it.
    private(set) var lastConnectError: String?
    private(set) var isShuttingDown = false
    private(set) var inUse = 0
    private var nextJobID: UInt64 = 0

    init(settings: Settings) {
        self.settings = settings
        workers = Array(repeating: .idle, count: settings.poolSize)
        connected = Array(repeating: false, count: settings.poolSize)
        // Reversed so that worker 0 is taken first (a stack): a quiet pool keeps reusing the same few threads.
        idleDisconnected = Array((0..<settings.poolSize).reversed())
    }

    var waitingCount: Int { waiting.count - waitingHead }
    var connectedCount: Int { connected.lazy.filter { $0 }.count }
    var idleCount: Int { idleConnected.count + idleDisconnected.count }

    /// The deadline of the job that has waited longest.
    var nextDeadline: UInt64? { waitingHead < waiting.count ? waiting[waitingHead].deadline : nil }

    mutating func makeJobID() -> UInt64 {
        nextJobID &+= 1
        return nextJobID
    }

    /// A new job: to an idle worker (one with a connection first), else into the queue, else refused.
    mutating func submit(_ job: Job, id: UInt64, now: UInt64, cancelled: Bool = false) -> SubmitAction {
        if isShuttingDown { return .reject(job, .shutdown) }
        if cancelled { return .reject(job, .cancelled) }
        if let worker = idleConnected.popLast() {
            return assign(job, to: worker)
        }
        if !idleDisconnected.isEmpty {
            // Only a new connection could serve this job: while the database is known to be down, say so now.
            if failsFast(now: now) { return .reject(job, .unavailable) }
            return assign(job, to: idleDisconnected.removeLast())
        }
        if waitingCount >= settings.maxWaiting { return .reject(job, .exhausted) }
        waiting.append(Waiting(id: id, job: job, deadline: now &+ settings.acquireTimeout))
        return .queued(wakeTimer: waitingCount == 1)
    }

    private mutating func assign(_ job: Job, to worker: Int) -> SubmitAction {
        workers[worker] = .assigned(job)
        inUse += 1
        return .wake(worker: worker)
    }

    /// A worker asks what to do: at start, after each wake-up and after each job.
    mutating func next(worker: Int) -> WorkerAction {
        switch workers[worker] {
        case .assigned(let job):
            workers[worker] = .busy
            return .run(job)
        case .idle:
            return .wait
        case .stopping, .exited:
            workers[worker] = .exited
            return .exit
        case .busy:
            inUse -= 1
        }
        if let job = popWaiting() {
            inUse += 1
            return .run(job)
        }
        if isShuttingDown {
            workers[worker] = .exited
            return .exit
        }
        workers[worker] = .idle
        if connected[worker] { idleConnected.append(worker) } else { idleDisconnected.append(worker) }
        return .wait
    }

    private mutating func popWaiting() -> Job? {
        guard waitingHead < waiting.count else { return nil }
        let job = waiting[waitingHead].job
        waitingHead += 1
        compact()
        return job
    }

    private mutating func compact() {
        if waitingHead == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            waitingHead = 0
        } else if waitingHead >= 64, waitingHead * 2 >= waiting.count {
            waiting.removeFirst(waitingHead)
            waitingHead = 0
        }
    }

    /// Removes the jobs whose acquire deadline has passed.
    mutating func expire(now: UInt64) -> [Job] {
        var expired: [Job] = []
        while waitingHead < waiting.count, waiting[waitingHead].deadline <= now {
            expired.append(waiting[waitingHead].job)
            waitingHead += 1
        }
        if !expired.isEmpty { compact() }
        return expired
    }

    /// Takes a waiting job out of the queue (its caller was cancelled). Nil when it already left the queue.
    mutating func cancel(id: UInt64) -> Job? {
        guard let index = waiting[waitingHead...].firstIndex(where: { $0.id == id }) else { return nil }
        let job = waiting.remove(at: index).job
        compact()
        return job
    }

    // MARK: - Connections and the circuit

    private func failsFast(now: UInt64) -> Bool {
        switch circuit {
        case .closed: false
        case .open(let until): now < until
        case .probing: true
        }
    }

    /// A worker without a connection has a job: may it try to connect? After a failure, only one worker
    /// probes once the backoff expires; the rest fail fast until the probe succeeds.
    mutating func mayConnect(now: UInt64) -> Bool {
        switch circuit {
        case .closed:
            return true
        case .open(let until):
            guard now >= until else { return false }
            circuit = .probing
            return true
        case .probing:
            return false
        }
    }

    mutating func connectSucceeded(worker: Int) {
        circuit = .closed
        lastConnectError = nil
        connected[worker] = true
    }

    mutating func connectFailed(now: UInt64, message: String) {
        circuit = .open(until: now &+ settings.reconnectBackoff)
        lastConnectError = message
    }

    mutating func connectionClosed(worker: Int) {
        connected[worker] = false
    }

    // MARK: - Shutdown

    /// Refuses new jobs from now on; returns the idle workers, which the caller wakes so they exit. Busy
    /// workers finish the queue first.
    mutating func shutdown() -> [Int] {
        guard !isShuttingDown else { return [] }
        isShuttingDown = true
        let idle = idleConnected + idleDisconnected
        idleConnected.removeAll()
        idleDisconnected.removeAll()
        for worker in idle { workers[worker] = .stopping }
        return idle
    }

    var allExited: Bool {
        workers.allSatisfy {
            if case .exited = $0 { true } else { false }
        }
    }
}
