import CRM
import HTTPServer

/// Signed listener requests (Standard Webhooks, optional per listener): a listener with a signing secret accepts
/// a request only with a valid `webhook-signature` over `webhook-id.webhook-timestamp.body`, a timestamp within 5
/// minutes of the server's clock, and a webhook-id it has not accepted before. Accepted ids are kept in PostgreSQL
/// (`listener_seen_webhook_ids`) for 10 minutes, past the timestamp window, so a replay is refused by every instance.
///
/// Whether a listener signs, and its sealed secret, are remembered per token for 5 seconds (the hot path of an
/// unsigned listener then pays no extra query): setting, rotating or removing a secret takes effect within that.
public struct ListenerSignatureCheck: Sendable {
    let store: ListenerURLStore
    let secrets: SecretBox?
    let memory = ExpiringMemory<ListenerURLStore.Signing>()

    /// How long an accepted webhook-id is kept: the timestamp window both ways, and a margin.
    static let seenLifetimeSeconds = 2 * Int(WebhookSignature.tolerance) + 60

    public init(store: ListenerURLStore, secrets: SecretBox?) {
        self.store = store
        self.secrets = secrets
    }

    /// What a checked request proved: nothing (the listener does not sign) or an accepted webhook-id.
    public struct Accepted: Sendable {
        let orgID: Int64
        let listenerID: Int64
        let webhookID: String
    }

    /// Nil (with `accepted`) when the request may go on; otherwise the 401 (or 503) answer saying why.
    public func check(_ request: Request, token: String) async throws -> (refusal: Response?, accepted: Accepted?) {
        let (refusal, accepted, signing) = try await verify(request, token: token)
        guard var refusal, let signing else { return (refusal, accepted) }
        refusal.logFields = [("org_id", String(signing.orgID)), ("listener_id", String(signing.listenerID))]
        return (refusal, nil)
    }

    private func verify(
        _ request: Request, token: String
    ) async throws
        -> (refusal: Response?, accepted: Accepted?, signing: ListenerURLStore.Signing?)
    {
        let key = SecretToken.hash(token)
        let signing: ListenerURLStore.Signing
        if let known = memory.value(for: key) {
            signing = known
        } else {
            guard let found = try await store.signing(token: token) else { return (nil, nil, nil) }
            signing = found
            memory.remember(found, for: key, lifetime: .seconds(5))
        }
        guard let sealed = signing.sealedSecret else { return (nil, nil, nil) }
        guard let secrets, let secret = try? secrets.open(sealed, context: ListenerURLStore.signingContext(orgID: signing.orgID)),
            let hmacKey = WebhookSignature.key(of: secret)
        else {
            return (
                Response.problem(status: 503, detail: "this listener's signing secret cannot be opened (CRMHUB_SECRET_KEY)"), nil,
                signing
            )
        }
        let id = request.headers.values(for: "webhook-id").first
        if let failure = WebhookSignature.verify(
            id: id, timestamp: request.headers.values(for: "webhook-timestamp").first,
            signatures: request.headers.values(for: "webhook-signature").first, body: request.body, keys: [hmacKey],
            now: WebhookSignature.now())
        {
            return (Self.refusal(failure.description, reason: Self.reason(failure), field: Self.field(failure)), nil, signing)
        }
        guard let id, id.utf8.count <= 255 else {
            return (Self.refusal("webhook-id must be at most 255 bytes", reason: "malformed", field: "webhook-id"), nil, signing)
        }
        guard
            try await store.acceptWebhookID(
                orgID: signing.orgID, listenerID: signing.listenerID, webhookID: id, lifetimeSeconds: Self.seenLifetimeSeconds)
        else {
            return (
                Self.refusal(
                    "webhook-id '\(id)' was already accepted: a replayed request", reason: "replayed", field: "webhook-id"), nil,
                signing
            )
        }
        return (nil, Accepted(orgID: signing.orgID, listenerID: signing.listenerID, webhookID: id), signing)
    }

    /// Forgets an accepted id whose request could not be processed (a 5xx), so the sender's retry is not a replay.
    public func release(_ accepted: Accepted) async {
        _ = try? await store.forgetWebhookID(
            orgID: accepted.orgID, listenerID: accepted.listenerID, webhookID: accepted.webhookID)
    }

    static func reason(_ failure: WebhookSignature.Failure) -> String {
        switch failure {
        case .missing: "missing"
        case .malformedTimestamp: "malformed"
        case .stale: "stale"
        case .mismatch: "mismatch"
        }
    }

    static func field(_ failure: WebhookSignature.Failure) -> String {
        switch failure {
        case .missing(let header): header
        case .malformedTimestamp, .stale: "webhook-timestamp"
        case .mismatch: "webhook-signature"
        }
    }

    /// 401 whose detail starts with the case (missing, malformed, stale, replayed or mismatch) and whose `errors`
    /// name the header at fault.
    static func refusal(_ detail: String, reason: String, field: String) -> Response {
        var response = Response.problem(
            status: 401, detail: "signature refused (\(reason)): \(detail)", errors: [(field, reason)])
        response.headers.add("WWW-Authenticate", "Webhook-Signature")
        return response
    }
}
