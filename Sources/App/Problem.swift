import HTTPServer
import Postgres
import Telemetry

/// The one place where errors thrown by CRMHub's own handlers become HTTP responses
/// (`application/problem+json`, RFC 9457). Nothing here renders an error's text unless it is meant for clients.
enum Problem {
    static func responder(logger: Logger) -> ErrorResponder {
        { error, request in
            if let error = error as? PostgresError, error.isUnavailable {
                logger.warning("database unavailable", [("request_id", request.requestID), ("error", error.description)])
                return .problem(status: 503, detail: "the database is unavailable; retry shortly", extraHeaders: [("Retry-After", "1")])
            }
            logger.error("unhandled error", [
                ("request_id", request.requestID), ("route", request.route), ("error", String(describing: type(of: error))),
                ("detail", (error as? PostgresError)?.description ?? "\(error)"),
            ])
            return .problem(status: 500, detail: "internal error; quote request id \(request.requestID)")
        }
    }
}
