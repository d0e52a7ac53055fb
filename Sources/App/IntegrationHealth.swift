import CRM
import Glibc
import Synchronization
import Telemetry

/// Counts how the integrations answered each org (calls, errors, latency buckets, last error) per minute in memory,
/// and adds the counts to `integration_minutes` every `interval`, so the figures of every instance add up. Fed by
/// the HTTP server after each answer; an answer to any other route costs one string prefix check.
final class IntegrationHealth: Sendable {
    /// Distinct org × integration × minute entries kept between two writes: paths with made-up org slugs cannot
    /// grow memory beyond this (their counts are dropped, and an unknown slug is never written anyway).
    static let maxPending = 10_000

    struct Key: Hashable {
        let orgID: Int64?
        let orgSlug: String?
        let integration: String
        let minute: Int64
    }

    private let pending = Mutex<[Key: IntegrationHealthStore.Minute]>([:])
    let store: IntegrationHealthStore
    let interval: Duration
    let logger: Logger

    init(store: IntegrationHealthStore, interval: Duration, logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    /// The integration a route belongs to, and how its org is named in the answer's log context.
    static func integration(of route: String) -> (name: String, orgField: String)? {
        if route.hasPrefix("/api/v5/") { return ("ciopulse", "org_id") }
        guard route.hasPrefix("/integrations/") else { return nil }
        if route.hasPrefix("/integrations/sirportly/") { return ("sirportly", "org") }
        if route.hasPrefix("/integrations/spicecsm/") { return ("spicecsm", "org") }
        if route.hasPrefix("/integrations/smartertrack/") { return ("smartertrack", "org") }
        return nil
    }

    /// What the health panel counts as an error: the server failed, the caller's credentials or address were
    /// refused (a misconfigured integration), or it was rate limited.
    static func isError(_ status: Int) -> Bool {
        status >= 500 || status == 401 || status == 403 || status == 429
    }

    func observe(
        route: String, method: String, status: Int, seconds: Double, context: [(String, String)],
        now: Double = wallClock()
    ) {
        guard let (integration, orgField) = Self.integration(of: route),
            let orgValue = context.last(where: { $0.0 == orgField })?.1
        else { return }
        let orgID = orgField == "org_id" ? Int64(orgValue) : nil
        guard orgField != "org_id" || orgID != nil else { return }
        var buckets = Array(repeating: Int64(0), count: IntegrationHealthStore.bucketBounds.count + 1)
        buckets[IntegrationHealthStore.bucket(seconds: seconds)] = 1
        let error = Self.isError(status)
        let call = IntegrationHealthStore.Minute(
            orgID: orgID, orgSlug: orgID == nil ? orgValue : nil, integration: integration, minute: Int64(now / 60) * 60,
            calls: 1,
            errors: error ? 1 : 0, latencyBuckets: buckets, lastError: error ? "\(status) to \(method) \(route)" : nil,
            lastErrorAt: error ? now : nil)
        pending.withLock { entries in Self.merge(call, into: &entries) }
    }

    /// Adds `minute` to the pending counts of its org, integration and minute; a new entry beyond ``maxPending`` is
    /// dropped.
    private static func merge(_ minute: IntegrationHealthStore.Minute, into entries: inout [Key: IntegrationHealthStore.Minute]) {
        let key = Key(orgID: minute.orgID, orgSlug: minute.orgSlug, integration: minute.integration, minute: minute.minute)
        if entries[key] != nil {
            entries[key]!.add(minute)
        } else if entries.count < maxPending {
            entries[key] = minute
        }
    }

    static func wallClock() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Writes the counts gathered since the last write. When the database cannot take them, they are put back
    /// (within the same bound) for the next round.
    func flush() async {
        let minutes = pending.withLock { entries in
            defer { entries.removeAll(keepingCapacity: true) }
            return Array(entries.values)
        }
        guard !minutes.isEmpty else { return }
        do {
            try await store.add(minutes)
        } catch {
            logger.warning(
                "integration health figures not written; kept for the next round",
                [
                    ("error", String(describing: type(of: error))), ("minutes", String(minutes.count)),
                ])
            pending.withLock { entries in
                for minute in minutes { Self.merge(minute, into: &entries) }
            }
        }
    }

    /// Writes every `interval` until cancelled, and once more on the way out (in a task of its own: the cancelled
    /// one would not get a database connection).
    func run() async {
        while true {
            do {
                try await Task.sleep(for: interval)
            } catch {
                await Task { await self.flush() }.value
                return
            }
            await flush()
        }
    }
}
