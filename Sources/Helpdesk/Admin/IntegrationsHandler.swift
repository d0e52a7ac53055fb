import Admin
import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/integrations/{kind}`: Sirportly, SpiceCSM and SmarterTrack credentials and allowlists.
public struct IntegrationsHandler: Sendable {
    public let context: AdminContext
    public let store: IntegrationStore

    public static func kind(_ request: Request) throws -> IntegrationStore.Kind {
        let name = request.parameters["kind"] ?? ""
        guard let kind = IntegrationStore.Kind(rawValue: name) else {
            throw CRMError.notFound("integration '\(name)' (known: sirportly, spicecsm, smartertrack)")
        }
        return kind
    }

    public func save(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let kind = try Self.kind(request)
        let current = try await store.settings(orgID: org.id, kind: kind)
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(
            kind == .smartertrack
                ? ["enabled", "password", "ip_allowlist"]
                : kind == .sirportly
                    ? ["enabled", "username", "password", "ip_allowlist", "custom_data", "public"]
                    : ["enabled", "username", "password", "ip_allowlist"])
        let enabled = reader.bool("enabled") ?? false
        let username = reader.string("username", maxLength: 200)
        let passwordGiven = reader.object["password"]
        let password = reader.string("password", maxLength: 200)
        if let password, password.count < 8 { reader.errors.append(FieldError("password", "must be at least 8 characters")) }
        let allowlist = AllowlistReader.read(&reader, "ip_allowlist") ?? []
        let customData = Self.customData(&reader)
        let clearPassword = passwordGiven?.isNull == true
        let willHavePassword = password != nil || (!clearPassword && current?.passwordHash != nil)
        if enabled {
            switch kind {
            case .spicecsm:
                // SpiceCSM always sends intUser/intPass.
                if username == nil { reader.errors.append(FieldError("username", "is required (SpiceCSM sends it as intUser)")) }
                if !willHavePassword {
                    reader.errors.append(FieldError("password", "is required (SpiceCSM sends it as intPass)"))
                }
            case .smartertrack:
                if !willHavePassword {
                    reader.errors.append(FieldError("password", "is required (SmarterTrack sends it as AuthPW)"))
                }
            case .sirportly:
                // HTTP Basic is optional for Sirportly, but a user name needs a password and the other way round.
                if (username == nil) != !willHavePassword {
                    reader.errors.append(
                        FieldError(
                            username == nil ? "username" : "password",
                            "HTTP Basic needs both a user name and a password, or neither"))
                }
            }
        }
        // Neither credentials nor an allowlist: anyone who knows the slug could look customers up. Only on purpose.
        let isPublic = reader.bool("public") ?? false
        if enabled && !willHavePassword && allowlist.isEmpty && !isPublic && reader.errors.isEmpty {
            reader.errors.append(
                FieldError(
                    "public",
                    "must be true to enable the integration with neither credentials nor an IP allowlist "
                        + "(anyone who knows the org's address could look customers up); set a username and password or an ip_allowlist instead"
                ))
        }
        try reader.finish()
        let passwordHash: String? = if let password { await PasswordHash.makeOffPool(password) } else { nil }
        let saved = try await store.save(
            orgID: org.id, kind: kind, enabled: enabled, username: username, passwordHash: passwordHash,
            clearPassword: clearPassword, ipAllowlist: allowlist, customData: customData,
            audit: context.auditEntry(
                request, principal, "integration.save",
                details: [
                    "integration": .string(kind.rawValue), "enabled": .bool(enabled),
                    "public": .bool(enabled && !willHavePassword && allowlist.isEmpty),
                ]))
        return AdminJSON.response(Self.representation(saved))
    }

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let kind = try Self.kind(request)
        guard let settings = try await store.settings(orgID: org.id, kind: kind) else {
            throw CRMError.notFound("\(kind.rawValue) settings of '\(org.slug)'")
        }
        return AdminJSON.response(Self.representation(settings))
    }

    /// Sirportly's `custom_data`: the sections to show (SirportlyCustomData); absent or null shows them all.
    public static func customData(_ reader: inout FieldReader) -> [String]? {
        guard let value = reader.object["custom_data"], !value.isNull else { return nil }
        let known = SirportlyCustomData.allCases.map(\.rawValue)
        guard let list = value.arrayValue else {
            reader.errors.append(FieldError("custom_data", "must be an array of: \(known.joined(separator: ", "))"))
            return nil
        }
        var sections: [String] = []
        for (index, element) in list.enumerated() {
            guard let name = element.stringValue, known.contains(name) else {
                reader.errors.append(FieldError("custom_data[\(index)]", "must be one of: \(known.joined(separator: ", "))"))
                continue
            }
            if !sections.contains(name) { sections.append(name) }
        }
        return sections
    }

    public static func representation(_ settings: IntegrationStore.Settings) -> JSONValue {
        var object: JSONObject = [
            "integration": .string(settings.kind.rawValue), "enabled": .bool(settings.enabled),
            "username": settings.username.map(JSONValue.string) ?? .null, "password_set": .bool(settings.passwordHash != nil),
            "ip_allowlist": .array(settings.ipAllowlist.map(JSONValue.string)), "updated_at": .string(settings.updatedAt),
            // Enabled with neither credentials nor an allowlist: saved with "public": true.
            "public": .bool(settings.enabled && settings.passwordHash == nil && settings.ipAllowlist.isEmpty),
        ]
        if settings.kind == .sirportly {
            object["custom_data"] = .array(
                (settings.customData ?? SirportlyCustomData.allCases.map(\.rawValue)).map(JSONValue.string))
        }
        return .object(object)
    }

    public init(context: AdminContext, store: IntegrationStore) {
        self.context = context
        self.store = store
    }
}
