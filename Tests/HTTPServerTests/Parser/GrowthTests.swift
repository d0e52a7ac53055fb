import CRMHubTesting
import Testing

@testable import HTTPServer

/// The request parsers and decoders take time in proportion to their input (GrowthCheck: 1×, 4×, 16×).
@Suite("HTTP parsers: linear time")
struct GrowthTests {
    static func expectLinear<Input>(_ name: String, _ input: (Int) -> Input, _ work: (Input) -> Void) {
        let report = GrowthCheck().measure(name, input: input, work: work)
        #expect(report.isLinear, "\(report)")
    }

    @Test("a request head with many header fields")
    func headerFields() {
        // Limits lifted so that the sizes can grow; the defaults refuse such heads with 431 long before.
        let limits = ParserLimits(maxHeaderBytes: 1 << 30, maxTargetLength: 1 << 30, maxHeaderCount: 1 << 30)
        Self.expectLinear(
            "header fields",
            { factor in
                let fields = (0..<(500 * factor)).map { "X-Field-\($0): value \($0)\r\n" }.joined()
                return Array(("POST /a?b=c HTTP/1.1\r\nHost: h\r\n" + fields + "Content-Length: 0\r\n\r\n").utf8)
            }
        ) { (bytes: [UInt8]) in
            guard case .head = HeadFeeder.parse(bytes, limits: limits) else {
                Issue.record("not a head")
                return
            }
        }
    }

    @Test("a chunked body of many tiny chunks, in one read and in reads of 1,000 bytes")
    func chunks() {
        let build = { (factor: Int) in
            Array((String(repeating: "1;e=v\r\na\r\n", count: 10_000 * factor) + "0\r\nX-T: 1\r\n\r\n").utf8)
        }
        Self.expectLinear("tiny chunks", build) { bytes in
            guard case .body = ChunkedFeeder.feed(bytes, cuts: [], maxBodySize: 1 << 30, limits: ParserLimits()) else {
                Issue.record("not a body")
                return
            }
        }
        Self.expectLinear("tiny chunks in 1,000-byte reads", build) { bytes in
            let cuts = Array(stride(from: 1_000, to: bytes.count, by: 1_000))
            guard case .body = ChunkedFeeder.feed(bytes, cuts: cuts, maxBodySize: 1 << 30, limits: ParserLimits()) else {
                Issue.record("not a body")
                return
            }
        }
    }

    @Test("form-urlencoded decoding of many pairs")
    func formPairs() {
        Self.expectLinear(
            "form pairs",
            { factor in
                (0..<(2_000 * factor)).map { "name\($0)=Ng%E1%BB%8Dc+Trinh&flag\($0)" }.joined(separator: "&")
            }
        ) { text in
            if FormDecoding.decode(text).isEmpty { Issue.record("no pairs") }
        }
    }

    @Test("percent-decoding of a long value")
    func percentDecoding() {
        Self.expectLinear(
            "percent-decoding",
            { factor in
                String(repeating: "%E1%BB%8D+a%zz%", count: 5_000 * factor)
            }
        ) { text in
            if FormDecoding.percentDecode(text, plusIsSpace: true).isEmpty { Issue.record("nothing decoded") }
        }
    }
}
