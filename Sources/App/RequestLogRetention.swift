import CRM
import Listener
import Telemetry

/// Keeps the listener request log to `CRMHUB_LISTENER_LOG_RETENTION_DAYS`: every
/// `CRMHUB_LISTENER_LOG_PURGE_INTERVAL` seconds it deletes older requests, a batch per short transaction, until a
/// batch comes back short. Several instances may purge at once (each skips rows another is deleting). The same
/// rounds drop `Idempotency-Key` rows past their 24 hours, so keys that are never reused do not stay for ever, and the
/// integrations' per-minute counts older than a day.
struct RequestLogRetention: Sendable {
    static let batch = 1000

    let store: ListenerRequestStore
    let idempotency: IdempotencyStore
    let integrationHealth: IntegrationHealthStore
    /// 0 keeps the request log for ever (idempotency keys are still dropped).
    let days: Int
    let interval: Duration
    let logger: Logger

    /// Purges after each interval until the task is cancelled. The first purge waits one interval, so instances
    /// starting together do not all purge at the same moment as they start.
    func run() async {
        while true {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return  // cancelled: shutting down
            }
            await purge()
        }
    }

    /// One purge: batches until one deletes fewer than ``batch`` rows. A failure (database unavailable) is logged and
    /// left to the next interval.
    /// - Returns: how many requests were deleted.
    @discardableResult
    func purge() async -> Int {
        var total = 0
        do {
            while !Task.isCancelled {
                if try await idempotency.purgeExpired(batch: Self.batch) < Self.batch { break }
            }
            _ = try await integrationHealth.purge()
            while days > 0 && !Task.isCancelled {
                let deleted = try await store.purge(olderThanDays: days, batch: Self.batch)
                total += deleted
                if deleted < Self.batch { break }
            }
        } catch {
            logger.warning(
                "listener request log purge failed",
                [
                    ("error", String(describing: type(of: error))), ("detail", "\(error)"), ("purged", String(total)),
                ])
            return total
        }
        logger.log(
            total > 0 ? .info : .debug, "listener request log purged",
            [
                ("purged", String(total)), ("retention_days", String(days)),
            ])
        return total
    }
}
