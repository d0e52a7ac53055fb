import CRM
import Postgres

extension ListenerIngestion {
    /// The admin test call (`POST …/listeners/{id}/test`): runs `body` through the listener's whole ingest path as a
    /// dry run — envelope, sender, every action's validation, matching and dedup, the writes themselves, then rolled
    /// back — and returns the answer the listener would have given, with the customer codes a real request would
    /// get. Nothing is kept (no customer, history, outbox message, webhook event or request-log row). The allowlist
    /// does not apply (an admin asks). Nil when the org has no such listener.
    public func testCall(orgID: Int64, listenerID: Int64, body: [UInt8], requestID: String) async throws -> Reply? {
        let arrival = Arrival(
            body: body, clientAddress: nil, requestID: requestID, idempotencyKey: nil, replayOf: nil, dryRun: true)
        let sender = try? arrival.envelope.get().senderUser
        // `attempt`, not `run`: an admin's test is not a listener request, so the request metrics do not count it.
        return try await attempt(arrival, checkAddress: false, platform: false, orgID: orgID) { connection in
            try ListenerRequestWriter.openListener(connection, orgID: orgID, listenerID: listenerID, senderEmail: sender)
        }
    }
}
