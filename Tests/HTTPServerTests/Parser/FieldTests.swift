import Testing

@testable import HTTPServer

/// RFC 9112 §5 field syntax and RFC 9110 §5.5 field values.
@Suite("RFC 9112 §5 field lines")
struct FieldTests {
    static let cases: [ParseCase] = [
        ParseCase(
            "field-value is trimmed of leading and trailing OWS", "GET / HTTP/1.1\r\nHost: h\r\nX-A: \t v a l \t\r\n\r\n",
            .head { $0.headers["x-a"] == "v a l" }),
        ParseCase(
            "OWS after the colon is optional", "GET / HTTP/1.1\r\nHost:h\r\nX-A:1\r\n\r\n", .head { $0.headers["X-A"] == "1" }),
        ParseCase(
            "field names are case-insensitive; order and spelling are kept",
            "GET / HTTP/1.1\r\nhost: h\r\nX-A: 1\r\nx-a: 2\r\n\r\n",
            .head { $0.headers.values(for: "X-A") == ["1", "2"] && Array($0.headers).map(\.name) == ["host", "X-A", "x-a"] }),
        ParseCase("an empty field value", "GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n\r\n", .head { $0.headers["X-Empty"] == "" }),
        ParseCase(
            "a value of whitespace only is empty", "GET / HTTP/1.1\r\nHost: h\r\nX-Empty: \t \r\n\r\n",
            .head { $0.headers["X-Empty"] == "" }),
        ParseCase("HTAB inside a value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\tb\r\n\r\n", .head { $0.headers["X-A"] == "a\tb" }),
        ParseCase(
            "obs-text (0x80-0xFF) in a value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: café\r\n\r\n",
            .head { $0.headers["X-A"] == "café" }),
        ParseCase(
            "a field-name of every tchar", "GET / HTTP/1.1\r\nHost: h\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n",
            .head { $0.headers["!#$%&'*+-.^_`|~09azAZ"] == "v" }),
        ParseCase("a head with no fields (HTTP/1.0)", "GET / HTTP/1.0\r\n\r\n", .head { $0.headers.isEmpty }),
        ParseCase(
            "a value with a colon and quotes", "GET / HTTP/1.1\r\nHost: h\r\nX-A: \"a:b\", c=\"d\"\r\n\r\n",
            .head { $0.headers["X-A"] == "\"a:b\", c=\"d\"" }),

        ParseCase(
            "obs-fold: a line starting with SP is refused", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n 2\r\n\r\n", .error(.obsFold)),
        ParseCase(
            "obs-fold: a line starting with HTAB is refused", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\t2\r\n\r\n",
            .error(.obsFold)),
        ParseCase("whitespace before the first field line", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", .error(.obsFold)),
        ParseCase(
            "whitespace between a header field name and colon", "GET / HTTP/1.1\r\nHost: h\r\nX-A : 1\r\n\r\n",
            .error(.whitespaceBeforeColon)),
        ParseCase(
            "HTAB between a field name and colon", "GET / HTTP/1.1\r\nHost: h\r\nX-A\t: 1\r\n\r\n", .error(.whitespaceBeforeColon)
        ),
        ParseCase("whitespace before the colon of Host", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", .error(.whitespaceBeforeColon)),
        ParseCase("field-name = token: an empty name", "GET / HTTP/1.1\r\nHost: h\r\n: 1\r\n\r\n", .error(.invalidFieldName)),
        ParseCase(
            "field-name = token: a non-tchar byte", "GET / HTTP/1.1\r\nHost: h\r\nX(A): 1\r\n\r\n", .error(.invalidFieldName)),
        ParseCase(
            "field-name = token: a non-ASCII byte", "GET / HTTP/1.1\r\nHost: h\r\nX-é: 1\r\n\r\n", .error(.invalidFieldName)),
        ParseCase("a field line without a colon", "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", .error(.invalidFieldName)),
        ParseCase("NUL in a field value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{0}b\r\n\r\n", .error(.invalidFieldValue)),
        ParseCase(
            "another control byte in a field value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{1b}b\r\n\r\n",
            .error(.invalidFieldValue)),
        ParseCase("DEL in a field value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{7f}\r\n\r\n", .error(.invalidFieldValue)),
        ParseCase(
            "a control byte is refused before the line ends", "GET / HTTP/1.1\r\nHost: h\r\nX-A: \u{1}",
            .error(.invalidFieldValue)),
        ParseCase("a CR inside a value, not followed by LF", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n", .error(.bareCR)),
        ParseCase("a bare LF ends a field line", "GET / HTTP/1.1\r\nHost: h\nX-A: 1\r\n\r\n", .error(.bareLF)),
        ParseCase("a bare LF inside a field name", "GET / HTTP/1.1\r\nHost: h\r\nX-A\n", .error(.bareLF)),
        ParseCase("a bare LF ends the head", "GET / HTTP/1.1\r\nHost: h\r\n\n", .error(.bareLF)),
        ParseCase("a CR then another byte where the head should end", "GET / HTTP/1.1\r\nHost: h\r\n\rX", .error(.bareCR)),
        ParseCase("an unfinished field line needs more", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1", .needMore),
        ParseCase("a head without its empty line needs more", "GET / HTTP/1.1\r\nHost: h\r\n", .needMore),
    ]

    @Test("field lines", arguments: cases, FeedMode.allCases)
    func fields(testCase: ParseCase, mode: FeedMode) { testCase.check(mode) }

    @Test("the tchar set is exactly RFC 9110 §5.6.2")
    func tcharSet() {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for byte in UInt8.min...UInt8.max {
            #expect(ByteClass.isTChar(byte) == tchar.contains(byte), "byte \(byte)")
        }
    }

    @Test("the reg-name set is exactly RFC 3986 unreserved / pct-encoded / sub-delims")
    func regNameSet() {
        let regName = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+,;=".utf8)
        for byte in UInt8.min...UInt8.max {
            #expect(ByteClass.isRegName(byte) == regName.contains(byte), "byte \(byte)")
        }
    }
}
