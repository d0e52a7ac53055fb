import Admin
import CRM
import HTTPServer
import JSON
import Outbox

/// `/admin/v1/orgs/{org}/delivery/{smtp,sms,test}`: where the org's outbox messages are sent from. Secrets (the
/// SMTP password, the SMS provider's token) are stored encrypted and never shown; `password_set` / `secret_set`
/// tell whether there is one.
public struct DeliveryHandler: Sendable {
    public let context: AdminContext
    public let store: DeliverySettingsStore
    public let deliverer: Deliverer
    public let secrets: SecretBox?

    /// The channel a settings path names, and the body field holding its secret.
    public static func channel(_ request: Request) -> (OutboxMessage.Channel, secretField: String) {
        request.path.hasSuffix("/sms") ? (.sms, "secret") : (.email, "password")
    }

    public func save(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let (channel, secretField) = Self.channel(request)
        let object = try AdminJSON.object(request)
        var errors: [FieldError] = []
        let config: JSONValue?
        switch channel {
        case .email:
            let parsed = SMTPSettings.parse(object)
            config = try? parsed.get().config
            if case .failure(.invalid(let list)) = parsed { errors += list }
        case .sms, .webhook:
            let parsed = SMSSettings.parse(object)
            config = try? parsed.get().config
            if case .failure(.invalid(let list)) = parsed { errors += list }
        }
        // Read from the body itself, so a missing secret is reported even when other fields are wrong.
        let needsSecret =
            channel == .email
            ? object["username"]?.stringValue?.isEmpty == false
            : object["provider"]?.stringValue == "twilio" || ["header", "basic"].contains(object["auth"]?.stringValue ?? "")
        let given = object[secretField]
        var secret: String?
        if let given, !given.isNull {
            if let text = given.stringValue, !text.isEmpty, text.utf8.count <= 4096 {
                secret = text
            } else {
                errors.append(FieldError(secretField, "must be a non-empty string of at most 4096 bytes, or null to remove it"))
            }
        }
        let current = try await store.find(orgID: org.id, channel: channel)
        // Settings that use no secret (SMTP without a username, SMS without auth) keep none: an old one would only
        // linger, encrypted, behind `secret_set: false`.
        let clear = given?.isNull == true || (!needsSecret && secret == nil)
        let willHaveSecret = secret != nil || (!clear && current?.sealedSecret != nil)
        if needsSecret && !willHaveSecret {
            errors.append(
                FieldError(secretField, channel == .email ? "is required when username is set" : "is required for this auth"))
        }
        var sealed: [UInt8]?
        if let secret {
            if let secrets {
                sealed = try secrets.seal(secret, context: Deliverer.secretContext(orgID: org.id, channel: channel))
            } else {
                errors.append(FieldError(secretField, "cannot be stored: the server has no CRMHUB_SECRET_KEY to encrypt it with"))
            }
        }
        guard errors.isEmpty, let config else { throw CRMError.invalid(errors) }
        let saved = try await store.save(
            orgID: org.id, channel: channel, config: config, sealedSecret: sealed, clearSecret: clear,
            audit: context.auditEntry(request, principal, "delivery.save", details: ["channel": .string(channel.rawValue)]))
        return AdminJSON.response(Self.representation(saved, secretField: secretField))
    }

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let (channel, secretField) = Self.channel(request)
        guard let record = try await store.find(orgID: org.id, channel: channel) else {
            throw CRMError.notFound("\(channel == .email ? "SMTP" : "SMS") settings of '\(org.slug)'")
        }
        return AdminJSON.response(Self.representation(record, secretField: secretField))
    }

    public func delete(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let (channel, _) = Self.channel(request)
        let audit = context.auditEntry(request, principal, "delivery.delete", details: ["channel": .string(channel.rawValue)])
        guard try await store.delete(orgID: org.id, channel: channel, audit: audit) else {
            throw CRMError.notFound("\(channel == .email ? "SMTP" : "SMS") settings of '\(org.slug)'")
        }
        return Response(status: 204)
    }

    /// Sends a message now with the saved settings and reports what happened (nothing is queued).
    public func test(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["channel", "to", "subject", "body"])
        let channel = reader.choice("channel", OutboxMessage.Channel.self, allowed: [.email, .sms], required: true)
        let to = reader.string("to", required: true, maxLength: 254)
        let subject = reader.string("subject", maxLength: 998) ?? "CRMHub test message"
        let body = reader.string("body", maxLength: 10_000) ?? "This is a test message from CRMHub."
        if channel == .email, let to, !Validation.isEmail(to) {
            reader.errors.append(FieldError("to", "is not an email address"))
        }
        if channel == .sms, let to, Identity.phone(to) == nil {
            reader.errors.append(FieldError("to", "is not a phone number (6 to 15 digits)"))
        }
        try reader.finish()
        guard let channel, let to else { throw CRMError.invalid(reader.errors) }
        let recipient = channel == .sms ? (Identity.phone(to) ?? to) : to
        try await context.audit.record(
            orgID: org.id,
            context.auditEntry(
                request, principal, "delivery.test", details: ["channel": .string(channel.rawValue), "to": .string(recipient)]))
        let message = OutboxMessage(
            id: 0, channel: channel, reason: channel == .email ? .welcomeEmail : .sendSMS, recipient: recipient,
            subject: subject, body: body,
            contentType: channel == .email ? (MessageTemplate.isHTML(body) ? .html : .plain) : nil)
        let result = try await deliverer.send(message, orgID: org.id)
        var outcome: JSONObject = ["channel": .string(channel.rawValue), "to": .string(recipient)]
        switch result {
        case .sent(let id):
            outcome["outcome"] = "sent"
            outcome["provider_message_id"] = id.map(JSONValue.string) ?? .null
        case .failed(let error, let permanent, _):
            outcome["outcome"] = "failed"
            outcome["error"] = .string(error)
            outcome["permanent"] = .bool(permanent)
        case .notConfigured(let reason):
            outcome["outcome"] = "not_configured"
            outcome["error"] = .string(reason)
        }
        return AdminJSON.response(.object(outcome))
    }

    public static func representation(_ record: DeliverySettingsStore.Record, secretField: String) -> JSONValue {
        var object = record.config
        object["\(secretField)_set"] = .bool(record.sealedSecret != nil)
        object["updated_at"] = .string(record.updatedAt)
        return .object(object)
    }

    public init(context: AdminContext, store: DeliverySettingsStore, deliverer: Deliverer, secrets: SecretBox?) {
        self.context = context
        self.store = store
        self.deliverer = deliverer
        self.secrets = secrets
    }
}
