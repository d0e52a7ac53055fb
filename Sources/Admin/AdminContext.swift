import CRM
import HTTPServer
import JSON

/// What every admin handler needs: the stores and the authenticator.
public struct AdminContext: Sendable {
    public let orgs: OrgStore
    public let users: UserStore
    public let apiKeys: APIKeyStore
    public let audit: AuditStore
    public let authenticator: AdminAuthenticator

    public init(scope: OrgScope) {
        orgs = OrgStore(scope: scope)
        users = UserStore(scope: scope)
        apiKeys = APIKeyStore(scope: scope)
        audit = AuditStore(scope: scope)
        authenticator = AdminAuthenticator(platformTokens: PlatformTokenStore(scope: scope), apiKeys: apiKeys)
    }

    /// Authenticates, then finds the org named in the path and checks the caller may act on it.
    public func authorize(_ request: Request, _ scope: APIKey.Scope) async throws -> (Principal, Org) {
        let principal = try await authenticator.authenticate(request)
        let slug = request.parameters["org"] ?? ""
        guard let org = try await orgs.find(slug: slug) else { throw CRMError.notFound("org '\(slug)'") }
        try principal.require(scope, on: org)
        return (principal, org)
    }

    public func auditEntry(_ request: Request, _ principal: Principal, _ action: String, details: JSONValue = [:]) -> AuditEntry {
        AuditEntry(
            actor: principal.actor, action: action, details: details,
            clientAddress: request.clientAddress?.description, requestID: request.requestID)
    }

    /// The numeric id in a path parameter, or 404.
    public static func id(_ request: Request, _ name: String) throws -> Int64 {
        guard let text = request.parameters[name], let id = Int64(text), id > 0 else {
            throw CRMError.notFound("\(name) '\(request.parameters[name] ?? "")'")
        }
        return id
    }
}

/// JSON shapes of the admin API's resources.
public enum AdminRepresentation {
    public static func org(_ org: Org) -> JSONValue {
        [
            "id": .string(String(org.id)), "slug": .string(org.slug), "name": .string(org.name),
            "timezone": .string(org.timezone),
            "status": .string(org.status.rawValue), "created_at": .string(org.createdAt), "updated_at": .string(org.updatedAt),
        ]
    }

    public static func user(_ user: User, orgSlug: String) -> JSONValue {
        [
            "id": .string(String(user.id)), "org": .string(orgSlug), "email": .string(user.email),
            "display_name": .string(user.displayName), "role": .string(user.role.rawValue), "active": .bool(user.active),
            "created_at": .string(user.createdAt), "updated_at": .string(user.updatedAt),
        ]
    }

    public static func apiKey(_ key: APIKey, orgSlug: String) -> JSONValue {
        [
            "id": .string(String(key.id)), "org": .string(orgSlug), "name": .string(key.name),
            "scopes": .array(key.scopes.map { .string($0.rawValue) }), "prefix": .string(key.prefix),
            "created_at": .string(key.createdAt), "last_used_at": key.lastUsedAt.map(JSONValue.string) ?? .null,
            "revoked_at": key.revokedAt.map(JSONValue.string) ?? .null,
        ]
    }

    public static func audit(_ record: AuditRecord) -> JSONValue {
        let details = (try? JSONParser.parse(record.details)) ?? .object(JSONObject())
        return [
            "id": .string(String(record.id)), "at": .string(record.at), "actor": .string(record.actor),
            "action": .string(record.action), "target": .string(record.target), "details": details,
            "client_address": record.clientAddress.map(JSONValue.string) ?? .null,
            "request_id": record.requestID.map(JSONValue.string) ?? .null,
        ]
    }
}
