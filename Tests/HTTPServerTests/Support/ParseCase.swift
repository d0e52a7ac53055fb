import Testing

@testable import HTTPServer

/// One parser case: raw bytes (CR and LF written out) and the expected outcome.
struct ParseCase: Sendable, CustomTestStringConvertible {
    enum Expectation: Sendable {
        /// A complete head; the closure checks it. `consumed` is the expected head length (nil: whole input).
        case head(consumed: Int? = nil, @Sendable (RequestHead) -> Bool)
        case error(ParseError)
    }

    let name: String
    let raw: String
    let expect: Expectation

    init(_ name: String, _ raw: String, _ expect: Expectation) {
        self.name = name
        self.raw = raw
        self.expect = expect
    }

    var testDescription: String { name }
}

/// How the bytes reach the parser: all at once, one byte at a time, or split at every position.
enum FeedMode: CaseIterable, Sendable {
    case whole
    case byteByByte
    case everySplit
}

enum ParseOutcome: Equatable {
    case head(RequestHead, Int)
    case error(ParseError)
    case needMore
}

enum ParserRunner {
    static func parse(_ bytes: [UInt8], limits: ParserLimits = ParserLimits()) -> ParseOutcome {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ParseError) in try RequestHeadParser.parse(raw, limits: limits) }
        }
        switch result {
        case .success(.needMore): return .needMore
        case .success(.complete(let head, let consumed)): return .head(head, consumed)
        case .failure(let error): return .error(error)
        }
    }

    /// Feeds the input as the mode says, calling the stateless parser on each growing prefix like the
    /// connection does, and returns the first final outcome (or needMore if the input never completes).
    static func run(_ raw: String, mode: FeedMode, limits: ParserLimits = ParserLimits()) -> ParseOutcome {
        let bytes = Array(raw.utf8)
        switch mode {
        case .whole:
            return parse(bytes, limits: limits)
        case .byteByByte:
            for end in 1...max(1, bytes.count) {
                let outcome = parse(Array(bytes[0..<min(end, bytes.count)]), limits: limits)
                if outcome != .needMore { return outcome }
            }
            return .needMore
        case .everySplit:
            var result: ParseOutcome?
            for split in 0...bytes.count {
                var outcome = parse(Array(bytes[0..<split]), limits: limits)
                if outcome == .needMore || split == 0 { outcome = parse(bytes, limits: limits) }
                if let result, result != outcome { return .error(.invalidRequestLine) }  // modes must agree
                result = outcome
            }
            return result ?? .needMore
        }
    }

    static func check(_ testCase: ParseCase, _ mode: FeedMode) {
        let outcome = run(testCase.raw, mode: mode)
        switch (testCase.expect, outcome) {
        case (.error(let expected), .error(let actual)):
            #expect(actual == expected, "\(testCase.name) [\(mode)]")
        case (.head(let consumed, let check), .head(let head, let actualConsumed)):
            #expect(check(head), "\(testCase.name) [\(mode)]: \(head)")
            #expect(actualConsumed == (consumed ?? testCase.raw.utf8.count), "\(testCase.name) [\(mode)] consumed")
        default:
            Issue.record("\(testCase.name) [\(mode)]: expected \(testCase.expect), got \(outcome)")
        }
    }
}
