import CRM
import HTTPServer
import JSON
import Platform
import Postgres
import Telemetry

/// Runs listener requests (crm-listener-webhook.txt §2.2) and answers them.
///
/// A request is one transaction: find the listener by its token and switch to its org, check access, run the
/// actions in order, write the request log row, commit. Each action is atomic and independent of the others:
/// an action that fails while checking its payload has written nothing; one that fails after writing (a
/// database constraint, an identity another customer holds) makes the request run again with a savepoint
/// around every action, so exactly that action is undone. The common case pays for no savepoints.
///
/// Statuses: 200 when every action succeeded (or there were none), 207 when some failed, 422 when all failed.
/// A request refused as a whole gets a problem document: 404 unknown token, 403 disabled listener or address
/// outside the allowlist, 423 suspended org, 429 over the listener's rate limit (not logged), 400 body not
/// JSON, 422 envelope or senderUser unusable.
public struct ListenerIngestion: Sendable {
    public struct Reply: Sendable {
        public let status: Int
        public let body: [UInt8]
        public let contentType: String
        public let replayed: Bool
        /// Extra response fields (Retry-After and the RateLimit fields of a 429).
        public var headers: [(String, String)] = []
        /// The listener's org and id, for the access log (nil for an unknown token).
        public var orgID: Int64? = nil
        public var listenerID: Int64? = nil
        /// A dry run's answer: nothing it describes was written.
        public var dryRun = false

        func of(_ listener: ListenerURL) -> Reply {
            var reply = self
            reply.orgID = listener.orgID
            reply.listenerID = listener.id
            return reply
        }
    }

    let scope: OrgScope
    /// The server's key, which recognises erased people's identities (`Suppressions`).
    let secrets: SecretBox?
    /// Requests to one listener URL that arrive together are written in one transaction (see `runGroup`).
    let coalescer = Coalescer<Arrival, Reply?>()
    let requests: CounterFamily?
    let items: CounterFamily?
    let groups: HistogramFamily?
    let refused: CounterFamily?

    /// - Parameter metrics: where to count requests by status and items by action and outcome.
    public init(scope: OrgScope, metrics: MetricsRegistry? = nil, secrets: SecretBox? = nil) {
        self.scope = scope
        self.secrets = secrets
        requests = metrics?.counter(
            "crmhub_listener_requests_total", help: "Listener requests answered, by HTTP status.", labels: ["status"])
        items = metrics?.counter(
            "crmhub_listener_items_total", help: "Listener actions run, by action type (unknown for any other) and outcome.",
            labels: ["action", "outcome"])
        refused = metrics?.counter(
            "crmhub_listener_refused_total",
            help:
                "Listener requests refused or rate limited (status 4xx), by org id and status (401 signature, 413 too many actions, 429 rate limit, …).",
            labels: ["org_id", "status"])
        groups = metrics?.histogram(
            "crmhub_listener_group_requests", help: "Requests to one listener URL written in one transaction.",
            buckets: [1, 2, 4, 8, 16, 32, 64])
    }

    /// What arrived, before the listener is known.
    struct Arrival: Sendable {
        let body: [UInt8]
        let clientAddress: IPAddress?
        let requestID: String
        let idempotencyKey: String?
        let replayOf: Int64?
        /// Run everything, write nothing (see `dryRun(token:…)`).
        let dryRun: Bool
        /// The parsed envelope, or the refusal the body earns by itself.
        let envelope: Result<Envelope, Refusal>

        init(
            body: [UInt8], clientAddress: IPAddress?, requestID: String, idempotencyKey: String?, replayOf: Int64?,
            dryRun: Bool = false
        ) {
            self.body = body
            self.clientAddress = clientAddress
            self.requestID = requestID
            self.idempotencyKey = idempotencyKey
            self.replayOf = replayOf
            self.dryRun = dryRun
            envelope = Self.parse(body)
        }

