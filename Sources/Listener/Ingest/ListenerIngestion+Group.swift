import CRM
import HTTPServer
import JSON
import Postgres

/// Requests to one listener URL written together (see `Coalescer`).
extension ListenerIngestion {
    /// Requests to one URL that arrived together (see `Coalescer`), in one transaction; if that fails for
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
        guard group.listener.rateLimitPerMinute == nil, group.listener.orgLimits == nil else { throw RunAlone() }
        let directory = OrgDirectory(connection: connection, orgID: group.listener.orgID)
        directory.knowRequiredCustomFields(group.requiredCustomFields)
        directory.knowIngestRules(group.ingestRules)
        var admissions: [Admission] = []
        for (index, arrival) in arrivals.enumerated() {
            admissions.append(
                try admit(
                    arrival, connection, listener: group.listener, orgStatus: group.orgStatus,
                    senderUserID: group.senderUserIDs[index],
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
        connection.commitWithNextQuery()
        try ListenerRequestWriter.insertMany(connection, answers.compactMap { $0.entry })
        return answers.map { $0.reply }
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
    func runAsOneBatch(
        _ admissions: [Admission], _ batch: AddBatch
    ) throws -> [(reply: Reply, entry: ListenerRequestWriter.Entry?)] {
        var batch = batch
        let owners = batch.pending.map { $0.context.source.listenerRequestID }
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
}
