import CRM
import HTTPServer
import JSON
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
    }

    let scope: OrgScope
    let coalescer = IngestCoalescer()
    let requests: CounterFamily?
    let items: CounterFamily?
    let groups: HistogramFamily?

    /// - Parameter metrics: where to count requests by status and items by action and outcome.
    public init(scope: OrgScope, metrics: MetricsRegistry? = nil) {
        self.scope = scope
        requests = metrics?.counter(
            "crmhub_listener_requests_total", help: "Listener requests answered, by HTTP status.", labels: ["status"])
        items = metrics?.counter(
            "crmhub_listener_items_total", help: "Listener actions run, by action type and outcome.", labels: ["action", "outcome"])
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
        /// The parsed envelope, or the refusal the body earns by itself.
        let envelope: Result<Envelope, Refusal>

        init(body: [UInt8], clientAddress: IPAddress?, requestID: String, idempotencyKey: String?, replayOf: Int64?) {
            self.body = body
            self.clientAddress = clientAddress
            self.requestID = requestID
            self.idempotencyKey = idempotencyKey
            self.replayOf = replayOf
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
                return .success(try Envelope.parse(value))
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
            var object: JSONObject = [
                "type": "about:blank", "title": .string(HTTPStatus.reason(status)), "status": .number(Double(status)),
                "detail": .string(detail),
            ]
            if let field { object["errors"] = [["field": .string(field.field), "message": .string(field.message)]] }
            return JSONWriter.bytes(.object(object))
        }
    }

    /// An action failed after writing while the request ran without savepoints.
    struct RestartWithSavepoints: Error {}

    // MARK: Entry points

    /// A POST to a listener URL. Nil when no listener has this token.
    public func receive(
        token: String, body: [UInt8], clientAddress: IPAddress?, requestID: String, idempotencyKey: String?
    ) async throws -> Reply? {
        let arrival = Arrival(
            body: body, clientAddress: clientAddress, requestID: requestID, idempotencyKey: idempotencyKey, replayOf: nil)
        // A request with an Idempotency-Key claims its key with its own commit, so it runs alone.
        guard arrival.idempotencyKey == nil else { return try await receiveAlone(token: token, arrival) }
        return try await coalescer.submit(token: token, arrival: arrival) { token, arrivals in
            await self.runGroup(token: token, arrivals)
        }
    }

    /// Requests to one URL that arrived together (see `IngestCoalescer`), in one transaction; if that fails for
    /// any reason but the database being unavailable, each runs again alone, which is exact.
    func runGroup(token: String, _ arrivals: [Arrival]) async -> [Result<Reply?, any Error>] {
        groups?.observe(Double(arrivals.count))
        if arrivals.count == 1 {
            return [await Self.result { try await self.receiveAlone(token: token, arrivals[0]) }]
        }
        do {
            let replies = try await scope.withPlatform { connection in try self.handleGroup(arrivals, token: token, connection) }
            for reply in replies { if let reply { requests?.increment([String(reply.status)]) } }
            return replies.map { .success($0) }
        } catch let error as PostgresError where error.isUnavailable {
            return arrivals.map { _ in .failure(error) }
        } catch {
            var results: [Result<Reply?, any Error>] = []
            for arrival in arrivals { results.append(await Self.result { try await self.receiveAlone(token: token, arrival) }) }
            return results
        }
    }

    static func result(_ body: () async throws -> Reply?) async -> Result<Reply?, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    /// The transaction of a group: one listener lookup, each request processed in order, all log rows in one
    /// statement with the COMMIT.
    func handleGroup(_ arrivals: [Arrival], token: String, _ connection: PostgresConnection) throws -> [Reply?] {
        let senders = arrivals.map { try? $0.envelope.get().senderUser }
        guard let group = try ListenerRequestWriter.openGroup(connection, token: token, senderEmails: senders) else {
            return arrivals.map { _ in nil }
        }
        // A rate limit counts committed requests one by one.
        guard group.listener.rateLimitPerMinute == nil else { throw RestartWithSavepoints() }
        let directory = OrgDirectory(connection: connection, orgID: group.listener.orgID)
        directory.knowRequiredCustomFields(group.requiredCustomFields)
        var admissions: [Admission] = []
        for (index, arrival) in arrivals.enumerated() {
            admissions.append(try admit(
                arrival, connection, listener: group.listener, orgStatus: group.orgStatus, senderUserID: group.senderUserIDs[index],
                logID: group.requestLogIDs[index], directory: directory, checkAddress: true))
        }
        var answers: [(reply: Reply, entry: ListenerRequestWriter.Entry?)] = []
        if let batch = try Self.addsAsOneBatch(admissions) {
            answers = try runAsOneBatch(admissions, batch)
        } else {
            for admission in admissions {
                switch admission {
                case .answered(let reply, let entry): answers.append((reply, entry))
                case .admitted(let admitted):
                    answers.append(answer(admitted, try runAll(admitted.envelope.items, admitted.context, savepoints: false)))
                }
            }
        }
        try ListenerRequestWriter.insertManyAndCommit(connection, answers.compactMap(\.entry))
        return answers.map(\.reply)
    }

    /// When every admitted request of a group holds only add-contact (or only add-lead) actions that can share one
    /// batch (see `AddBatch`), that batch; nil otherwise. A payload error also means nil: the requests then run
    /// one after another, which reports it.
    static func addsAsOneBatch(_ admissions: [Admission]) throws -> AddBatch? {
        var batch = AddBatch()
        for case .admitted(let admitted) in admissions {
            for item in admitted.envelope.items {
                guard item.error == nil, let series = item.action.flatMap(AddBatch.series(for:)) else { return nil }
                guard let prepared = try? AddCustomer.prepare(item, series: series, context: admitted.context),
                    batch.accepts(prepared)
                else { return nil }
                batch.add(prepared)
            }
        }
        return batch.pending.isEmpty ? nil : batch
    }

    /// Writes the group's adds with one statement and answers each request with its own items' results.
    func runAsOneBatch(_ admissions: [Admission], _ batch: AddBatch) throws -> [(reply: Reply, entry: ListenerRequestWriter.Entry?)] {
        var batch = batch
        let owners = batch.pending.map(\.context.source.listenerRequestID)
        let results = try batch.flush()
        var byRequest: [Int64: [ItemResult]] = [:]
        for (owner, result) in zip(owners, results) { byRequest[owner ?? 0, default: []].append(result) }
        return admissions.map { admission in
            switch admission {
            case .answered(let reply, let entry): return (reply, entry)
            case .admitted(let admitted): return answer(admitted, byRequest[admitted.entry.id] ?? [])
            }
        }
    }

    /// One request in a transaction of its own.
    func receiveAlone(token: String, _ arrival: Arrival) async throws -> Reply? {
        let sender = try? arrival.envelope.get().senderUser
        do {
            return try await run(arrival) { connection in
                guard let opened = try ListenerRequestWriter.open(connection, token: token, senderEmail: sender) else { return nil }
                return (opened.listener, opened.orgStatus, opened.senderUserID, opened.requestLogID, opened.requiredCustomFields)
            }
        } catch let error as PostgresError where error.sqlState == .uniqueViolation && error.constraint == "listener_requests_idempotency" {
            // A concurrent request with the same Idempotency-Key committed first; this one was rolled back whole.
            return try await run(arrival) { connection in
                guard let opened = try ListenerRequestWriter.open(connection, token: token, senderEmail: sender) else { return nil }
                return (opened.listener, opened.orgStatus, opened.senderUserID, opened.requestLogID, opened.requiredCustomFields)
            }
        }
    }

    /// Runs a logged request again (admin replay): a new log row that points at the original. The allowlist
    /// does not apply (an admin asks, not the sender) but a suspended org still refuses. Nil when there is no
    /// such request in the org.
    public func replay(orgID: Int64, listenerRequestID: Int64, requestID: String) async throws -> Reply? {
        guard let body = try await scope.withOrg(orgID, { connection in
            try ListenerRequestWriter.storedBody(connection, orgID: orgID, id: listenerRequestID)
        }) else { return nil }
        let arrival = Arrival(body: body, clientAddress: nil, requestID: requestID, idempotencyKey: nil, replayOf: listenerRequestID)
        let sender = try? arrival.envelope.get().senderUser
        return try await run(arrival, checkAddress: false, platform: false, orgID: orgID) { connection in
            guard let stored = try ListenerRequestWriter.openStored(connection, orgID: orgID, id: listenerRequestID) else { return nil }
            let senderID = try sender.flatMap { try ListenerRequestWriter.activeUserID(connection, orgID: orgID, email: $0) }
            return (stored.listener, stored.orgStatus, senderID, stored.requestLogID, nil)
        }
    }

    // MARK: The transaction

    /// The listener, its org's status, the sender's user id, the log id, and the org's required custom fields
    /// when the statement that found the listener read them too.
    typealias Open = @Sendable (PostgresConnection) throws -> (Listener, Org.Status, Int64?, Int64, [(entity: String, name: String)]?)?

    func run(_ arrival: Arrival, checkAddress: Bool = true, platform: Bool = true, orgID: Int64 = 0, open: @escaping Open) async throws -> Reply? {
        let reply = try await attempt(arrival, checkAddress: checkAddress, platform: platform, orgID: orgID, open: open)
        if let reply { requests?.increment([String(reply.status)]) }
        return reply
    }

    func attempt(_ arrival: Arrival, checkAddress: Bool, platform: Bool, orgID: Int64, open: @escaping Open) async throws -> Reply? {
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

    func transaction(platform: Bool, orgID: Int64, _ body: @escaping @Sendable (PostgresConnection) throws -> Reply?) async throws -> Reply? {
        platform ? try await scope.withPlatform(body) : try await scope.withOrg(orgID, body)
    }

    func handle(_ arrival: Arrival, _ connection: PostgresConnection, checkAddress: Bool, savepoints: Bool, open: Open) throws -> Reply? {
        guard let (listener, orgStatus, senderUserID, logID, required) = try open(connection) else { return nil }
        let directory = OrgDirectory(connection: connection, orgID: listener.orgID)
        if let required { directory.knowRequiredCustomFields(required) }
        let (reply, entry) = try process(
            arrival, connection, listener: listener, orgStatus: orgStatus, senderUserID: senderUserID, logID: logID,
            directory: directory, checkAddress: checkAddress, savepoints: savepoints)
        if let entry { try ListenerRequestWriter.insertAndCommit(connection, entry) }
        return reply
    }

    /// One request inside its transaction, after its listener was found: the access rules, the actions, the
    /// answer. Returns the log row to write (none for a rate-limit refusal or an idempotent replay).
    func process(
        _ arrival: Arrival, _ connection: PostgresConnection, listener: Listener, orgStatus: Org.Status, senderUserID: Int64?,
        logID: Int64, directory: OrgDirectory, checkAddress: Bool, savepoints: Bool
    ) throws -> (Reply, ListenerRequestWriter.Entry?) {
        switch try admit(
            arrival, connection, listener: listener, orgStatus: orgStatus, senderUserID: senderUserID, logID: logID,
            directory: directory, checkAddress: checkAddress)
        {
        case .answered(let reply, let entry): return (reply, entry)
        case .admitted(let admitted):
            let results = try runAll(admitted.envelope.items, admitted.context, savepoints: savepoints)
            return answer(admitted, results)
        }
    }

    /// A request past the access rules, ready to run its actions.
    struct Admitted {
        let envelope: Envelope
        let context: IngestContext
        let entry: ListenerRequestWriter.Entry
    }

    enum Admission {
        /// Refused or answered from the idempotency record; the log row to write, if any.
        case answered(Reply, ListenerRequestWriter.Entry?)
        case admitted(Admitted)
    }

    /// The access rules of one request: listener enabled, org active, address allowed, rate, body, sender.
    func admit(
        _ arrival: Arrival, _ connection: PostgresConnection, listener: Listener, orgStatus: Org.Status, senderUserID: Int64?,
        logID: Int64, directory: OrgDirectory, checkAddress: Bool
    ) throws -> Admission {
        var entry = ListenerRequestWriter.Entry(
            id: logID, orgID: listener.orgID, listenerID: listener.id, clientAddress: arrival.clientAddress?.description,
            requestID: arrival.requestID, idempotencyKey: arrival.idempotencyKey, replayOf: arrival.replayOf,
            senderUser: try? arrival.envelope.get().senderUser, body: arrival.body, status: 0, response: [], itemCount: 0, errorCount: 0)

        func refuse(_ refusal: Refusal) -> Admission {
            entry.status = refusal.status
            entry.response = refusal.body
            return .answered(Reply(status: refusal.status, body: refusal.body, contentType: "application/problem+json", replayed: false), entry)
        }

        switch ListenerAccess.check(listener, orgStatus: orgStatus, client: arrival.clientAddress) {
        case .disabled: return refuse(Refusal(403, "this listener is disabled"))
        case .orgSuspended: return refuse(Refusal(423, "the org of this listener is suspended"))
        case .addressNotAllowed(let address) where checkAddress:
            return refuse(Refusal(403, "the client address \(address) is not in this listener's IP allowlist"))
        case .addressNotAllowed, nil: break
        }
        if checkAddress, let limit = listener.rateLimitPerMinute,
            try ListenerRequestWriter.acceptedLastMinute(connection, orgID: listener.orgID, listenerID: listener.id) >= limit
        {
            // Not logged: a sender over its limit must not be able to fill the log.
            let refusal = Refusal(429, "this listener accepts \(limit) requests a minute; retry later")
            return .answered(Reply(status: 429, body: refusal.body, contentType: "application/problem+json", replayed: false), nil)
        }
        let envelope: Envelope
        switch arrival.envelope {
        case .failure(let refusal): return refuse(refusal)
        case .success(let parsed): envelope = parsed
        }
        guard let senderUserID else {
            let field = FieldError("senderUser", "'\(envelope.senderUser)' is not an active user of the org")
            return refuse(Refusal(422, "senderUser \(field.message)", field: field))
        }
        if let key = arrival.idempotencyKey,
            let stored = try ListenerRequestWriter.storedResponse(connection, orgID: listener.orgID, listenerID: listener.id, idempotencyKey: key)
        {
            return .answered(Reply(status: stored.status, body: stored.body, contentType: contentType(stored.status), replayed: true), nil)
        }
        let context = IngestContext(
            connection: connection, listener: listener, senderUserID: senderUserID, listenerRequestID: logID, directory: directory)
        return .admitted(Admitted(envelope: envelope, context: context, entry: entry))
    }

    /// The answer and log row of an admitted request whose actions ran.
    func answer(_ admitted: Admitted, _ results: [ItemResult]) -> (Reply, ListenerRequestWriter.Entry?) {
        var entry = admitted.entry
        let logID = entry.id
        let failed = results.filter { $0.outcome == .error }.count
        if let items {
            for result in results { items.increment([result.actionType, result.outcome.rawValue]) }
        }
        let status = results.isEmpty || failed == 0 ? 200 : failed == results.count ? 422 : 207
        entry.status = status
        entry.response = Self.document(logID: logID, results: results, status: status)
        entry.itemCount = results.count
        entry.errorCount = failed
        return (Reply(status: status, body: entry.response, contentType: contentType(status), replayed: false), entry)
    }

    func contentType(_ status: Int) -> String {
        [200, 207, 422].contains(status) ? "application/json" : "application/problem+json"
    }

    /// Runs the items in order. Without savepoints, runs of plain add-contact/add-lead actions are written
    /// together (see `AddBatch`); with them (the exact re-run), every item alone.
    func runAll(_ items: [Envelope.Item], _ context: IngestContext, savepoints: Bool) throws -> [ItemResult] {
        var results = [ItemResult?](repeating: nil, count: items.count)
        var batch = AddBatch()
        func flush() throws {
            do {
                for result in try batch.flush() { results[result.index] = result }
            } catch let error as PostgresError where error.isUnavailable || error.isRetryableTransactionFailure {
                throw error
            } catch {
                throw RestartWithSavepoints()
            }
        }
        for item in items {
            if !savepoints, item.error == nil, let series = item.action.flatMap(AddBatch.series(for:)) {
                do {
                    let prepared = try AddCustomer.prepare(item, series: series, context: context)
                    if prepared.company == nil {
                        if !batch.accepts(prepared) { try flush() }
                        batch.add(prepared)
                        continue
                    }
                } catch let failure as ActionFailure {
                    results[item.index] = .failed(item, failure.errors)
                    continue
                }
            }
            try flush()
            results[item.index] = try run(item, context, savepoints: savepoints)
        }
        try flush()
        return results.map { $0! }
    }

    func run(_ item: Envelope.Item, _ context: IngestContext, savepoints: Bool) throws -> ItemResult {
        if let error = item.error { return .failed(item, [error]) }
        if savepoints { try context.connection.execute("SAVEPOINT item") }
        do {
            let (outcome, records) = try dispatch(item, context)
            if savepoints { try context.connection.execute("RELEASE SAVEPOINT item") }
            return ItemResult(index: item.index, actionType: item.actionType, outcome: outcome, records: records, errors: [])
        } catch let failure as ActionFailure {
            if savepoints { try context.connection.execute("ROLLBACK TO SAVEPOINT item; RELEASE SAVEPOINT item") }
            return .failed(item, failure.errors)
        } catch let error as PostgresError where error.isUnavailable || error.isRetryableTransactionFailure {
            throw error
        } catch {
            guard savepoints else { throw RestartWithSavepoints() }
            try context.connection.execute("ROLLBACK TO SAVEPOINT item; RELEASE SAVEPOINT item")
            return .failed(item, Self.errors(for: error, item: item))
        }
    }

    func dispatch(_ item: Envelope.Item, _ context: IngestContext) throws -> (ItemOutcome, [TouchedRecord]) {
        switch item.action {
        case .addContact: try AddCustomer.run(item, series: .contact, context: context)
        case .addLead: try AddCustomer.run(item, series: .lead, context: context)
        case .updateContact: try UpdateCustomer.run(item, series: .contact, context: context)
        case .updateLead: try UpdateCustomer.run(item, series: .lead, context: context)
        case .addNote: try AddNote.run(item, context: context)
        case .addDeal: try AddDeal.run(item, context: context)
        case .addTicket: try AddTicket.run(item, context: context)
        case .sendSMS: try SendSMS.run(item, context: context)
        case nil: throw ActionFailure("data[\(item.index)].actionType", "is not an action")
        }
    }

    static func errors(for error: any Error, item: Envelope.Item) -> [FieldError] {
        let path = "data[\(item.index)].data"
        switch error {
        case let failure as LateActionFailure: return failure.errors
        case let failure as ActionFailure: return failure.errors
        case CRMError.conflict(let field): return [field]
        case CRMError.invalid(let fields): return fields
        case let failure as PostgresError:
            return [FieldError(path, "could not be stored: " + (failure.constraint.map { "violates \($0)" } ?? "database error \(failure.sqlState?.rawValue ?? "")"))]
        default:
            return [FieldError(path, "could not be stored")]
        }
    }

    static func document(logID: Int64, results: [ItemResult], status: Int) -> [UInt8] {
        var counts: [ItemOutcome: Int] = [:]
        for result in results { counts[result.outcome, default: 0] += 1 }
        let summary: JSONObject = [
            "items": .number(Double(results.count)), "created": .number(Double(counts[.created] ?? 0)),
            "updated": .number(Double(counts[.updated] ?? 0)), "matchedExisting": .number(Double(counts[.matchedExisting] ?? 0)),
            "errors": .number(Double(counts[.error] ?? 0)),
        ]
        let document: JSONObject = [
            "listenerRequestId": .number(Double(logID)),
            "status": .string(status == 200 ? "ok" : status == 207 ? "partial" : "failed"),
            "summary": .object(summary),
            "results": .array(results.map(\.json)),
        ]
        return JSONWriter.bytes(.object(document))
    }
}
