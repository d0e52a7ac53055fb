import CRMHubTesting
import JSON
import Testing

@Suite("Idempotency-Key on admin creates")
struct IdempotencyTests {
    @Test("a retry gets the first answer; another body with the same key is 422; refusals replay too")
    func replay() async throws {
        let fixture = try await AdminFixture.start()
        let slug = try await fixture.makeOrg()
        let key = "retry-\(Int.random(in: 0...1_000_000))"
        let path = "/admin/v1/orgs/\(slug)/users"
        let body = #"{"email":"once@idem.co"}"#
        let first = try await fixture.server.request("POST", path, headers: [("Authorization", "Bearer \(fixture.platformToken)"), ("Idempotency-Key", key)], body: body)
        let second = try await fixture.server.request("POST", path, headers: [("Authorization", "Bearer \(fixture.platformToken)"), ("Idempotency-Key", key)], body: body)
        #expect(first.status == 201 && second.status == 201)
        #expect(second.header("Idempotent-Replayed") == "true")
        #expect(first.text == second.text)
        let users = try await fixture.call("GET", path)
        #expect(users.json["items"]?.arrayValue?.filter { $0["email"]?.stringValue == "once@idem.co" }.count == 1)
        let other = try await fixture.server.request("POST", path, headers: [("Authorization", "Bearer \(fixture.platformToken)"), ("Idempotency-Key", key)], body: #"{"email":"twice@idem.co"}"#)
        #expect(other.status == 422 && other.text.contains("Idempotency-Key"))
        // Without the key, the same body is a new request: here a duplicate email, 409.
        #expect(try await fixture.call("POST", path, raw: body).status == 409)
        let badKey = try await fixture.server.request("POST", path, headers: [("Authorization", "Bearer \(fixture.platformToken)"), ("Idempotency-Key", "a b")], body: body)
        #expect(badKey.status == 422)
        await fixture.stop()
    }
}
