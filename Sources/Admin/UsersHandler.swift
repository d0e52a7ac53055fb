import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/users`: the people `senderUser` and permits name.
public struct UsersHandler: Sendable {
    public let context: AdminContext

    public func create(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["email", "display_name", "role", "active"])
        let email = reader.string("email", required: true, maxLength: 254, pattern: Validation.isEmail, rule: "is not an email address")
        let displayName = reader.string("display_name") ?? ""
        let role = reader.choice("role", User.Role.self, allowed: User.Role.allCases) ?? .member
        let active = reader.bool("active") ?? true
        try reader.finish()
        let user = try await context.users.create(
            orgID: org.id, email: email!, displayName: displayName, role: role, active: active,
            audit: context.auditEntry(request, principal, "user.create", details: ["email": .string(email!)]))
        var response = AdminJSON.response(AdminRepresentation.user(user, orgSlug: org.slug), status: 201)
        response.headers.add("Location", "/admin/v1/orgs/\(org.slug)/users/\(user.id)")
        return response
    }

    public func list(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let (cursor, limit) = try AdminJSON.pagination(request)
        let users = try await context.users.list(orgID: org.id, after: cursor, limit: limit)
        return AdminJSON.page(users, limit: limit, id: \.id) { AdminRepresentation.user($0, orgSlug: org.slug) }
    }

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let id = try AdminContext.id(request, "user")
        guard let user = try await context.users.find(orgID: org.id, id: id) else { throw CRMError.notFound("user \(id)") }
        return AdminJSON.response(AdminRepresentation.user(user, orgSlug: org.slug))
    }

    public func update(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "user")
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["email", "display_name", "role", "active"])
        let email = reader.string("email", maxLength: 254, pattern: Validation.isEmail, rule: "is not an email address")
        let displayName = reader.string("display_name")
        let role = reader.choice("role", User.Role.self, allowed: User.Role.allCases)
        let active = reader.bool("active")
        try reader.finish()
        let user = try await context.users.update(
            orgID: org.id, id: id, email: email, displayName: displayName, role: role, active: active,
            audit: context.auditEntry(request, principal, "user.update", details: reader.object.asValue))
        return AdminJSON.response(AdminRepresentation.user(user, orgSlug: org.slug))
    }

    public func delete(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "user")
        try await context.users.delete(orgID: org.id, id: id, audit: context.auditEntry(request, principal, "user.delete"))
        return Response(status: 204)
    }

    public init(context: AdminContext) {
        self.context = context
    }
}

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

/// `/admin/v1/orgs/{org}/audit`: every admin change, newest first.
public struct AuditHandler: Sendable {
    public let context: AdminContext

    public func list(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .admin)
        let (cursor, limit) = try AdminJSON.pagination(request)
        let records = try await context.audit.list(orgID: org.id, before: cursor, limit: limit)
        return AdminJSON.page(records, limit: limit, id: \.id, AdminRepresentation.audit)
    }

    /// `/admin/v1/audit`: platform-wide changes (platform tokens), for platform administrators.
    public func listPlatform(_ request: Request) async throws -> Response {
        try await context.authenticator.authenticate(request).requirePlatform()
        let (cursor, limit) = try AdminJSON.pagination(request)
        let records = try await context.audit.listPlatform(before: cursor, limit: limit)
        return AdminJSON.page(records, limit: limit, id: \.id, AdminRepresentation.audit)
    }

    public init(context: AdminContext) {
        self.context = context
    }
}
