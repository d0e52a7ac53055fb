import CRMHubTesting
import Testing

/// Regressions for what schemathesis (Tests/python/test_schemathesis.py) found in the admin API.
@Suite("Admin API: schemathesis findings")
struct AdminFuzzFindingsTests {
    // "$1 = 0" made PostgreSQL type the cursor as integer, so ids past 2^31 were a 500.
    @Test("a cursor past 2^31 is a bigint, not a server error", arguments: ["audit", "listener-requests", "outbox"])
    func largeCursor(list: String) async throws {
        let fixture = try await ListenerFixture.start()
        let page = try await fixture.admin.call("GET", "/admin/v1/orgs/\(fixture.slug)/\(list)?cursor=30356828297")
        #expect(page.status == 200, "\(page.json)")
        await fixture.stop()
    }

    // PostgreSQL text cannot hold U+0000: the bind was refused and answered 500.
    @Test("a NUL character anywhere in an admin body is a 422 naming where it is")
    func nulCharacter() async throws {
        let fixture = try await ListenerFixture.start()
        let created = try await fixture.admin.call(
            "POST", "/admin/v1/orgs/\(fixture.slug)/custom-fields",
            raw: #"{"entity":"contact","name":"Size","type":"dropdown","options":["S","M\u0000"]}"#)
        #expect(created.status == 422, "\(created.json)")
        #expect(created.json["errors"]?[0]?["field"]?.stringValue == "options[1]", "\(created.json)")
        await fixture.stop()
    }
}
