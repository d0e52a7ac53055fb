import Testing

@testable import HTTPServer

/// How bytes reach a parser: all at once, one more byte per call, or cut in two at every position
/// (picohttpparser's per-byte runner, llhttp's every-chunk-size scan). The outcome must not depend on it.
enum FeedMode: CaseIterable, Sendable {
    case whole
    case byteByByte
    case everySplit
}

/// What one call of ``RequestHeadParser/parse(_:limits:)`` gave.
enum ParseOutcome: Equatable, CustomStringConvertible {
    case needMore
    case head(RequestHead, consumed: Int)
    case error(ParseError)

    var description: String {
        switch self {
        case .needMore: "needMore"
        case .head(let head, let consumed): "head(\(head.method) \(head.target), consumed: \(consumed))"
        case .error(let error): "error(.\(error))"
        }
    }
}

/// Drives the stateless head parser the way the connection does: the same buffer, grown, until an outcome.
enum HeadFeeder {
    static func parse(_ bytes: UnsafeRawBufferPointer, limits: ParserLimits) -> ParseOutcome {
        do throws(ParseError) {
            switch try RequestHeadParser.parse(bytes, limits: limits) {
            case .needMore: return .needMore
            case .complete(let head, let consumed): return .head(head, consumed: consumed)
            }
        } catch {
            return .error(error)
        }
    }

    static func parse(_ bytes: [UInt8], limits: ParserLimits = ParserLimits()) -> ParseOutcome {
        bytes.withUnsafeBytes { parse($0, limits: limits) }
    }

    /// - whole: one call with every byte.
    /// - byteByByte: calls with prefixes of length 0, 1, 2, … until one is not `.needMore`.
    /// - everySplit: for every split point, a call with the prefix and, if that needs more, one with
    ///   everything; each must agree with the whole-buffer outcome (an Issue names the split otherwise).
    static func run(
        _ bytes: [UInt8], mode: FeedMode, limits: ParserLimits = ParserLimits(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> ParseOutcome {
        bytes.withUnsafeBytes { raw in
            switch mode {
            case .whole:
                return parse(raw, limits: limits)
            case .byteByByte:
                for length in 0...raw.count {
                    let outcome = parse(UnsafeRawBufferPointer(rebasing: raw[0..<length]), limits: limits)
                    if outcome != .needMore { return outcome }
                }
                return .needMore
            case .everySplit:
                let whole = parse(raw, limits: limits)
                for split in 0...raw.count {
                    var outcome = parse(UnsafeRawBufferPointer(rebasing: raw[0..<split]), limits: limits)
                    if outcome == .needMore { outcome = parse(raw, limits: limits) }
                    if outcome != whole {
                        Issue.record("split at \(split): \(outcome), whole: \(whole)", sourceLocation: sourceLocation)
                        return outcome
                    }
                }
                return whole
            }
        }
    }
}

/// What feeding a ``ChunkedDecoder`` gave.
enum ChunkedOutcome: Equatable, CustomStringConvertible {
    case body([UInt8], trailers: HeaderFields, consumed: Int)
    case error(ParseError)
    /// Every byte was accepted but the body has not ended.
    case incomplete

    var description: String {
        switch self {
        case .body(let body, let trailers, let consumed):
            "body(\(String(decoding: body, as: UTF8.self).debugDescription), trailers: \(Array(trailers)), consumed: \(consumed))"
        case .error(let error): "error(.\(error))"
        case .incomplete: "incomplete"
        }
    }
}

/// Drives the stateful chunked decoder like the connection does: bytes it did not consume are handed back
/// with the next read.
enum ChunkedFeeder {
    static func feed(_ bytes: [UInt8], cuts: [Int], maxBodySize: Int, limits: ParserLimits) -> ChunkedOutcome {
        var decoder = ChunkedDecoder(maxBodySize: maxBodySize, limits: limits)
        var body: [UInt8] = []
        var consumed = 0
        var received = 0
        for cut in cuts + [bytes.count] where cut >= received {
            received = cut
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(ParseError) in
                    try decoder.decode(UnsafeRawBufferPointer(rebasing: raw[consumed..<received]), into: &body)
                }
            }
            switch result {
            case .success(let used): consumed += used
            case .failure(let error): return .error(error)
            }
            if decoder.isComplete { return .body(body, trailers: decoder.trailers, consumed: consumed) }
        }
        return .incomplete
    }

    static func run(
        _ bytes: [UInt8], mode: FeedMode, maxBodySize: Int = 1 << 20, limits: ParserLimits = ParserLimits(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> ChunkedOutcome {
        switch mode {
        case .whole:
            return feed(bytes, cuts: [], maxBodySize: maxBodySize, limits: limits)
        case .byteByByte:
            return feed(bytes, cuts: Array(0..<bytes.count), maxBodySize: maxBodySize, limits: limits)
        case .everySplit:
            let whole = feed(bytes, cuts: [], maxBodySize: maxBodySize, limits: limits)
            for split in 0...bytes.count {
                let outcome = feed(bytes, cuts: [split], maxBodySize: maxBodySize, limits: limits)
                if outcome != whole {
                    Issue.record("split at \(split): \(outcome), whole: \(whole)", sourceLocation: sourceLocation)
                    return outcome
                }
            }
            return whole
        }
    }
}

/// SplitMix64: a small deterministic generator, so fuzz runs are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
