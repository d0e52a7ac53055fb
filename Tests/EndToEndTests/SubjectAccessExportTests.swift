import CRMHubTesting
import JSON
import Testing

/// `GET /admin/v1/orgs/{org}/customers/{customer}/export` (issue 24, point 5).
@Suite("admin API: subject access export")
struct SubjectAccessExportTests {
    @Test(
        "one JSON document with the record, identities, history, notes, deals, tickets, outbox and request excerpts; nobody else's"
    )
    func export() async throws {
        try await ListenerFixture.with(listener: [
            "welcome_email": ["enabled": true, "from": "hello@htklabs.com", "subject": "Hi {{name}}", "body": "Hello"]
        ]) { fixture in
            try await fixture.addCatalog("deal-stages", "New")
            let sent = try await fixture.send([
                (
                    "add-contact",
                    [
                        "name": "Huy", "emails": [["value": "huy@x.vn"]], "phones": [["value": "0905 111 222"]],
                        "passport": "B7654321",
                    ]
                ),
                ("add-contact", ["name": "Other", "emails": [["value": "other@x.vn"]]]),
            ])
            #expect(sent.status == 200, "\(sent.json)")
            let code = try #require(ListenerActionSupport.result(sent.json, 0)["records"]?[0]?["customerId"]?.stringValue)
            let more = try await fixture.send([
                ("add-note", ["body": "called back", "email": "huy@x.vn"]),
                ("add-ticket", ["body": "cannot log in", "email": "huy@x.vn"]),
                (
                    "add-deal",
                    ["dealId": "D-7", "name": "Booking", "stage": "New", "dealWith": ["emails": [["value": "huy@x.vn"]]]]
                ),
                ("add-note", ["body": "about someone else", "email": "other@x.vn"]),
            ])
            #expect(more.status == 200, "\(more.json)")

            let export = try await fixture.admin.call("GET", "/admin/v1/orgs/\(fixture.slug)/customers/\(code)/export")
            #expect(export.status == 200, "\(export.json)")
            let document = export.json
            #expect(document["customer"]?["name"] == "Huy")
            let identities = document["identities"]?.arrayValue?.compactMap { $0["value"]?.stringValue } ?? []
            #expect(identities.contains("huy@x.vn") && identities.contains("B7654321"), "\(identities)")
            #expect(
                (document["history"]?.arrayValue?.count ?? 0) >= 4, "created, note, ticket, deal: \(document["history"] ?? .null)"
            )
            #expect(
                document["notes"]?.arrayValue?.count == 1 && document["notes"]?[0]?["body"] == "called back",
                "\(document["notes"] ?? .null)")
            #expect(document["tickets"]?.arrayValue?.count == 1 && document["deals"]?.arrayValue?.count == 1)
            #expect(document["outbox"]?.arrayValue?.count == 1, "the welcome email: \(document["outbox"] ?? .null)")
            let requests = document["listener_requests"]?.arrayValue ?? []
            #expect(requests.count == 2, "\(requests)")
            let excerpts = requests.flatMap { $0["items"]?.arrayValue ?? [] }
            #expect(excerpts.count == 4, "only this person's items: \(excerpts)")
            #expect(!JSONWriter.string(document).contains("other@x.vn"), "nobody else's data")
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM audit_log WHERE org_id = \(fixture.orgID) AND action = 'customer.export' AND target = \("customer:" + code)
                    """) == 1)

            #expect(try await fixture.admin.call("GET", "/admin/v1/orgs/\(fixture.slug)/customers/PID-999/export").status == 404)
            let key = try await fixture.admin.makeKey(fixture.slug, scopes: ["read"])
            #expect(
                try await fixture.admin.call("GET", "/admin/v1/orgs/\(fixture.slug)/customers/\(code)/export", token: key).status
                    == 403)
        }
    }
}
