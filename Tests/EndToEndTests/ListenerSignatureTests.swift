import CRM
import CRMHubTesting
import JSON
import Testing

/// Signed listener requests (Standard Webhooks), through the real server: a listener with a signing secret refuses
/// a missing, stale, replayed or wrong signature with 401 naming which; one without keeps the URL alone.
@Suite("listener: signed requests")
struct ListenerSignatureTests {
    static let key = String(repeating: "3c", count: 32)
    static let body = #"{"senderUser":"huy.nguyenviet@htklabs.com","data":[{"actionType":"add-contact","data":{"name":"Ký"}}]}"#

    static func signed(_ secret: String, id: String, at timestamp: Int64, body: String = Self.body) throws -> [(String, String)] {
        let key = try #require(WebhookSignature.key(of: secret))
        return [
            ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", WebhookSignature.sign(id: id, timestamp: timestamp, body: Array(body.utf8), key: key)),
        ]
    }

    @Test("missing, stale, replayed and wrong signatures get 401 saying which; a fresh valid one is accepted once")
    func signedListener() async throws {
        try await ListenerFixture.with(configure: { $0.secretKey = Self.key }) { listener in
            let base = "/admin/v1/orgs/\(listener.slug)/listeners/\(listener.listenerID)"
            #expect(try await listener.post(Self.body).status == 200)
            let set = try await listener.admin.call("POST", base + "/signing-secret")
            #expect(set.status == 200, "\(set.json)")
            let secret = try #require(set.json["signing_secret"]?.stringValue)
            #expect(try await listener.admin.call("GET", base).json["signed_requests"] == true)
            try await Task.sleep(for: .milliseconds(5200))  // the per-instance memory of the signing state

            func refusal(_ headers: [(String, String)], body: String = Self.body) async throws -> (String, String) {
                let answer = try await listener.post(body, headers: headers)
                #expect(answer.status == 401, "\(answer.json)")
                return (answer.json["detail"]?.stringValue ?? "", answer.json["errors"]?[0]?["field"]?.stringValue ?? "")
            }
            let now = WebhookSignature.now()
            let missing = try await refusal([])
            #expect(missing.0.contains("(missing)") && missing.1 == "webhook-id")
            let stale = try await refusal(try Self.signed(secret, id: "msg_stale", at: now - 301))
            #expect(stale.0.contains("(stale)") && stale.1 == "webhook-timestamp")
            let wrong = try await refusal(try Self.signed(WebhookSignature.newSecret(), id: "msg_wrong", at: now))
            #expect(wrong.0.contains("(mismatch)") && wrong.1 == "webhook-signature")
            let tampered = try await refusal(
                try Self.signed(secret, id: "msg_tampered", at: now),
                body: Self.body.replacing("Ký", with: "Kỳ"))
            #expect(tampered.0.contains("(mismatch)"))

            let good = try Self.signed(secret, id: "msg_good", at: now)
            #expect(try await listener.post(Self.body, headers: good).status == 200)
            let replayed = try await refusal(good)
            #expect(replayed.0.contains("(replayed)") && replayed.1 == "webhook-id")
            let seen = try await listener.server.database.platformQuery("SELECT count(*) FROM listener_seen_webhook_ids").rows[0]
            #expect(try seen.decode(0, as: Int64.self) == 1)

            #expect(try await listener.admin.call("DELETE", base + "/signing-secret").status == 204)
            try await Task.sleep(for: .milliseconds(5200))
            #expect(try await listener.post(Self.body).status == 200)
        }
    }

    @Test("a signing secret needs CRMHUB_SECRET_KEY")
    func needsKey() async throws {
        try await ListenerFixture.with { listener in
            let set = try await listener.admin.call(
                "POST", "/admin/v1/orgs/\(listener.slug)/listeners/\(listener.listenerID)/signing-secret")
            #expect(set.status == 422 && set.json["errors"]?[0]?["field"] == "signing_secret", "\(set.json)")
        }
    }
}
