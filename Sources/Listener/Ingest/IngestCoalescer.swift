import Synchronization

/// Requests to one listener URL that arrive while earlier ones are being written are written together, in one
/// transaction: a sender posting one contact per request at a high rate pays for the transaction, the listener
/// lookup, the log insert and the commit once per group instead of once per request. A request that finds fewer
/// than `maxRunning` groups running for its URL starts one at once, so a quiet listener waits for nothing.
///
/// Each request keeps its own answer, log row and per-item atomicity; a group that cannot finish together is run
/// again one request at a time (see `ListenerIngestion.runGroup`).
final class IngestCoalescer: Sendable {
    typealias Run = @Sendable (_ token: String, _ arrivals: [ListenerIngestion.Arrival]) async
        -> [Result<ListenerIngestion.Reply?, any Error>]

    struct Waiting: Sendable {
        let arrival: ListenerIngestion.Arrival
        let continuation: CheckedContinuation<ListenerIngestion.Reply?, any Error>
    }

    struct Queue {
        var waiting: [Waiting] = []
        var running = 0
    }

    /// Groups of one URL written at the same time (each on its own pooled connection).
    let maxRunning: Int
    /// Requests per group at most.
    let maxGroup: Int
    private let queues = Mutex<[String: Queue]>([:])

    /// Two groups at a time measured best here (bench/ingest, 16 senders): larger groups amortise more, and the
    /// second keeps one group's statements running while the other waits for its commit.
    init(maxRunning: Int = 2, maxGroup: Int = 64) {
        self.maxRunning = maxRunning
        self.maxGroup = maxGroup
    }

    func submit(token: String, arrival: ListenerIngestion.Arrival, run: @escaping Run) async throws -> ListenerIngestion.Reply? {
        try await withCheckedThrowingContinuation { continuation in
            let start: [Waiting]? = queues.withLock { queues in
                var queue = queues[token, default: Queue()]
                queue.waiting.append(Waiting(arrival: arrival, continuation: continuation))
                var taken: [Waiting]?
                if queue.running < maxRunning {
                    queue.running += 1
                    taken = Self.take(&queue, maxGroup)
                }
                queues[token] = queue
                return taken
            }
            if let start { Task { await self.drain(token: token, first: start, run: run) } }
        }
    }

    /// Writes groups for `token` until nothing is waiting.
    private func drain(token: String, first: [Waiting], run: Run) async {
        var group = first
        while !group.isEmpty {
            let results = await run(token, group.map(\.arrival))
            for (waiting, result) in zip(group, results) { waiting.continuation.resume(with: result) }
            group = queues.withLock { queues in
                guard var queue = queues[token] else { return [] }
                let taken = Self.take(&queue, maxGroup)
                if taken.isEmpty { queue.running -= 1 }
                queues[token] = queue.running == 0 && queue.waiting.isEmpty ? nil : queue
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
