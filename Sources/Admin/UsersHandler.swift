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
        let email = reader.string(
            "email", required: true, maxLength: 254, pattern: Validation.isEmail, rule: "is not an email address")
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
