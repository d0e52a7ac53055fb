import CRM
import Outbox
import Postgres

/// The delivery workers' side of the outbox, across orgs (platform scope): claim due messages, record outcomes.
///
/// A claim marks a message 'sending' and leases it (next_attempt_at = the lease's end) in the same statement that
/// locks it with SKIP LOCKED, so concurrent workers and instances never claim the same message. `attempts` is raised
/// by the claim; an outcome is recorded only while the message is still 'sending' with that attempt number, so a
/// worker whose lease ran out (and whose message another worker claimed again) cannot overwrite the newer claim.
public struct DeliveryQueueStore: Sendable {
    /// A message claimed for one attempt.
    public struct Claim: Sendable {
        public let orgID: Int64
        public let message: OutboxMessage
        /// This attempt's number (1 for the first).
        public var attempt: Int { message.attempts }
        /// When the claim was made (timestamptz text), recorded as the attempt's start.
        public let claimedAt: String
    }

    /// What became of an attempt.
    public enum Outcome: Sendable, Equatable {
        case sent(providerMessageID: String?)
        /// Tried again after the delay.
        case retrying(error: String, delaySeconds: Double)
        case failed(error: String)
        /// Not an attempt: the org has no settings for the channel. The message goes back to 'queued' with the
        /// reason, and is looked at again after the delay (or as soon as settings are saved).
        case waiting(reason: String, delaySeconds: Double)
    }

    /// What the log keeps of an attempt besides its outcome.
    public struct AttemptDetail: Sendable {
        public var responseStatus: Int?
        public var responseExcerpt: String?
        public var durationMS: Int?

        public init(responseStatus: Int? = nil, responseExcerpt: String? = nil, durationMS: Int? = nil) {
            self.responseStatus = responseStatus
            self.responseExcerpt = responseExcerpt
            self.durationMS = durationMS
        }
    }

    let scope: OrgScope

    public init(scope: OrgScope) { self.scope = scope }

    /// Claims up to `limit` due messages, leased for `leaseSeconds`, taking turns between orgs (sql/0010): the org
    /// whose turn is earliest goes first, its turn being the later of its oldest due message and the last claim of
    /// one of its messages; within an org, oldest due first. A suspended org's messages are not claimed: they keep
    /// their status and are due again as soon as the org is active.
    ///
    /// The orgs are found in outbox_turns (sql/0020), whose stored turns are never later than the real ones: the
    /// claim walks them from the earliest, works out each org's real turn from its oldest due message, and stops
    /// once it has `limit` + `spare` orgs with a message due and the next stored turn is later than all of theirs
    /// (or after `walked` orgs). Its cost depends on the orgs it looks at, not on how many have messages waiting.
    /// The walk takes the turns up to the statement's start, not the transaction's: a claim stores its own
    /// transaction's start as the org's turn, which may be later than that of a claim that began before it.
    /// Each org offers a few more messages than `limit`, so that workers claiming at the same moment skip each
    /// other's locked rows and still find one. The status and due conditions are repeated where the rows are locked:
    /// a row another worker claimed after this statement's snapshot is re-checked there, and skipped.
    ///
    /// An org it looked at whose stored turn was early (nothing due yet, nothing left, suspended) gets its real turn
    /// (`settle`), and a claim that found nothing then looks again.
    ///
    /// A message still 'sending' when its lease ran out was abandoned mid-attempt (its worker stopped or crashed);
    /// that attempt is logged as such. When it was already the `maxAttempts`-th, the message ends 'failed' here
    /// instead of being claimed again, so a message that kills its worker cannot do so for ever.
    public func claim(limit: Int, leaseSeconds: Double, maxAttempts: Int) async throws -> [Claim] {
        let statement = Self.claimQuery(limit: limit, leaseSeconds: leaseSeconds, maxAttempts: maxAttempts)
        return try await scope.withPlatform { connection in
            for _ in 0..<Self.rounds {
                var claims: [Claim] = []
                var unsettled: [Int64] = []
                for row in try connection.query(statement).rows {
                    unsettled =
                        try row.decode("unsettled", as: String?.self)?.split(separator: ",").compactMap { Int64($0) } ?? []
                    guard try row.decode("id", as: Int64?.self) != nil else { continue }
                    let claim = Claim(
                        orgID: try row.decode("org_id"), message: try OutboxStore.decode(row),
                        claimedAt: try row.decode("claimed_at"))
                    if claim.message.status != .failed { claims.append(claim) }
                }
                if !unsettled.isEmpty { try Self.settle(connection, orgs: unsettled) }
                if !claims.isEmpty || unsettled.isEmpty { return claims }
            }
            return []
        }
    }

