import Admin
import CRM
import HTTPClient
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/webhook-endpoints`: where the org's events go (Standard Webhooks). The secret is shown
/// once, when the endpoint is created or its secret rotated; it is stored sealed with CRMHUB_SECRET_KEY.
public struct WebhookEndpointsHandler: Sendable {
    public let context: AdminContext
    public let store: WebhookEndpointStore
    public let secrets: SecretBox?

    static let fields: Set<String> = ["url", "description", "event_types", "enabled"]
    /// The longest overlap a rotation may give the old secret (7 days), and the default (24 hours).
    static let maxOverlapSeconds = 7 * 86_400, defaultOverlapSeconds = 86_400
    /// The most events one replay queues again.
    static let replayLimit = 10_000

    public func create(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let changes = try Self.read(try AdminJSON.object(request), creating: true)
        let secret = WebhookSignature.newSecret()
        let sealed = try seal(secret, orgID: org.id)
        let endpoint = try await store.create(
            orgID: org.id, changes, sealedSecret: sealed,
            audit: context.auditEntry(request, principal, "webhook_endpoint.create", details: ["url": .string(changes.url ?? "")])
        )
        return AdminJSON.response(Self.representation(endpoint, secret: secret), status: 201)
    }

    public func list(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let (cursor, limit) = try AdminJSON.pagination(request)
        let items = try await store.list(orgID: org.id, after: cursor, limit: limit)
        return AdminJSON.page(items, limit: limit, id: \.id) { Self.representation($0) }
    }

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let id = try AdminContext.id(request, "endpoint")
        guard let endpoint = try await store.find(orgID: org.id, id: id) else {
            throw CRMError.notFound("webhook endpoint \(id)")
        }
        return AdminJSON.response(Self.representation(endpoint))
    }

    public func update(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "endpoint")
        let changes = try Self.read(try AdminJSON.object(request), creating: false)
        guard
            let endpoint = try await store.update(
                orgID: org.id, id: id, changes, audit: context.auditEntry(request, principal, "webhook_endpoint.update"))
        else { throw CRMError.notFound("webhook endpoint \(id)") }
        return AdminJSON.response(Self.representation(endpoint))
    }

    public func delete(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "endpoint")
        guard
            try await store.delete(
                orgID: org.id, id: id, audit: context.auditEntry(request, principal, "webhook_endpoint.delete"))
        else {
            throw CRMError.notFound("webhook endpoint \(id)")
        }
        return Response(status: 204)
    }

    /// A new secret; the old one keeps signing (a second signature) for `overlap_seconds` (default 24 hours).
    public func rotate(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "endpoint")
        var reader = FieldReader(request.body.isEmpty ? JSONObject() : try AdminJSON.object(request))
        reader.allowOnly(["overlap_seconds"])
        var overlap = Self.defaultOverlapSeconds
        if let value = reader.object["overlap_seconds"], !value.isNull {
            if let seconds = value.intValue, (0...Self.maxOverlapSeconds).contains(seconds) {
                overlap = seconds
            } else {
                reader.errors.append(
                    FieldError("overlap_seconds", "must be a whole number of seconds from 0 to \(Self.maxOverlapSeconds)"))
            }
        }
        try reader.finish()
        let secret = WebhookSignature.newSecret()
        guard
            let endpoint = try await store.rotate(
                orgID: org.id, id: id, sealedSecret: try seal(secret, orgID: org.id), overlapSeconds: overlap,
                audit: context.auditEntry(
                    request, principal, "webhook_endpoint.rotate_secret", details: ["overlap_seconds": .number(Double(overlap))]))
        else { throw CRMError.notFound("webhook endpoint \(id)") }
        return AdminJSON.response(Self.representation(endpoint, secret: secret))
    }

    /// Queues again the endpoint's events created in [since, until) that were sent or failed (same webhook-id).
    public func replay(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "endpoint")
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["since", "until"])
        let since = reader.string(
            "since", required: true, maxLength: 40, pattern: Self.isTimestamp, rule: "must be an RFC 3339 date-time")
        let until = reader.string("until", maxLength: 40, pattern: Self.isTimestamp, rule: "must be an RFC 3339 date-time")
        try reader.finish()
        guard let since, try await store.find(orgID: org.id, id: id) != nil else {
            throw CRMError.notFound("webhook endpoint \(id)")
        }
        let end = until ?? "infinity"
        try await context.audit.record(
            orgID: org.id,
            context.auditEntry(
                request, principal, "webhook_endpoint.replay", details: ["since": .string(since), "until": .string(end)]
            ).target("webhook-endpoint:\(id)"))
        let queued = try await store.replay(orgID: org.id, id: id, since: since, until: end, limit: Self.replayLimit)
        return AdminJSON.response(["queued": .number(Double(queued)), "limit": .number(Double(Self.replayLimit))], status: 202)
    }

    /// RFC 3339 date-time with a zone (2026-12-06T02:00:00Z, …+07:00).
    static func isTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54 || bytes[10] == 0x74, bytes[13] == 0x3A
        else { return false }
        let last = bytes[bytes.count - 1]
        return last == 0x5A || last == 0x7A
            || (bytes.count >= 25 && (bytes[bytes.count - 6] == 0x2B || bytes[bytes.count - 6] == 0x2D))
    }

    func seal(_ secret: String, orgID: Int64) throws -> [UInt8] {
        guard let secrets else {
            throw CRMError.invalid([
                FieldError("secret", "cannot be stored: the server has no CRMHUB_SECRET_KEY to encrypt it with")
            ])
        }
        return try secrets.seal(secret, context: WebhookEndpoint.secretContext(orgID: orgID))
    }

    static func read(_ object: JSONObject, creating: Bool) throws -> WebhookEndpointChanges {
        var reader = FieldReader(object)
        reader.allowOnly(fields)
        var changes = WebhookEndpointChanges()
        changes.url = reader.string(
            "url", required: creating, maxLength: 500, pattern: { HTTPURL($0) != nil },
            rule: "must be an http:// or https:// URL with a host")
        changes.description = reader.string("description", maxLength: 1000)
        changes.enabled = reader.bool("enabled")
        if let value = object["event_types"], !value.isNull {
            if let list = value.arrayValue, list.count <= WebhookEndpoint.eventTypes.count {
                var types: [String] = []
                for (index, item) in list.enumerated() {
                    guard let text = item.stringValue, WebhookEndpoint.eventTypes.contains(text) else {
                        reader.errors.append(
                            FieldError(
                                "event_types[\(index)]", "must be one of \(WebhookEndpoint.eventTypes.joined(separator: ", "))"))
                        continue
                    }
                    if !types.contains(text) { types.append(text) }
                }
                changes.eventTypes = types
            } else {
                reader.errors.append(FieldError("event_types", "must be an array of event types (empty: all)"))
            }
        }
        try reader.finish()
        return changes
    }

    public static func representation(_ endpoint: WebhookEndpoint, secret: String? = nil) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        var object: JSONObject = [
            "id": .string(String(endpoint.id)), "url": .string(endpoint.url), "description": .string(endpoint.description),
            "event_types": .array(endpoint.eventTypes.map(JSONValue.string)), "enabled": .bool(endpoint.enabled),
            "previous_secret_expires_at": endpoint.previousSecretActive ? text(endpoint.previousSecretExpiresAt) : .null,
            "consecutive_failures": .number(Double(endpoint.consecutiveFailures)), "failing_since": text(endpoint.failingSince),
            "disabled_reason": text(endpoint.disabledReason), "created_at": .string(endpoint.createdAt),
            "updated_at": .string(endpoint.updatedAt),
        ]
        if let secret { object["secret"] = .string(secret) }
        return .object(object)
    }

    public init(context: AdminContext, store: WebhookEndpointStore, secrets: SecretBox?) {
        self.context = context
        self.store = store
        self.secrets = secrets
    }
}
