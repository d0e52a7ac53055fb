import CRM
import Postgres

extension ListenerIngestion {
    /// Carries the answer out of a transaction that must not commit.
    struct RolledBack: Error {
        let reply: Reply?
    }

    /// Runs `body` through the listener's whole ingest path — envelope, sender, every action's validation, matching
    /// and dedup, the writes themselves — in a transaction that is then rolled back, and returns the answer the
    /// listener would have given. Nothing is kept: no customer, history, outbox message, webhook event or request
    /// log row (sequence numbers drawn on the way, such as the next PID-n, are skipped as after any rollback). The
    /// allowlist and rate limits do not apply (an admin asks). Nil when the org has no such listener.
    ///
    /// This is the test call's minimal no-write path (issue 23); issue 24 builds a listener dry-run mode, and the
    /// two are meant to be merged into one.
    public func runRolledBack(orgID: Int64, listenerID: Int64, body: [UInt8], requestID: String) async throws -> Reply? {
        let arrival = Arrival(body: body, clientAddress: nil, requestID: requestID, idempotencyKey: nil, replayOf: nil)
        let sender = try? arrival.envelope.get().senderUser
        func once(savepoints: Bool) async throws -> Reply? {
            do {
                return try await scope.withOrg(orgID) { connection -> Reply? in
                    guard
                        let opened = try ListenerRequestWriter.openListener(
                            connection, orgID: orgID, listenerID: listenerID, senderEmail: sender)
                    else { return nil }
                    let (reply, _) = try self.process(
                        arrival, connection, listener: opened.listener, orgStatus: opened.orgStatus,
                        senderUserID: opened.senderUserID,
                        logID: opened.requestLogID, directory: OrgDirectory(connection: connection, orgID: orgID),
                        checkAddress: false,
                        savepoints: savepoints)
                    throw RolledBack(reply: reply)
                }
            } catch let rolledBack as RolledBack {
                return rolledBack.reply
            }
        }
        do {
            return try await once(savepoints: false)
        } catch is RestartWithSavepoints {
            return try await once(savepoints: true)
        }
    }
}
