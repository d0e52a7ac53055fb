import CRMHubTesting
import JSON
import Postgres
import Testing

/// Erasure that stays (issue 24, point 4): erase a person, find them nowhere, refuse them on every ingest path,
/// lift a suppression.
@Suite("admin API: erasure that stays")
struct ErasureTests {
    static let key = String(repeating: "ab", count: 32)
    /// What must not be found anywhere, lower-cased: the email, the phone as sent and as compared, the passport.
    static let clear = ["erin.erase@x.vn", "0905 777 888", "905777888", "p9988776"]

    /// Rows of any table (every org) whose text, or any bytea column's text, holds `needle` (lower-case).
    static func holders(_ fixture: ListenerFixture, _ needle: String) async throws -> [String] {
        let tables = try await fixture.rows(
            """
            SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
            """
        ).map { try $0.decode(0, as: String.self) }
        #expect(tables.count > 20)
        var found: [String] = []
        for table in tables {
            let byteColumns = try await fixture.rows(
                """
                SELECT column_name::text FROM information_schema.columns
                WHERE table_schema = 'public' AND table_name = \(table) AND data_type = 'bytea'
                """
            ).map { try $0.decode(0, as: String.self) }
            let bytea = byteColumns.map { " OR lower(encode(t.\"\($0)\", 'escape')) LIKE $1" }.joined()
            let count = try await fixture.server.database.platformQuery(
                Query(
                    sql: "SELECT count(*) FROM \"\(table)\" AS t WHERE lower(t::text) LIKE $1\(bytea)",
                    binds: ["%" + needle + "%"])
            ).rows[0].decode(0, as: Int.self)
            if count > 0 { found.append("\(table) (\(count))") }
        }
        return found
    }

