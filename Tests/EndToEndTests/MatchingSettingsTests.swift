import CRMHubTesting
import JSON
import Testing

/// Per-org matching settings (issue 24, point 6).
@Suite("admin API: per-org matching settings")
struct MatchingSettingsTests {
    static func outcome(_ json: JSONValue, _ index: Int = 0) -> String {
        ListenerActionSupport.result(json, index)["outcome"]?.stringValue ?? ""
    }

    @Test(
        "the document's behaviour by default; a kind that no longer deduplicates lets a second customer in; history is not rewritten"
    )
    func kinds() async throws {
        try await ListenerFixture.with { fixture in
            let defaults = try await fixture.admin("GET", "/matching-settings")
            #expect(defaults == ["deduplicate": ["passport", "email", "phone"], "leads_and_contacts_together": false])
            let first = try await ListenerActionSupport.customer(
                fixture, ["name": "A", "emails": [["value": "same@x.vn"]], "phones": [["value": "0905000111"]]])
            #expect(
                Self.outcome(try await fixture.send([("add-contact", ["name": "B", "emails": [["value": "same@x.vn"]]])]).json)
                    == "matched-existing")

            let saved = try await fixture.admin("PUT", "/matching-settings", ["deduplicate": ["passport", "phone"]])
            #expect(saved["deduplicate"] == ["passport", "phone"])
            let twice = try await fixture.send([
                ("add-contact", ["name": "C", "emails": [["value": "same@x.vn"]]]),
                ("add-contact", ["name": "D", "emails": [["value": "same@x.vn"]]]),
            ])
            #expect(Self.outcome(twice.json, 0) == "created" && Self.outcome(twice.json, 1) == "created", "\(twice.json)")
            #expect(
                Self.outcome(try await fixture.send([("add-contact", ["name": "E", "phones": [["value": "0905000111"]]])]).json)
                    == "matched-existing", "phone still deduplicates")
            // Nothing stored was rewritten: the first customer keeps its email identity and still finds notes.
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM customer_identities WHERE org_id = \(fixture.orgID) AND kind = 'email' AND value = 'same@x.vn' AND customer_id = \(first.id)
                    """) == 1)
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 3)

            let bad = try await fixture.admin.call(
                "PUT", "/admin/v1/orgs/\(fixture.slug)/matching-settings", body: ["deduplicate": ["name"]])
            #expect(bad.status == 422 && bad.json["errors"]?[0]?["field"] == "deduplicate[0]", "\(bad.json)")
        }
    }

    @Test("leads and contacts checked against each other: an add-contact with a lead's email matches the lead")
    func acrossSeries() async throws {
        try await ListenerFixture.with { fixture in
            let lead = try await ListenerActionSupport.customer(
                fixture, lead: true, ["name": "L", "emails": [["value": "lead@x.vn"]]])
            #expect(
                Self.outcome(try await fixture.send([("add-contact", ["name": "C", "emails": [["value": "other@x.vn"]]])]).json)
                    == "created")
            let apart = try await fixture.send([("add-contact", ["name": "C1", "emails": [["value": "lead@x.vn"]]])])
            #expect(Self.outcome(apart.json) == "created", "the document's behaviour: series apart")
            try await fixture.admin("PUT", "/matching-settings", ["leads_and_contacts_together": true])
            let together = try await fixture.send([
                ("add-lead", ["name": "L2", "emails": [["value": "other@x.vn"]]]),
                ("add-contact", ["name": "New", "emails": [["value": "fresh@x.vn"]]]),
            ])
            // other@x.vn is a contact: the add-lead matches it; a fresh address is created.
            #expect(Self.outcome(together.json, 0) == "matched-existing", "\(together.json)")
            #expect(ListenerActionSupport.result(together.json, 0)["records"]?[0]?["kind"] == "contact")
            #expect(ListenerActionSupport.result(together.json, 0)["matchedBy"] == "email")
            #expect(Self.outcome(together.json, 1) == "created")
            // Its own series first: lead@x.vn is both a lead and (C1) a contact; an add-lead matches the lead.
            let own = try await fixture.send([("add-lead", ["name": "L3", "emails": [["value": "lead@x.vn"]]])])
            #expect(ListenerActionSupport.result(own.json)["records"]?[0]?["customerId"]?.stringValue == lead.code, "\(own.json)")
        }
    }
}
