import CRM
import HTTPServer

/// Wraps a create handler so that a request carrying `Idempotency-Key` is applied once: a retry with the same
/// key and the same request gets the stored response; the same key with another request is a 422; a retry
/// while the first is still running is a 409. Keys are scoped to the caller's credentials and the route.
/// The caller is authenticated before a key is looked at: an unauthenticated request never writes a row.
public struct Idempotency: Sendable {
    public let store: IdempotencyStore
    /// The application's problem mapping, so a stored refusal is byte-for-byte the live one.
    public let render: @Sendable (CRMError) -> Response
    public let authenticate: @Sendable (Request) async throws -> Void

    public func wrap(_ handler: @escaping Handler) -> Handler {
        { request in
            guard let key = request.headers["Idempotency-Key"] else { return try await handler(request) }
            try await authenticate(request)
            guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw CRMError.invalid([FieldError("Idempotency-Key", "must be 1–255 visible ASCII characters")])
            }
            let caller = SecretToken.hash(request.headers["Authorization"] ?? "")
            let scope = "admin:\(RandomText.base64url(caller)):\(request.method) \(request.path)"
            let requestHash = RandomText.base64url(SecretToken.hash(String(decoding: request.body, as: UTF8.self)))
            switch try await store.claim(scope: scope, key: key, requestHash: requestHash) {
            case .replay(let status, let body):
                var response = Response(status: status, body: body)
                response.headers.add("Content-Type", status < 400 ? "application/json" : "application/problem+json")
                response.headers.add("Idempotent-Replayed", "true")
                return response
            case .mismatch:
                throw CRMError.invalid([FieldError("Idempotency-Key", "was already used with a different request")])
            case .inProgress:
                throw CRMError.conflict(
                    FieldError("Idempotency-Key", "a request with this key is still being processed; retry later"))
            case .claimed:
                do {
                    let response = try await handler(request)
                    try await store.complete(scope: scope, key: key, status: response.status, body: response.body)
                    return response
                } catch let error as CRMError {
                    // A refusal is an answer too: the same request would be refused the same way.
                    let response = render(error)
                    try await store.complete(scope: scope, key: key, status: response.status, body: response.body)
                    throw error
                } catch {
                    try? await store.release(scope: scope, key: key)
                    throw error
                }
            }
        }
    }

    public init(
        store: IdempotencyStore, render: @escaping @Sendable (CRMError) -> Response,
        authenticate: @escaping @Sendable (Request) async throws -> Void
    ) {
        self.store = store
        self.render = render
        self.authenticate = authenticate
    }
}
