import Testing

@testable import CRM

/// Standard Webhooks signing and verification, against the specification's published example.
@Suite struct WebhookSignatureTests {
    // The example of the Standard Webhooks specification (and of svix's documentation).
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let timestamp: Int64 = 1_614_265_330
    static let body = Array(#"{"test": 2432232314}"#.utf8)
    static let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    @Test("the specification's example signs to its published signature")
    func signsTheExample() throws {
        let key = try #require(WebhookSignature.key(of: Self.secret))
        #expect(WebhookSignature.sign(id: Self.id, timestamp: Self.timestamp, body: Self.body, key: key) == Self.expected)
    }

    @Test("a valid signature among others verifies; a tampered body, a stale timestamp or missing headers do not")
    func verifies() throws {
        let key = try #require(WebhookSignature.key(of: Self.secret))
        let other = try #require(WebhookSignature.key(of: WebhookSignature.newSecret()))
        func check(
            id: String? = Self.id, at: String? = String(Self.timestamp), signatures: String? = Self.expected,
            body: [UInt8] = Self.body, keys: [[UInt8]]? = nil, now: Int64 = Self.timestamp + 10
        ) -> WebhookSignature.Failure? {
            WebhookSignature.verify(id: id, timestamp: at, signatures: signatures, body: body, keys: keys ?? [key], now: now)
        }
        #expect(check() == nil)
        #expect(check(signatures: "v1,bm90IGl0 " + Self.expected) == nil)
        #expect(check(keys: [other, key]) == nil)
        #expect(check(body: Array(#"{"test": 2432232315}"#.utf8)) == .mismatch)
        #expect(check(keys: [other]) == .mismatch)
        #expect(check(signatures: "v2," + Self.expected.dropFirst(3)) == .mismatch)
        #expect(check(now: Self.timestamp + 301) == .stale(seconds: 301))
        #expect(check(now: Self.timestamp - 400) == .stale(seconds: 400))
        #expect(check(at: "16142653.30") == .malformedTimestamp)
        #expect(check(id: nil) == .missing("webhook-id"))
        #expect(check(at: "") == .missing("webhook-timestamp"))
        #expect(check(signatures: nil) == .missing("webhook-signature"))
    }

    @Test("new secrets are whsec_ and base64 of 24 bytes, and other text is not a secret")
    func secrets() {
        let secret = WebhookSignature.newSecret()
        #expect(secret.hasPrefix("whsec_") && WebhookSignature.key(of: secret)?.count == 24)
        #expect(WebhookSignature.key(of: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == nil)
        #expect(WebhookSignature.key(of: "whsec_not base64!") == nil)
    }
}
