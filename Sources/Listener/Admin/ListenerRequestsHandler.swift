import Admin
import CRM
import HTTPServer
import JSON

/// Re-runs a logged listener request as a new request of the same listener, and answers what the listener would
/// have answered (the replay is logged with `replay_of` set). Wired by the app; the admin API only routes to it.
/// - Parameters:
///   - orgID: the org the caller was authorised for.
///   - listenerRequestID: the logged request to replay (another org's id is not found).
///   - requestID: the admin request's id, to log with the replay.
///   - dryRun: run it without writing anything (see `ListenerIngestion.dryRun`).
public typealias ListenerReplay =
    @Sendable (_ orgID: Int64, _ listenerRequestID: Int64, _ requestID: String, _ dryRun: Bool) async throws -> Response

/// `/admin/v1/orgs/{org}/listener-requests`: what the org's listeners received and answered, newest first.
public struct ListenerRequestsHandler: Sendable {
    public let context: AdminContext
    public let requests: ListenerRequestStore
    public let replayer: ListenerReplay

    public func list(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        var query = QueryReader(request)
        let filter = ListenerRequestFilter(
            listenerID: query.id("listener"), outcome: query.choice("outcome", ListenerRequestRecord.Outcome.self),
            receivedSince: query.timestamp("received_since"), receivedBefore: query.timestamp("received_before"))
        let (cursor, limit) = try query.pagination()
        let records = try await requests.list(orgID: org.id, filter, before: cursor, limit: limit)
        return AdminJSON.page(records, limit: limit, id: \.id, Self.representation)
    }

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let id = try AdminContext.id(request, "request")
        guard let record = try await requests.find(orgID: org.id, id: id) else {
            throw CRMError.notFound("listener request \(id)")
        }
        return AdminJSON.response(Self.detail(record))
    }

    public func replay(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .write)
        let id = try AdminContext.id(request, "request")
        let dryRun: Bool
        switch DryRunFlag.read(request) {
        case .failure(let error): return error.response
        case .success(let flag): dryRun = flag
        }
        // A dry run changes nothing, so, like a read, it leaves no audit row (it writes no row at all).
        if !dryRun {
            try await context.audit.record(
                orgID: org.id, context.auditEntry(request, principal, "listener_request.replay").target("listener_request:\(id)"))
        }
        return try await replayer(org.id, id, request.requestID, dryRun)
    }

    public static func representation(_ record: ListenerRequestRecord) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return [
            "id": .string(String(record.id)), "listener_id": .string(String(record.listenerID)),
            "received_at": .string(record.receivedAt), "client_address": text(record.clientAddress),
            "request_id": text(record.requestID), "idempotency_key": text(record.idempotencyKey),
            "replay_of": text(record.replayOf.map { String($0) }), "sender_user": text(record.senderUser),
            "size": .number(Double(record.size)), "status": .number(Double(record.status)),
            "outcome": .string(record.outcome.rawValue), "item_count": .number(Double(record.itemCount)),
            "error_count": .number(Double(record.errorCount)),
        ]
    }

    /// The record with its request body and the response that was sent.
    public static func detail(_ record: ListenerRequestRecord) -> JSONValue {
        var object = representation(record).objectValue ?? JSONObject()
        embed(record.body ?? [], as: "body", into: &object)
        embed(record.response ?? [], as: "response", into: &object)
        return .object(object)
    }

    /// Stored bytes as JSON under `key` when they are JSON, else as text under `key_text` when they are UTF-8,
    /// else as base64 (RFC 4648 §4) under `key_base64`: exactly one of the three.
    public static func embed(_ bytes: [UInt8], as key: String, into object: inout JSONObject) {
        if !bytes.isEmpty, let value = try? JSONParser.parse(bytes) {
            object[key] = value
        } else if let text = String(validating: bytes, as: UTF8.self) {
            object["\(key)_text"] = .string(text)
        } else {
            object["\(key)_base64"] = .string(Base64.encode(bytes))
        }
    }

    public init(context: AdminContext, requests: ListenerRequestStore, replayer: @escaping ListenerReplay) {
        self.context = context
        self.requests = requests
        self.replayer = replayer
    }
}
