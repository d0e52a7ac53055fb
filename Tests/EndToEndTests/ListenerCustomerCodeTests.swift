import CRMHubTesting
import JSON
import Testing

/// One rule for every action that takes a `customerId`: the identifiers are tried in the document's order, the
/// code first. A code that names no one lets the next identifier decide, and the item result carries a notice at
/// that customerId saying so; nothing is dropped silently.
@Suite("Listener customer codes")
struct ListenerCustomerCodeTests {
    typealias Support = ListenerActionSupport

    static func notices(_ json: JSONValue, _ index: Int = 0) -> [(field: String, message: String)] {
        (Support.result(json, index)["notices"]?.arrayValue ?? []).map {
            ($0["field"]?.stringValue ?? "", $0["message"]?.stringValue ?? "")
        }
    }

    @Test(
        "an unknown customerId falls through to the next identifier on every action, with a notice naming the code and the customer used"
    )
    func unknownCodeFallsThrough() async throws {
        try await ListenerFixture.with { fixture in
            let contact = try await Support.customer(fixture, ["name": "Known", "emails": [["value": "known@example.com"]]])
            let lead = try await Support.customer(
                fixture, lead: true, ["name": "Lead", "emails": [["value": "lead@example.com"]]])
            let company = try await fixture.send([("add-contact", ["name": "Staff", "companyContact": ["name": "ACME"]])])
            let acme = try #require(Support.records(company.json).first { $0.kind == "company" })
            try await fixture.addCatalog("deal-stages", "New")
            let cases: [(action: String, data: JSONValue, field: String, code: String, used: String)] = [
                (
                    "update-contact", ["customerId": "PID-9999", "emails": [["value": "known@example.com"]], "title": "T"],
                    "data[0].data.customerId", "PID-9999", contact.code
                ),
                (
                    "update-lead", ["customerId": "LID-9999", "emails": [["value": "lead@example.com"]], "title": "T"],
                    "data[0].data.customerId", "LID-9999", lead.code
                ),
                (
                    "add-note", ["body": "n", "customerId": "PID-9999", "email": "known@example.com"], "data[0].data.customerId",
                    "PID-9999", contact.code
                ),
                (
                    "add-note", ["body": "n", "customerId": "LID-9999", "contactType": "lead", "email": "lead@example.com"],
                    "data[0].data.customerId", "LID-9999", lead.code
                ),
                (
                    "add-ticket", ["body": "t", "customerId": "PID-9999", "email": "known@example.com"],
                    "data[0].data.customerId", "PID-9999", contact.code
                ),
                (
                    "add-deal",
                    [
                        "name": "Deal 1", "stage": "New",
                        "dealWith": ["customerId": "PID-9999", "emails": [["value": "known@example.com"]]],
                    ],
                    "data[0].data.dealWith.customerId", "PID-9999", contact.code
                ),
                (
                    "add-deal",
                    [
                        "name": "Deal 2", "stage": "New", "dealWith": ["customerId": .string(contact.code)],
                        "contacts": [
                            ["customerId": "LID-9999", "contactType": "lead", "emails": [["value": "lead@example.com"]]]
                        ],
                    ],
                    "data[0].data.contacts[0].customerId", "LID-9999", lead.code
                ),
                (
                    "update-contact",
                    ["customerId": .string(contact.code), "companyContact": ["customerId": "CID-9999", "name": "ACME"]],
                    "data[0].data.companyContact.customerId", "CID-9999", acme.customerId ?? ""
                ),
            ]
            for (action, data, field, code, used) in cases {
                let sent = try await fixture.send([(action, data)])
                #expect(sent.status == 200, "\(action) \(sent.json)")
                #expect(Support.records(sent.json).contains { $0.customerId == used }, "\(action) \(sent.json)")
                let notices = Self.notices(sent.json)
                #expect(notices.map(\.field) == [field], "\(action) \(sent.json)")
                #expect(
                    notices.first?.message.contains("has the code \(code)") == true
                        && notices.first?.message.contains(used) == true, "\(action)")
            }
            // The note and the ticket are on the customer the email found.
            #expect(
                try await fixture.count(
                    "SELECT count(*) FROM notes WHERE org_id = \(fixture.orgID) AND customer_id = \(contact.id)") == 1)
            #expect(
                try await fixture.count(
                    "SELECT count(*) FROM tickets WHERE org_id = \(fixture.orgID) AND customer_id = \(contact.id)") == 1)
        }
    }

    @Test("a customerId that names no one and no other identifier that finds someone: the result says what happened to the item")
    func nothingFound() async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.addCatalog("deal-stages", "New")
            let sent = try await fixture.send([
                ("update-contact", ["customerId": "PID-9999", "emails": [["value": "nobody@example.com"]]]),
                ("add-note", ["body": "n", "customerId": "PID-9999", "email": "nobody@example.com"]),
                ("add-ticket", ["body": "kept", "customerId": "PID-9999", "email": "nobody@example.com"]),
                ("add-deal", ["name": "Deal", "stage": "New", "dealWith": ["customerId": "PID-9999", "name": "New Person"]]),
                ("add-contact", ["name": "Staff", "companyContact": ["customerId": "CID-9999", "name": "New Co"]]),
            ])
            #expect(sent.status == 207, "\(sent.json)")
            let outcomes = (0..<5).map { Support.result(sent.json, $0)["outcome"]?.stringValue }
            #expect(outcomes == ["error", "error", "created", "created", "created"])
            for index in 0..<2 {
                let message = Support.message(sent.json, index, field: "data[\(index)].data.customerId")
                #expect(message.contains("has the code PID-9999") && message.contains("not"), "\(index) \(sent.json)")
            }
            #expect(Self.notices(sent.json, 2).first?.message.contains("recorded without a customer") == true)
            #expect(
                try await fixture.count(
                    "SELECT count(*) FROM tickets WHERE org_id = \(fixture.orgID) AND customer_id IS NULL AND body = 'kept'") == 1
            )
            #expect(Self.notices(sent.json, 3).first?.field == "data[3].data.dealWith.customerId")
            #expect(Self.notices(sent.json, 4).first?.field == "data[4].data.companyContact.customerId")
            #expect(try await fixture.count("SELECT count(*) FROM notes WHERE org_id = \(fixture.orgID)") == 0)
        }
    }

    @Test("a known customerId wins over the other identifiers on every action, without a notice")
    func knownCode() async throws {
        try await ListenerFixture.with { fixture in
            let named = try await Support.customer(fixture, ["name": "Named", "emails": [["value": "named@example.com"]]])
            _ = try await Support.customer(fixture, ["name": "Other", "emails": [["value": "other@example.com"]]])
            try await fixture.addCatalog("deal-stages", "New")
            let items: [(String, JSONValue)] = [
                ("update-contact", ["customerId": .string(named.code), "name": "Other", "title": "T"]),
                ("add-note", ["body": "n", "customerId": .string(named.code), "email": "other@example.com"]),
                ("add-ticket", ["body": "t", "customerId": .string(named.code), "email": "other@example.com"]),
                (
                    "add-deal",
                    [
                        "name": "D", "stage": "New",
                        "dealWith": ["customerId": .string(named.code), "emails": [["value": "other@example.com"]]],
                    ]
                ),
            ]
            let sent = try await fixture.send(items)
            #expect(sent.status == 200, "\(sent.json)")
            for index in items.indices {
                #expect(Support.records(sent.json, index).contains { $0.id == named.id }, "\(index) \(sent.json)")
                #expect(Self.notices(sent.json, index).isEmpty)
            }
        }
    }
}
