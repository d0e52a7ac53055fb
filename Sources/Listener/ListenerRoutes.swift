import CRM
import HTTPServer

/// The listener URL: `POST /l/{token}` (crm-listener-webhook.txt §2.2).
public enum ListenerRoutes {
    /// A batch of a few hundred actions fits with room to spare; larger bodies get 413.
    public static let bodyLimit = 4 << 20

    public static func register(in router: inout Router, ingestion: ListenerIngestion) {
        let tokens = ListenerTokenCheck(store: ListenerURLStore(scope: ingestion.scope))
        router.add(.post, "/l/{token}", bodyLimit: bodyLimit, admission: { request in
            await tokens.knows(request.parameters["token"] ?? "") ? nil : unknownToken
        }) { request in
            try await receive(request, ingestion: ingestion)
        }
    }

    static var unknownToken: Response { .problem(status: 404, detail: "no listener has this URL (was its token rotated?)") }

    static func receive(_ request: Request, ingestion: ListenerIngestion) async throws -> Response {
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
        let answered = dryRun
            ? try await ingestion.dryRun(token: token, body: request.body, clientAddress: request.clientAddress, requestID: request.requestID)
            : try await ingestion.receive(
                token: token, body: request.body, clientAddress: request.clientAddress, requestID: request.requestID, idempotencyKey: key)
        guard let reply = answered else {
            return unknownToken
        }
        return response(reply)
    }

    public static func response(_ reply: ListenerIngestion.Reply) -> Response {
        var response = Response(status: reply.status, body: reply.body)
        response.headers.add("Content-Type", reply.contentType)
        if reply.replayed { response.headers.add("Idempotent-Replayed", "true") }
        if reply.dryRun { response.headers.add(DryRunFlag.header, "true") }
        if reply.status == 429 { response.headers.add("Retry-After", "60") }
        if let orgID = reply.orgID, let listenerID = reply.listenerID {
            response.logFields = [("org_id", String(orgID)), ("listener_id", String(listenerID))]
        }
        return response
    }
}
