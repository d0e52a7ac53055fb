import Testing

@testable import HTTPServer

/// RFC 9112 §2.3 HTTP-version = HTTP-name "/" DIGIT "." DIGIT, and RFC 9110 §2.5 / §6.2: a higher minor version
/// of HTTP/1 is processed as HTTP/1.1; 505 is for a major version the server does not implement.
@Suite("RFC 9112 §2.3 HTTP versions")
struct HTTPVersionTests {
    static func get(_ version: String, _ fields: String = "Host: h\r\n") -> String { "GET / \(version)\r\n\(fields)\r\n" }

    static let cases: [ParseCase] =
        [
            ParseCase("HTTP/1.0", get("HTTP/1.0", ""), .head { $0.version == .http1_0 && !$0.keepAlive }),
            ParseCase("HTTP/1.1", get("HTTP/1.1"), .head { $0.version == .http1_1 && $0.keepAlive }),
        ]
        // §2.5: "a recipient that receives a message with a higher minor version … SHOULD process the message as
        // if it were in the highest minor version within that major version to which the recipient is conformant".
        + (2...9).map { minor in
            ParseCase(
                "HTTP/1.\(minor) is processed as HTTP/1.1", get("HTTP/1.\(minor)"),
                .head { $0.version == .http1_1 && $0.keepAlive })
        }
        + [
            ParseCase("HTTP/1.2 needs a Host, as HTTP/1.1 does", get("HTTP/1.2", ""), .error(.missingHost)),
            ParseCase(
                "HTTP/1.9 may send a chunked body, as HTTP/1.1 may",
                get("HTTP/1.9", "Host: h\r\nTransfer-Encoding: chunked\r\n"), .head { $0.framing == .chunked }),
            ParseCase(
                "HTTP/1.5 may expect 100-continue, as HTTP/1.1 may",
                get("HTTP/1.5", "Host: h\r\nContent-Length: 1\r\nExpect: 100-continue\r\n"), .head { $0.expectsContinue }),
            ParseCase(
                "HTTP/1.2 with Connection: close", get("HTTP/1.2", "Host: h\r\nConnection: close\r\n"), .head { !$0.keepAlive }),

            // §6.2: a well-formed version with another major version is 505.
            ParseCase("HTTP/0.9: 505", get("HTTP/0.9", ""), .error(.unsupportedVersion)),
            ParseCase("HTTP/0.0: 505", get("HTTP/0.0", ""), .error(.unsupportedVersion)),
            ParseCase("HTTP/2.0: 505", get("HTTP/2.0"), .error(.unsupportedVersion)),
            ParseCase("HTTP/2.1: 505", get("HTTP/2.1"), .error(.unsupportedVersion)),
            ParseCase("HTTP/3.0: 505", get("HTTP/3.0"), .error(.unsupportedVersion)),
            ParseCase("HTTP/9.9: 505", get("HTTP/9.9"), .error(.unsupportedVersion)),
            ParseCase("the HTTP/2 connection preface: 505", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", .error(.unsupportedVersion)),

            // §2.3: anything that is not HTTP-name "/" DIGIT "." DIGIT is malformed (400).
            ParseCase("HTTP-name is case-sensitive", get("http/1.1"), .error(.invalidVersion)),
            ParseCase("a version with an extra character", get("HTTP/1.1x"), .error(.invalidVersion)),
            ParseCase("a two-digit minor version", get("HTTP/1.10"), .error(.invalidVersion)),
            ParseCase("a two-digit major version", get("HTTP/11.1"), .error(.invalidVersion)),
            ParseCase("a version without a minor", get("HTTP/1"), .error(.invalidVersion)),
            ParseCase("a version without a dot", get("HTTP/11"), .error(.invalidVersion)),
            ParseCase("a version with a letter for a digit", get("HTTP/x.1"), .error(.invalidVersion)),
            ParseCase("a version with a letter for the minor", get("HTTP/1.x"), .error(.invalidVersion)),
            ParseCase("a comma for the dot", get("HTTP/1,1"), .error(.invalidVersion)),
        ]

    @Test("HTTP versions", arguments: cases, FeedMode.allCases)
    func versions(testCase: ParseCase, mode: FeedMode) { testCase.check(mode) }

    @Test("505 and 400 are the statuses of an unsupported and a malformed version")
    func statuses() {
        #expect(ParseError.unsupportedVersion.status == 505)
        #expect(ParseError.invalidVersion.status == 400)
    }
}
