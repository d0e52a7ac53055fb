import Admin
import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/contacts/{contact}/portal-login`: a contact's customer-portal login (user name, password,
/// status), which SmarterTrack's login provider checks.
public struct PortalLoginHandler: Sendable {
    public let context: AdminContext
    public let store: PortalLoginStore

    public static func code(_ request: Request) throws -> CustomerCode {
        let text = request.parameters["contact"] ?? ""
        guard let code = CustomerCode(text), code.series == .contact else { throw CRMError.notFound("contact '\(text)'") }
        return code
    }

    public func save(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let code = try Self.code(request)
        var reader = FieldReader(try AdminJSON.object(request))
        reader.allowOnly(["username", "password", "status"])
        let username = reader.string("username", required: true, maxLength: 200)
        let password = reader.string("password", maxLength: 200)
        if let password, password.count < 8 { reader.errors.append(FieldError("password", "must be at least 8 characters")) }
        let status =
            reader.string(
                "status", maxLength: 50, pattern: SmarterTrackRules.isStatus,
                rule: "must be 1–50 of a-z, 0-9, '-' or '_' (e.g. active, suspended, disabled)") ?? "active"
        try reader.finish()
        let passwordHash: String? = if let password { await PasswordHash.makeOffPool(password) } else { nil }
        let saved = try await store.save(
            orgID: org.id, code: code, username: username!, passwordHash: passwordHash, status: status,
            audit: context.auditEntry(
                request, principal, "contact.portal_login", details: ["username": .string(username!), "status": .string(status)]))
        return AdminJSON.response(Self.representation(saved))
    }

    public func show(_ request: Request) async throws -> Response {
        let (_, org) = try await context.authorize(request, .read)
        let code = try Self.code(request)
        guard let saved = try await store.find(orgID: org.id, code: code) else {
            throw CRMError.notFound("portal login of contact \(code)")
        }
        return AdminJSON.response(Self.representation(saved))
    }

    public func delete(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let code = try Self.code(request)
        guard
            try await store.delete(
                orgID: org.id, code: code, audit: context.auditEntry(request, principal, "contact.portal_login_delete"))
        else {
            throw CRMError.notFound("portal login of contact \(code)")
        }
        return Response(status: 204)
    }

    public static func representation(_ saved: PortalLoginStore.Saved) -> JSONValue {
        [
            "customer_code": .string(saved.code.description), "username": .string(saved.username),
            "status": .string(saved.status),
            "password_set": true, "updated_at": .string(saved.updatedAt),
        ]
    }

    public init(context: AdminContext, store: PortalLoginStore) {
        self.context = context
        self.store = store
    }
}
