import Testing

@testable import HTTPServer

/// RFC 9112 §5 field syntax, RFC 9110 §5.5 field values, RFC 9112 §3.2 Host.
@Suite("RFC 9112 §5 header fields")
struct FieldTests {
    static let cases: [ParseCase] = [
        ParseCase("values are trimmed of optional whitespace", "GET / HTTP/1.1\r\nHost: h\r\nX-A: \t v a l \t\r\n\r\n", .head { $0.headers["x-a"] == "v a l" }),
        ParseCase("names are case-insensitive, order kept", "GET / HTTP/1.1\r\nhost: h\r\nX-A: 1\r\nx-a: 2\r\n\r\n", .head { $0.headers.values(for: "X-A") == ["1", "2"] }),
        ParseCase("empty value is allowed", "GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n\r\n", .head { $0.headers["X-Empty"] == "" }),
        ParseCase("obs-text in a value is allowed", "GET / HTTP/1.1\r\nHost: h\r\nX-A: caf\u{e9}\r\n\r\n", .head { $0.headers["X-A"] != nil }),
        ParseCase("obs-fold is refused", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n 2\r\n\r\n", .error(.obsFold)),
        ParseCase("obs-fold with a tab is refused", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\t2\r\n\r\n", .error(.obsFold)),
        ParseCase("whitespace between name and colon", "GET / HTTP/1.1\r\nHost: h\r\nX-A : 1\r\n\r\n", .error(.whitespaceBeforeColon)),
        ParseCase("tab between name and colon", "GET / HTTP/1.1\r\nHost: h\r\nX-A\t: 1\r\n\r\n", .error(.whitespaceBeforeColon)),
        ParseCase("empty field name", "GET / HTTP/1.1\r\nHost: h\r\n: 1\r\n\r\n", .error(.invalidFieldName)),
        ParseCase("non-token byte in a name", "GET / HTTP/1.1\r\nHost: h\r\nX(A): 1\r\n\r\n", .error(.invalidFieldName)),
        ParseCase("line without a colon", "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", .error(.invalidFieldName)),
        ParseCase("NUL in a value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{0}b\r\n\r\n", .error(.invalidFieldValue)),
        ParseCase("other control byte in a value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{1b}b\r\n\r\n", .error(.invalidFieldValue)),
        ParseCase("DEL in a value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{7f}\r\n\r\n", .error(.invalidFieldValue)),
        ParseCase("bare CR inside a value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n", .error(.bareCR)),
        ParseCase("bare LF ends a field line", "GET / HTTP/1.1\r\nHost: h\nX-A: 1\r\n\r\n", .error(.bareLF)),
        ParseCase("bare LF ends the head", "GET / HTTP/1.1\r\nHost: h\r\n\n", .error(.bareLF)),
        ParseCase("CR then garbage at the end of the head", "GET / HTTP/1.1\r\nHost: h\r\n\rX", .error(.bareCR)),
        // Host (RFC 9112 §3.2)
        ParseCase("HTTP/1.1 without Host", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", .error(.missingHost)),
        ParseCase("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .error(.multipleHost)),
        ParseCase("empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", .error(.invalidHost)),
        ParseCase("Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .error(.invalidHost)),
        ParseCase("Host with a bad port", "GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n", .error(.invalidHost)),
        ParseCase("Host with user info", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", .error(.invalidHost)),
        ParseCase("Host as IPv6 literal with port", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", .head { $0.host == "[::1]:8080" }),
        ParseCase("Host as IPv4 with port", "GET / HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n", .head { $0.host == "127.0.0.1:80" }),
    ]

    @Test("field lines", arguments: cases, FeedMode.allCases)
    func fields(testCase: ParseCase, mode: FeedMode) { ParserRunner.check(testCase, mode) }
}
