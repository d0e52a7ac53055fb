import Testing

@testable import HTTPServer

/// RFC 9112 §7.1 chunked transfer coding, fed whole, byte by byte and split at every position.
@Suite("RFC 9112 §7.1 chunked bodies")
struct ChunkedTests {
    enum Outcome: Equatable {
        case body(String, trailers: Int, consumed: Int)
        case error(ParseError)
        case incomplete
    }

    static func decode(_ raw: String, mode: FeedMode, limit: Int = 1 << 20) -> Outcome {
        let bytes = Array(raw.utf8)
        var pieces: [[UInt8]]
        switch mode {
        case .whole: pieces = [bytes]
        case .byteByByte: pieces = bytes.map { [$0] }
        case .everySplit:
            // The middle split stands for all of them here; `allSplits` below walks every position.
            pieces = [Array(bytes[0..<(bytes.count / 2)]), Array(bytes[(bytes.count / 2)...])]
        }
        return feed(pieces, limit: limit)
    }

    static func feed(_ pieces: [[UInt8]], limit: Int) -> Outcome {
        var decoder = ChunkedDecoder(maxBodySize: limit)
        var body: [UInt8] = []
        var consumed = 0
        var pending: [UInt8] = []
        for piece in pieces {
            pending += piece
            do {
                let used = try pending.withUnsafeBytes { raw in try decoder.decode(raw, into: &body) }
                consumed += used
                pending.removeFirst(used)
            } catch let error as ParseError {
                return .error(error)
            } catch {
                return .error(.invalidChunkSize)
            }
            if decoder.isComplete { break }
        }
        guard decoder.isComplete else { return .incomplete }
        return .body(String(decoding: body, as: UTF8.self), trailers: decoder.trailers.count, consumed: consumed)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let raw: String
        let expect: Outcome
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "two chunks and the last chunk", raw: "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", expect: .body("hello world", trailers: 0, consumed: 26)),
        Case(name: "hex sizes in either case", raw: "A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n", expect: .body("01234567890123456789", trailers: 0, consumed: 35)),
        Case(name: "chunk extensions, token and quoted", raw: "3;a=b;c=\"d e\"\r\nabc\r\n0;last\r\n\r\n", expect: .body("abc", trailers: 0, consumed: 30)),
        Case(name: "trailer fields", raw: "3\r\nabc\r\n0\r\nX-Sum: 1\r\nX-More: 2\r\n\r\n", expect: .body("abc", trailers: 2, consumed: 34)),
        Case(name: "bytes after the body are not consumed", raw: "1\r\na\r\n0\r\n\r\nGET", expect: .body("a", trailers: 0, consumed: 11)),
        Case(name: "size with a 0x prefix", raw: "0x3\r\nabc\r\n0\r\n\r\n", expect: .error(.invalidChunkSize)),
        Case(name: "size with leading whitespace", raw: " 3\r\nabc\r\n0\r\n\r\n", expect: .error(.invalidChunkSize)),
        Case(name: "empty size", raw: "\r\nabc\r\n0\r\n\r\n", expect: .error(.invalidChunkSize)),
        Case(name: "size that overflows", raw: "fffffffffffffffffff\r\na\r\n0\r\n\r\n", expect: .error(.invalidChunkSize)),
        Case(name: "bare LF after the size", raw: "3\nabc\r\n0\r\n\r\n", expect: .error(.invalidChunkSize)),
        Case(name: "data longer than its size", raw: "3\r\nabcd\r\n0\r\n\r\n", expect: .error(.invalidChunkData)),
        Case(name: "bare LF after the data", raw: "3\r\nabc\n0\r\n\r\n", expect: .error(.invalidChunkData)),
        Case(name: "bad extension", raw: "3;=x\r\nabc\r\n0\r\n\r\n", expect: .error(.invalidChunkExtension)),
        Case(name: "unterminated quoted extension", raw: "3;a=\"x\r\nabc\r\n0\r\n\r\n", expect: .error(.invalidChunkExtension)),
        Case(name: "trailer with whitespace before the colon", raw: "0\r\nX-A : 1\r\n\r\n", expect: .error(.invalidTrailer)),
        Case(name: "folded trailer", raw: "0\r\nX-A: 1\r\n 2\r\n\r\n", expect: .error(.invalidTrailer)),
    ]

    @Test("chunked decoding", arguments: cases, FeedMode.allCases)
    func chunked(testCase: Case, mode: FeedMode) {
        #expect(Self.decode(testCase.raw, mode: mode) == testCase.expect, "\(mode)")
    }

    @Test("every split position gives the same result", arguments: cases)
    func allSplits(testCase: Case) {
        let bytes = Array(testCase.raw.utf8)
        for split in 0...bytes.count {
            let outcome = Self.feed([Array(bytes[0..<split]), Array(bytes[split...])], limit: 1 << 20)
            #expect(outcome == testCase.expect, "split at \(split)")
        }
    }

    @Test("a body over the limit is 413")
    func limit() {
        #expect(Self.decode("8\r\n01234567\r\n8\r\n01234567\r\n0\r\n\r\n", mode: .whole, limit: 10) == .error(.bodyTooLarge))
    }

    @Test("an endless size line is refused")
    func longSizeLine() {
        #expect(Self.decode("1;" + String(repeating: "a", count: 2000), mode: .whole) == .error(.invalidChunkExtension))
    }
}

@Suite("parser fuzzing")
struct ParserFuzzTests {
    @Test("random and mutated inputs never crash and never report more than they were given")
    func fuzz() {
        var generator = SeededGenerator(seed: 7)
        let seeds = [
            "GET /a?b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        ].map { Array($0.utf8) }
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...120, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                bytes = seeds[round % seeds.count]
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let index = Int.random(in: 0..<bytes.count, using: &generator)
                    bytes[index] = [0x0D, 0x0A, 0x20, 0x3A, 0x00, 0x7F, UInt8.random(in: 0...255, using: &generator)].randomElement(using: &generator)!
                }
            }
            if case .head(_, let consumed) = ParserRunner.parse(bytes) { #expect(consumed <= bytes.count) }
            var decoder = ChunkedDecoder(maxBodySize: 1 << 16)
            var body: [UInt8] = []
            if let used = try? bytes.withUnsafeBytes({ try decoder.decode($0, into: &body) }) { #expect(used <= bytes.count) }
        }
    }
}
