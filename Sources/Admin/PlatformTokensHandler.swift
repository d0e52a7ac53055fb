import CRM
import HTTPServer
import JSON

/// `/admin/v1/platform-tokens`: platform administrator tokens (platform token required).
public struct PlatformTokensHandler: Sendable {
    public let context: AdminContext
    public let tokens: PlatformTokenStore

    public func create(_ request: Request) async throws -> Response {
        let principal = try await context.authenticator.authenticate(request)
        try principal.requirePlatform()
        let name = try AdminValidation.newPlatformToken(try AdminJSON.object(request))
        let token = try await tokens.create(name: name, audit: context.auditEntry(request, principal, "platform_token.create"))
        let listed = try await tokens.list().first { $0.prefix == "\(PlatformTokenStore.prefix)_\(token.lookupID)" }
        var body = listed.map(Self.representation) ?? [:]
        if case .object(var object) = body {
            object["token"] = .string(token.text)  // shown once
            body = .object(object)
        }
        return AdminJSON.response(body, status: 201)
    }

    public func list(_ request: Request) async throws -> Response {
        try await context.authenticator.authenticate(request).requirePlatform()
        return AdminJSON.page(try await tokens.list().map(Self.representation), next: nil)
    }

    public func revoke(_ request: Request) async throws -> Response {
        let principal = try await context.authenticator.authenticate(request)
        try principal.requirePlatform()
        try await tokens.revoke(
            id: try AdminContext.id(request, "token"), audit: context.auditEntry(request, principal, "platform_token.revoke"))
        return Response(status: 204)
    }

    public static func representation(_ token: PlatformTokenStore.Listed) -> JSONValue {
        [
            "id": .string(String(token.id)), "name": .string(token.name), "prefix": .string(token.prefix),
            "created_at": .string(token.createdAt), "last_used_at": token.lastUsedAt.map(JSONValue.string) ?? .null,
            "revoked_at": token.revokedAt.map(JSONValue.string) ?? .null,
        ]
    }

    public init(context: AdminContext, tokens: PlatformTokenStore) {
        self.context = context
        self.tokens = tokens
    }
}
