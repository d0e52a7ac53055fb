import CRM
import JSON
import Postgres

/// What the actions of one listener request share, inside its transaction: the connection, the org, the
/// listener's defaults, who sent it, and the org's names loaded once.
final class IngestContext {
    let connection: PostgresConnection
    let listener: ListenerURL
    let senderUserID: Int64
    let directory: OrgDirectory
    let source: CustomerStore.Source
    /// Erased people's identities, which no action may store again.
    let suppressions: Suppressions
    /// The identities of items refused as suppressed, redacted from the logged body.
    var suppressedSpellings: [String] = []

    var orgID: Int64 { listener.orgID }

    /// What the item being run wants its sender to know although it succeeded (e.g. a customerId that named no
    /// one); emptied before each item, reported in its result.
    var notices: [FieldError] = []

    /// - Parameter directory: the org's names, shared by the requests of one transaction.
    init(
        connection: PostgresConnection, listener: ListenerURL, senderUserID: Int64, listenerRequestID: Int64,
        directory: OrgDirectory,
        secrets: SecretBox? = nil
    ) {
        self.connection = connection
        suppressions = Suppressions(box: secrets, connection: connection, orgID: listener.orgID, cache: directory)
        self.listener = listener
        self.senderUserID = senderUserID
        self.directory = directory
        source = CustomerStore.Source(listenerID: listener.id, listenerRequestID: listenerRequestID, userID: senderUserID)
    }

    /// The detail of a history line written by an action of this request.
    /// The plain detail (no extra fields) of each action, built once per request.
    private var plainDetails: [ActionType: String] = [:]

    func historyDetail(_ action: ActionType, _ extra: [(String, JSONValue)] = []) -> String {
        if extra.isEmpty, let cached = plainDetails[action] { return cached }
        let detail = buildDetail(action, extra)
        if extra.isEmpty { plainDetails[action] = detail }
        return detail
    }

    private func buildDetail(_ action: ActionType, _ extra: [(String, JSONValue)]) -> String {
        var object: JSONObject = [
            "action": .string(action.rawValue), "listenerId": .number(Double(listener.id)), "listener": .string(listener.name),
        ]
        for (key, value) in extra { object[key] = value }
        return JSONWriter.string(.object(object))
    }
}
