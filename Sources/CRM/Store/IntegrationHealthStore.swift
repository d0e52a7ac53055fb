import Postgres

/// How the integrations answered each org, per minute (`integration_minutes`), summed over every instance.
public struct IntegrationHealthStore: Sendable {
    let scope: OrgScope

    public init(scope: OrgScope) {
        self.scope = scope
    }

    /// One instance's counts for one org, integration and minute. The org is known by id (CIOPulse finds it from
    /// the key) or by the slug in the path (the helpdesk web calls); a slug no org has is dropped when written.
    public struct Minute: Sendable, Equatable {
        public var orgID: Int64?
        public var orgSlug: String?
        public var integration: String
        /// Seconds since 1970 at the start of the minute.
        public var minute: Int64
        public var calls: Int64
        public var errors: Int64
        public var latencyBuckets: [Int64]
        public var lastError: String?
        /// Seconds since 1970.
        public var lastErrorAt: Double?

        public init(
            orgID: Int64?, orgSlug: String?, integration: String, minute: Int64, calls: Int64 = 0, errors: Int64 = 0,
            latencyBuckets: [Int64], lastError: String? = nil, lastErrorAt: Double? = nil
        ) {
            self.orgID = orgID
            self.orgSlug = orgSlug
            self.integration = integration
            self.minute = minute
            self.calls = calls
            self.errors = errors
            self.latencyBuckets = latencyBuckets
            self.lastError = lastError
            self.lastErrorAt = lastErrorAt
        }

        /// Adds `other`'s counts (same org, integration and minute) to these; the later last error stays.
        public mutating func add(_ other: Minute) {
            calls += other.calls
            errors += other.errors
            for index in latencyBuckets.indices where index < other.latencyBuckets.count {
                latencyBuckets[index] += other.latencyBuckets[index]
            }
            if let at = other.lastErrorAt, at >= lastErrorAt ?? -.infinity {
                (lastError, lastErrorAt) = (other.lastError, at)
            }
        }
    }

    /// Upper bounds (milliseconds) of the latency buckets; one more bucket counts the slower calls.
    public static let bucketBounds: [Double] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]

    /// The bucket a call of `seconds` falls in.
    public static func bucket(seconds: Double) -> Int {
        let milliseconds = seconds * 1000
        return bucketBounds.firstIndex { milliseconds <= $0 } ?? bucketBounds.count
    }

    /// The sums over a window for one integration of one org.
    public struct Summary: Sendable, Equatable {
        public let integration: String
        public let calls: Int64
        public let errors: Int64
        public let latencyBuckets: [Int64]
        public let lastError: String?
        public let lastErrorAt: String?

        public init(
            integration: String, calls: Int64, errors: Int64, latencyBuckets: [Int64], lastError: String?, lastErrorAt: String?
        ) {
            self.integration = integration
            self.calls = calls
            self.errors = errors
            self.latencyBuckets = latencyBuckets
            self.lastError = lastError
            self.lastErrorAt = lastErrorAt
        }

        /// The upper bound of the bucket holding the 99th percentile call; nil when there were no calls or it is
        /// slower than the last bound (then ``p99IsBeyondBounds``).
        public var p99Milliseconds: Double? {
            guard let index = p99Bucket, index < IntegrationHealthStore.bucketBounds.count else { return nil }
            return IntegrationHealthStore.bucketBounds[index]
        }

        public var p99IsBeyondBounds: Bool { p99Bucket.map { $0 >= IntegrationHealthStore.bucketBounds.count } ?? false }

        private var p99Bucket: Int? {
            let total = latencyBuckets.reduce(0, +)
            guard total > 0 else { return nil }
            let wanted = (total * 99 + 99) / 100
            var seen: Int64 = 0
            for (index, count) in latencyBuckets.enumerated() {
                seen += count
                if seen >= wanted { return index }
            }
            return latencyBuckets.count - 1
        }
    }

    /// Adds `minutes` to the stored counts, in one statement.
    public func add(_ minutes: [Minute]) async throws {
        guard !minutes.isEmpty else { return }
        let buckets = minutes.map { "{" + $0.latencyBuckets.map(String.init).joined(separator: ",") + "}" }
        try await scope.withPlatform { connection in
            _ = try connection.query(
                """
                INSERT INTO integration_minutes AS m
                    (org_id, integration, minute, calls, errors, latency_buckets, last_error, last_error_at)
                SELECT o.id, i.integration, to_timestamp(i.minute), i.calls, i.errors, i.buckets::bigint[], i.last_error,
                    to_timestamp(i.last_error_at)
                FROM unnest(\(minutes.map(\.orgID))::bigint[], \(minutes.map(\.orgSlug))::text[],
                    \(minutes.map(\.integration))::text[], \(minutes.map(\.minute))::bigint[], \(minutes.map(\.calls))::bigint[],
                    \(minutes.map(\.errors))::bigint[], \(buckets)::text[], \(minutes.map(\.lastError))::text[],
                    \(minutes.map(\.lastErrorAt))::float8[])
                    AS i(org_id, slug, integration, minute, calls, errors, buckets, last_error, last_error_at)
                JOIN orgs AS o ON o.id = coalesce(i.org_id, (SELECT id FROM orgs WHERE slug = i.slug))
                ON CONFLICT (org_id, integration, minute) DO UPDATE SET
                    calls = m.calls + excluded.calls,
                    errors = m.errors + excluded.errors,
                    latency_buckets = ARRAY(
                        SELECT coalesce(a, 0) + coalesce(b, 0)
                        FROM unnest(m.latency_buckets, excluded.latency_buckets) WITH ORDINALITY AS u(a, b, n) ORDER BY n),
                    last_error = CASE WHEN excluded.last_error_at >= coalesce(m.last_error_at, '-infinity')
                        THEN excluded.last_error ELSE m.last_error END,
                    last_error_at = greatest(m.last_error_at, excluded.last_error_at)
                """)
        }
    }

    /// Deletes the minutes older than a day (the panel shows the last hour); how many. Run by the retention rounds,
    /// not by every write: the condition leads with no org, so it reads the whole table.
    public func purge() async throws -> Int {
        try await scope.withPlatform { connection in
            try connection.query("DELETE FROM integration_minutes WHERE minute < now() - interval '1 day'").affectedRows
        }
    }

    /// The last `minutes` minutes of each integration that answered the org, by integration name.
    public func window(orgID: Int64, minutes: Int) async throws -> [Summary] {
        try await scope.withOrg(orgID) { connection in
            try connection.query(
                """
                SELECT integration, sum(calls)::bigint AS calls, sum(errors)::bigint AS errors,
                    ARRAY(SELECT sum(b)::bigint FROM integration_minutes AS w,
                            unnest(w.latency_buckets) WITH ORDINALITY AS u(b, n)
                          WHERE w.org_id = \(orgID) AND w.integration = m.integration
                            AND w.minute >= now() - make_interval(mins => \(minutes))
                          GROUP BY n ORDER BY n) AS buckets,
                    (array_agg(last_error ORDER BY last_error_at DESC NULLS LAST))[1] AS last_error,
                    to_char(max(last_error_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_error_at
                FROM integration_minutes AS m
                WHERE org_id = \(orgID) AND minute >= now() - make_interval(mins => \(minutes))
                GROUP BY integration ORDER BY integration
                """
            ).rows.map { row in
                Summary(
                    integration: try row.decode("integration"), calls: try row.decode("calls"), errors: try row.decode("errors"),
                    latencyBuckets: try row.decode("buckets"), lastError: try row.decode("last_error"),
                    lastErrorAt: try row.decode("last_error_at"))
            }
        }
    }
}
