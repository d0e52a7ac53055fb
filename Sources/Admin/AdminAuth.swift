import CRM
import HTTPServer

/// Who is calling the admin API.
public enum Principal: Sendable {
    /// A platform administrator token: every org.
    case platform(tokenID: Int64, name: String)
    /// An org API key: its own org only, within its scopes.
    case orgKey(orgID: Int64, keyID: Int64, name: String, scopes: [APIKey.Scope])

    /// The credential, as the audit log names it: its kind, id and name (never its secret).
    public var actor: String {
        switch self {
        case .platform(let id, let name): "platform_token:\(id) (\(name))"
        case .orgKey(_, let keyID, let name, _): "api_key:\(keyID) (\(name))"
        }
    }
}

/// Bearer-token authentication for `/admin/v1` (RFC 6750 §2.1).
public struct AdminAuthenticator: Sendable {
    public let platformTokens: PlatformTokenStore
    public let apiKeys: APIKeyStore

    public func authenticate(_ request: Request) async throws -> Principal {
        let token = try BearerToken.parse(request.headers["Authorization"])
        if token.hasPrefix(APIKeyStore.prefix + "_") {
            guard let key = try await apiKeys.authenticate(token) else { throw CRMError.unauthorized("invalid or revoked token") }
            return .orgKey(orgID: key.orgID, keyID: key.keyID, name: key.name, scopes: key.scopes)
        }
        guard let platform = try await platformTokens.authenticate(token) else {
            throw CRMError.unauthorized("invalid or revoked token")
        }
        return .platform(tokenID: platform.id, name: platform.name)
    }

    public init(platformTokens: PlatformTokenStore, apiKeys: APIKeyStore) {
        self.platformTokens = platformTokens
        self.apiKeys = apiKeys
    }
}

extension Principal {
    /// Platform only (managing orgs themselves).
    public func requirePlatform() throws {
        guard case .platform = self else { throw CRMError.forbidden("this needs a platform administrator token") }
    }

    /// Access to `org` with `scope`. Another org's key sees a 404, never the org's existence.
    public func require(_ scope: APIKey.Scope, on org: Org) throws {
        switch self {
        case .platform:
            return
        case .orgKey(let orgID, _, _, let scopes):
            guard orgID == org.id else { throw CRMError.notFound("org '\(org.slug)'") }
            guard org.status == .active else { throw CRMError.suspended("org '\(org.slug)' is suspended") }
            // admin implies read and write.
            guard scopes.contains(scope) || scopes.contains(.admin) else {
                throw CRMError.forbidden("this API key lacks the '\(scope.rawValue)' scope")
            }
        }
    }
}
