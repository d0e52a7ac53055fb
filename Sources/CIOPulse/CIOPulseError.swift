import HTTPServer
import JSON

/// The errors of the CIOPulse-compatible API in the document's shape (ciopulse-contacts-api.txt, "Error
/// Handling"): the status in the HTTP header and `{"message": …, "status": …}` in the body.
///
/// Statuses the document lists: 400 field value invalid or missing or JSON malformed, 401 invalid security
/// credentials, 404 no Contact with this System ID, 422 another Contact already has this email address, 500
/// transaction failed. Where the document is silent: 403 a caller outside the portal's IP allowlist, 409 a
/// contact that a support group names cannot be deleted, 423 the portal's org is suspended, 503 the database is
/// unavailable for a moment (with `Retry-After`).
struct CIOPulseError: Error, Sendable, Equatable {
    let status: Int
    let message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    /// The document's own example.
    static let unauthorized = CIOPulseError(401, "Invalid security credentials")
    static let notFound = CIOPulseError(404, "A Contact with this System ID was not found")
    static let emailTaken = CIOPulseError(422, "Another Contact already has this email address")
    /// The email or mobile belongs to a person who was erased (a suppression an admin can lift).
    static let suppressed = CIOPulseError(
        422, "This person was erased: their email address or mobile cannot be stored again (suppressed)")
    static let suspended = CIOPulseError(423, "This portal is suspended")
    static let unavailable = CIOPulseError(503, "Service temporarily unavailable: retry in a moment")

    static func notAllowed(_ address: String) -> CIOPulseError {
        CIOPulseError(403, "The IP address \(address) is not in this portal's list of valid IP addresses")
    }

    static func inSupportGroups(_ systemIDs: [String]) -> CIOPulseError {
        let groups =
            systemIDs.isEmpty ? "a Support Group" : "Support Group " + systemIDs.map { "'\($0)'" }.joined(separator: ", ")
        return CIOPulseError(409, "This Contact cannot be deleted: it is the Support Lead or an Also Alert of \(groups)")
    }

    static func transactionFailed(requestID: String) -> CIOPulseError {
        CIOPulseError(500, "Transaction failed. Contact support for assistance, quoting request id \(requestID)")
    }

    var body: [UInt8] {
        var text = "{\"message\":"
        JSONWriter.quote(message, into: &text)
        text += ",\"status\":\(status)}"
        return Array(text.utf8)
    }

    var response: Response {
        var response = Response.json(body, status: status)
        if status == 401 { response.headers.add("WWW-Authenticate", "Basic realm=\"CIOPulse\", charset=\"UTF-8\"") }
        if status == 503 { response.headers.add("Retry-After", "1") }
        return response
    }
}
