import Admin
import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/ciopulse`: the CIOPulse-compatible portal code, allowlist and 40-character keys.
public struct CIOPulseSettingsHandler: Sendable {
    public let context: AdminContext
    public let store: CIOPulseStore

    public func save(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["portal_code", "ip_allowlist"])
        let code = reader.string(
            "portal_code", required: true, maxLength: 64, pattern: Self.isPortalCode,
            rule: "must be 1–64 letters, digits, '-' or '_'")
        let allowlist = AllowlistReader.read(&reader, "ip_allowlist") ?? []
        try reader.finish()
        let portal = try await store.save(
            orgID: org.id, portalCode: code!, ipAllowlist: allowlist,
            audit: context.auditEntry(request, principal, "ciopulse.save", details: reader.object.asValue))
        return AdminJSON.response(Self.representation(portal))
    }

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        guard let portal = try await store.portal(orgID: org.id) else {
            throw CRMError.notFound("CIOPulse portal of '\(org.slug)'")
        }
        return AdminJSON.response(Self.representation(portal))
    }

    public func createKey(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let (key, secret) = try await store.createKey(
            orgID: org.id, audit: context.auditEntry(request, principal, "ciopulse.key_create"))
        var body = Self.representation(key)
        if case .object(var object) = body {
            object["api_key"] = .string(secret)  // shown once
            body = .object(object)
        }
        return AdminJSON.response(body, status: 201)
    }

    public func listKeys(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .admin)
        return AdminJSON.page(try await store.keys(orgID: org.id).map(Self.representation), next: nil)
    }

    public func revokeKey(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "key")
        try await store.revokeKey(orgID: org.id, id: id, audit: context.auditEntry(request, principal, "ciopulse.key_revoke"))
        return Response(status: 204)
    }

    public static func isPortalCode(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { RandomText.isAlphanumeric($0) || $0 == 0x2D || $0 == 0x5F }
    }

    public static func representation(_ portal: CIOPulseStore.Portal) -> JSONValue {
        ["portal_code": .string(portal.portalCode), "ip_allowlist": .array(portal.ipAllowlist.map(JSONValue.string))]
    }

    public static func representation(_ key: CIOPulseStore.Key) -> JSONValue {
        [
            "id": .string(String(key.id)), "last_four": .string(key.lastFour), "created_at": .string(key.createdAt),
            "last_used_at": key.lastUsedAt.map(JSONValue.string) ?? .null,
            "revoked_at": key.revokedAt.map(JSONValue.string) ?? .null,
        ]
    }

    public init(context: AdminContext, store: CIOPulseStore) {
        self.context = context
        self.store = store
    }
}
