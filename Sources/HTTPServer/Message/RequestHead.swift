/// The request line and header section of one request, validated by ``RequestHeadParser``.
public struct RequestHead: Sendable, Equatable {
    public var method: HTTPMethod
    /// The request-target exactly as sent (origin-, absolute-, authority- or asterisk-form).
    public var target: String
    /// The path of the target, still percent-encoded: starts with "/" ("*" for asterisk-form, "" for CONNECT).
    public var path: String
    /// The query of the target without the "?", or nil when there is none.
    public var query: String?
    public var version: HTTPVersion
    public var headers: HeaderFields
    /// The authority: from an absolute-form target when present, else the Host field (RFC 9112 §3.2.2).
    public var host: String?
    /// Whether the connection may stay open after this exchange (RFC 9112 §9.3).
    public var keepAlive: Bool
    /// `Expect: 100-continue` was sent (RFC 9110 §10.1.1).
    public var expectsContinue: Bool
    public var framing: BodyFraming

    public init(
        method: HTTPMethod, target: String, path: String, query: String?, version: HTTPVersion,
        headers: HeaderFields, host: String?, keepAlive: Bool, expectsContinue: Bool, framing: BodyFraming
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.host = host
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
        self.framing = framing
    }
}
