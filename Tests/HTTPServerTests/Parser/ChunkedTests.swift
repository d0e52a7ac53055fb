import Testing

@testable import HTTPServer

/// RFC 9112 §7.1 chunked transfer coding, fed whole, byte by byte and split at every position.
@Suite("RFC 9112 §7.1 chunked transfer coding")
struct ChunkedTests {
    struct Case: Sendable, CustomTestStringConvertible {
        enum Expectation: Sendable {
            /// The decoded body and trailers; `consumed` nil means every byte.
            case body(String, trailers: [(String, String)] = [], consumed: Int? = nil)
            case error(ParseError)
            case incomplete
        }

        let name: String
        let raw: String
        let expect: Expectation
        var maxBodySize = 1 << 20
        var limits = ParserLimits()

        init(
            _ name: String, _ raw: String, _ expect: Expectation, maxBodySize: Int = 1 << 20,
            limits: ParserLimits = ParserLimits()
        ) {
            self.name = name
            self.raw = raw
            self.expect = expect
            self.maxBodySize = maxBodySize
            self.limits = limits
        }

        var testDescription: String { name }

        var expected: ChunkedOutcome {
            switch expect {
            case .body(let body, let trailers, let consumed):
                .body(Array(body.utf8), trailers: HeaderFields(trailers), consumed: consumed ?? raw.utf8.count)
            case .error(let error): .error(error)
            case .incomplete: .incomplete
            }
        }
    }

