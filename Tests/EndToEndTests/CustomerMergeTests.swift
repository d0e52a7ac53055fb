import CRMHubTesting
import JSON
import Testing

/// `POST /admin/v1/orgs/{org}/customers/merge` (issue 24, point 3).
@Suite("admin API: merging customers")
struct CustomerMergeTests {
    static func merge(
        _ fixture: ListenerFixture, _ body: JSONValue, token: String? = nil
    ) async throws -> (status: Int, json: JSONValue) {
        let result = try await fixture.admin.call(
            "POST", "/admin/v1/orgs/\(fixture.slug)/customers/merge", token: token, body: body)
        return (result.status, result.json)
    }

    @Test("everything of the merged customer moves to the survivor; its code redirects; history on both; audited")
    func merge() async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.addCatalog("deal-stages", "New")
            let a = try await ListenerActionSupport.customer(
                fixture, ["name": "Anna", "title": "Ms", "emails": [["value": "anna@x.vn"]]])
            let b = try await ListenerActionSupport.customer(
                fixture,
                [
                    "name": "Anna B", "title": "Dr", "emails": [["value": "annab@x.vn"]], "phones": [["value": "0905111222"]],
                    "passport": "B1234567", "tag": "vip",
                ])
            let sent = try await fixture.send([
                ("add-note", ["body": "note for b", "email": "annab@x.vn"]),
                ("add-ticket", ["body": "ticket for b", "email": "annab@x.vn"]),
                (
                    "add-deal",
                    [
                        "dealId": "D-1", "name": "Deal", "stage": "New", "dealWith": ["emails": [["value": "annab@x.vn"]]],
                        "contacts": [["emails": [["value": "annab@x.vn"]]], ["emails": [["value": "anna@x.vn"]]]],
                    ]
                ),
            ])
            #expect(sent.status == 200, "\(sent.json)")
            try await fixture.admin("PUT", "/contacts/\(b.code)/system-id", ["system_id": "S-B"])
            try await fixture.admin(
                "PUT", "/contacts/\(b.code)/portal-login", ["username": "annab", "password": "pass-word-123"])
            try await fixture.admin(
                "POST", "/support-groups", ["system_id": "G1", "name": "Desk", "support_lead_system_id": "S-B"])

