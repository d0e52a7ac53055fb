import Testing

@testable import HTTPServer

/// RFC 9110 §10.1.1 Expect: the only expectation defined is 100-continue; "A server that receives an Expect
/// field value containing a member other than 100-continue MAY respond with a 417 (Expectation Failed)".
@Suite("RFC 9110 §10.1.1 Expect")
struct ExpectTests {
    static func post(_ expect: String, version: String = "1.1") -> String {
        "POST / HTTP/\(version)\r\nHost: h\r\nContent-Length: 1\r\nExpect: \(expect)\r\n\r\n"
    }

    static let cases: [ParseCase] = [
        ParseCase("Expect: 100-continue", post("100-continue"), .head { $0.expectsContinue }),
        ParseCase("100-continue is case-insensitive", post("100-Continue"), .head { $0.expectsContinue }),
        ParseCase("no Expect field", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n", .head { !$0.expectsContinue }),
        ParseCase(
            "a 100-continue expectation in an HTTP/1.0 request is ignored", post("100-continue", version: "1.0"),
            .head { !$0.expectsContinue }),
        ParseCase("an expectation other than 100-continue: 417", post("something"), .error(.unsupportedExpectation)),
        ParseCase("100-continue with another member: 417", post("100-continue, foo"), .error(.unsupportedExpectation)),
        ParseCase("100-continue with a parameter: 417", post("100-continue;x=1"), .error(.unsupportedExpectation)),
        ParseCase("an unknown expectation in HTTP/1.0: 417", post("foo", version: "1.0"), .error(.unsupportedExpectation)),
    ]

    @Test("Expect", arguments: cases, FeedMode.allCases)
    func expect(testCase: ParseCase, mode: FeedMode) { testCase.check(mode) }
}
