import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/api-keys`: org-scoped keys with scopes admin, read, write.
public struct APIKeysHandler: Sendable {
    public let context: AdminContext

    public func create(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["name", "scopes"])
        let name = reader.string("name", required: true)
        var scopes: [APIKey.Scope] = []
        if let value = reader.object["scopes"], let list = value.arrayValue, !list.isEmpty {
            for (index, element) in list.enumerated() {
                if let text = element.stringValue, let scope = APIKey.Scope(rawValue: text) {
                    if !scopes.contains(scope) { scopes.append(scope) }
                } else {
                    reader.errors.append(FieldError("scopes[\(index)]", "must be one of admin, read, write"))
                }
            }
        } else {
            reader.errors.append(FieldError("scopes", "is required: a non-empty array of admin, read, write"))
        }
        try reader.finish()
        let (key, token) = try await context.apiKeys.create(
            orgID: org.id, name: name!, scopes: scopes,
            audit: context.auditEntry(request, principal, "api_key.create", details: ["name": .string(name!)]))
        var body = AdminRepresentation.apiKey(key, orgSlug: org.slug)
        if case .object(var object) = body {
            object["key"] = .string(token.text)  // shown once
            body = .object(object)
        }
        return AdminJSON.response(body, status: 201)
    }

    public func list(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .admin)
        let (cursor, limit) = try AdminJSON.pagination(request)
        let keys = try await context.apiKeys.list(orgID: org.id, after: cursor, limit: limit)
        return AdminJSON.page(keys, limit: limit, id: \.id) { AdminRepresentation.apiKey($0, orgSlug: org.slug) }
    }

    public func revoke(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "key")
        try await context.apiKeys.revoke(orgID: org.id, id: id, audit: context.auditEntry(request, principal, "api_key.revoke"))
        return Response(status: 204)
    }

    public init(context: AdminContext) {
        self.context = context
    }
}
