/// One problem with one field of a request, e.g. ("owner.email", "is not an email address").
public struct FieldError: Sendable, Equatable {
    public let field: String
    public let message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    /// The problem as one clause for a summary line, naming the field once: "owner.email is not an email address"
    /// for a message that is a predicate, the message alone when it names the field already ("an org with slug
    /// 'htk-labs' already exists"), else "field: message".
    public var sentence: String { sentence(naming: field) }

    /// `sentence`, calling the field `name` (a command line calls `slug` `--slug`).
    public func sentence(naming name: String) -> String {
        let lowered = message.lowercased()
        if Self.predicateStarts.contains(where: { lowered.hasPrefix($0) }) { return "\(name) \(message)" }
        let last = field.split(separator: ".").last.map(String.init) ?? field
        let words = [last, String(last.map { $0 == "_" ? " " : $0 })].map { $0.lowercased() }
        if !last.isEmpty, words.contains(where: { lowered.contains($0) }) { return message }
        return "\(name): \(message)"
    }

    static let predicateStarts = [
        "is ", "are ", "must ", "has ", "have ", "needs ", "need ", "cannot ", "can ", "should ", "was ", "were ", "does ", "do ",
        "may ", "already ", "names ", "contains ", "requires ", "exceeds ",
    ]
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
