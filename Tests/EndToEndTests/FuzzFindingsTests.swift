import CRMHubTesting
import JSON
import Testing

/// Regressions for what schemathesis (Tests/python/test_schemathesis.py) found: each was a 500.
@Suite("schemathesis findings")
struct FuzzFindingsTests {
    /// 150 characters as Swift counts them (graphemes), 300 as PostgreSQL's length() does (code points).
    static let combining = String(repeating: "o\u{0301}", count: 150)

    // "$1 = 0" made PostgreSQL type the cursor as integer, so ids past 2^31 failed.
    @Test("an admin list's cursor past 2^31 is a bigint", arguments: ["audit", "listener-requests", "outbox"])
    func largeCursor(list: String) async throws {
        try await ListenerFixture.with { fixture in
            let page = try await fixture.admin.call("GET", "/admin/v1/orgs/\(fixture.slug)/\(list)?cursor=30356828297")
            #expect(page.status == 200, "\(page.json)")
        }
    }

    // PostgreSQL text cannot hold U+0000: the bind was refused.
    @Test("a NUL character anywhere in an admin body is a 422 naming where it is")
    func nulCharacter() async throws {
        try await ListenerFixture.with { fixture in
            let created = try await fixture.admin.call(
                "POST", "/admin/v1/orgs/\(fixture.slug)/custom-fields",
                raw: #"{"entity":"contact","name":"Size","type":"dropdown","options":["S","M\u0000"]}"#)
            #expect(created.status == 422, "\(created.json)")
            #expect(created.json["errors"]?[0]?["field"]?.stringValue == "options[1]", "\(created.json)")
        }
    }

    // Lengths were checked in graphemes, the columns' CHECK constraints count code points.
    @Test("lengths count code points, as the database does: CIOPulse system_id, listener names, admin names")
    func codePoints() async throws {
        try await CIOPulseFixture.with { cio in
            let put = try await cio.put(Self.combining, #"{"first_name":"Tim","last_name":"Test","email":"tim@example.com"}"#)
            #expect(put.status == 400, "\(put.json)")
        }

        try await ListenerFixture.with { fixture in
            let long = String(repeating: "a\u{0301}", count: 300)  // 300 graphemes, 600 code points; names hold 500
            let sent = try await fixture.send([("add-contact", ["name": .string(long), "emails": [["value": "x@example.com"]]])])
            #expect(sent.status == 422, "\(sent.json)")
            let group = try await fixture.admin.call(
                "POST", "/admin/v1/orgs/\(fixture.slug)/groups", body: ["name": .string(Self.combining)])
            #expect(group.status == 422, "\(group.json)")
        }
    }

    // PostgreSQL reads offsets up to ±15:59 only.
    @Test("a *_since offset PostgreSQL cannot read is a 422")
    func timeZoneOffset() async throws {
        try await ReadAPIFixture.with { fixture in
            let page = try await fixture.get("/api/v1/contacts?created_since=2024-05-01T08:30:00-23:59")
            #expect(page.status == 422 && page.json["errors"]?[0]?["field"]?.stringValue == "created_since", "\(page.json)")
            #expect(try await fixture.get("/api/v1/contacts?created_since=2024-05-01T08:30:00%2B14:00").status == 200)
        }
    }
}
