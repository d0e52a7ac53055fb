import CRMHubTesting
import JSON
import Postgres
import Testing

@Suite("Idempotency-Key on admin creates")
struct IdempotencyTests {
    @Test("a retry gets the first answer; another body with the same key is 422; refusals replay too")
    func replay() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let key = "retry-\(Int.random(in: 0...1_000_000))"
            let path = "/admin/v1/orgs/\(slug)/users"
            let body = #"{"email":"once@idem.co"}"#
            let first = try await fixture.server.request(
                "POST", path, headers: [("Authorization", "Bearer \(fixture.platformToken)"), ("Idempotency-Key", key)],
                body: body)
            let second = try await fixture.server.request(
                "POST", path, headers: [("Authorization", "Bearer \(fixture.platformToken)"), ("Idempotency-Key", key)],
                body: body)
            #expect(first.status == 201 && second.status == 201)
            #expect(second.header("Idempotent-Replayed") == "true")
            #expect(first.text == second.text)
            let users = try await fixture.call("GET", path)
            #expect(users.json["items"]?.arrayValue?.filter { $0["email"]?.stringValue == "once@idem.co" }.count == 1)
            let other = try await fixture.server.request(
                "POST", path, headers: [("Authorization", "Bearer \(fixture.platformToken)"), ("Idempotency-Key", key)],
                body: #"{"email":"twice@idem.co"}"#)
            #expect(other.status == 422 && other.text.contains("Idempotency-Key"))
            // Without the key, the same body is a new request: here a duplicate email, 409.
            #expect(try await fixture.call("POST", path, raw: body).status == 409)
            let badKey = try await fixture.server.request(
                "POST", path, headers: [("Authorization", "Bearer \(fixture.platformToken)"), ("Idempotency-Key", "a b")],
                body: body)
            #expect(badKey.status == 422)
        }
    }

    @Test("an unauthenticated request with a key writes no row; keys past 24 hours are purged by the retention rounds")
    func noRowsBeforeAuthentication() async throws {
        try await LogRows.withIsolatedFixture(retentionDays: 0, purgeInterval: 1) { fixture in
            let slug = try await fixture.makeOrg()
            let database = fixture.server.database
            for index in 0..<51 {
                let response = try await fixture.server.request(
                    "POST", "/admin/v1/orgs/\(slug)/users",
                    headers: [("Authorization", "Bearer nope"), ("Idempotency-Key", "k\(index)")],
                    body: #"{"email":"x\#(index)@idem.co"}"#)
                #expect(response.status == 401)
            }
            let count = { try await database.query("SELECT count(*) FROM idempotency_keys").rows[0].decode(0, as: Int.self) }
            #expect(try await count() == 0)
            _ = try await database.query(
                """
                INSERT INTO idempotency_keys (scope, key, request_hash, status, response_body, created_at)
                VALUES ('s', 'old', 'h', 201, '\\x', now() - interval '25 hours'), ('s', 'new', 'h', 201, '\\x', now())
                """)
            let deadline = ContinuousClock.now + .seconds(30)
            while try await count() > 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(
                try await database.query("SELECT key FROM idempotency_keys").rows.map { try $0.decode(0, as: String.self) } == [
                    "new"
                ])
        }
    }
}
