import Testing

@testable import HTTPServer

/// RFC 9112 §9.3 persistence and §9.6 "close": connection options are case-insensitive tokens.
@Suite("RFC 9112 §9.3 persistence")
struct KeepAliveTests {
    static func get(_ fields: String, version: String = "1.1") -> String {
        "GET / HTTP/\(version)\r\n" + (version == "1.1" ? "Host: h\r\n" : "") + fields + "\r\n"
    }

    static let cases: [ParseCase] = [
        ParseCase("HTTP/1.1 persists by default", get(""), .head { $0.keepAlive }),
        ParseCase("the close connection option", get("Connection: close\r\n"), .head { !$0.keepAlive }),
        ParseCase("connection options are case-insensitive", get("Connection: CLOSE\r\n"), .head { !$0.keepAlive }),
        ParseCase("close anywhere in the list", get("Connection: keep-alive, Upgrade,close\r\n"), .head { !$0.keepAlive }),
        ParseCase(
            "close in a second Connection field", get("Connection: upgrade\r\nConnection: close\r\n"), .head { !$0.keepAlive }),
        ParseCase("another option keeps HTTP/1.1 open", get("Connection: upgrade\r\n"), .head { $0.keepAlive }),
        ParseCase("a token is matched whole: \"closed\" is not close", get("Connection: closed\r\n"), .head { $0.keepAlive }),
        ParseCase("HTTP/1.0 closes by default", get("", version: "1.0"), .head { !$0.keepAlive }),
        ParseCase("HTTP/1.0 with keep-alive persists", get("Connection: Keep-Alive\r\n", version: "1.0"), .head { $0.keepAlive }),
        ParseCase(
            "HTTP/1.0 with keep-alive and close", get("Connection: keep-alive, close\r\n", version: "1.0"),
            .head { !$0.keepAlive }),
        ParseCase("HTTP/1.0 with another option", get("Connection: foo\r\n", version: "1.0"), .head { !$0.keepAlive }),
        ParseCase(
            "a Keep-Alive field alone does not make HTTP/1.0 persist", get("Keep-Alive: 5\r\n", version: "1.0"),
            .head { !$0.keepAlive }),
    ]

    @Test("keep-alive", arguments: cases, FeedMode.allCases)
    func keepAlive(testCase: ParseCase, mode: FeedMode) { testCase.check(mode) }
}
