import Testing

@testable import HTTPServer

/// RFC 9112 §2.2 message parsing and §3 request line: `method SP request-target SP HTTP-version CRLF`.
@Suite("RFC 9112 §3 request line")
struct RequestLineTests {
    static let cases: [ParseCase] = [
        // §3.1 method
        ParseCase(
            "origin-form: absolute-path [ \"?\" query ]", "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\n\r\n",
            .head { $0.method == .get && $0.target == "/a/b?x=1&y=2" && $0.path == "/a/b" && $0.query == "x=1&y=2" }),
        ParseCase("the query may be empty", "GET /a? HTTP/1.1\r\nHost: h\r\n\r\n", .head { $0.path == "/a" && $0.query == "" }),
        ParseCase("no \"?\" means no query", "GET /a HTTP/1.1\r\nHost: h\r\n\r\n", .head { $0.query == nil }),
        ParseCase(
            "the path stays percent-encoded", "GET /a%20b/%2F HTTP/1.1\r\nHost: h\r\n\r\n", .head { $0.path == "/a%20b/%2F" }),
        ParseCase(
            "the method token is case-sensitive", "get / HTTP/1.1\r\nHost: h\r\n\r\n",
            .head { $0.method.rawValue == "get" && $0.method != .get }),
        ParseCase(
            "an extension method is a token", "PROPFIND /x HTTP/1.1\r\nHost: h\r\n\r\n",
            .head { $0.method.rawValue == "PROPFIND" }),
        ParseCase(
            "a method of any tchar", "M-1.!#$%&'*+^_`|~ / HTTP/1.1\r\nHost: h\r\n\r\n",
            .head { $0.method.rawValue == "M-1.!#$%&'*+^_`|~" }),
        ParseCase("method = token: a non-tchar byte is refused", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidMethod)),
        ParseCase("method = token: a non-ASCII byte is refused", "GÉT / HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidMethod)),
        ParseCase("method = 1*tchar: an empty method is refused", " / HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidMethod)),
        ParseCase("a request line with a method only", "GET\r\nHost: h\r\n\r\n", .error(.invalidRequestLine)),

        // §3 one SP between the parts
        ParseCase("two SP between method and target", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidRequestLine)),
        ParseCase("two SP between target and version", "GET /  HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidRequestLine)),
        ParseCase("HTAB as a separator", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidMethod)),
        ParseCase("SP after the version", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", .error(.invalidRequestLine)),
        ParseCase("no version (an HTTP/0.9 simple request)", "GET /\r\n\r\n", .error(.invalidRequestLine)),
        ParseCase("a space inside the target splits it", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidVersion)),

        // §3.2 request-target forms
        ParseCase(
            "absolute-form: the host comes from the target (§3.2.2)",
            "GET http://example.com:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n",
            .head {
                $0.target == "http://example.com:8080/p?q" && $0.path == "/p" && $0.query == "q" && $0.host == "example.com:8080"
            }),
        ParseCase(
            "absolute-form with an empty path: the path is \"/\"", "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
            .head { $0.path == "/" && $0.query == nil && $0.host == "example.com" }),
        ParseCase(
            "absolute-form with a query and no path", "GET http://h?x=1 HTTP/1.1\r\nHost: h\r\n\r\n",
            .head { $0.path == "/" && $0.query == "x=1" }),
        ParseCase(
            "absolute-form: the scheme is case-insensitive", "GET HTTPS://h/a HTTP/1.1\r\nHost: h\r\n\r\n",
            .head { $0.path == "/a" }),
        ParseCase(
            "absolute-form with an IPv6 literal", "GET http://[::1]:80/ HTTP/1.1\r\nHost: h\r\n\r\n",
            .head { $0.host == "[::1]:80" }),
        ParseCase(
            "absolute-form of a scheme we do not serve", "GET ftp://h/x HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase(
            "absolute-form with an empty host (RFC 9110 §4.2.1)", "GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n",
            .error(.invalidTarget)),
        ParseCase(
            "absolute-form with userinfo (RFC 9110 §4.2.4)", "GET http://u:p@h/x HTTP/1.1\r\nHost: h\r\n\r\n",
            .error(.invalidTarget)),
        ParseCase("absolute-form with a bad port", "GET http://h:8x/ HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase("a relative target", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase(
            "authority-form is only used for CONNECT (§3.2.3)",
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
            .head { $0.method == .connect && $0.host == "example.com:443" && $0.path == "" && $0.query == nil }),
        ParseCase(
            "authority-form with another method", "GET example.com:443 HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase("CONNECT with origin-form", "CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase(
            "authority-form = uri-host \":\" port: the port is required", "CONNECT example.com HTTP/1.1\r\nHost: h\r\n\r\n",
            .error(.invalidTarget)),
        ParseCase(
            "asterisk-form is only used for OPTIONS (§3.2.4)", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
            .head { $0.path == "*" && $0.target == "*" }),
        ParseCase("asterisk-form with GET", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase("asterisk followed by more", "OPTIONS *x HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase("a control byte in the target", "GET /a\u{7}b HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase("HTAB in the target", "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase("DEL in the target", "GET /a\u{7f} HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase("a non-ASCII byte in the target", "GET /café HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase("a NUL in the target, before the line ends", "GET /\u{0}", .error(.invalidTarget)),

        // §2.2 line endings and leading empty lines
        ParseCase(
            "at least one empty line (CRLF) received prior to the request-line is ignored",
            "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", .head { $0.path == "/" }),
        ParseCase(
            "two empty lines before the request-line are ignored", "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
            .head { $0.path == "/" }),
        ParseCase("a third empty line is refused", "\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidRequestLine)),
        ParseCase("a bare LF as a leading empty line", "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", .error(.bareLF)),
        ParseCase("a bare CR as a leading empty line", "\rGET / HTTP/1.1\r\nHost: h\r\n\r\n", .error(.bareCR)),
        ParseCase("a bare LF ends the request line", "GET / HTTP/1.1\nHost: h\r\n\r\n", .error(.bareLF)),
        ParseCase("a bare LF is refused before anything follows it", "GET / HTTP/1.1\n", .error(.bareLF)),
        ParseCase("a bare LF inside the target", "GET /a\nb HTTP/1.1\r\nHost: h\r\n\r\n", .error(.bareLF)),
        ParseCase("a bare LF after the method", "GET\n", .error(.bareLF)),
        ParseCase("a CR not followed by LF ends the request line", "GET / HTTP/1.1\rHost: h\r\n\r\n", .error(.bareCR)),
        ParseCase("a bare CR in the version", "GET / HTTP/1.1\r\r\n", .error(.bareCR)),
        ParseCase("an unfinished request line needs more", "GET /index.html HTTP/1.", .needMore),
        ParseCase("a CR at the end needs the next byte", "GET / HTTP/1.1\r", .needMore),
        ParseCase("an empty buffer needs more", "", .needMore),
    ]

    @Test("request line", arguments: cases, FeedMode.allCases)
    func requestLine(testCase: ParseCase, mode: FeedMode) { testCase.check(mode) }
}

/// RFC 9112 §9.3.2: several requests may arrive in one buffer; the parser stops at the end of the first head.
@Suite("RFC 9112 §9.3.2 pipelining")
struct PipeliningTests {
    static let first = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
    static let second = "GET /b?c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
    static let post = "POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n"

    static let cases: [ParseCase] = [
        ParseCase(
            "two requests in one buffer: consumed points at the second", first + second,
            .head(consumed: first.utf8.count) { $0.path == "/a" }),
        ParseCase(
            "a body after the head is not consumed", post + "hello",
            .head(consumed: post.utf8.count) { $0.framing == .contentLength(5) }),
        ParseCase(
            "a second head that is broken does not affect the first", first + "GET / HTTP/1.1\nX",
            .head(consumed: first.utf8.count) { $0.path == "/a" }),
        ParseCase(
            "an empty line before a pipelined request is counted in consumed", "\r\n" + first + second,
            .head(consumed: first.utf8.count + 2) { $0.path == "/a" }),
    ]

    @Test("pipelined input", arguments: cases, FeedMode.allCases)
    func pipelined(testCase: ParseCase, mode: FeedMode) { testCase.check(mode) }

    @Test("requests in one buffer are parsed one after the other")
    func sequence() throws {
        let body = "hello"
        let raw = Array((Self.post + body + Self.first + Self.second).utf8)
        var offset = 0
        var paths: [String] = []
        while offset < raw.count {
            let outcome = raw.withUnsafeBytes {
                HeadFeeder.parse(UnsafeRawBufferPointer(rebasing: $0[offset...]), limits: ParserLimits())
            }
            guard case .head(let head, let consumed) = outcome else {
                Issue.record("at \(offset): \(outcome)")
                return
            }
            paths.append(head.path)
            offset += consumed
            if case .contentLength(let length) = head.framing { offset += length }
        }
        #expect(paths == ["/u", "/a", "/b"])
        #expect(offset == raw.count)
    }
}
