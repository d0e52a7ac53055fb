import Testing

@testable import HTTPServer

/// Random and mutated inputs over the same entry points the connection uses. Seeded, so reproducible.
///
/// These are crash and consistency checks, not rule checks: they prove the parsers never trap, never consume more
/// bytes than they were given, and answer the same however the bytes are split. Whether an input is accepted or
/// refused by the RFC's rules is tested case by case in the other parser suites (`ParseCase` tables).
@Suite("parser fuzzing (crash and consistency checks, not rule checks)")
struct FuzzTests {
    static let seeds: [[UInt8]] = [
        "GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n",
        "POST /api HTTP/1.1\r\nHost: h:8080\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: [::1]\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n",
        "\r\nGET http://h/x HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
    ].map { Array($0.utf8) }

    /// Bytes that matter to the grammar, chosen more often than others.
    static let interesting: [UInt8] = [0x0D, 0x0A, 0x20, 0x09, 0x3A, 0x3B, 0x3D, 0x22, 0x2C, 0x00, 0x7F, 0x80, 0xFF, 0x30, 0x66]

    static func mutate(_ input: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let byte =
                Bool.random(using: &random)
                ? interesting.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
            let index = Int.random(in: 0...bytes.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0 where index < bytes.count: bytes[index] = byte
            case 1: bytes.insert(byte, at: index)
            case 2 where index < bytes.count: bytes.remove(at: index)
            default:
                let end = min(bytes.count, index + Int.random(in: 1...8, using: &random))
                bytes.insert(contentsOf: bytes[index..<end], at: index)
            }
        }
        return bytes
    }

    static func randomBytes(using random: inout SplitMix64) -> [UInt8] {
        (0..<Int.random(in: 0...160, using: &random)).map { _ in
            Int.random(in: 0..<4, using: &random) == 0
                ? interesting.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
        }
    }

    static func decode(_ bytes: [UInt8]) -> (Result<Int, ParseError>, Bool) {
        var decoder = ChunkedDecoder(maxBodySize: 1 << 12, limits: ParserLimits(maxHeaderBytes: 256, maxHeaderCount: 8))
        var body: [UInt8] = []
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ParseError) in try decoder.decode(raw, into: &body) }
        }
        return (result, decoder.isComplete)
    }

    @Test("20,000 random byte strings: the head parser never crashes and never over-reports consumed")
    func randomHeads() {
        var random = SplitMix64(seed: 0x5EED)
        var outcomes = [0, 0, 0]
        for _ in 0..<20_000 {
            var bytes = Self.randomBytes(using: &random)
            if Bool.random(using: &random) { bytes = Array("GET / HTTP/1.1\r\n".utf8) + bytes }
            switch HeadFeeder.parse(bytes, limits: ParserLimits(maxHeaderBytes: 128, maxTargetLength: 64, maxHeaderCount: 8)) {
            case .needMore: outcomes[0] += 1
            case .head(_, let consumed):
                outcomes[1] += 1
                #expect(consumed > 0 && consumed <= bytes.count)
            case .error: outcomes[2] += 1
            }
            let (result, complete) = Self.decode(bytes)
            if case .success(let used) = result { #expect(used <= bytes.count && (complete || used == bytes.count)) }
        }
        #expect(outcomes[2] > 0)
    }

    @Test("20,000 mutated valid requests: every outcome is the same byte by byte as whole")
    func mutatedHeads() {
        var random = SplitMix64(seed: 0xC0FFEE)
        var completed = 0
        for round in 0..<20_000 {
            let bytes = Self.mutate(Self.seeds[round % Self.seeds.count], using: &random)
            let whole = HeadFeeder.parse(bytes)
            if case .head(_, let consumed) = whole {
                completed += 1
                #expect(consumed <= bytes.count)
            }
            // The stateless parser must give the same answer however the bytes were split (checked on a
            // sample, since it costs one parse per prefix).
            if round % 10 == 0 {
                #expect(HeadFeeder.run(bytes, mode: .byteByByte) == whole, "\(bytes)")
            }
            let (result, complete) = Self.decode(bytes)
            if case .success(let used) = result { #expect(used <= bytes.count && (complete || used == bytes.count)) }
        }
        #expect(completed > 0)
    }

    @Test("mutated chunked bodies: the outcome does not depend on how the bytes were split")
    func mutatedBodies() {
        var random = SplitMix64(seed: 0xBEEF)
        let body = Array("5\r\nhello\r\n1;a=\"b\"\r\n \r\n0\r\nX-T: 1\r\n\r\n".utf8)
        for _ in 0..<3_000 {
            let bytes = Self.mutate(body, using: &random)
            let limits = ParserLimits(maxHeaderBytes: 64, maxHeaderCount: 4)
            let whole = ChunkedFeeder.feed(bytes, cuts: [], maxBodySize: 64, limits: limits)
            let cut = Int.random(in: 0...bytes.count, using: &random)
            #expect(ChunkedFeeder.feed(bytes, cuts: [cut], maxBodySize: 64, limits: limits) == whole)
            #expect(ChunkedFeeder.feed(bytes, cuts: Array(0..<bytes.count), maxBodySize: 64, limits: limits) == whole)
        }
    }
}
