import Testing

@testable import HTTPServer

/// RFC 9112 §6.1 Transfer-Encoding and §7 transfer codings: only a single, final chunked is decoded.
@Suite("RFC 9112 §6.1 Transfer-Encoding")
struct TransferEncodingTests {
    static func post(_ fields: String, version: String = "1.1") -> String {
        "POST / HTTP/\(version)\r\nHost: h\r\n\(fields)\r\n"
    }

    static let cases: [ParseCase] = [
        ParseCase("chunked", post("Transfer-Encoding: chunked\r\n"), .head { $0.framing == .chunked }),
        ParseCase("coding names are case-insensitive", post("Transfer-Encoding: ChUnKeD\r\n"), .head { $0.framing == .chunked }),
        ParseCase("OWS around the coding", post("Transfer-Encoding:  chunked \t\r\n"), .head { $0.framing == .chunked }),
        ParseCase(
            "empty list elements are ignored", post("Transfer-Encoding: , chunked ,\r\n"), .head { $0.framing == .chunked }),
        ParseCase("the field name is case-insensitive", post("transfer-encoding: chunked\r\n"), .head { $0.framing == .chunked }),

        ParseCase(
            "a transfer coding it does not understand: 501", post("Transfer-Encoding: frobnicate\r\n"),
            .error(.unsupportedTransferCoding)),
        ParseCase(
            "identity is no longer a transfer coding", post("Transfer-Encoding: identity\r\n"), .error(.unsupportedTransferCoding)
        ),
        ParseCase(
            "chunked with a parameter is not understood", post("Transfer-Encoding: chunked;q=1\r\n"),
            .error(.unsupportedTransferCoding)),
        ParseCase(
            "an unknown coding anywhere in the list", post("Transfer-Encoding: chunked, frobnicate\r\n"),
            .error(.unsupportedTransferCoding)),
        ParseCase(
            "gzip then chunked: 501, not decoded", post("Transfer-Encoding: gzip, chunked\r\n"),
            .error(.unsupportedTransferCoding)),
        ParseCase("x-gzip then chunked: 501", post("Transfer-Encoding: x-gzip, chunked\r\n"), .error(.unsupportedTransferCoding)),
        ParseCase(
            "deflate then chunked: 501", post("Transfer-Encoding: deflate, chunked\r\n"), .error(.unsupportedTransferCoding)),
        ParseCase(
            "compress then chunked: 501", post("Transfer-Encoding: compress, chunked\r\n"), .error(.unsupportedTransferCoding)),
        ParseCase(
            "codings over two fields form one list", post("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"),
            .error(.unsupportedTransferCoding)),
        ParseCase(
            "a final coding that is not chunked", post("Transfer-Encoding: gzip\r\n"), .error(.transferEncodingNotChunked)),
        ParseCase("chunked that is not last", post("Transfer-Encoding: chunked, gzip\r\n"), .error(.transferEncodingNotChunked)),
        ParseCase("an empty Transfer-Encoding", post("Transfer-Encoding:\r\n"), .error(.transferEncodingNotChunked)),
        ParseCase(
            "a sender MUST NOT apply chunked more than once", post("Transfer-Encoding: chunked, chunked\r\n"),
            .error(.chunkedAppliedTwice)),
        ParseCase(
            "chunked twice over two fields", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
            .error(.chunkedAppliedTwice)),
        ParseCase(
            "Transfer-Encoding in an HTTP/1.0 request", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            .error(.transferEncodingInHTTP10)),
        ParseCase(
            "Transfer-Encoding in HTTP/1.0 with keep-alive",
            post("Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n", version: "1.0"),
            .error(.transferEncodingInHTTP10)),
        ParseCase(
            "Transfer-Encoding with Content-Length", post("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n"),
            .error(.contentLengthWithTransferEncoding)),
    ]

    @Test("Transfer-Encoding", arguments: cases, FeedMode.allCases)
    func transferEncoding(testCase: ParseCase, mode: FeedMode) { testCase.check(mode) }
}
