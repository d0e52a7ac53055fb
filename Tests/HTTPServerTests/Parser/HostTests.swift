import Testing

@testable import HTTPServer

/// RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request message
/// that lacks a Host header field and to any request message that contains more than one Host header field
/// line or a Host header field with an invalid field value." Host = uri-host [ ":" port ] (RFC 3986 §3.2.2).
@Suite("RFC 9112 §3.2 Host")
struct HostTests {
    static func get(_ host: String, version: String = "1.1") -> String {
        "GET / HTTP/\(version)\r\nHost: \(host)\r\n\r\n"
    }

    static let cases: [ParseCase] = [
        ParseCase("a reg-name", get("example.com"), .head { $0.host == "example.com" }),
        ParseCase("a reg-name and a port", get("example.com:8080"), .head { $0.host == "example.com:8080" }),
        ParseCase("an IPv4address and a port", get("127.0.0.1:80"), .head { $0.host == "127.0.0.1:80" }),
        ParseCase("an IPv6 IP-literal", get("[2001:db8::1]"), .head { $0.host == "[2001:db8::1]" }),
        ParseCase("an IPv6 IP-literal and a port", get("[::1]:8080"), .head { $0.host == "[::1]:8080" }),
        ParseCase(
            "an IPv6 literal ending in an IPv4 address", get("[::ffff:192.0.2.1]"), .head { $0.host == "[::ffff:192.0.2.1]" }),
        ParseCase("a full IPv6 literal", get("[1:2:3:4:5:6:7:8]"), .head { $0.host != nil }),
        ParseCase("an IPvFuture literal", get("[v1.fe80::a+en1]"), .head { $0.host == "[v1.fe80::a+en1]" }),
        ParseCase("a pct-encoded reg-name", get("ex%41mple.com"), .head { $0.host == "ex%41mple.com" }),
        ParseCase("sub-delims in a reg-name", get("a!$&'()*+,;=b"), .head { $0.host == "a!$&'()*+,;=b" }),
        ParseCase("an empty port is allowed by RFC 3986", get("example.com:"), .head { $0.host == "example.com:" }),
        ParseCase("the highest port", get("h:65535"), .head { $0.host == "h:65535" }),
        ParseCase("the Host field name is case-insensitive", "GET / HTTP/1.1\r\nhOsT: h\r\n\r\n", .head { $0.host == "h" }),
        ParseCase("HTTP/1.0 may omit Host", "GET / HTTP/1.0\r\n\r\n", .head { $0.host == nil }),
        ParseCase("HTTP/1.0 with a Host", get("h", version: "1.0"), .head { $0.host == "h" }),
        ParseCase(
            "an absolute-form target overrides Host (§3.2.2)", "GET http://a.example/ HTTP/1.1\r\nHost: b.example\r\n\r\n",
            .head { $0.host == "a.example" && $0.headers["Host"] == "b.example" }),

        ParseCase("an HTTP/1.1 request that lacks a Host header field", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", .error(.missingHost)),
        ParseCase(
            "absolute-form does not excuse a missing Host in HTTP/1.1", "GET http://h/ HTTP/1.1\r\n\r\n", .error(.missingHost)),
        ParseCase("more than one Host header field line", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .error(.multipleHost)),
        ParseCase("two Host lines with the same value", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", .error(.multipleHost)),
        ParseCase("two Host lines in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", .error(.multipleHost)),
        ParseCase("a Host list value", get("a, b"), .error(.invalidHost)),
        ParseCase("an empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", .error(.invalidHost)),
        ParseCase("a Host with a space", get("a b"), .error(.invalidHost)),
        ParseCase("a Host with userinfo", get("user@a"), .error(.invalidHost)),
        ParseCase("a Host with a path", get("a/b"), .error(.invalidHost)),
        ParseCase("a Host with a non-digit port", get("a:80x"), .error(.invalidHost)),
        ParseCase("a port above 65535", get("a:65536"), .error(.invalidHost)),
        ParseCase("a port of six digits", get("a:000080"), .error(.invalidHost)),
        ParseCase("a port without a host", get(":80"), .error(.invalidHost)),
        ParseCase("two colons", get("a:1:2"), .error(.invalidHost)),
        ParseCase("an unclosed IP-literal", get("[::1"), .error(.invalidHost)),
        ParseCase("an IP-literal with a non-hex digit", get("[::g]"), .error(.invalidHost)),
        ParseCase("an IPv6 literal of nine groups", get("[1:2:3:4:5:6:7:8:9]"), .error(.invalidHost)),
        ParseCase("an IPv6 literal with two \"::\"", get("[1::2::3]"), .error(.invalidHost)),
        ParseCase("an IPv6 literal with a five-digit group", get("[12345::]"), .error(.invalidHost)),
        ParseCase("an IPv6 literal ending in \":\"", get("[1:2:3:4:5:6:7:]"), .error(.invalidHost)),
        ParseCase("an IPv6 literal with a bad IPv4 tail", get("[::1.2.3.256]"), .error(.invalidHost)),
        ParseCase("an empty IP-literal", get("[]"), .error(.invalidHost)),
        ParseCase("text after an IP-literal", get("[::1]x"), .error(.invalidHost)),
        ParseCase("a bad pct-encoding", get("a%zzb"), .error(.invalidHost)),
        ParseCase("obs-text in a Host", get("exämple.com"), .error(.invalidHost)),
        ParseCase("an invalid Host in HTTP/1.0", get("a b", version: "1.0"), .error(.invalidHost)),
        ParseCase(
            "an invalid Host with an absolute-form target", "GET http://h/ HTTP/1.1\r\nHost: a b\r\n\r\n", .error(.invalidHost)),
    ]

    @Test("Host", arguments: cases, FeedMode.allCases)
    func host(testCase: ParseCase, mode: FeedMode) { testCase.check(mode) }
}
