import Testing

@testable import HTTPServer

/// ParserLimits: the head, the request-target and the field count are bounded while bytes arrive
/// (RFC 9110 §15.5.15 414, RFC 6585 §5 431), so a client cannot keep the parser waiting for a terminator.
@Suite("parser limits")
struct LimitsTests {
    static let small = ParserLimits(maxHeaderBytes: 64, maxTargetLength: 16, maxHeaderCount: 3)

    /// A complete head of exactly `length` bytes (at least 32).
    static func head(length: Int) -> String {
        "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: length - 32) + "\r\n\r\n"
    }

    static func target(_ length: Int) -> String { "/" + String(repeating: "t", count: length - 1) }

    static let cases: [ParseCase] = [
        ParseCase(
            "a head of exactly maxHeaderBytes", head(length: 64), .head { $0.headers["X"]?.utf8.count == 32 }, limits: small),
        ParseCase("a head one byte over maxHeaderBytes: 431", head(length: 65), .error(.headerTooLarge), limits: small),
        ParseCase(
            "a head over maxHeaderBytes is 431 before its end arrives",
            "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 100), .error(.headerTooLarge), limits: small),
        ParseCase(
            "an unfinished head of exactly maxHeaderBytes needs more",
            "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 36), .needMore, limits: small),
        ParseCase(
            "a final CR on the last allowed byte, LF beyond it: 431",
            "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 33) + "\r\n\r\n", .error(.headerTooLarge),
            limits: small),
        ParseCase(
            "leading empty lines count toward maxHeaderBytes", "\r\n\r\n" + head(length: 62), .error(.headerTooLarge),
            limits: small),
        ParseCase(
            "a request after a small head may exceed maxHeaderBytes",
            "GET / HTTP/1.1\r\nHost: h\r\n\r\n" + head(length: 64) + head(length: 64),
            .head(consumed: 27) { $0.path == "/" }, limits: small),
        ParseCase(
            "an error before the limit wins over 431",
            "GET / HTTP/1.1\r\nHost: h\r\nX : " + String(repeating: "a", count: 100), .error(.whitespaceBeforeColon),
            limits: small),

        ParseCase(
            "exactly maxHeaderCount fields", "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", .head { $0.headers.count == 3 },
            limits: small),
        ParseCase(
            "one field more than maxHeaderCount: 431", "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
            .error(.tooManyHeaders), limits: small),
        ParseCase(
            "the extra field is refused as soon as it starts", "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC",
            .error(.tooManyHeaders), limits: small),

        ParseCase(
            "a target of exactly maxTargetLength", "GET \(target(16)) HTTP/1.1\r\nHost: h\r\n\r\n",
            .head { $0.path.utf8.count == 16 },
            limits: small),
        ParseCase(
            "a target one byte over maxTargetLength: 414", "GET \(target(17)) HTTP/1.1\r\nHost: h\r\n\r\n", .error(.uriTooLong),
            limits: small),
        ParseCase("a long target is 414 before the line ends", "GET \(target(17))", .error(.uriTooLong), limits: small),
        ParseCase(
            "a target limit above the head limit: the head limit applies first", "GET \(target(100))", .error(.headerTooLarge),
            limits: ParserLimits(maxHeaderBytes: 64, maxTargetLength: 1000)),
    ]

    @Test("limits", arguments: cases, FeedMode.allCases)
    func limits(testCase: ParseCase, mode: FeedMode) { testCase.check(mode) }

    @Test("the default limits: 16 KiB head, 8 KiB target, 100 fields")
    func defaults() {
        let limits = ParserLimits()
        #expect(limits.maxHeaderBytes == 16 * 1024 && limits.maxTargetLength == 8 * 1024 && limits.maxHeaderCount == 100)
        let fields = (0..<99).map { "X-\($0): 1\r\n" }.joined()
        let targetOK = "GET \(Self.target(8 * 1024)) HTTP/1.1\r\nHost: h\r\n\(fields)\r\n"
        #expect(HeadFeeder.parse(Array(targetOK.utf8)) != .error(.uriTooLong))
        if case .head(let head, _) = HeadFeeder.parse(Array(targetOK.utf8)) {
            #expect(head.headers.count == 100)
        } else {
            Issue.record("a head at the default limits is accepted")
        }
        #expect(HeadFeeder.parse(Array("GET \(Self.target(8 * 1024 + 1))".utf8)) == .error(.uriTooLong))
        let manyFields = "GET / HTTP/1.1\r\nHost: h\r\n\(fields)X: 1\r\n\r\n"
        #expect(HeadFeeder.parse(Array(manyFields.utf8)) == .error(.tooManyHeaders))
        let big = "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 16 * 1024)
        #expect(HeadFeeder.parse(Array(big.utf8)) == .error(.headerTooLarge))
    }

    static let allErrors: [ParseError] = [
        .invalidMethod, .invalidRequestLine, .invalidTarget, .invalidVersion, .unsupportedVersion, .bareLF, .bareCR, .obsFold,
        .whitespaceBeforeColon, .invalidFieldName, .invalidFieldValue, .missingHost, .multipleHost, .invalidHost,
        .invalidContentLength, .duplicateContentLength, .contentLengthWithTransferEncoding, .transferEncodingNotChunked,
        .chunkedAppliedTwice, .unsupportedTransferCoding, .transferEncodingInHTTP10, .unsupportedExpectation, .headerTooLarge,
        .tooManyHeaders, .uriTooLong, .bodyTooLarge, .invalidChunkSize, .invalidChunkExtension, .chunkLineTooLong,
        .invalidChunkData, .invalidTrailer,
    ]

    @Test("each error maps to its status")
    func statuses() {
        let special: [ParseError: Int] = [
            .unsupportedVersion: 505, .unsupportedTransferCoding: 501, .unsupportedExpectation: 417, .headerTooLarge: 431,
            .tooManyHeaders: 431, .uriTooLong: 414, .bodyTooLarge: 413,
        ]
        for error in Self.allErrors {
            #expect(error.status == special[error] ?? 400, "\(error)")
        }
    }

    @Test("each error has its own short reason")
    func reasons() {
        let reasons = Self.allErrors.map(\.reason)
        #expect(Set(reasons).count == reasons.count)
        #expect(reasons.allSatisfy { !$0.isEmpty && $0.utf8.count <= 60 })
    }
}
