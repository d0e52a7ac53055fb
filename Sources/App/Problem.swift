import CRM
import HTTPServer
import JSON
import Postgres
import Telemetry

/// The one place where errors thrown by CRMHub's own handlers become HTTP responses
/// (`application/problem+json`, RFC 9457). Nothing here renders an error's text unless it is meant for clients.
enum Problem {
    static func responder(logger: Logger) -> ErrorResponder {
        { error, request in
            if let error = error as? CRMError { return response(for: error) }
            if let error = error as? PostgresError, error.isUnavailable {
                logger.warning("database unavailable", [("request_id", request.requestID), ("error", error.description)])
                return .problem(
                    status: 503, detail: "the database is unavailable; retry shortly", extraHeaders: [("Retry-After", "1")])
            }
            logger.error(
                "unhandled error",
                [
                    ("request_id", request.requestID), ("route", request.route), ("error", String(describing: type(of: error))),
                    ("detail", (error as? PostgresError)?.description ?? "\(error)"),
                ])
            return .problem(status: 500, detail: "internal error; quote request id \(request.requestID)")
        }
    }

    static func response(for error: CRMError) -> Response {
        switch error {
        case .unauthorized(let detail):
            return document(401, detail, headers: [("WWW-Authenticate", "Bearer realm=\"crmhub\"")])
        case .forbidden(let detail): return document(403, detail)
        case .notFound(let what): return document(404, "\(what) not found")
        case .suspended(let detail): return document(423, detail)
        case .malformed(let detail): return document(400, detail)
        case .conflict(let field):
            return document(409, field.sentence, errors: [field])
        case .invalid(let fields):
            let summary = fields.map(\.sentence).joined(separator: "; ")
            return document(422, summary, errors: fields)
        }
    }

    /// One line for the command line.
    static func describe(_ error: CRMError) -> String {
        switch error {
        case .unauthorized(let text), .forbidden(let text), .malformed(let text), .suspended(let text): text
        case .notFound(let what): "\(what) not found"
        case .conflict(let field): field.sentence
        case .invalid(let fields): fields.map(\.sentence).joined(separator: "; ")
        }
    }

    static func document(_ status: Int, _ detail: String, errors: [FieldError] = [], headers: [(String, String)] = []) -> Response
    {
        .problem(status: status, detail: detail, errors: errors.map { ($0.field, $0.message) }, extraHeaders: headers)
    }
}
