import Admin
import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/listeners`: listener URLs with allowlists, defaults and welcome messages.
public struct ListenerURLsHandler: Sendable {
    public let context: AdminContext
    public let listeners: ListenerURLStore
    public let catalogs: CatalogStore

    /// Default channels must be channels of the org, or new customers would get a dangling one.
    public func checkChannels(_ changes: ListenerURLChanges, orgID: Int64) async throws {
        var errors: [FieldError] = []
        for (field, value) in [
            ("default_contact_channel", changes.defaultContactChannel), ("default_lead_channel", changes.defaultLeadChannel),
        ] {
            guard let name = value ?? nil else { continue }
            if try await !catalogs.missing(orgID: orgID, kind: .channel, names: [name]).isEmpty {
                errors.append(FieldError(field, "'\(name)' is not one of the org's channels"))
            }
        }
        if !errors.isEmpty { throw CRMError.invalid(errors) }
    }

    public static let fields: Set<String> = [
        "name", "enabled", "ip_allowlist", "default_tag", "default_contact_channel", "default_lead_channel",
        "welcome_email", "welcome_sms", "rate_limit_per_minute",
    ]

    public func create(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let object = try AdminJSON.object(request)
        let changes = try Self.read(object, creating: true)
        try await checkChannels(changes, orgID: org.id)
        let (listener, token) = try await listeners.create(
            orgID: org.id, changes,
            audit: context.auditEntry(request, principal, "listener.create", details: ["name": .string(changes.name ?? "")]))
        return AdminJSON.response(withURL(listener, token, org: org, request: request), status: 201)
    }

    public func list(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let (cursor, limit) = try AdminJSON.pagination(request)
        let items = try await listeners.list(orgID: org.id, after: cursor, limit: limit)
        return AdminJSON.page(items, limit: limit, id: \.id) { Self.representation($0, orgSlug: org.slug) }
    }

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let id = try AdminContext.id(request, "listener")
        guard let listener = try await listeners.find(orgID: org.id, id: id) else { throw CRMError.notFound("listener \(id)") }
        return AdminJSON.response(Self.representation(listener, orgSlug: org.slug))
    }

    public func update(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "listener")
        let object = try AdminJSON.object(request)
        let changes = try Self.read(object, creating: false)
        guard let current = try await listeners.find(orgID: org.id, id: id) else { throw CRMError.notFound("listener \(id)") }
        try Self.checkWelcome(changes, current: current)
        try await checkChannels(changes, orgID: org.id)
        let listener = try await listeners.update(
            orgID: org.id, id: id, changes,
            audit: context.auditEntry(request, principal, "listener.update", details: .object(Self.redacted(object))))
        return AdminJSON.response(Self.representation(listener, orgSlug: org.slug))
    }

    public func rotate(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "listener")
        let (listener, token) = try await listeners.rotate(
            orgID: org.id, id: id, audit: context.auditEntry(request, principal, "listener.rotate_token"))
        return AdminJSON.response(withURL(listener, token, org: org, request: request))
    }

    public func delete(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "listener")
        try await listeners.delete(orgID: org.id, id: id, audit: context.auditEntry(request, principal, "listener.delete"))
        return Response(status: 204)
    }

    /// The listener plus its secret URL, shown only when created or rotated.
    private func withURL(_ listener: ListenerURL, _ token: SecretToken, org: Org, request: Request) -> JSONValue {
        var body = Self.representation(listener, orgSlug: org.slug)
        if case .object(var object) = body {
            let path = "/l/\(token.text)"
            let host = request.head.host ?? "localhost"
            object["url_path"] = .string(path)
            object["url"] = .string("\(request.isSecure ? "https" : "http")://\(host)\(path)")
            body = .object(object)
        }
        return body
    }

    // MARK: Reading and checking

    public static func read(_ object: JSONObject, creating: Bool) throws -> ListenerURLChanges {
        var reader = FieldReader(object)
        reader.allowOnly(fields)
        var changes = ListenerURLChanges()
        changes.name = reader.string("name", required: creating)
        if !creating, object["name"] != nil, changes.name == nil || changes.name == "" {
            reader.errors.append(FieldError("name", "must be a non-empty string"))
        }
        changes.enabled = reader.bool("enabled")
        changes.ipAllowlist = AllowlistReader.read(&reader, "ip_allowlist")
        changes.defaultTag = nullable(&reader, "default_tag")
        changes.defaultContactChannel = nullable(&reader, "default_contact_channel")
        changes.defaultLeadChannel = nullable(&reader, "default_lead_channel")
        if let value = object["welcome_email"] {
            guard let email = value.objectValue else {
                reader.errors.append(FieldError("welcome_email", "must be an object {enabled, from, subject, body}"))
                try reader.finish()
                return changes
            }
            var sub = FieldReader(email, prefix: "welcome_email")
            sub.allowOnly(["enabled", "from", "subject", "body"])
            changes.welcomeEmailEnabled = sub.bool("enabled")
            changes.welcomeEmailFrom = nullable(
                &sub, "from", maxLength: 254, pattern: Validation.isEmail, rule: "is not an email address")
            changes.welcomeEmailSubject = nullable(&sub, "subject", maxLength: 998)
            changes.welcomeEmailBody = nullable(&sub, "body", maxLength: 100_000)
            sub.checkPlaceholders("subject", changes.welcomeEmailSubject ?? nil)
            sub.checkPlaceholders("body", changes.welcomeEmailBody ?? nil)
            reader.errors += sub.errors
        }
        if let value = object["welcome_sms"] {
            guard let sms = value.objectValue else {
                reader.errors.append(FieldError("welcome_sms", "must be an object {enabled, body}"))
                try reader.finish()
                return changes
            }
            var sub = FieldReader(sms, prefix: "welcome_sms")
            sub.allowOnly(["enabled", "body"])
            changes.welcomeSMSEnabled = sub.bool("enabled")
            changes.welcomeSMSBody = nullable(&sub, "body", maxLength: 1600)
            sub.checkPlaceholders("body", changes.welcomeSMSBody ?? nil)
            reader.errors += sub.errors
        }
        if let value = object["rate_limit_per_minute"] {
            if value.isNull {
                changes.rateLimitPerMinute = .some(nil)
            } else if let number = value.intValue, (1...1_000_000).contains(number) {
                changes.rateLimitPerMinute = .some(number)
            } else {
                reader.errors.append(FieldError("rate_limit_per_minute", "must be a whole number from 1 to 1000000, or null"))
            }
        }
        if creating {
            do { try checkWelcome(changes, current: nil) } catch let CRMError.invalid(errors) { reader.errors += errors }
        }
        try reader.finish()
        return changes
    }

    /// An enabled welcome email needs a sender, a subject and a body; an enabled SMS needs a body.
    /// `current` is nil when creating.
    public static func checkWelcome(_ changes: ListenerURLChanges, current: ListenerURL?) throws {
        var errors: [FieldError] = []
        if changes.welcomeEmailEnabled ?? current?.welcomeEmailEnabled ?? false {
            if (changes.welcomeEmailFrom ?? current?.welcomeEmailFrom) == nil {
                errors.append(FieldError("welcome_email.from", "is required when the welcome email is enabled"))
            }
            if (changes.welcomeEmailSubject ?? current?.welcomeEmailSubject) == nil {
                errors.append(FieldError("welcome_email.subject", "is required when the welcome email is enabled"))
            }
            if (changes.welcomeEmailBody ?? current?.welcomeEmailBody) == nil {
                errors.append(FieldError("welcome_email.body", "is required when the welcome email is enabled"))
            }
        }
        if changes.welcomeSMSEnabled ?? current?.welcomeSMSEnabled ?? false,
            (changes.welcomeSMSBody ?? current?.welcomeSMSBody) == nil
        {
            errors.append(FieldError("welcome_sms.body", "is required when the welcome SMS is enabled"))
        }
        if !errors.isEmpty { throw CRMError.invalid(errors) }
    }

    /// A string field where JSON null means "clear it": nil = not given, .some(nil) = clear.
    public static func nullable(
        _ reader: inout FieldReader, _ key: String, maxLength: Int = 200, pattern: ((String) -> Bool)? = nil,
        rule: String = ""
    ) -> String?? {
        guard let value = reader.object[key] else { return nil }
        if value.isNull { return .some(nil) }
        guard let text = reader.string(key, maxLength: maxLength, pattern: pattern, rule: rule) else { return nil }
        return .some(text.isEmpty ? nil : text)
    }

    public static func redacted(_ object: JSONObject) -> JSONObject {
        var copy = object
        // Message bodies stay out of the audit log; that a change happened is enough there.
        if case .object(var email)? = copy["welcome_email"], email["body"] != nil {
            email["body"] = "(changed)"
            copy["welcome_email"] = .object(email)
        }
        return copy
    }

    public static func representation(_ listener: ListenerURL, orgSlug: String) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return [
            "id": .string(String(listener.id)), "org": .string(orgSlug), "name": .string(listener.name),
            "enabled": .bool(listener.enabled), "token_prefix": .string(listener.tokenPrefix),
            "ip_allowlist": .array(listener.ipAllowlist.map(JSONValue.string)),
            "default_tag": text(listener.defaultTag), "default_contact_channel": text(listener.defaultContactChannel),
            "default_lead_channel": text(listener.defaultLeadChannel),
            "welcome_email": [
                "enabled": .bool(listener.welcomeEmailEnabled), "from": text(listener.welcomeEmailFrom),
                "subject": text(listener.welcomeEmailSubject), "body": text(listener.welcomeEmailBody),
            ],
            "welcome_sms": ["enabled": .bool(listener.welcomeSMSEnabled), "body": text(listener.welcomeSMSBody)],
            "rate_limit_per_minute": listener.rateLimitPerMinute.map { .number(Double($0)) } ?? .null,
            "signed_requests": .bool(listener.signed),
            "created_at": .string(listener.createdAt), "updated_at": .string(listener.updatedAt),
        ]
    }

    public init(context: AdminContext, listeners: ListenerURLStore, catalogs: CatalogStore) {
        self.context = context
        self.listeners = listeners
        self.catalogs = catalogs
    }
}

extension FieldReader {
    /// A welcome template may use only ``MessageTemplate/welcomeFields``; each unknown placeholder is named.
    public mutating func checkPlaceholders(_ key: String, _ template: String?) {
        guard let template else { return }
        let known = MessageTemplate.welcomeFields
        for name in MessageTemplate(template, syntax: .doubleBraces).unknownPlaceholders(known: known) {
            errors.append(
                FieldError(
                    self.name(key),
                    "uses the unknown placeholder {{\(name)}}; known: "
                        + known.map { "{{\($0)}}" }.joined(separator: ", ")))
        }
    }
}