        static func parse(_ body: [UInt8]) -> Result<Envelope, Refusal> {
            let value: JSONValue
            do {
                value = try JSONParser.parse(body)
            } catch {
                return .failure(Refusal(400, "the body is not JSON: \(error)"))
            }
            do {
                let envelope = try Envelope.parse(value)
                let limit = OrgListenerLimits.maxItemsPerRequest
                if envelope.items.count > limit {
                    let field = FieldError(
                        "data", "has \(envelope.items.count) actions; a request may carry at most \(limit) (maxItemsPerRequest)")
                    return .failure(Refusal(413, "data \(field.message)", field: field))
                }
                return .success(envelope)
            } catch {
                return .failure(Refusal(422, "\(error.field.field) \(error.field.message)", field: error.field))
            }
        }
    }

    struct Refusal: Error, Sendable {
        let status: Int
        let detail: String
        let field: FieldError?

        init(_ status: Int, _ detail: String, field: FieldError? = nil) {
            self.status = status
            self.detail = detail
            self.field = field
        }

        var body: [UInt8] {
            Response.problemBody(status: status, detail: detail, errors: field.map { [($0.field, $0.message)] } ?? [])
        }
    }

    /// An action failed after writing while the request ran without savepoints.
    struct RestartWithSavepoints: Error {}

    /// A group of requests that must not run together (see `runGroup`): each runs alone instead.
    struct RunAlone: Error {}

    /// A dry run's answer, thrown out of its transaction so that everything the run wrote is rolled back.
    struct DryRunAnswer: Error {
        let reply: Reply
    }

    // MARK: Entry points

    /// A POST to a listener URL. Nil when no listener has this token.
    public func receive(
        token: String, body: [UInt8], clientAddress: IPAddress?, requestID: String, idempotencyKey: String?
    ) async throws -> Reply? {
        let arrival = Arrival(
            body: body, clientAddress: clientAddress, requestID: requestID, idempotencyKey: idempotencyKey, replayOf: nil)
        // A request with an Idempotency-Key claims its key with its own commit, so it runs alone.
        guard arrival.idempotencyKey == nil else { return try await receiveAlone(token: token, arrival) }
        return try await coalescer.submit(key: token, arrival: arrival) { token, arrivals in
            await self.runGroup(token: token, arrivals)
        }
    }

    /// A dry run of a POST to a listener URL: the same access rules, validation, matching and writes as `receive`,
    /// in a transaction that is rolled back instead of committed, so the answer has the shape and outcomes a real
    /// request would have had and no row of any table is left behind. It writes no request-log row and claims no
    /// Idempotency-Key; `listenerRequestId` is 0 (nothing was logged). Customer codes in it are the ones the next
    /// creates would get: a dry run does not use them up (see sql/0015). Nil when no listener has this token.
    public func dryRun(token: String, body: [UInt8], clientAddress: IPAddress?, requestID: String) async throws -> Reply? {
        let arrival = Arrival(
            body: body, clientAddress: clientAddress, requestID: requestID, idempotencyKey: nil, replayOf: nil, dryRun: true)
        return try await receiveAlone(token: token, arrival)
    }

    /// One request in a transaction of its own.
    func receiveAlone(token: String, _ arrival: Arrival) async throws -> Reply? {
        let sender = try? arrival.envelope.get().senderUser
        let open: Open = { connection in try ListenerRequestWriter.open(connection, token: token, senderEmail: sender) }
        do {
            return try await run(arrival, open: open)
        } catch let error as PostgresError
            where error.sqlState == .uniqueViolation && error.constraint == "listener_requests_idempotency"
        {
            // A concurrent request with the same Idempotency-Key committed first; this one was rolled back whole,
            // and now finds the stored answer.
            return try await run(arrival, open: open)
        }
    }

