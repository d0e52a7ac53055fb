import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs`: the tenants. Creating and listing orgs is for platform administrators.
public struct OrgsHandler: Sendable {
    public let context: AdminContext

    public func create(_ request: Request) async throws -> Response {
        let principal = try await context.authenticator.authenticate(request)
        try principal.requirePlatform()
        let input = try await AdminValidation.newOrg(try AdminJSON.object(request), orgs: context.orgs)
        let (org, user) = try await context.orgs.create(
            slug: input.slug, name: input.name, timezone: input.timezone, owner: input.owner,
            audit: context.auditEntry(request, principal, "org.create"))
        var body = AdminRepresentation.org(org)
        if case .object(var object) = body {
            object["owner"] = user.map { AdminRepresentation.user($0, orgSlug: org.slug) } ?? .null
            body = .object(object)
        }
        var response = AdminJSON.response(body, status: 201)
        response.headers.add("Location", "/admin/v1/orgs/\(org.slug)")
        return response
    }

    public func list(_ request: Request) async throws -> Response {
        try await context.authenticator.authenticate(request).requirePlatform()
        let (cursor, limit) = try AdminJSON.pagination(request)
        let orgs = try await context.orgs.list(after: cursor, limit: limit)
        return AdminJSON.page(orgs, limit: limit, id: \.id, AdminRepresentation.org)
    }

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        return AdminJSON.response(AdminRepresentation.org(org))
    }

    /// name and timezone: org admins too; status (suspend/activate): platform only.
    public func update(_ request: Request) async throws -> Response {
        let principal = try await context.authenticator.authenticate(request)
        let slug = request.parameters["org"] ?? ""
        guard let org = try await context.orgs.find(slug: slug) else { throw CRMError.notFound("org '\(slug)'") }
        // Access first: another org's key learns nothing, not even whether its body would be valid.
        try principal.require(.admin, on: org)
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["name", "timezone", "status"])
        let name = reader.string("name")
        if name == "" { reader.errors.append(FieldError("name", "must not be empty")) }
        let timezone = reader.string(
            "timezone", maxLength: 64, pattern: Validation.isTimeZone,
            rule: "must be UTC or an IANA time zone such as Asia/Ho_Chi_Minh")
        let status = reader.choice("status", Org.Status.self, allowed: [.active, .suspended])
        if let timezone, timezone != "UTC", try await !context.orgs.isKnownTimeZone(timezone) {
            reader.errors.append(FieldError("timezone", "'\(timezone)' is not a known IANA time zone"))
        }
        try reader.finish()
        if status != nil { try principal.requirePlatform() }
        let updated = try await context.orgs.update(
            org.id, name: name, timezone: timezone, status: status,
            audit: context.auditEntry(request, principal, "org.update", details: reader.object.asValue))
        return AdminJSON.response(AdminRepresentation.org(updated))
    }

    public init(context: AdminContext) {
        self.context = context
    }
}

extension JSONObject {
    public var asValue: JSONValue { .object(self) }
}
