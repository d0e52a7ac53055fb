import CRM
import HTTPServer

/// The listener URL: `POST /l/{token}` (crm-listener-webhook.txt §2.2).
public enum ListenerRoutes {
    /// A batch of a few hundred actions fits with room to spare; larger bodies get 413.
    public static let bodyLimit = 4 << 20

    public static func register(in router: inout Router, ingestion: ListenerIngestion, secrets: SecretBox? = nil) {
        let tokens = ListenerTokenCheck(store: ListenerURLStore(scope: ingestion.scope))
        let signatures = ListenerSignatureCheck(store: ListenerURLStore(scope: ingestion.scope), secrets: secrets)
        router.add(
            .post, "/l/{token}", bodyLimit: bodyLimit,
            admission: { request in
                await tokens.knows(request.parameters["token"] ?? "") ? nil : unknownToken
            }
        ) { request in
            try await receive(request, ingestion: ingestion, signatures: signatures)
        }
    }

    static var unknownToken: Response { .problem(status: 404, detail: "no listener has this URL (was its token rotated?)") }

    static func receive(
        _ request: Request, ingestion: ListenerIngestion, signatures: ListenerSignatureCheck
    ) async throws -> Response {
        let key = request.headers.values(for: "Idempotency-Key").first
        if let key, key.isEmpty || key.utf8.count > 255 {
            return .problem(status: 400, detail: "Idempotency-Key must be 1 to 255 characters")
        }
        let dryRun: Bool
        switch DryRunFlag.read(request) {
        case .failure(let error): return error.response
        case .success(let flag): dryRun = flag
        }
        if dryRun, key != nil {
            return .problem(status: 400, detail: "a dry run cannot take an Idempotency-Key: it stores no answer")
        }
        let token = request.parameters["token"] ?? ""
        let (refusal, accepted) = try await signatures.check(request, token: token)
        if let refusal {
            if let org = refusal.logFields.first(where: { $0.0 == "org_id" }).flatMap({ Int64($0.1) }) {
                ingestion.countRefused(orgID: org, status: refusal.status)
            }
            return refusal
        }
        let reply: ListenerIngestion.Reply?
        do {
            reply =
                dryRun
                ? try await ingestion.dryRun(
                    token: token, body: request.body, clientAddress: request.clientAddress, requestID: request.requestID)
                : try await ingestion.receive(
                    token: token, body: request.body, clientAddress: request.clientAddress, requestID: request.requestID,
                    idempotencyKey: key)
        } catch {
            if let accepted { await signatures.release(accepted) }
            throw error
        }
        guard let reply else { return unknownToken }
        // A dry run stores nothing: its signature's id stays free for the real request.
        if let accepted, dryRun || reply.status >= 500 { await signatures.release(accepted) }
        return response(reply)
    }

    public static func response(_ reply: ListenerIngestion.Reply) -> Response {
        var response = Response(status: reply.status, body: reply.body)
        response.headers.add("Content-Type", reply.contentType)
        if reply.replayed { response.headers.add("Idempotent-Replayed", "true") }
        for (name, value) in reply.headers { response.headers.add(name, value) }
        if reply.dryRun { response.headers.add(DryRunFlag.header, "true") }
        if reply.status == 429, reply.headers.isEmpty { response.headers.add("Retry-After", "60") }
        if let orgID = reply.orgID, let listenerID = reply.listenerID {
            response.logFields = [("org_id", String(orgID)), ("listener_id", String(listenerID))]
        }
        return response
    }
}