    /// The claim statement (see ``claim(limit:leaseSeconds:maxAttempts:)``). Its rows are the claimed messages
    /// (`status` 'failed' for one given up on), each with `unsettled`: the orgs whose stored turn this claim found
    /// early, locked for ``settle(_:orgs:)``. When nothing was claimed, one row carries `unsettled` alone.
    static func claimQuery(limit: Int, leaseSeconds: Double, maxAttempts: Int) -> Query {
        let offered = limit + spare
        let pending = "status IN ('queued', 'retrying', 'sending')"
        // The org's real turn: nil when it has no message due that may be sent now, or is suspended.
        func realTurn(_ turn: String) -> String {
            """
            (SELECT greatest(coalesce(o.next_attempt_at, o.created_at), \(turn).last_claimed_at) FROM outbox AS o
             WHERE o.org_id = \(turn).org_id AND o.\(pending) AND coalesce(o.next_attempt_at, o.created_at) <= now()
                AND NOT \(waitsForEarlierEvent("o"))
                AND NOT EXISTS (SELECT FROM orgs WHERE orgs.id = \(turn).org_id AND orgs.status = 'suspended')
             ORDER BY coalesce(o.next_attempt_at, o.created_at) LIMIT 1)
            """
        }
        return """
            WITH RECURSIVE walk(org_id, stored, real, step, found, latest) AS (
                SELECT first.org_id, first.turn, first.real, 1, (first.real IS NOT NULL)::int, first.real
                FROM (SELECT t.org_id, t.turn, \(unescaped: realTurn("t")) AS real FROM outbox_turns AS t
                      WHERE t.turn IS NOT NULL AND t.turn <= statement_timestamp() ORDER BY t.turn, t.org_id LIMIT 1) AS first
                UNION ALL
                SELECT next.org_id, next.turn, next.real, walk.step + 1, walk.found + (next.real IS NOT NULL)::int,
                    greatest(walk.latest, next.real)
                FROM walk CROSS JOIN LATERAL (
                    SELECT t.org_id, t.turn, \(unescaped: realTurn("t")) AS real FROM outbox_turns AS t
                    WHERE t.turn IS NOT NULL AND t.turn <= statement_timestamp() AND (t.turn, t.org_id) > (walk.stored, walk.org_id)
                    ORDER BY t.turn, t.org_id LIMIT 1) AS next
                WHERE walk.step < \(walked) AND (walk.found < \(offered) OR next.turn < walk.latest)
            ),
            offered AS MATERIALIZED (
                SELECT head.org_id, head.id, walk.real AS turn,
                    row_number() OVER (PARTITION BY head.org_id ORDER BY head.due, head.id) AS place
                FROM (SELECT org_id, real FROM walk WHERE real IS NOT NULL ORDER BY real, org_id LIMIT \(offered)) AS walk
                CROSS JOIN LATERAL (
                    SELECT o.org_id, o.id, coalesce(o.next_attempt_at, o.created_at) AS due FROM outbox AS o
                    WHERE o.org_id = walk.org_id AND o.\(unescaped: pending)
                        AND coalesce(o.next_attempt_at, o.created_at) <= now()
                        AND NOT \(unescaped: waitsForEarlierEvent("o"))
                    ORDER BY coalesce(o.next_attempt_at, o.created_at)
                    LIMIT \(offered)) AS head
            ),
            due AS (
                SELECT o.org_id, o.id, o.attempts, o.updated_at, o.status = 'sending' AS abandoned,
                    o.status = 'sending' AND o.attempts >= \(maxAttempts) AS exhausted
                FROM outbox AS o JOIN offered ON offered.org_id = o.org_id AND offered.id = o.id
                WHERE o.\(unescaped: pending) AND coalesce(o.next_attempt_at, o.created_at) <= now()
                    AND NOT \(unescaped: waitsForEarlierEvent("o"))
                ORDER BY offered.place, offered.turn, o.id
                LIMIT \(limit)
                FOR UPDATE OF o SKIP LOCKED
            ),
            turns AS (
                UPDATE outbox_turns SET last_claimed_at = now(), turn = now()
                WHERE org_id IN (SELECT org_id FROM due)
            ),
            unsettled AS (
                SELECT early.org_id FROM (
                    SELECT t.org_id FROM outbox_turns AS t
                    WHERE t.org_id = ANY (ARRAY(SELECT org_id FROM walk WHERE real IS NULL OR real > stored))
                        AND t.org_id NOT IN (SELECT org_id FROM due)
                    ORDER BY t.org_id
                    FOR UPDATE OF t SKIP LOCKED) AS early
                WHERE pg_try_advisory_xact_lock(21, crmhub_outbox_turn_lock(early.org_id))
            ),
            abandoned AS (
                INSERT INTO outbox_attempts (org_id, outbox_id, attempt, outcome, error, started_at)
                SELECT org_id, id, attempts, CASE WHEN exhausted THEN 'failed' ELSE 'retrying' END,
                    \(Self.abandonedError), updated_at
                FROM due WHERE abandoned
                ON CONFLICT DO NOTHING
            ),
            claimed AS (
                UPDATE outbox o SET updated_at = now(),
                    status = CASE WHEN due.exhausted THEN 'failed' ELSE 'sending' END,
                    attempts = o.attempts + CASE WHEN due.exhausted THEN 0 ELSE 1 END,
                    last_error = CASE WHEN due.exhausted
                        THEN \(Self.abandonedError + " (gave up after \(maxAttempts) attempts)") ELSE o.last_error END,
                    next_attempt_at = CASE WHEN due.exhausted THEN NULL
                        ELSE now() + make_interval(secs => \(leaseSeconds)::float8) END
                FROM due WHERE o.org_id = due.org_id AND o.id = due.id
                RETURNING o.org_id, \(unescaped: OutboxStore.columns(prefix: "o.")), now()::text AS claimed_at
            )
            SELECT claimed.*, (SELECT string_agg(org_id::text, ',') FROM unsettled) AS unsettled
            FROM (SELECT) AS one LEFT JOIN claimed ON true
            """
    }

