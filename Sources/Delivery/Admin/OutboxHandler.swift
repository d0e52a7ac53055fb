import Admin
import CRM
import HTTPServer
import JSON
import Outbox

/// `/admin/v1/orgs/{org}/outbox`: the welcome emails, welcome SMS and send-sms messages queued for the org's customers.
public struct OutboxHandler: Sendable {
    public let context: AdminContext
    public let outbox: OutboxStore

    public func list(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        var query = QueryReader(request)
        var filter = OutboxFilter(
            status: query.choice("status", OutboxMessage.Status.self),
            channel: query.choice("channel", OutboxMessage.Channel.self),
            reason: query.choice("reason", OutboxMessage.Reason.self))
        filter.endpointID = query.id("endpoint")
        let (cursor, limit) = try query.pagination()
        let messages = try await outbox.list(orgID: org.id, filter, before: cursor, limit: limit)
        return AdminJSON.page(messages, limit: limit, id: \.id, Self.representation)
    }

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let id = try AdminContext.id(request, "message")
        guard let message = try await outbox.find(orgID: org.id, id: id) else { throw CRMError.notFound("outbox message \(id)") }
        var shown = Self.representation(message).objectValue ?? JSONObject()
        shown["attempt_history"] = .array(try await outbox.attempts(orgID: org.id, messageID: id).map(Self.representation))
        return AdminJSON.response(.object(shown))
    }

    /// Gives a failed message one more attempt now.
    public func retry(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "message")
        guard
            let retried = try await outbox.retry(
                orgID: org.id, id: id, audit: context.auditEntry(request, principal, "outbox.retry"))
        else {
            throw CRMError.notFound("outbox message \(id)")
        }
        guard retried else { throw CRMError.conflict(FieldError("status", "only a failed message can be retried")) }
        guard let message = try await outbox.find(orgID: org.id, id: id) else { throw CRMError.notFound("outbox message \(id)") }
        return AdminJSON.response(Self.representation(message), status: 202)
    }

    public static func representation(_ message: OutboxMessage) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return [
            "id": .string(String(message.id)), "channel": .string(message.channel.rawValue),
            "reason": .string(message.reason.rawValue), "recipient": .string(message.recipient), "sender": text(message.sender),
            "subject": text(message.subject), "body": .string(message.body), "status": .string(message.status.rawValue),
            "attempts": .number(Double(message.attempts)), "last_error": text(message.lastError),
            "customer_id": text(message.customerID.map { String($0) }),
            "listener_id": text(message.listenerID.map { String($0) }),
            "created_at": .string(message.createdAt), "updated_at": .string(message.updatedAt),
            "next_attempt_at": text(message.nextAttemptAt), "sent_at": text(message.sentAt),
            "provider_message_id": text(message.providerMessageID), "content_type": text(message.contentType?.rawValue),
            "endpoint_id": text(message.endpointID.map { String($0) }), "event_type": text(message.eventType),
            "event_id": text(message.eventID),
        ]
    }

    public static func representation(_ attempt: OutboxAttempt) -> JSONValue {
        [
            "attempt": .number(Double(attempt.attempt)), "outcome": .string(attempt.outcome),
            "error": attempt.error.map(JSONValue.string) ?? .null,
            "provider_message_id": attempt.providerMessageID.map(JSONValue.string) ?? .null,
            "started_at": .string(attempt.startedAt), "finished_at": .string(attempt.finishedAt),
            "response_status": attempt.responseStatus.map { .number(Double($0)) } ?? .null,
            "response_excerpt": attempt.responseExcerpt.map(JSONValue.string) ?? .null,
            "duration_ms": attempt.durationMS.map { .number(Double($0)) } ?? .null,
        ]
    }

    public init(context: AdminContext, outbox: OutboxStore) {
        self.context = context
        self.outbox = outbox
    }
}
