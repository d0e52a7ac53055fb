import Testing

@testable import HTTPServer

/// One request-head parser case: its name in the RFC's words, the raw bytes with CR and LF written out,
/// and the expected outcome. Tables of these are run in every ``FeedMode``.
struct ParseCase: Sendable, CustomTestStringConvertible {
    enum Expectation: Sendable {
        /// A complete head that satisfies `check`; `consumed` is its length (nil: the whole input).
        case head(consumed: Int? = nil, @Sendable (RequestHead) -> Bool)
        /// The parser refuses the bytes with this error.
        case error(ParseError)
        /// The bytes are a valid beginning of a head.
        case needMore
    }

    let name: String
    let raw: String
    let expect: Expectation
    let limits: ParserLimits

    init(_ name: String, _ raw: String, _ expect: Expectation, limits: ParserLimits = ParserLimits()) {
        self.name = name
        self.raw = raw
        self.expect = expect
        self.limits = limits
    }

    var testDescription: String { name }

    /// Feeds the case in `mode` and checks the outcome against the expectation.
    func check(_ mode: FeedMode, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = Array(raw.utf8)
        let outcome = HeadFeeder.run(bytes, mode: mode, limits: limits, sourceLocation: sourceLocation)
        switch (expect, outcome) {
        case (.error(let expected), .error(let actual)):
            #expect(actual == expected, "\(name) [\(mode)]", sourceLocation: sourceLocation)
        case (.head(let consumed, let check), .head(let head, let actualConsumed)):
            #expect(check(head), "\(name) [\(mode)]: \(head)", sourceLocation: sourceLocation)
            #expect(actualConsumed == consumed ?? bytes.count, "\(name) [\(mode)] consumed", sourceLocation: sourceLocation)
        case (.needMore, .needMore):
            break
        default:
            Issue.record("\(name) [\(mode)]: expected \(expect), got \(outcome)", sourceLocation: sourceLocation)
        }
    }
}