    /// Stores the real turn of `orgs` (locked by the claim statement, whose snapshot is older than the locks): the
    /// later of the org's last claim and its oldest message that may be sent once due (its lease's end when it is
    /// 'sending'), or NULL when it has none or is suspended (a message queued later, or the org's return, sets it).
    static func settle(_ connection: PostgresConnection, orgs: [Int64]) throws {
        try connection.query(
            """
            UPDATE outbox_turns AS t SET turn = CASE
                WHEN EXISTS (SELECT FROM orgs WHERE orgs.id = t.org_id AND orgs.status = 'suspended') THEN NULL
                ELSE (SELECT greatest(coalesce(o.next_attempt_at, o.created_at), t.last_claimed_at) FROM outbox AS o
                      WHERE o.org_id = t.org_id AND o.status IN ('queued', 'retrying', 'sending')
                        AND NOT \(unescaped: waitsForEarlierEvent("o"))
                      ORDER BY coalesce(o.next_attempt_at, o.created_at) LIMIT 1) END
            WHERE t.org_id = ANY (\(orgs)::bigint[])
            """)
    }

    /// Ordering of webhook events (README "Outbound events"): an event is not claimed while an earlier one (lower
    /// id) for the same endpoint and ordering key (the record) is still pending, so a receiver gets the events of
    /// one record one at a time, in the order they were written. A failed (dead) event no longer holds the next.
    static func waitsForEarlierEvent(_ alias: String) -> String {
        """
        (\(alias).channel = 'webhook' AND EXISTS (SELECT FROM outbox AS earlier
            WHERE earlier.org_id = \(alias).org_id AND earlier.channel = 'webhook' AND earlier.endpoint_id = \(alias).endpoint_id
                AND earlier.ordering_key = \(alias).ordering_key AND earlier.id < \(alias).id
                AND earlier.status IN ('queued', 'retrying', 'sending')))
        """
    }