    /// Runs a logged request again (admin replay): a new log row that points at the original. The allowlist
    /// does not apply (an admin asks, not the sender) but a suspended org still refuses. Nil when there is no
    /// such request in the org.
    /// With `dryRun`, the replay writes nothing (as `dryRun(token:…)`).
    public func replay(orgID: Int64, listenerRequestID: Int64, requestID: String, dryRun: Bool = false) async throws -> Reply? {
        guard
            let body = try await scope.withOrg(
                orgID,
                { connection in
                    try ListenerRequestWriter.storedBody(connection, orgID: orgID, id: listenerRequestID)
                })
        else { return nil }
        let arrival = Arrival(
            body: body, clientAddress: nil, requestID: requestID, idempotencyKey: nil, replayOf: listenerRequestID, dryRun: dryRun
        )
        let sender = try? arrival.envelope.get().senderUser
        return try await run(arrival, checkAddress: false, platform: false, orgID: orgID) { connection in
            guard let stored = try ListenerRequestWriter.openStored(connection, orgID: orgID, id: listenerRequestID) else {
                return nil
            }
            let senderID = try sender.flatMap { try UserStore.findActive(connection, orgID: orgID, email: $0)?.id }
            return ListenerRequestWriter.Opened(
                listener: stored.listener, orgStatus: stored.orgStatus, senderUserID: senderID, requestLogID: stored.requestLogID,
                requiredCustomFields: nil)
        }
    }

    /// Counts a refused request of the org (`crmhub_listener_refused_total`).
    public func countRefused(orgID: Int64, status: Int) {
        refused?.increment([String(orgID), String(status)])
    }

    // MARK: The transaction

    /// Finds the request's listener in its transaction; nil when there is none.
    typealias Open = @Sendable (PostgresConnection) throws -> ListenerRequestWriter.Opened?

    func run(
        _ arrival: Arrival, checkAddress: Bool = true, platform: Bool = true, orgID: Int64 = 0, open: @escaping Open
    ) async throws -> Reply? {
        let reply = try await attempt(arrival, checkAddress: checkAddress, platform: platform, orgID: orgID, open: open)
        if let reply {
            requests?.increment([String(reply.status)])
            if let orgID = reply.orgID, (400..<500).contains(reply.status) { countRefused(orgID: orgID, status: reply.status) }
        }
        return reply
    }

    func attempt(
        _ arrival: Arrival, checkAddress: Bool, platform: Bool, orgID: Int64, open: @escaping Open
    ) async throws -> Reply? {
        do {
            return try await attemptOnce(arrival, checkAddress: checkAddress, platform: platform, orgID: orgID, open: open)
        } catch let answer as DryRunAnswer {
            return answer.reply
        }
    }

    func attemptOnce(
        _ arrival: Arrival, checkAddress: Bool, platform: Bool, orgID: Int64, open: @escaping Open
    ) async throws -> Reply? {
        do {
            return try await transaction(platform: platform, orgID: orgID) { connection in
                try self.handle(arrival, connection, checkAddress: checkAddress, savepoints: false, open: open)
            }
        } catch is RestartWithSavepoints {
            return try await transaction(platform: platform, orgID: orgID) { connection in
                try self.handle(arrival, connection, checkAddress: checkAddress, savepoints: true, open: open)
            }
        }
    }

    func transaction(
        platform: Bool, orgID: Int64, _ body: @escaping @Sendable (PostgresConnection) throws -> Reply?
    ) async throws -> Reply? {
        platform ? try await scope.withPlatform(body) : try await scope.withOrg(orgID, body)
    }

    func handle(
        _ arrival: Arrival, _ connection: PostgresConnection, checkAddress: Bool, savepoints: Bool, open: Open
    ) throws -> Reply? {
        guard let opened = try open(connection) else { return nil }
        if arrival.dryRun { try OrgScope.markDryRun(connection) }
        let directory = OrgDirectory(connection: connection, orgID: opened.listener.orgID)
        if let required = opened.requiredCustomFields { directory.knowRequiredCustomFields(required) }
        if let rules = opened.ingestRules { directory.knowIngestRules(rules) }
        let (reply, entry) = try process(
            arrival, connection, listener: opened.listener, orgStatus: opened.orgStatus, senderUserID: opened.senderUserID,
            logID: arrival.dryRun ? 0 : opened.requestLogID, directory: directory, checkAddress: checkAddress,
            savepoints: savepoints)
        if arrival.dryRun {
            var answer = reply
            answer.dryRun = true
            throw DryRunAnswer(reply: answer)
        }
        if let entry {
            connection.commitWithNextQuery()
            try ListenerRequestWriter.insert(connection, entry)
        }
        return reply
    }
}
