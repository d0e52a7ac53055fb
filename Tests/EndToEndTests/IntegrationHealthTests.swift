import App
import CRMHubTesting
import Foundation
import JSON
import Testing

@Suite("integration health (the console's panel)")
struct IntegrationHealthTests {
    /// GET …/integrations/health until `integration` shows `calls` calls (instances write every second here).
    static func health(_ fixture: HelpdeskFixture, _ integration: String, calls: Int) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let health = try await fixture.listener.admin("GET", "/integrations/health")
            let entry = try #require(health["integrations"]?.arrayValue?.first { $0["integration"]?.stringValue == integration })
            if entry["calls"]?.doubleValue == Double(calls) || ContinuousClock.now > deadline { return entry }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    @Test(
        "Sirportly calls are counted per org with errors, a p99 bucket and the last error; other orgs and made-up slugs stay apart"
    )
    func sirportly() async throws {
        try await HelpdeskFixture.with(configure: { $0.integrationHealthIntervalSeconds = 1 }) { fixture in
            let empty = try await fixture.listener.admin("GET", "/integrations/health")
            #expect(empty["window_minutes"] == 60)
            #expect(
                empty["integrations"]?.arrayValue?.map { $0["integration"]?.stringValue ?? "" } == [
                    "ciopulse", "sirportly", "spicecsm", "smartertrack",
                ])
            #expect(empty["integrations"]?.arrayValue?.allSatisfy { $0["calls"] == 0 && $0["p99_ms"] == .null } == true)

            try await fixture.configure("sirportly", ["enabled": true, "username": "sirportly", "password": "data-source-pass"])
            _ = try await fixture.customer(["name": "An", "emails": [["value": "an@example.vn"]]])
            let path = "/integrations/sirportly/\(fixture.slug)"
            let credentials = "Basic " + Data("sirportly:data-source-pass".utf8).base64EncodedString()
            for _ in 0..<3 {
                let found = try await fixture.post(
                    path, [("type", "email"), ("data", "an@example.vn")], headers: [("Authorization", credentials)])
                #expect(found.status == 200, "\(found.text)")
            }
            let refused = try await fixture.post(path, [("type", "email"), ("data", "an@example.vn")])
            #expect(refused.status == 401)
            // A slug no org has is never written (and cannot make the counts of a real org grow).
            _ = try await fixture.post("/integrations/sirportly/no-such-org-here", [("type", "email"), ("data", "x@y.z")])

            let entry = try await Self.health(fixture, "sirportly", calls: 4)
            #expect(entry["calls"] == 4 && entry["errors"] == 1, "\(entry)")
            #expect((entry["p99_ms"]?.doubleValue ?? 0) > 0, "\(entry)")
            #expect(entry["last_error"]?["detail"] == "401 to POST /integrations/sirportly/{org}", "\(entry)")
            #expect(entry["last_error"]?["at"]?.stringValue?.hasSuffix("Z") == true, "\(entry)")
            // The call to the made-up slug counted nowhere: this org's stored minutes hold exactly its own four calls.
            let stored = try await fixture.count(
                "SELECT sum(calls)::int FROM integration_minutes WHERE org_id = \(fixture.orgID) AND integration = 'sirportly'")
            #expect(stored == 4)
        }
    }
}
