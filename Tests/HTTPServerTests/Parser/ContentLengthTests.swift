import Testing

@testable import HTTPServer

/// RFC 9112 §6.2, §6.3 and RFC 9110 §8.6: Content-Length = 1*DIGIT.
@Suite("RFC 9112 §6.2 Content-Length")
struct ContentLengthTests {
    static func post(_ fields: String) -> String {
        "POST / HTTP/1.1\r\nHost: h\r\n\(fields)\r\n"
    }

    static let cases: [ParseCase] = [
        ParseCase("no Content-Length and no Transfer-Encoding: no body", post(""), .head { $0.framing == .none }),
        ParseCase("Content-Length = 1*DIGIT", post("Content-Length: 42\r\n"), .head { $0.framing == .contentLength(42) }),
        ParseCase(
            "Content-Length: 0 is kept as a length of zero", post("Content-Length: 0\r\n"),
            .head { $0.framing == .contentLength(0) }),
        ParseCase("leading zeros are digits", post("Content-Length: 007\r\n"), .head { $0.framing == .contentLength(7) }),
        ParseCase("OWS around the value", post("Content-Length: \t5 \r\n"), .head { $0.framing == .contentLength(5) }),
        ParseCase("the field name is case-insensitive", post("cOnTeNt-LeNgTh: 3\r\n"), .head { $0.framing == .contentLength(3) }),
        ParseCase(
            "the largest length that fits", post("Content-Length: 9223372036854775807\r\n"),
            .head { $0.framing == .contentLength(.max) }),
        ParseCase(
            "a Content-Length in HTTP/1.0", "POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\n",
            .head { $0.framing == .contentLength(2) }),

        ParseCase(
            "several Content-Length fields with the same value", post("Content-Length: 5\r\nContent-Length: 5\r\n"),
            .error(.duplicateContentLength)),
        ParseCase(
            "several Content-Length fields with different values", post("Content-Length: 5\r\nContent-Length: 6\r\n"),
            .error(.duplicateContentLength)),
        ParseCase(
            "a Content-Length list of identical values", post("Content-Length: 5, 5\r\n"), .error(.duplicateContentLength)),
        ParseCase(
            "a Content-Length list of one value and an empty one", post("Content-Length: 5,\r\n"), .error(.duplicateContentLength)
        ),
        ParseCase("a sign", post("Content-Length: +5\r\n"), .error(.invalidContentLength)),
        ParseCase("a negative length", post("Content-Length: -1\r\n"), .error(.invalidContentLength)),
        ParseCase("a hexadecimal length", post("Content-Length: 0x10\r\n"), .error(.invalidContentLength)),
        ParseCase("a space between digits", post("Content-Length: 1 0\r\n"), .error(.invalidContentLength)),
        ParseCase("a decimal point", post("Content-Length: 1.0\r\n"), .error(.invalidContentLength)),
        ParseCase("an empty Content-Length", post("Content-Length:\r\n"), .error(.invalidContentLength)),
        ParseCase("a length one above Int.max", post("Content-Length: 9223372036854775808\r\n"), .error(.invalidContentLength)),
        ParseCase("an absurdly large length", post("Content-Length: 99999999999999999999999\r\n"), .error(.invalidContentLength)),
        ParseCase(
            "Content-Length together with Transfer-Encoding", post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
            .error(.contentLengthWithTransferEncoding)),
        ParseCase(
            "Transfer-Encoding before Content-Length", post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"),
            .error(.contentLengthWithTransferEncoding)),
    ]

    @Test("Content-Length", arguments: cases, FeedMode.allCases)
    func contentLength(testCase: ParseCase, mode: FeedMode) { testCase.check(mode) }
}
