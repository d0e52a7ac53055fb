import Testing

@testable import HTTPServer

/// RFC 9112 §6 message body length, §9.3 persistence, RFC 9110 §10.1.1 Expect.
@Suite("RFC 9112 §6 framing, §9.3 persistence, Expect")
struct FramingTests {
    static let cases: [ParseCase] = [
        ParseCase("no body", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", .head { $0.framing == .none }),
        ParseCase("Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 42\r\n\r\n", .head { $0.framing == .contentLength(42) }),
        ParseCase("Content-Length: 0 means no body", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", .head { $0.framing == .none }),
        ParseCase("repeated Content-Length, same value", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", .error(.duplicateContentLength)),
        ParseCase("conflicting Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", .error(.duplicateContentLength)),
        ParseCase("Content-Length list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n", .error(.duplicateContentLength)),
        ParseCase("signed Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n", .error(.invalidContentLength)),
        ParseCase("negative Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", .error(.invalidContentLength)),
        ParseCase("hex Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n", .error(.invalidContentLength)),
        ParseCase("overflowing Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", .error(.invalidContentLength)),
        ParseCase("Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", .error(.contentLengthWithTransferEncoding)),
        ParseCase("chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", .head { $0.framing == .chunked }),
        ParseCase("chunked in any case", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n", .head { $0.framing == .chunked }),
        ParseCase("chunked twice", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", .error(.transferEncodingNotChunked)),
        ParseCase("chunked not last", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", .error(.transferEncodingNotChunked)),
        ParseCase("known coding without chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", .error(.transferEncodingNotChunked)),
        ParseCase("gzip then chunked is not implemented", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .error(.unsupportedTransferCoding)),
        ParseCase("unknown transfer coding: 501", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: frobnicate\r\n\r\n", .error(.unsupportedTransferCoding)),
        ParseCase("Transfer-Encoding split over two fields", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", .error(.unsupportedTransferCoding)),
        ParseCase("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .error(.transferEncodingInHTTP10)),
        ParseCase("HTTP/1.1 keeps the connection by default", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", .head { $0.keepAlive }),
        ParseCase("Connection: close", "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n", .head { !$0.keepAlive }),
        ParseCase("HTTP/1.0 closes by default", "GET / HTTP/1.0\r\n\r\n", .head { !$0.keepAlive }),
        ParseCase("HTTP/1.0 with keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", .head { $0.keepAlive }),
        ParseCase("Expect: 100-continue", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nExpect: 100-Continue\r\n\r\n", .head { $0.expectsContinue }),
        ParseCase("another expectation: 417", "POST / HTTP/1.1\r\nHost: h\r\nExpect: something\r\n\r\n", .error(.unsupportedExpectation)),
    ]

    @Test("framing and persistence", arguments: cases, FeedMode.allCases)
    func framing(testCase: ParseCase, mode: FeedMode) { ParserRunner.check(testCase, mode) }

    @Test("pipelined requests: consumed ends at the first head")
    func pipelined() {
        let first = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
        let outcome = ParserRunner.parse(Array((first + "GET /b HTTP/1.1\r\nHost: h\r\n\r\n").utf8))
        guard case .head(let head, let consumed) = outcome else {
            Issue.record("expected a head, got \(outcome)")
            return
        }
        #expect(head.path == "/a" && consumed == first.utf8.count)
    }
}

@Suite("parser limits")
struct LimitsTests {
    @Test("a head over maxHeaderBytes is 431, complete or not")
    func headerTooLarge() {
        let limits = ParserLimits(maxHeaderBytes: 256)
        let big = "GET / HTTP/1.1\r\nHost: h\r\nX-A: \(String(repeating: "a", count: 300))\r\n\r\n"
        #expect(ParserRunner.parse(Array(big.utf8), limits: limits) == .error(.headerTooLarge))
        let unfinished = "GET / HTTP/1.1\r\nHost: h\r\nX-A: \(String(repeating: "a", count: 300))"
        #expect(ParserRunner.parse(Array(unfinished.utf8), limits: limits) == .error(.headerTooLarge))
    }

    @Test("more fields than maxHeaderCount is 431")
    func tooManyFields() {
        let limits = ParserLimits(maxHeaderCount: 5)
        let raw = "GET / HTTP/1.1\r\nHost: h\r\n" + (0..<6).map { "X-\($0): 1\r\n" }.joined() + "\r\n"
        #expect(ParserRunner.parse(Array(raw.utf8), limits: limits) == .error(.tooManyHeaders))
    }

    @Test("statuses map to the right codes")
    func statuses() {
        #expect(ParseError.headerTooLarge.status == 431)
        #expect(ParseError.uriTooLong.status == 414)
        #expect(ParseError.bodyTooLarge.status == 413)
        #expect(ParseError.unsupportedTransferCoding.status == 501)
        #expect(ParseError.unsupportedVersion.status == 505)
        #expect(ParseError.unsupportedExpectation.status == 417)
        #expect(ParseError.bareLF.status == 400)
    }
}
