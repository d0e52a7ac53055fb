import CRM
import HTTPServer
import JSON
import Postgres

/// One request inside its transaction: the access rules, then its answer and log row.
extension ListenerIngestion {
    /// One request inside its transaction, after its listener was found: the access rules, the actions, the
    /// answer. Returns the log row to write (none for a rate-limit refusal or an idempotent replay).
    func process(
        _ arrival: Arrival, _ connection: PostgresConnection, listener: ListenerURL, orgStatus: Org.Status, senderUserID: Int64?,
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
        /// Not counted in the item metrics: nothing was written.
        var dryRun = false
    }

    enum Admission {
        /// Refused or answered from the idempotency record; the log row to write, if any.
        case answered(Reply, ListenerRequestWriter.Entry?)
        case admitted(Admitted)
    }

    /// The access rules of one request: listener enabled, org active, address allowed, rate, body, sender.
    func admit(
        _ arrival: Arrival, _ connection: PostgresConnection, listener: ListenerURL, orgStatus: Org.Status, senderUserID: Int64?,
        logID: Int64, directory: OrgDirectory, checkAddress: Bool
    ) throws -> Admission {
        var entry = ListenerRequestWriter.Entry(
            id: logID, orgID: listener.orgID, listenerID: listener.id, clientAddress: arrival.clientAddress?.description,
            requestID: arrival.requestID, idempotencyKey: arrival.idempotencyKey, replayOf: arrival.replayOf,
            senderUser: try? arrival.envelope.get().senderUser, body: arrival.body, status: 0, response: [], itemCount: 0,
            errorCount: 0)

        func refuse(_ refusal: Refusal) -> Admission {
            entry.status = refusal.status
            entry.response = refusal.body
            return .answered(
                Reply(status: refusal.status, body: refusal.body, contentType: "application/problem+json", replayed: false).of(
                    listener), entry)
        }

        switch ListenerAccess.check(listener, orgStatus: orgStatus, client: arrival.clientAddress) {
        case .disabled: return refuse(Refusal(403, "this listener is disabled"))
        case .orgSuspended: return refuse(Refusal(423, "the org of this listener is suspended"))
        case .addressNotAllowed(let address) where checkAddress:
            return refuse(Refusal(403, "the client address \(address) is not in this listener's IP allowlist"))
        case .addressNotAllowed, nil: break
        }
        if checkAddress,
            let limited = try RateLimits.check(
                connection, listener: listener, items: (try? arrival.envelope.get())?.items.count ?? 0)
        {
            // Not logged in the request log: a sender over its limit must not be able to fill it (the access log
            // line and crmhub_listener_refused_total count it).
            var reply = Reply(status: 429, body: limited.refusal.body, contentType: "application/problem+json", replayed: false)
                .of(listener)
            reply.headers = limited.headers
            return .answered(reply, nil)
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
            let stored = try ListenerRequestWriter.storedResponse(
                connection, orgID: listener.orgID, listenerID: listener.id, idempotencyKey: key)
        {
            return .answered(
                Reply(status: stored.status, body: stored.body, contentType: contentType(stored.status), replayed: true).of(
                    listener), nil)
        }
        let context = IngestContext(
            connection: connection, listener: listener, senderUserID: senderUserID, listenerRequestID: logID,
            directory: directory,
            secrets: secrets)
        return .admitted(Admitted(envelope: envelope, context: context, entry: entry, dryRun: arrival.dryRun))
    }

    /// The answer and log row of an admitted request whose actions ran.
    func answer(_ admitted: Admitted, _ results: [ItemResult]) -> (Reply, ListenerRequestWriter.Entry?) {
        var entry = admitted.entry
        let logID = entry.id
        let failed = results.filter { $0.outcome == .error }.count
        if let items, !admitted.dryRun {
            for result in results { items.increment([ActionType.metricLabel(result.actionType), result.outcome.rawValue]) }
        }
        // A suppressed item is not a failure: the sender did nothing wrong, and a retry would be refused again.
        let status = results.isEmpty || failed == 0 ? 200 : failed == results.count ? 422 : 207
        entry.status = status
        entry.response = Self.document(logID: logID, results: results, status: status)
        entry.itemCount = results.count
        entry.errorCount = failed
        // An erased person sent again is refused, and the log keeps no clear trace of them either.
        let spellings = admitted.context.suppressedSpellings.sorted { $0.count > $1.count }
        if !spellings.isEmpty { entry.body = ErasureStore.redact(entry.body, spellings) }
        return (
            Reply(status: status, body: entry.response, contentType: contentType(status), replayed: false).of(
                admitted.context.listener), entry
        )
    }

    func contentType(_ status: Int) -> String {
        [200, 207, 422].contains(status) ? "application/json" : "application/problem+json"
    }

    static func document(logID: Int64, results: [ItemResult], status: Int) -> [UInt8] {
        var counts: [ItemOutcome: Int] = [:]
        for result in results { counts[result.outcome, default: 0] += 1 }
        let summary: JSONObject = [
            "items": .number(Double(results.count)), "created": .number(Double(counts[.created] ?? 0)),
            "updated": .number(Double(counts[.updated] ?? 0)), "matchedExisting": .number(Double(counts[.matchedExisting] ?? 0)),
            "errors": .number(Double(counts[.error] ?? 0)), "suppressed": .number(Double(counts[.suppressed] ?? 0)),
        ]
        let document: JSONObject = [
            "listenerRequestId": .number(Double(logID)),
            "status": .string(status == 200 ? "ok" : status == 207 ? "partial" : "failed"),
            "summary": .object(summary),
            "results": .array(results.map { $0.json }),
        ]
        return JSONWriter.bytes(.object(document))
    }
}
