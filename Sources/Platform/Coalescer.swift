import Synchronization

/// Work for one key (a listener URL, a portal's credentials) that arrives while earlier work for that key is being
/// written is written together, in one transaction: a client sending one record per request at a high rate pays
/// for the transaction, the lookups and the commit once per group instead of once per request. Work that finds
/// fewer than `maxRunning` groups running for its key starts one at once, so a quiet client waits for nothing.
///
/// `run` answers each arrival of a group separately, in order, with exactly one result per arrival (otherwise every
/// arrival of the group gets ``CoalescerError/resultCount(expected:got:)``); it decides how a group that cannot
/// finish together is run again (typically one arrival at a time).
public final class Coalescer<Arrival: Sendable, Reply: Sendable>: Sendable {
    public typealias Run = @Sendable (_ key: String, _ arrivals: [Arrival]) async -> [Result<Reply, any Error>]

    struct Waiting: Sendable {
        let arrival: Arrival
        let continuation: CheckedContinuation<Reply, any Error>
    }

    struct Queue {
        var waiting: [Waiting] = []
        var running = 0
    }

    /// Groups of one key written at the same time (each on its own pooled connection).
    public let maxRunning: Int
    /// Arrivals per group at most.
    public let maxGroup: Int
    private let queues = Mutex<[String: Queue]>([:])

    /// Two groups at a time measured best (bench/ingest, 16 senders): larger groups amortise more, and the
    /// second keeps one group's statements running while the other waits for its commit.
    public init(maxRunning: Int = 2, maxGroup: Int = 64) {
        self.maxRunning = maxRunning
        self.maxGroup = maxGroup
    }

    public func submit(key: String, arrival: Arrival, run: @escaping Run) async throws -> Reply {
        try await withCheckedThrowingContinuation { continuation in
            let start: [Waiting]? = queues.withLock { queues in
                var queue = queues[key, default: Queue()]
                queue.waiting.append(Waiting(arrival: arrival, continuation: continuation))
                var taken: [Waiting]?
                if queue.running < maxRunning {
                    queue.running += 1
                    taken = Self.take(&queue, maxGroup)
                }
                queues[key] = queue
                return taken
            }
            if let start { Task { await self.drain(key: key, first: start, run: run) } }
        }
    }

    /// Writes groups for `key` until nothing is waiting.
    private func drain(key: String, first: [Waiting], run: Run) async {
        var group = first
        while !group.isEmpty {
            let results = await run(key, group.map(\.arrival))
            if results.count == group.count {
                for (waiting, result) in zip(group, results) { waiting.continuation.resume(with: result) }
            } else {
                // A broken `run`: which result belongs to whom is unknown, so every caller gets the error (and none
                // waits for ever for a result that never comes).
                let error = CoalescerError.resultCount(expected: group.count, got: results.count)
                for waiting in group { waiting.continuation.resume(throwing: error) }
            }
            group = queues.withLock { queues in
                guard var queue = queues[key] else { return [] }
                let taken = Self.take(&queue, maxGroup)
                if taken.isEmpty { queue.running -= 1 }
                queues[key] = queue.running == 0 && queue.waiting.isEmpty ? nil : queue
                return taken
            }
        }
    }

    private static func take(_ queue: inout Queue, _ limit: Int) -> [Waiting] {
        let taken = Array(queue.waiting.prefix(limit))
        queue.waiting.removeFirst(taken.count)
        return taken
    }
}

/// A `run` that broke the coalescer's contract.
public enum CoalescerError: Error, Equatable {
    /// `run` returned `got` results for `expected` arrivals.
    case resultCount(expected: Int, got: Int)
}
