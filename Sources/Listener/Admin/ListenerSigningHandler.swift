import Admin
import CRM
import HTTPServer
import JSON

/// `/admin/v1/orgs/{org}/listeners/{listener}/signing-secret`: makes a listener require Standard Webhooks
/// signatures (a POST sets or rotates the secret, shown once; removing it goes back to the URL token alone).
public struct ListenerSigningHandler: Sendable {
    public let context: AdminContext
    public let listeners: ListenerURLStore
    public let secrets: SecretBox?

    public func rotate(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "listener")
        guard let secrets else {
            throw CRMError.invalid([
                FieldError("signing_secret", "cannot be stored: the server has no CRMHUB_SECRET_KEY to encrypt it with")
            ])
        }
        let secret = WebhookSignature.newSecret()
        let sealed = try secrets.seal(secret, context: ListenerURLStore.signingContext(orgID: org.id))
        guard
            try await listeners.setSigningSecret(
                orgID: org.id, id: id, sealed: sealed,
                audit: context.auditEntry(request, principal, "listener.rotate_signing_secret"))
        else { throw CRMError.notFound("listener \(id)") }
        return AdminJSON.response(["listener_id": .string(String(id)), "signing_secret": .string(secret)])
    }

    public func delete(_ request: Request) async throws -> Response {
        let (principal, org) = try await context.authorize(request, .admin)
        let id = try AdminContext.id(request, "listener")
        guard
            try await listeners.setSigningSecret(
                orgID: org.id, id: id, sealed: nil,
                audit: context.auditEntry(request, principal, "listener.delete_signing_secret"))
        else { throw CRMError.notFound("listener \(id)") }
        return Response(status: 204)
    }

    public init(context: AdminContext, listeners: ListenerURLStore, secrets: SecretBox?) {
        self.context = context
        self.listeners = listeners
        self.secrets = secrets
    }
}