            let merged = try await Self.merge(
                fixture, ["survivor": .string(a.code), "merged": .string(b.code), "prefer_merged": ["title"]])
            #expect(merged.status == 200, "\(merged.json)")
            #expect(merged.json["moved"]?["identities"]?.intValue == 3, "\(merged.json)")
            #expect(
                merged.json["moved"]?["notes"]?.intValue == 1 && merged.json["moved"]?["tickets"]?.intValue == 1, "\(merged.json)"
            )

            #expect(
                try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID) AND id = \(b.id)") == 0)
            for table in ["customer_identities", "notes", "tickets", "deal_contacts", "customer_portal_logins"] {
                #expect(
                    try await fixture.count(
                        "SELECT count(*) FROM \(unescaped: table) WHERE org_id = \(fixture.orgID) AND customer_id = \(b.id)")
                        == 0, "\(table)")
            }
            #expect(
                try await fixture.count("SELECT count(*) FROM deals WHERE org_id = \(fixture.orgID) AND customer_id = \(a.id)")
                    == 1)
            #expect(
                try await fixture.count(
                    "SELECT count(*) FROM deal_contacts WHERE org_id = \(fixture.orgID) AND customer_id = \(a.id)") == 1)
            let row = try await fixture.rows(
                """
                SELECT name, title, system_id, emails::text, tags::text FROM customers WHERE org_id = \(fixture.orgID) AND id = \(a.id)
                """)[0]
            #expect(try row.decode(0, as: String.self) == "Anna", "the survivor's name by default")
            #expect(try row.decode(1, as: String.self) == "Dr", "title preferred from the merged customer")
            #expect(try row.decode(2, as: String?.self) == "S-B", "the system id moves")
            #expect(
                try row.decode(3, as: String.self).contains("annab@x.vn") && row.decode(3, as: String.self).contains("anna@x.vn"))
            #expect(try row.decode(4, as: String.self).contains("vip"))
            let group = try await fixture.admin("GET", "/support-groups/G1")
            #expect(group["support_lead_system_id"] == "S-B" && group["support_lead_email"] == "anna@x.vn", "\(group)")
            let login = try await fixture.admin("GET", "/contacts/\(a.code)/portal-login")
            #expect(login["username"] == "annab", "\(login)")

            // History on both, saying who merged what.
            let survivorLine = try await ListenerActionSupport.history(fixture, a.id, event: "merged")
            #expect(survivorLine.count == 1 && survivorLine.first?["merged"]?.stringValue == b.code, "\(survivorLine)")
            #expect(survivorLine.first?["by"]?.stringValue?.isEmpty == false)
            let mergedLine = try await ListenerActionSupport.history(fixture, b.id, event: "merged_into")
            #expect(mergedLine.count == 1 && mergedLine.first?["survivor"]?.stringValue == a.code)
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM audit_log WHERE org_id = \(fixture.orgID) AND action = 'customer.merge' AND target = \("customer:" + b.code)
                    """) == 1)

            // The old code redirects in the read API; the merged identities now find the survivor.
            let key = try await fixture.admin.makeKey(fixture.slug, scopes: ["read"])
            let read = try await fixture.server.request(
                "GET", "/api/v1/contacts/\(b.code)", headers: [("Authorization", "Bearer \(key)")])
            #expect(read.status == 200)
            #expect(
                read.header("CRMHub-Merged-Into") == a.code && read.header("Content-Location") == "/api/v1/contacts/\(a.code)")
            #expect(((try? JSONParser.parse(read.body))?["code"])?.stringValue == a.code)
            let again = try await fixture.send([("add-contact", ["name": "x", "phones": [["value": "0905111222"]]])])
            #expect(
                ListenerActionSupport.result(again.json)["records"]?[0]?["customerId"]?.stringValue == a.code, "\(again.json)")
            // A sender that still names the merged code reaches the survivor, and is told so.
            let byOldCode = try await fixture.send([("update-contact", ["customerId": .string(b.code), "title": "Prof"])])
            let result = ListenerActionSupport.result(byOldCode.json)
            #expect(
                result["outcome"] == "updated" && result["records"]?[0]?["customerId"]?.stringValue == a.code, "\(byOldCode.json)"
            )
            #expect(result["matchedBy"] == "customerId" && result["matchedValue"]?.stringValue == b.code, "\(byOldCode.json)")
            #expect(
                result["notices"]?[0]?["message"]?.stringValue == "\(b.code) was merged into \(a.code), which was used",
                "\(byOldCode.json)")
        }
    }

    @Test("refusals: two system ids (409 naming both), different series, the same customer, unknown codes and fields, a read key")
    func refusals() async throws {
        try await ListenerFixture.with { fixture in
            let a = try await ListenerActionSupport.customer(fixture, ["name": "A", "emails": [["value": "a@x.vn"]]])
            let b = try await ListenerActionSupport.customer(fixture, ["name": "B", "emails": [["value": "b@x.vn"]]])
            let lead = try await ListenerActionSupport.customer(fixture, lead: true, ["name": "L"])
            try await fixture.admin("PUT", "/contacts/\(a.code)/system-id", ["system_id": "S-A"])
            try await fixture.admin("PUT", "/contacts/\(b.code)/system-id", ["system_id": "S-B"])
            let two = try await Self.merge(fixture, ["survivor": .string(a.code), "merged": .string(b.code)])
            #expect(two.status == 409, "\(two.json)")
            #expect(
                two.json["detail"]?.stringValue?.contains("S-A") == true
                    && two.json["detail"]?.stringValue?.contains("S-B") == true, "\(two.json)")
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 3)

            #expect(try await Self.merge(fixture, ["survivor": .string(a.code), "merged": .string(lead.code)]).status == 422)
            #expect(try await Self.merge(fixture, ["survivor": .string(a.code), "merged": .string(a.code)]).status == 422)
            #expect(try await Self.merge(fixture, ["survivor": .string(a.code), "merged": "PID-999"]).status == 404)
            let field = try await Self.merge(
                fixture, ["survivor": .string(a.code), "merged": .string(b.code), "prefer_merged": ["colour"]])
            #expect(field.status == 422 && field.json["errors"]?[0]?["field"] == "prefer_merged[0]", "\(field.json)")
            let key = try await fixture.admin.makeKey(fixture.slug, scopes: ["read"])
            #expect(
                try await Self.merge(fixture, ["survivor": .string(a.code), "merged": .string(b.code)], token: key).status == 403)
        }
    }

    @Test(
        "a merge while listener requests keep updating and re-sending the merged customer leaves no orphan and one owner per identity"
    )
    func concurrentIngestion() async throws {
        try await ListenerFixture.with { fixture in
            let a = try await ListenerActionSupport.customer(fixture, ["name": "A", "emails": [["value": "a@x.vn"]]])
            let b = try await ListenerActionSupport.customer(fixture, ["name": "B", "emails": [["value": "b@x.vn"]]])
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await fixture.send([
                            ("update-contact", ["emails": [["value": "b@x.vn"]], "title": .string("T\(index)")]),
                            (
                                "add-contact",
                                [
                                    "name": "B again", "emails": [["value": "b@x.vn"]],
                                    "phones": [["value": .string("09051000\(10 + index)")]],
                                ]
                            ),
                        ]).status
                    }
                }
                group.addTask { try await Self.merge(fixture, ["survivor": .string(a.code), "merged": .string(b.code)]).status }
                var all: [Int] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.allSatisfy { [200, 207].contains($0) }, "\(statuses)")
            #expect(
                try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID) AND id = \(b.id)") == 0)
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM customer_identities AS i WHERE i.org_id = \(fixture.orgID)
                        AND NOT EXISTS (SELECT 1 FROM customers AS c WHERE c.org_id = i.org_id AND c.id = i.customer_id)
                    """) == 0)
            #expect(
                try await fixture.count(
                    """
                    SELECT count(DISTINCT customer_id) FROM customer_identities WHERE org_id = \(fixture.orgID) AND kind = 'email' AND value = 'b@x.vn'
                    """) == 1)
            let owner = try await fixture.rows(
                """
                SELECT customer_id FROM customer_identities WHERE org_id = \(fixture.orgID) AND kind = 'email' AND value = 'b@x.vn'
                """)[0].decode(0, as: Int64.self)
            #expect(owner == a.id)
        }
    }
}