    static let cases: [Case] = [
        Case("chunk = chunk-size CRLF chunk-data CRLF", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", .body("hello world")),
        Case(
            "chunk-size = 1*HEXDIG, either case", "A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n", .body("01234567890123456789")
        ),
        Case("leading zeros in chunk-size", "0003\r\nabc\r\n000\r\n\r\n", .body("abc")),
        Case("an empty body: only the last-chunk", "0\r\n\r\n", .body("")),
        Case("chunk data may hold CR and LF", "4\r\n\r\n\r\n\r\n0\r\n\r\n", .body("\r\n\r\n")),
        Case("chunk-ext with a token value", "3;name=value\r\nabc\r\n0\r\n\r\n", .body("abc")),
        Case("chunk-ext without a value", "3;flag\r\nabc\r\n0\r\n\r\n", .body("abc")),
        Case("several chunk-ext", "3;a=b;c;d=e\r\nabc\r\n0\r\n\r\n", .body("abc")),
        Case("chunk-ext with a quoted-string", "3;a=\"x; y=\\\"z\\\"\"\r\nabc\r\n0\r\n\r\n", .body("abc")),
        Case("BWS around \";\" and \"=\"", "3 ; a = b ;\tc\r\nabc\r\n0\r\n\r\n", .body("abc")),
        Case("a last-chunk with an extension", "1\r\na\r\n0;done\r\n\r\n", .body("a")),
        Case(
            "trailer fields", "3\r\nabc\r\n0\r\nX-Sum: 1\r\nX-More:  two words \r\n\r\n",
            .body("abc", trailers: [("X-Sum", "1"), ("X-More", "two words")])),
        Case("bytes after the body are not consumed", "1\r\na\r\n0\r\n\r\nGET / HTTP/1.1\r\n", .body("a", consumed: 11)),
        Case("a body that has not ended", "5\r\nhel", .incomplete),
        Case("a trailer section that has not ended", "0\r\nX-A: 1\r\n", .incomplete),

        Case("a \"0x\" prefix is not a chunk-size", "0x3\r\nabc\r\n0\r\n\r\n", .error(.invalidChunkSize)),
        Case("whitespace before chunk-size", " 3\r\nabc\r\n0\r\n\r\n", .error(.invalidChunkSize)),
        Case("whitespace after chunk-size without an extension", "3 \r\nabc\r\n0\r\n\r\n", .error(.invalidChunkSize)),
        Case("a sign before chunk-size", "+3\r\nabc\r\n0\r\n\r\n", .error(.invalidChunkSize)),
        Case("a non-hex digit", "3g\r\nabc\r\n0\r\n\r\n", .error(.invalidChunkSize)),
        Case("an empty chunk-size", "\r\nabc\r\n0\r\n\r\n", .error(.invalidChunkSize)),
        Case("a chunk-size that overflows", "fffffffffffffffffff\r\na\r\n0\r\n\r\n", .error(.invalidChunkSize)),
        Case("a bare LF after chunk-size", "3\nabc\r\n0\r\n\r\n", .error(.bareLF)),
        Case("a CR not followed by LF after chunk-size", "3\rabc\r\n0\r\n\r\n", .error(.bareCR)),
        Case("chunk-data longer than chunk-size", "3\r\nabcd\r\n0\r\n\r\n", .error(.invalidChunkData)),
        Case("a bare LF after chunk-data", "3\r\nabc\n0\r\n\r\n", .error(.invalidChunkData)),
        Case("no CRLF after chunk-data", "3\r\nabc0\r\n\r\n", .error(.invalidChunkData)),
        Case("a CR then another byte after chunk-data", "3\r\nabc\rX", .error(.invalidChunkData)),
        Case("chunk-ext-name = token: empty", "3;=x\r\nabc\r\n0\r\n\r\n", .error(.invalidChunkExtension)),
        Case("\";\" without an extension", "3;\r\nabc\r\n0\r\n\r\n", .error(.invalidChunkExtension)),
        Case("\"=\" without a value", "3;a=\r\nabc\r\n0\r\n\r\n", .error(.invalidChunkExtension)),
        Case("two tokens without \"=\"", "3;a b\r\nabc\r\n0\r\n\r\n", .error(.invalidChunkExtension)),
        Case("whitespace before CRLF after a name", "3;a \r\nabc\r\n0\r\n\r\n", .error(.invalidChunkExtension)),
        Case("whitespace before CRLF after a value", "3;a=b \r\nabc\r\n0\r\n\r\n", .error(.invalidChunkExtension)),
        Case("a non-token value", "3;a=b@c\r\nabc\r\n0\r\n\r\n", .error(.invalidChunkExtension)),
        Case("an unterminated quoted-string", "3;a=\"x\r\nabc\r\n0\r\n\r\n", .error(.invalidChunkExtension)),
        Case("a control byte in a quoted-string", "3;a=\"\u{1}\"\r\nabc\r\n0\r\n\r\n", .error(.invalidChunkExtension)),
        Case("text after a quoted-string", "3;a=\"x\"y\r\nabc\r\n0\r\n\r\n", .error(.invalidChunkExtension)),
        Case("a bare LF inside an extension", "3;a\nabc\r\n0\r\n\r\n", .error(.bareLF)),
        Case("a trailer with whitespace before the colon", "0\r\nX-A : 1\r\n\r\n", .error(.invalidTrailer)),
        Case("a folded trailer (obs-fold)", "0\r\nX-A: 1\r\n 2\r\n\r\n", .error(.invalidTrailer)),
        Case("a trailer without a colon", "0\r\nX-A\r\n\r\n", .error(.invalidTrailer)),
        Case("a trailer with an empty name", "0\r\n: 1\r\n\r\n", .error(.invalidTrailer)),
        Case("a NUL in a trailer value", "0\r\nX-A: a\u{0}b\r\n\r\n", .error(.invalidTrailer)),
        Case("a bare LF ending a trailer", "0\r\nX-A: 1\n\r\n", .error(.bareLF)),
        Case("a bare LF ending the trailer section", "0\r\n\n", .error(.bareLF)),
        Case("a CR not followed by LF in a trailer", "0\r\nX-A: 1\rX", .error(.bareCR)),

        // Limits
        Case("a body of exactly maxBodySize", "5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n", .body("0123456789"), maxBodySize: 10),
        Case(
            "a body over maxBodySize: 413", "5\r\n01234\r\n6\r\n56789a\r\n0\r\n\r\n", .error(.bodyTooLarge), maxBodySize: 10),
        Case("413 is raised on the size line, before the data", "ffff\r\n", .error(.bodyTooLarge), maxBodySize: 10),
        Case("a chunk-size line of 1 KiB", "1;" + String(repeating: "a", count: 1022) + "\r\nx\r\n0\r\n\r\n", .body("x")),
        Case(
            "a chunk-size line over 1 KiB, before it ends", "1;" + String(repeating: "a", count: 1023) + "\r\n",
            .error(.chunkLineTooLong)),
        Case("1 KiB of leading zeros", String(repeating: "0", count: 1025) + "1\r\n", .error(.chunkLineTooLong)),
        Case(
            "exactly maxHeaderCount trailers", "0\r\nA: 1\r\nB: 2\r\n\r\n", .body("", trailers: [("A", "1"), ("B", "2")]),
            limits: ParserLimits(maxHeaderCount: 2)),
        Case(
            "one trailer more than maxHeaderCount: 431", "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", .error(.tooManyHeaders),
            limits: ParserLimits(maxHeaderCount: 2)),
        Case(
            "a trailer section over maxHeaderBytes: 431", "0\r\nX: " + String(repeating: "a", count: 64), .error(.headerTooLarge),
            limits: ParserLimits(maxHeaderBytes: 32)),
    ]

    @Test("chunked bodies", arguments: cases, FeedMode.allCases)
    func chunked(testCase: Case, mode: FeedMode) {
        let outcome = ChunkedFeeder.run(
            Array(testCase.raw.utf8), mode: mode, maxBodySize: testCase.maxBodySize, limits: testCase.limits)
        #expect(outcome == testCase.expected)
    }

    @Test("a decoder that is complete consumes nothing more")
    func afterCompletion() throws {
        var decoder = ChunkedDecoder(maxBodySize: 100)
        var body: [UInt8] = []
        let first = Array("2\r\nab\r\n0\r\n\r\n".utf8)
        let used = try first.withUnsafeBytes { raw throws(ParseError) in try decoder.decode(raw, into: &body) }
        #expect(used == first.count && decoder.isComplete && body == Array("ab".utf8))
        let more = Array("GET".utf8)
        let again = try more.withUnsafeBytes { raw throws(ParseError) in try decoder.decode(raw, into: &body) }
        #expect(again == 0)
    }

    @Test("random chunkings of random bodies decode to the body", arguments: [1, 2, 3, 4])
    func roundTrip(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<200 {
            let body = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            var encoded: [UInt8] = []
            var offset = 0
            while offset < body.count {
                let size = min(body.count - offset, Int.random(in: 1...40, using: &random))
                let digits = String(size, radix: 16, uppercase: Bool.random(using: &random))
                let extensionText = Bool.random(using: &random) ? ";x=\"\(size)\"" : ""
                encoded += Array("\(digits)\(extensionText)\r\n".utf8) + body[offset..<(offset + size)] + Array("\r\n".utf8)
                offset += size
            }
            encoded += Array("0\r\nX-Count: \(body.count)\r\n\r\n".utf8)
            var cuts: [Int] = []
            var cut = 0
            while true {
                cut += Int.random(in: 1...17, using: &random)
                guard cut < encoded.count else { break }
                cuts.append(cut)
            }
            let outcome = ChunkedFeeder.feed(encoded, cuts: cuts, maxBodySize: body.count, limits: ParserLimits())
            #expect(outcome == .body(body, trailers: HeaderFields([("X-Count", "\(body.count)")]), consumed: encoded.count))
        }
    }
}

/// A head followed by its chunked body and a pipelined request, as the connection sees them.
@Suite("head and chunked body together")
struct HeadAndBodyTests {
    @Test("a chunked request followed by another request", arguments: FeedMode.allCases)
    func headThenBody(mode: FeedMode) throws {
        let raw = Array(
            ("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "4\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Checksum: 42\r\n\r\n" + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n").utf8)
        guard case .head(let head, let headLength) = HeadFeeder.run(raw, mode: mode) else {
            Issue.record("no head")
            return
        }
        #expect(head.framing == .chunked)
        let rest = Array(raw[headLength...])
        guard case .body(let body, let trailers, let bodyLength) = ChunkedFeeder.run(rest, mode: mode) else {
            Issue.record("no body")
            return
        }
        #expect(body == Array("Wikipedia".utf8) && trailers["x-checksum"] == "42")
        guard case .head(let next, let nextLength) = HeadFeeder.run(Array(rest[bodyLength...]), mode: mode) else {
            Issue.record("no second head")
            return
        }
        #expect(next.path == "/next" && headLength + bodyLength + nextLength == raw.count)
    }
}
