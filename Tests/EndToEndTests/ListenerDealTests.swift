import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing

@Suite("listener: add-deal")
struct ListenerDealTests {
    typealias Support = ListenerActionSupport

    /// An org with a "New" and a "Won" stage.
    static func with(listener: JSONObject = [:], _ body: (ListenerFixture) async throws -> Void) async throws {
        try await ListenerFixture.with(listener: listener) { fixture in
            try await fixture.addCatalog("deal-stages", "New")
            try await fixture.addCatalog("deal-stages", "Won")
            try await body(fixture)
        }
    }

    static let ann: JSONValue = ["name": "Ann", "emails": [["value": "ann@example.com"]]]

    @Test("the document's sample updates the deal its dealId names, with every field, dealWith and contacts")
    func sample() async throws {
        try await Self.with(listener: [
            "default_lead_channel": "Contact Form", "default_contact_channel": "Web Contact Form", "default_tag": "from-deal",
        ]) { fixture in
            for email in [
                "viethuy110@gmail.com", "nhanvien1@beeiq.co", "nhanvien2@beeiq.co", "huy.nguyen@htklabs.com",
                "luyt.ngo@htklabs.com",
            ] {
                try await fixture.addUser(email)
            }
            try await fixture.addGroup("Nhom 1")
            try await fixture.addGroup("Nhom 2")
            try await fixture.addCatalog("currencies", "VND")
            try await fixture.addCatalog("deal-categories", "UI Design")
            try await fixture.addCatalog("deal-packages", "Goi A")
            try await fixture.addCustomField("deal", "Referred By")
            let dealID = try await Support.deal(
                fixture,
                [
                    "dealId": "1234567890", "name": "Booking-ID #0003", "stage": "Won",
                    "dealWith": ["name": "First", "emails": [["value": "first@example.com"]]],
                ])

            // The sample's "stage": "" is "not sent": the stage stays.
            let sent = try await fixture.post(try ListenerFixture.sample("add-deal"))
            #expect(sent.status == 200, "\(sent.json)")
            #expect(Support.result(sent.json)["outcome"]?.stringValue == "updated")
            let records = Support.records(sent.json)
            #expect(records.map(\.kind) == ["deal", "lead", "lead"])
            #expect(records.map(\.outcome) == ["updated", "created", "created"])
            #expect(records.first?.id == dealID)
            #expect(try await fixture.count("SELECT count(*) FROM deals WHERE org_id = \(fixture.orgID)") == 1)

            let row = try await fixture.rows(
                """
                SELECT name, reference, value::text, currency, description, stage, (extract(epoch FROM close_date) * 1000)::bigint,
                    category, package, owner_user_ids, owner_group_ids, customer_id, permit::text, custom_fields::text
                FROM deals WHERE org_id = \(fixture.orgID) AND id = \(dealID)
                """)[0]
            #expect(try row.decode(0, as: String.self) == "Booking-ID #0003")
            #expect(try row.decode(1, as: String?.self) == "1234567890")
            #expect(try row.decode(2, as: String?.self) == "50000.0000")
            #expect(try row.decode(3, as: String?.self) == "VND")
            #expect(try row.decode(4, as: String?.self) == "This is desciption")
            #expect(try row.decode(5, as: String.self) == "Won")
            #expect(try row.decode(6, as: Int64?.self) == 1_482_470_382_793)
            #expect(try row.decode(7, as: String?.self) == "UI Design")
            #expect(try row.decode(8, as: String?.self) == "Goi A")
            let owners = [
                try await Support.userID(fixture, "nhanvien1@beeiq.co"), try await Support.userID(fixture, "nhanvien2@beeiq.co"),
            ]
            #expect(try row.decode(9, as: [Int64].self) == owners)
            let groups = try await fixture.rows("SELECT id FROM groups WHERE org_id = \(fixture.orgID) ORDER BY name")
                .map { try $0.decode(0, as: Int64.self) }
            #expect(try row.decode(10, as: [Int64].self) == groups)
            #expect(try row.decode(11, as: Int64?.self) == records[1].id)
            #expect(
                Support.json(try row.decode(12, as: String?.self))["users"] == ["huy.nguyen@htklabs.com", "luyt.ngo@htklabs.com"])
            #expect(Support.json(try row.decode(13, as: String.self)) == ["Referred By": "Cong Nguyen"])

            let huy = try await fixture.rows(
                """
                SELECT kind, name, channel, tags, emails::text FROM customers WHERE org_id = \(fixture.orgID) AND id = \(records[1].id)
                """)[0]
            #expect(try huy.decode(0, as: String.self) == "lead" && huy.decode(1, as: String.self) == "Nguyen viet huy")
            #expect(try huy.decode(2, as: String?.self) == "Contact Form")
            #expect(try huy.decode(3, as: [String].self) == ["from-deal"])
            #expect(try huy.decode(4, as: String.self).contains("huy@gmail.com"))
            let linked = try await fixture.rows(
                "SELECT customer_id FROM deal_contacts WHERE org_id = \(fixture.orgID) AND deal_id = \(dealID)")
            #expect(try linked.map { try $0.decode(0, as: Int64.self) } == [records[2].id])
            #expect(try await Support.history(fixture, records[1].id, event: "created").count == 1)
            let lines = try await Support.history(fixture, records[1].id, event: "deal")
            #expect(lines.count == 1)
            #expect(lines.first?["outcome"] == "updated" && lines.first?["dealId"]?.doubleValue == Double(dealID))
            #expect(lines.first?["fields"]?.arrayValue?.contains("dealWith") == true)
        }
    }

    @Test("creating a deal needs name, stage and dealWith; every unknown name and bad value is named")
    func creationErrors() async throws {
        try await Self.with { fixture in
            let sent = try await fixture.send([
                ("add-deal", ["description": "nothing else", "stage": ""]),
                (
                    "add-deal",
                    [
                        "name": "X", "stage": "Lost", "dealWith": Self.ann, "value": "12abc", "closeDate": "soon",
                        "currency": "XYZ",
                        "category": "Nope", "package": "Nope",
                        "owner_opportunity": ["users": ["ghost@example.com", 5], "groups": ["Ghost"]],
                        "cusFields": [["name": "Unknown", "value": "x"]], "permit": ["status": 9],
                    ]
                ),
                ("add-deal", ["name": "Y", "stage": "new", "dealWith": Self.ann, "value": 1e20]),
            ])
            #expect(sent.status == 422, "\(sent.json)")
            #expect(
                Set(Support.errorFields(sent.json, 0)) == ["data[0].data.name", "data[0].data.stage", "data[0].data.dealWith"])
            #expect(
                Set(Support.errorFields(sent.json, 1)) == [
                    "data[1].data.stage", "data[1].data.value", "data[1].data.closeDate", "data[1].data.currency",
                    "data[1].data.category",
                    "data[1].data.package", "data[1].data.owner_opportunity.users[0]", "data[1].data.owner_opportunity.users[1]",
                    "data[1].data.owner_opportunity.groups[0]", "data[1].data.cusFields[0].name", "data[1].data.permit.status",
                ])
            #expect(Support.message(sent.json, 1, field: "data[1].data.stage").contains("'Lost'"))
            #expect(Support.message(sent.json, 1, field: "data[1].data.owner_opportunity.users[0]").contains("ghost@example.com"))
            #expect(Support.message(sent.json, 1, field: "data[1].data.owner_opportunity.groups[0]").contains("Ghost"))
            #expect(Support.errorFields(sent.json, 2) == ["data[2].data.value"])
            #expect(try await fixture.count("SELECT count(*) FROM deals WHERE org_id = \(fixture.orgID)") == 0)
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 0)
        }
    }

    @Test(
        "dealId finds the sender's reference, then our id; a name finds the most recent deal; an unreferenced deal adopts a dealId"
    )
    func finding() async throws {
        try await Self.with { fixture in
            let a = try await Support.deal(fixture, ["dealId": "EXT-1", "name": "A", "stage": "New", "dealWith": Self.ann])
            let plain = try await Support.deal(fixture, ["name": "Plain", "stage": "New", "dealWith": Self.ann])

            let sent = try await fixture.send([
                ("add-deal", ["dealId": "EXT-1", "value": 10]),
                ("add-deal", ["dealId": .string(String(a)), "description": "by our id"]),
                ("add-deal", ["name": "PLAIN", "value": "5.5"]),
                ("add-deal", ["dealId": "EXT-2", "name": "plain", "description": "adopted"]),
                ("add-deal", ["dealId": "EXT-3", "name": "a", "stage": "New", "dealWith": Self.ann]),
                ("add-deal", ["dealId": 987_654_321, "name": "Numeric", "stage": "Won", "dealWith": Self.ann]),
            ])
            #expect(sent.status == 200, "\(sent.json)")
            #expect((0..<4).map { Support.records(sent.json, $0).first?.id } == [a, a, plain, plain])
            #expect(
                (0..<4).map { Support.result(sent.json, $0)["outcome"]?.stringValue } == [
                    "updated", "updated", "updated", "updated",
                ])
            let third = try #require(Support.records(sent.json, 4).first)
            #expect(third.outcome == "created" && third.id != a)
            #expect(Support.records(sent.json, 5).first?.outcome == "created")

            let again = try await fixture.send([
                ("add-deal", ["dealId": "EXT-2", "value": 6]),
                ("add-deal", ["dealId": "987654321", "value": 7]),
                ("add-deal", ["dealId": "EXT-3", "value": 8]),
            ])
            #expect(again.status == 200, "\(again.json)")
            #expect(Support.records(again.json, 0).first?.id == plain)
            #expect(Support.records(again.json, 1).first?.id == Support.records(sent.json, 5).first?.id)
            #expect(Support.records(again.json, 2).first?.id == third.id)

            let rows = try await fixture.rows(
                """
                SELECT id, reference, value::text, description FROM deals WHERE org_id = \(fixture.orgID) ORDER BY id
                """)
            #expect(rows.count == 4)
            for (row, expected) in zip(rows, [(a, "EXT-1", "10.0000", "by our id"), (plain, "EXT-2", "6.0000", "adopted")]) {
                let (id, reference, value, description) = try row.decode((Int64, String?, String?, String?).self)
                #expect(id == expected.0 && reference == expected.1 && value == expected.2 && description == expected.3)
            }
            #expect(try rows[2].decode(1, as: String?.self) == "EXT-3")
            #expect(try rows[3].decode(1, as: String?.self) == "987654321")
        }
    }

    @Test("an update changes only the fields sent; sending the same again changes nothing and writes no history")
    func partialUpdate() async throws {
        try await Self.with { fixture in
            try await fixture.addCatalog("currencies", "USD")
            try await fixture.addCatalog("deal-categories", "Design")
            try await fixture.addUser("seller@example.com")
            let id = try await Support.deal(
                fixture,
                [
                    "dealId": "D1", "name": "Deal", "stage": "New", "dealWith": Self.ann, "value": 100, "currency": "usd",
                    "description": "first", "category": "Design", "closeDate": "2024-05-01T10:00:00+07:00",
                    "owner_opportunity": ["users": ["seller@example.com"]],
                ])
            let update: JSONValue = [
                "dealId": "D1", "stage": "won", "description": "", "value": nil, "owner_opportunity": ["groups": []],
            ]
            let first = try await fixture.send([("add-deal", update)])
            #expect(Support.result(first.json)["outcome"] == "updated", "\(first.json)")
            let second = try await fixture.send([("add-deal", update)])
            #expect(Support.result(second.json)["outcome"] == "matched-existing", "\(second.json)")
            #expect(Support.records(second.json) == [.init(kind: "deal", id: id, customerId: nil, outcome: "matched-existing")])
            let wrong = try await fixture.send([("add-deal", ["dealId": "D1", "stage": "Lost"])])
            #expect(Support.errorFields(wrong.json) == ["data[0].data.stage"])

            let row = try await fixture.rows(
                """
                SELECT stage, description, value::text, currency, category, (extract(epoch FROM close_date) * 1000)::bigint,
                    owner_user_ids, owner_group_ids, customer_id
                FROM deals WHERE org_id = \(fixture.orgID) AND id = \(id)
                """)[0]
            #expect(try row.decode(0, as: String.self) == "Won")
            #expect(try row.decode(1, as: String?.self) == "first")
            #expect(try row.decode(2, as: String?.self) == "100.0000")
            #expect(try row.decode(3, as: String?.self) == "USD")
            #expect(try row.decode(4, as: String?.self) == "Design")
            #expect(try row.decode(5, as: Int64?.self) == 1_714_532_400_000)
            #expect(try row.decode(6, as: [Int64].self) == [try await Support.userID(fixture, "seller@example.com")])
            #expect(try row.decode(7, as: [Int64].self) == [])
            let customer = try #require(try row.decode(8, as: Int64?.self))
            let lines = try await Support.history(fixture, customer, event: "deal")
            #expect(lines.map { $0["outcome"] } == ["created", "updated"])
            #expect(lines.last?["fields"] == ["stage"])
        }
    }

    @Test(
        "dealWith and contacts are found by customerId (else the other keys), emails, phones in contactType's series, or created there"
    )
    func customers() async throws {
        try await Self.with(listener: [
            "default_contact_channel": "Web Contact Form", "default_tag": "deal-tag",
            "welcome_sms": ["enabled": true, "body": "Hi {{name}}"],
        ]) { fixture in
            let known = try await Support.customer(fixture, ["name": "Known", "phones": [["value": "0905000001"]]])
            let lead = try await Support.customer(
                fixture, lead: true, ["name": "Lead", "emails": [["value": "lead@example.com"]]])
            let welcomes = try await fixture.count("SELECT count(*) FROM outbox WHERE org_id = \(fixture.orgID)")

            let sent = try await fixture.send([
                (
                    "add-deal",
                    [
                        "name": "D", "stage": "New",
                        "dealWith": ["customerId": .string(known.code), "contactType": "customer", "name": "Ignored"],
                        "contacts": [
                            ["contactType": "lead", "emails": [["value": "LEAD@example.com"]]],
                            ["phones": ["0905 000 001"]],
                            [
                                "customerId": "PID-9999", "name": "Falls through to the phone",
                                "phones": [["value": "0905000001"]],
                            ],
                            [
                                "name": "New Account", "type": 1, "emails": [["value": "acct@example.com"]],
                                "phones": [["value": "0905999888"]],
                            ],
                        ],
                    ]
                )
            ])
            #expect(sent.status == 200, "\(sent.json)")
            let records = Support.records(sent.json)
            #expect(records.map(\.kind) == ["deal", "contact", "lead", "account", "message"])
            #expect(records.map(\.outcome) == ["created", "matched-existing", "matched-existing", "created", "created"])
            #expect(records[1].id == known.id && records[2].id == lead.id)
            let dealID = records[0].id
            let account = records[3].id
            #expect(
                try await fixture.rows("SELECT customer_id FROM deals WHERE org_id = \(fixture.orgID) AND id = \(dealID)")[0]
                    .decode(0, as: Int64.self) == known.id)
            let linked = try await fixture.rows(
                """
                SELECT customer_id FROM deal_contacts WHERE org_id = \(fixture.orgID) AND deal_id = \(dealID) ORDER BY customer_id
                """
            ).map { try $0.decode(0, as: Int64.self) }
            #expect(linked == [known.id, lead.id, account].sorted())
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 3)
            let created = try await fixture.rows(
                """
                SELECT kind, type, channel, tags FROM customers WHERE org_id = \(fixture.orgID) AND id = \(account)
                """)[0]
            let (kind, type, channel, tags) = try created.decode((String, Int, String?, [String]).self)
            #expect(kind == "contact" && type == 1 && channel == "Web Contact Form" && tags == ["deal-tag"])
            #expect(try await fixture.count("SELECT count(*) FROM outbox WHERE org_id = \(fixture.orgID)") == welcomes + 1)
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM outbox WHERE org_id = \(fixture.orgID) AND customer_id = \(account) AND body = 'Hi New Account'
                    """) == 1)
            #expect(try await Support.history(fixture, known.id, event: "deal").count == 1)
            #expect(try await Support.history(fixture, account, event: "created").first?["action"] == "add-deal")

            let refused = try await fixture.send([
                ("add-deal", ["name": "E1", "stage": "New", "dealWith": ["customerId": .string(lead.code), "name": "x"]]),
                ("add-deal", ["name": "E2", "stage": "New", "dealWith": ["emails": [["value": "nobody@example.com"]]]]),
                (
                    "add-deal",
                    [
                        "name": "E3", "stage": "New", "dealWith": ["name": "ok"],
                        "contacts": ["x", ["contactType": "vip", "name": "z"]],
                    ]
                ),
                ("add-deal", ["name": "E4", "stage": "New", "dealWith": "Ann"]),
            ])
            #expect(refused.status == 422, "\(refused.json)")
            #expect(Support.errorFields(refused.json, 0) == ["data[0].data.dealWith.customerId"])
            #expect(Support.errorFields(refused.json, 1) == ["data[1].data.dealWith.name"])
            #expect(Support.message(refused.json, 1, field: "data[1].data.dealWith.name").contains("nobody@example.com"))
            #expect(Support.errorFields(refused.json, 2) == ["data[2].data.contacts[0]", "data[2].data.contacts[1].contactType"])
            #expect(Support.errorFields(refused.json, 3) == ["data[3].data.dealWith"])
            #expect(try await fixture.count("SELECT count(*) FROM deals WHERE org_id = \(fixture.orgID)") == 1)
        }
    }

    @Test("required deal custom fields are needed to create a deal, not to update one; values are checked by type")
    func customFields() async throws {
        try await Self.with { fixture in
            try await fixture.addCustomField("deal", "Region", type: "dropdown", options: ["North", "South"], required: true)
            try await fixture.addCustomField("deal", "Seats", type: "number")
            let sent = try await fixture.send([
                ("add-deal", ["name": "A", "stage": "New", "dealWith": Self.ann]),
                (
                    "add-deal",
                    ["name": "B", "stage": "New", "dealWith": Self.ann, "cusFields": [["name": "region", "value": "north"]]]
                ),
                ("add-deal", ["name": "B", "cusFields": [["name": "Seats", "value": "12"]]]),
                (
                    "add-deal",
                    ["name": "B", "cusFields": [["name": "Seats", "value": "many"], ["name": "Region", "value": "East"]]]
                ),
            ])
            #expect(sent.status == 207, "\(sent.json)")
            #expect(Support.errorFields(sent.json, 0) == ["data[0].data.cusFields"])
            #expect(Support.message(sent.json, 0, field: "data[0].data.cusFields").contains("Region"))
            #expect(Support.result(sent.json, 1)["outcome"] == "created")
            #expect(Support.result(sent.json, 2)["outcome"] == "updated")
            #expect(Support.errorFields(sent.json, 3) == ["data[3].data.cusFields[0].value", "data[3].data.cusFields[1].value"])
            let stored = try await fixture.rows("SELECT custom_fields::text FROM deals WHERE org_id = \(fixture.orgID)")
            #expect(stored.count == 1)
            let values = Support.json(try stored[0].decode(0, as: String.self))
            #expect(values["Region"] == "North" && values["Seats"] == 12 && values.objectValue?.count == 2)
        }
    }

    @Test("a deal item that fails creates none of its customers; the request's other items still run (207)")
    func atomicItems() async throws {
        try await Self.with { fixture in
            let sent = try await fixture.send([
                (
                    "add-deal",
                    ["name": "Good", "stage": "New", "dealWith": ["name": "Kept", "emails": [["value": "kept@example.com"]]]]
                ),
                (
                    "add-deal",
                    [
                        "name": "Bad", "stage": "Nope",
                        "dealWith": ["name": "Dropped", "emails": [["value": "dropped@example.com"]]],
                        "contacts": [["name": "Also dropped"]],
                    ]
                ),
            ])
            #expect(sent.status == 207, "\(sent.json)")
            #expect(sent.json["summary"]?["created"] == 1 && sent.json["summary"]?["errors"] == 1)
            let names = try await fixture.rows("SELECT name FROM customers WHERE org_id = \(fixture.orgID)").map {
                try $0.decode(0, as: String.self)
            }
            #expect(names == ["Kept"])
        }
    }
}