    @Test(
        "erasure removes the person everywhere, every ingest path then answers suppressed, and a lifted suppression lets them back"
    )
    func eraseSuppressLift() async throws {
        try await HelpdeskFixture.with(configure: { $0.secretKey = Self.key }) { helpdesk in
            let fixture = helpdesk.listener
            try await helpdesk.configure(
                "spicecsm", ["enabled": true, "username": "spice", "password": "spice-integration-pass"])
            let portal = try await CIOPulseFixture.make(admin: fixture.admin, slug: fixture.slug)
            try await fixture.addCatalog("deal-stages", "New")
            try await fixture.admin(
                "PATCH", "/listeners/\(fixture.listenerID)",
                [
                    "welcome_email": [
                        "enabled": true, "from": "hello@htklabs.com", "subject": "Hi {{name}}", "body": "Hello {{email}}",
                    ]
                ])
            let erin = try await ListenerActionSupport.customer(
                fixture,
                [
                    "name": "Erin", "emails": [["value": "Erin.Erase@X.vn"]], "phones": [["value": "0905 777 888"]],
                    "passport": "P9988776",
                ])
            let other = try await ListenerActionSupport.customer(
                fixture, ["name": "Other", "emails": [["value": "other.keep@x.vn"]]])
            let more = try await fixture.send([
                ("add-note", ["body": "Erin called from 0905 777 888", "email": "erin.erase@x.vn"]),
                ("add-ticket", ["body": "Erin cannot log in", "email": "erin.erase@x.vn"]),
                (
                    "add-deal",
                    [
                        "dealId": "D-E", "name": "Erin's booking", "stage": "New",
                        "dealWith": ["emails": [["value": "erin.erase@x.vn"]]],
                    ]
                ),
            ])
            #expect(more.status == 200, "\(more.json)")
            #expect(try await Self.holders(fixture, "erin.erase@x.vn").isEmpty == false, "the search finds what is there")

            let erased = try await fixture.admin.call("POST", "/admin/v1/orgs/\(fixture.slug)/customers/\(erin.code)/erase")
            #expect(erased.status == 200, "\(erased.json)")
            #expect(erased.json["suppressed"]?.intValue == 3 && erased.json["outbox_cancelled"]?.intValue == 1, "\(erased.json)")
            for needle in Self.clear {
                #expect(try await Self.holders(fixture, needle) == [], "\(needle) is still stored")
            }
            #expect(
                try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID) AND id = \(other.id)")
                    == 1)
            #expect(
                try await fixture.count("SELECT count(*) FROM deals WHERE org_id = \(fixture.orgID) AND customer_id IS NULL") == 1
            )
            let audit = try await fixture.rows(
                """
                SELECT details::text FROM audit_log WHERE org_id = \(fixture.orgID) AND action = 'customer.erase' AND target = \("customer:" + erin.code)
                """)
            #expect(audit.count == 1)

            // Every ingest path refuses the person, saying so.
            let listener = try await fixture.send([
                ("add-contact", ["name": "Erin again", "emails": [["value": "ERIN.erase@x.vn"]]]),
                ("add-lead", ["name": "Erin lead", "phones": [["value": "0905777888"]]]),
                ("update-contact", ["emails": [["value": "other.keep@x.vn"]], "passport": "P9988776"]),
                (
                    "add-deal",
                    [
                        "dealId": "D-F", "name": "Again", "stage": "New",
                        "dealWith": ["name": "Erin", "emails": [["value": "erin.erase@x.vn"]]],
                    ]
                ),
                ("add-contact", ["name": "Someone new", "emails": [["value": "new.person@x.vn"]]]),
            ])
            #expect(listener.status == 200, "\(listener.json)")
            let outcomes = (0..<5).map { ListenerActionSupport.result(listener.json, $0)["outcome"]?.stringValue ?? "" }
            #expect(outcomes == ["suppressed", "suppressed", "suppressed", "suppressed", "created"], "\(listener.json)")
            #expect(listener.json["summary"]?["suppressed"]?.intValue == 4)
            let put = try await portal.put("CIO-ERIN", #"{"first_name":"Erin","last_name":"E","email":"erin.erase@x.vn"}"#)
            #expect(put.status == 422 && put.json["message"]?.stringValue?.contains("suppressed") == true, "\(put.json)")
            let spice = try await helpdesk.post(
                "/integrations/spicecsm/\(fixture.slug)/update-account",
                SpiceCSMWebCallTests.credentials + [
                    (
                        "userXML",
                        #"<userdata><user userkey="\#(other.code)"/><contacts><contact semail="erin.erase%40x.vn"/></contacts></userdata>"#
                    )
                ])
            #expect(spice.status == 422 && spice.text.contains("suppressed"), "\(spice.text)")
            for needle in Self.clear {
                #expect(try await Self.holders(fixture, needle) == [], "\(needle) was stored again (or logged in clear)")
            }

            // Lifting: audited without the value; the person can then be stored again.
            let lifted = try await fixture.admin.call(
                "POST", "/admin/v1/orgs/\(fixture.slug)/suppressions/lift", body: ["kind": "email", "value": "Erin.Erase@x.vn"])
            #expect(lifted.status == 200, "\(lifted.json)")
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM audit_log WHERE org_id = \(fixture.orgID) AND action = 'suppression.lift' AND details::text NOT LIKE '%erin%'
                    """) == 1)
            let back = try await fixture.send([("add-contact", ["name": "Erin back", "emails": [["value": "erin.erase@x.vn"]]])])
            #expect(ListenerActionSupport.result(back.json)["outcome"] == "created", "\(back.json)")
            let again = try await fixture.admin.call(
                "POST", "/admin/v1/orgs/\(fixture.slug)/suppressions/lift", body: ["kind": "email", "value": "erin.erase@x.vn"])
            #expect(again.status == 404)
            let phoneStill = try await fixture.send([
                ("add-contact", ["name": "Erin phone", "phones": [["value": "0905-777-888"]]])
            ])
            #expect(ListenerActionSupport.result(phoneStill.json)["outcome"] == "suppressed", "\(phoneStill.json)")
        }
    }

    @Test("an org with more suppressions than a check holds in memory still refuses an erased person (each check probes)")
    func manySuppressions() async throws {
        try await ListenerFixture.with(configure: { $0.secretKey = Self.key }) { fixture in
            let gone = try await ListenerActionSupport.customer(
                fixture, ["name": "Gone", "emails": [["value": "gone.many@x.vn"]]])
            let erased = try await fixture.admin.call("POST", "/admin/v1/orgs/\(fixture.slug)/customers/\(gone.code)/erase")
            #expect(erased.status == 200, "\(erased.json)")
            // Other erased identities beyond what a check holds: made-up hashes, as erasures would leave them.
            _ = try await fixture.server.database.platformQuery(
                """
                INSERT INTO suppressions (org_id, hash, kind)
                SELECT \(fixture.orgID), md5(n::text) || md5(n::text), 'email' FROM generate_series(1, 300) AS n
                """)
            let sent = try await fixture.send([
                ("add-contact", ["name": "Gone again", "emails": [["value": "GONE.many@x.vn"]]]),
                ("add-contact", ["name": "Kept", "emails": [["value": "kept.many@x.vn"]]]),
            ])
            let outcomes = sent.json["results"]?.arrayValue?.map { $0["outcome"]?.stringValue ?? "" }
            #expect(outcomes == ["suppressed", "created"], "\(sent.json)")
        }
    }

    @Test("without CRMHUB_SECRET_KEY erasure is refused with 409 naming it; a read key may not erase")
    func refusals() async throws {
        try await ListenerFixture.with { fixture in
            let person = try await ListenerActionSupport.customer(fixture, ["name": "P", "emails": [["value": "p@x.vn"]]])
            let refused = try await fixture.admin.call("POST", "/admin/v1/orgs/\(fixture.slug)/customers/\(person.code)/erase")
            #expect(
                refused.status == 409 && refused.json["detail"]?.stringValue?.contains("CRMHUB_SECRET_KEY") == true,
                "\(refused.json)")
            let key = try await fixture.admin.makeKey(fixture.slug, scopes: ["read", "write"])
            #expect(
                try await fixture.admin.call("POST", "/admin/v1/orgs/\(fixture.slug)/customers/\(person.code)/erase", token: key)
                    .status == 403)
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 1)
        }
    }
}
