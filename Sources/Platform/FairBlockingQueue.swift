import CShims
import Synchronization

/// Blocking work (password derivations) on a few plain threads, never on Swift's cooperative pool, bounded and fair
/// between tenants.
///
/// Each key (an org) has its own FIFO of at most `perKeyLimit` waiting jobs, and all keys together at most
/// `totalLimit`; a job beyond either is refused at once (`run` returns nil) instead of waiting behind a flood. Keys
/// take turns: the next job is the oldest of the key that was served least recently. One key never runs on more
/// than `threads - 1` threads at once (when there are two or more), so a flood from one org always leaves a thread
/// free: another org's job starts at once instead of waiting for the flood's running jobs to finish.
public final class FairBlockingQueue: Sendable {
    private struct State {
        var jobs: [String: [@Sendable () -> Void]] = [:]
        var runningByKey: [String: Int] = [:]
        /// Keys with waiting jobs, in the order they will be served.
        var turns: [String] = []
        var waiting = 0
        var running = 0
    }

    private let state = Mutex(State())
    public let name: String
    public let threads: Int
    public let perKeyLimit: Int
    public let totalLimit: Int
    public let nice: Int32
    /// Threads one key may occupy at once.
    public let perKeyThreads: Int

    public init(name: String, threads: Int, perKeyLimit: Int, totalLimit: Int, nice: Int32 = 0) {
        self.name = name
        self.threads = max(1, threads)
        perKeyThreads = max(1, self.threads - 1)
        self.perKeyLimit = max(1, perKeyLimit)
        self.totalLimit = max(1, totalLimit)
        self.nice = nice
    }

    /// Runs `work` on one of the queue's threads; nil when the queue is full for `key` or in all.
    public func run<T: Sendable>(key: String, _ work: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            let admitted = state.withLock { state -> (accepted: Bool, startThread: Bool) in
                let queued = state.jobs[key]?.count ?? 0
                guard queued < perKeyLimit, state.waiting < totalLimit else { return (false, false) }
                if queued == 0 { state.turns.append(key) }
                state.jobs[key, default: []].append { continuation.resume(returning: work()) }
                state.waiting += 1
                guard state.running < threads else { return (true, false) }
                state.running += 1
                return (true, true)
            }
            guard admitted.accepted else { return continuation.resume(returning: nil) }
            if admitted.startThread { OSThread.detach(name: name) { [self] in drain() } }
        }
    }

    /// Jobs waiting, all keys together.
    public var waiting: Int { state.withLock { $0.waiting } }

    private func drain() {
        if nice != 0 { _ = cshims_set_thread_nice(nice) }
        var finished: String?
        while let (key, job) = state.withLock({ state -> (String, @Sendable () -> Void)? in
            if let finished {
                let left = (state.runningByKey[finished] ?? 1) - 1
                state.runningByKey[finished] = left > 0 ? left : nil
            }
            guard let turn = state.turns.firstIndex(where: { (state.runningByKey[$0] ?? 0) < perKeyThreads }) else {
                state.running -= 1
                return nil
            }
            let key = state.turns.remove(at: turn)
            var queue = state.jobs[key] ?? []
            let job = queue.removeFirst()
            if queue.isEmpty {
                state.jobs[key] = nil
            } else {
                state.jobs[key] = queue
                state.turns.append(key)
            }
            state.waiting -= 1
            state.runningByKey[key, default: 0] += 1
            return (key, job)
        }) {
            job()
            finished = key
        }
    }
}
