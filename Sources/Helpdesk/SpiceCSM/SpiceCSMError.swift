import HTTPServer
import XML

/// The answers a SpiceCSM web call gets when it cannot be served: an XML document
/// `<error code="…">message</error>` (text/xml) with the HTTP status, which the installation shows as the call's
/// failure. A search that finds nothing is not an error: it is `<users/>` with no children (the document's rule).
struct SpiceCSMError: Error, Sendable, Equatable {
    let status: Int
    let code: String
    let message: String

    static let badCredentials = SpiceCSMError(
        status: 401, code: "authentication-failed",
        message: "not authorised: intUser or intPass is wrong, or no enabled integration here for this address")
    static func missing(_ variable: String) -> SpiceCSMError {
        SpiceCSMError(status: 400, code: "missing-variable", message: "the POST variable \(variable) is required")
    }
    static func malformed(_ variable: String, _ reason: String) -> SpiceCSMError {
        SpiceCSMError(status: 400, code: "malformed-xml", message: "\(variable) is not well-formed: \(reason)")
    }
    /// A body whose POST variables cannot be read: 415 `unsupported-media-type` or 400 `malformed-body`.
    static func body(_ problem: FormBody.Problem) -> SpiceCSMError {
        SpiceCSMError(
            status: problem.status, code: problem.status == 415 ? "unsupported-media-type" : "malformed-body",
            message: problem.message)
    }
    static func unknownUserkey(_ userkey: String) -> SpiceCSMError {
        SpiceCSMError(status: 404, code: "unknown-userkey", message: "no account has the Userkey '\(userkey)'")
    }

    static func refusal(_ refusal: HelpdeskGate.Refusal) -> SpiceCSMError {
        switch refusal {
        // One answer for an unknown org, an integration that is off, an address outside the allowlist and wrong
        // credentials: callers cannot tell which orgs exist.
        case .unauthenticated: .badCredentials
        case .orgSuspended: SpiceCSMError(status: 403, code: "org-suspended", message: "this org is suspended")
        }
    }

    var response: Response {
        SpiceCSMXML.response(
            SpiceCSMXML.declaration + "<error code=\"\(XMLEscaping.escape(code))\">\(XMLEscaping.escape(message))</error>\n",
            status: status)
    }
}
