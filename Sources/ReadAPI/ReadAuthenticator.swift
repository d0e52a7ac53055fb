import CRM
import HTTPServer

/// `/api/v1` is read with an org API key (`Authorization: Bearer crmhub_ak_…`) holding the `read` scope (or
/// `admin`, which implies it); the key's org is the org that is read.
struct ReadAuthenticator: Sendable {
    let apiKeys: APIKeyStore
    let orgs: OrgStore

    func authorize(_ request: Request) async throws -> Org {
        let token = try BearerToken.parse(request.headers["Authorization"])
        guard token.hasPrefix(APIKeyStore.prefix + "_") else {
            throw CRMError.unauthorized("the read API takes an org API key (\(APIKeyStore.prefix)_…)")
        }
        guard let key = try await apiKeys.authenticate(token), let org = try await orgs.find(id: key.orgID) else {
            throw CRMError.unauthorized("invalid or revoked token")
        }
        guard key.scopes.contains(.read) || key.scopes.contains(.admin) else {
            throw CRMError.forbidden("this API key lacks the 'read' scope")
        }
        guard org.status == .active else { throw CRMError.suspended("org '\(org.slug)' is suspended") }
        return org
    }
}
