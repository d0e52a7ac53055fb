import Testing

@testable import HTTPServer

/// RFC 9112 §3: request-line = method SP request-target SP HTTP-version CRLF.
@Suite("RFC 9112 §3 request line")
struct RequestLineTests {
    static let cases: [ParseCase] = [
        ParseCase("origin-form with query", "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\n\r\n", .head { $0.method == .get && $0.path == "/a/b" && $0.query == "x=1&y=2" }),
        ParseCase("extension method token", "PROPFIND /x HTTP/1.1\r\nHost: h\r\n\r\n", .head { $0.method.rawValue == "PROPFIND" }),
        ParseCase("HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", .head { $0.version == .http1_0 && $0.host == nil }),
        ParseCase("absolute-form target: host from the target", "GET http://example.com:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n", .head { $0.path == "/p" && $0.query == "q" && $0.host == "example.com:8080" }),
        ParseCase("absolute-form without path is /", "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", .head { $0.path == "/" }),
        ParseCase("asterisk-form with OPTIONS", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", .head { $0.path == "*" }),
        ParseCase("asterisk-form only with OPTIONS", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase("authority-form with CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", .head { $0.host == "example.com:443" }),
        ParseCase("one leading empty line is ignored (§2.2)", "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", .head { $0.path == "/" }),
        ParseCase("three leading empty lines are refused", "\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidRequestLine)),
        ParseCase("two spaces between method and target", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase("method with a non-token byte", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidMethod)),
        ParseCase("empty method", " / HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidMethod)),
        ParseCase("lower-case protocol name", "GET / http/1.1\r\nHost: h\r\n\r\n", .error(.invalidVersion)),
        ParseCase("version with extra characters", "GET / HTTP/1.1x\r\nHost: h\r\n\r\n", .error(.invalidVersion)),
        ParseCase("HTTP/2.0 is well-formed but unsupported: 505", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", .error(.unsupportedVersion)),
        ParseCase("HTTP/1.2 is unsupported", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", .error(.unsupportedVersion)),
        ParseCase("missing version (HTTP/0.9 style)", "GET /\r\n\r\n", .error(.invalidRequestLine)),
        ParseCase("control byte in the target", "GET /a\u{7}b HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase("non-ASCII byte in the target", "GET /café HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase("target of an unknown scheme", "GET ftp://h/x HTTP/1.1\r\nHost: h\r\n\r\n", .error(.invalidTarget)),
        ParseCase("bare LF ends the request line", "GET / HTTP/1.1\nHost: h\r\n\r\n", .error(.bareLF)),
        ParseCase("bare CR ends the request line", "GET / HTTP/1.1\rHost: h\r\n\r\n", .error(.bareCR)),
        ParseCase("target over the limit: 414", "GET /\(String(repeating: "a", count: 8200)) HTTP/1.1\r\nHost: h\r\n\r\n", .error(.uriTooLong)),
    ]

    @Test("request line", arguments: cases, FeedMode.allCases)
    func requestLine(testCase: ParseCase, mode: FeedMode) { ParserRunner.check(testCase, mode) }

    @Test("a target over the limit is refused before the line ends")
    func earlyURITooLong() {
        let partial = "GET /" + String(repeating: "a", count: 8300)
        #expect(ParserRunner.parse(Array(partial.utf8)) == .error(.uriTooLong))
    }

    @Test("a bare LF is refused before the head is complete")
    func earlyBareLF() {
        #expect(ParserRunner.parse(Array("GET / HTTP/1.1\n".utf8)) == .error(.bareLF))
    }
}