    /// Messages each org offers to a claim beyond its limit, so that workers claiming at the same moment find one
    /// past each other's locked rows. A claim sorts (limit + spare) rows per waiting org; a worker that still finds
    /// only locked rows looks again after its poll interval.
    static let spare = 4

    /// The most orgs one claim statement looks at, and the most claim statements of one claim (each after storing
    /// the real turns of the orgs the last one found early).
    static let walked = 64
    static let rounds = 4

    /// Why an attempt whose lease ran out while it was 'sending' is logged as not finished.
    static let abandonedError = "the attempt did not finish: its worker stopped before the lease ended"

    /// Records the outcome of `claim`. - Returns: false when the claim was no longer current (its lease ran out
    /// and another worker claimed the message again), in which case nothing was written.
    @discardableResult
    public func record(_ claim: Claim, _ outcome: Outcome, detail: AttemptDetail = AttemptDetail()) async throws -> Bool {
        let orgID = claim.orgID, id = claim.message.id, attempt = claim.attempt, claimedAt = claim.claimedAt
        let (status, error, provider, delay): (String, String?, String?, Double?)
        switch outcome {
        case .sent(let id): (status, error, provider, delay) = ("sent", nil, id, nil)
        case .retrying(let text, let seconds): (status, error, provider, delay) = ("retrying", text, nil, seconds)
        case .failed(let text): (status, error, provider, delay) = ("failed", text, nil, nil)
        case .waiting(let text, let seconds): (status, error, provider, delay) = ("queued", text, nil, seconds)
        }
        let countsAsAttempt = status != "queued"
        let clipped = error.map { String($0.prefix(2000)) }
        let responseStatus = detail.responseStatus, excerpt = detail.responseExcerpt.map { String($0.prefix(1000)) }
        let duration = detail.durationMS
        return try await scope.withPlatform { connection in
            try connection.query(
                """
                WITH updated AS (
                    UPDATE outbox SET status = \(status), last_error = \(clipped), updated_at = now(),
                        provider_message_id = coalesce(\(provider), provider_message_id),
                        sent_at = CASE WHEN \(status) = 'sent' THEN now() ELSE sent_at END,
                        attempts = attempts - CASE WHEN \(countsAsAttempt) THEN 0 ELSE 1 END,
                        next_attempt_at = now() + make_interval(secs => \(delay)::float8)
                    WHERE org_id = \(orgID) AND id = \(id) AND status = 'sending' AND attempts = \(attempt)
                    RETURNING org_id, id),
                attempt AS (
                    INSERT INTO outbox_attempts (org_id, outbox_id, attempt, outcome, error, provider_message_id, started_at,
                        response_status, response_excerpt, duration_ms)
                    SELECT org_id, id, \(attempt), \(status), \(clipped), \(provider), \(claimedAt)::timestamptz,
                        \(responseStatus), \(excerpt), \(duration)
                    FROM updated WHERE \(countsAsAttempt)
                    RETURNING 1)
                SELECT count(*) FROM updated
                """
            ).rows[0].decode("count", as: Int.self) == 1
        }
    }

    /// What the backlog gauges show (README "Metrics"): the messages waiting or being sent, counted up to
    /// `countedBacklog` (a count that reads at most that many entries of the pending index, never the whole
    /// backlog), and how many seconds the org waiting longest for its turn has waited (now minus the earliest stored
    /// turn that is due: one index probe; 0 when no org waits).
    public func backlog() async throws -> (count: Int, oldestSeconds: Double) {
        try await scope.withPlatform { connection in
            try connection.query(Self.backlogQuery).rows[0].decode((Int, Double).self)
        }
    }

    static let backlogQuery: Query = """
        SELECT (SELECT count(*) FROM (SELECT FROM outbox WHERE status IN ('queued', 'retrying', 'sending')
                                      LIMIT \(countedBacklog)) AS counted),
            coalesce(extract(epoch FROM now() - (SELECT min(turn) FROM outbox_turns WHERE turn <= now())), 0)::float8
        """

    /// The most messages the backlog gauge counts.
    static let countedBacklog = 10_000
}
