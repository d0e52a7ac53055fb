/// One problem with one field of a request, e.g. ("owner.email", "is not an email address").
public struct FieldError: Sendable, Equatable {
    public let field: String
    public let message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
}

/// The errors of the domain; `App/Problem.swift` turns them into `application/problem+json`.
public enum CRMError: Error, Sendable, Equatable {
    /// 401: no credentials, or credentials that are not valid.
    case unauthorized(String)
    /// 403: valid credentials without the right to do this.
    case forbidden(String)
    /// 404: no such thing (also what another org's things look like).
    case notFound(String)
    /// 409: a unique name or key is taken.
    case conflict(FieldError)
    /// 400: the body is not JSON or not the right shape.
    case malformed(String)
    /// 422: the values break rules; every broken rule is listed.
    case invalid([FieldError])
    /// 423: the org is suspended.
    case suspended(String)
}
