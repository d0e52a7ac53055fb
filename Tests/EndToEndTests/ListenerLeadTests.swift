import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing

@Suite("listener: add-lead, update-lead and values as senders send them")
struct ListenerLeadTests {
    @Test(
        "the add-lead and update-lead samples: LID-1 with its company, the lead channel, custom field; then updated by contactId")
    func leadSamples() async throws {
        try await ListenerFixture.with(listener: ["default_lead_channel": "Contact Form", "default_tag": "unused"]) { fixture in
            try await fixture.addCustomField("lead", "Referred By")
            let added = try await fixture.post(try ListenerFixture.sample("add-lead"))
            #expect(added.status == 200, "\(added.json)")
            let records = added.json["results"]?[0]?["records"]
            #expect(records?[0]?["customerId"] == "LID-1" && records?[0]?["kind"] == "lead")
            #expect(records?[1]?["customerId"] == "CID-1" && records?[1]?["kind"] == "company")
            let lead = try await fixture.rows(
                """
                SELECT l.channel, l.tags, l.contact_id, l.custom_fields->>'Referred By', c.name
                FROM customers l JOIN customers c ON c.org_id = l.org_id AND c.id = l.company_id
                WHERE l.org_id = \(fixture.orgID) AND l.kind = 'lead'
                """)[0]
            #expect(try lead.decode(0, as: String?.self) == "Contact Form")
            #expect(try lead.decode(1, as: [String].self) == ["webhook"])
            #expect(try lead.decode(2, as: String?.self) == "1234567897")
            #expect(try lead.decode(3, as: String?.self) == "Cong Nguyen")
            #expect(try lead.decode(4, as: String.self) == "GOOGLE")

            // A contact with the same email is another series: leads and contacts do not deduplicate each other.
            let contact = try await fixture.send([
                ("add-contact", ["name": "Huy", "emails": [["value": "huy.nguyen@htklabs.com"]]])
            ])
            #expect(contact.json["results"]?[0]?["outcome"] == "created")

            let updated = try await fixture.post(try ListenerFixture.sample("update-lead"))
            #expect(updated.status == 200, "\(updated.json)")
            #expect(updated.json["results"]?[0]?["outcome"] == "updated")
            #expect(updated.json["results"]?[0]?["records"]?[0]?["customerId"] == "LID-1")
            let row = try await fixture.rows(
                """
                SELECT lastname, bg_info, permit->>'status' FROM customers WHERE org_id = \(fixture.orgID) AND kind = 'lead'
                """)[0]
            #expect(try row.decode(0, as: String?.self) == "Nguyen Viet")
            #expect(try row.decode(1, as: String?.self) == "Thành viên của AntBuddy")
            #expect(try row.decode(2, as: String?.self) == "2")
            #expect(
                try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID) AND kind = 'lead'") == 1)
        }
    }

    @Test("dates, numbers as strings, countries, tags and checkbox values as real senders send them")
    func lenientValues() async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.addCustomField(
                "contact", "What animal do you like?", type: "checkbox", options: ["Dog", "Cat", "Bird"])
            try await fixture.addCustomField("contact", "Ngày bạn nhập học?", type: "date")
            try await fixture.addCustomField("contact", "Score", type: "number")
            let result = try await fixture.send([
                (
                    "add-contact",
                    [
                        "name": "Iso", "dateOfBirth": "1993-01-01T23:30:00+07:00", "gender": "female", "type": "0",
                        "addresses": [["type": "home", "country": ["code": "vn", "name": "Viet Nam"]]],
                        "cusFields": [
                            ["name": "what animal do you like?", "value": "dog|Cat"],
                            ["name": "Ngày bạn nhập học?", "value": "2019-07-08T00:00:00+07:00"],
                            ["name": "Score", "value": "42.5"],
                        ],
                    ]
                ),
                ("add-contact", ["name": "Plain", "dateOfBirth": "1993-01-01", "gender": 0, "tag": ["a", "b"]]),
                ("add-contact", ["name": "Millis", "dateOfBirth": 725846400000, "type": "account"]),
                ("add-contact", ["name": "JS", "dateOfBirth": "Fri Jan 01 1993 00:00:00 GMT+0700 (ICT)"]),
            ])
            #expect(result.status == 200, "\(result.json)")
            let rows = try await fixture.rows(
                """
                SELECT date_of_birth::text, gender, type, custom_fields::text, addresses::text FROM customers
                WHERE org_id = \(fixture.orgID) ORDER BY code
                """
            ).map { try $0.decode((String?, Int, Int, String, String).self) }
            #expect(rows.map(\.0) == ["1993-01-01", "1993-01-01", "1993-01-01", "1993-01-01"])
            #expect(rows.map(\.1) == [1, 0, 2, 2])
            #expect(rows.map(\.2) == [0, 0, 1, 0])
            #expect(rows[0].3.contains(#""What animal do you like?": ["Dog", "Cat"]"#))
            #expect(rows[0].3.contains(#""Ngày bạn nhập học?": "2019-07-07T17:00:00.000Z""#))
            #expect(rows[0].3.contains(#""Score": 42.5"#))
            #expect(rows[0].4.contains(#""type": "Home""#) && rows[0].4.contains(#""code": "VN""#))
        }
    }

    @Test(
        "unknown custom fields, options, groups and users are item errors that name them",
        arguments: [
            (#"{"name": "A", "cusFields": [{"name": "Nope", "value": "x"}]}"#, "data[0].data.cusFields[0].name", "Nope"),
            (#"{"name": "A", "cusFields": [{"name": "Pet", "value": "Dog|Lion"}]}"#, "data[0].data.cusFields[0].value", "Lion"),
            (#"{"name": "A", "cusFields": [{"name": "Score", "value": "many"}]}"#, "data[0].data.cusFields[0].value", "number"),
            (#"{"name": "A", "permit": {"status": 3, "group": "Ghosts"}}"#, "data[0].data.permit.group", "Ghosts"),
            (#"{"name": "A", "permit": {"status": 4, "users": ["ghost@x.vn"]}}"#, "data[0].data.permit.users[0]", "ghost@x.vn"),
            (#"{"name": "A", "permit": {"status": 9}}"#, "data[0].data.permit.status", "1 (everybody)"),
            (#"{"name": "A", "dateOfBirth": "yesterday"}"#, "data[0].data.dateOfBirth", "not a date"),
            (#"{"name": "A", "emails": [{"type": "Personal", "value": "a@x.vn"}]}"#, "data[0].data.emails[0].type", "Personal"),
            (#"{"name": "A", "phones": [{"value": "call me"}]}"#, "data[0].data.phones[0].value", "phone"),
        ])
    func namedErrors(payload: String, field: String, mention: String) async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.addCustomField("contact", "Pet", type: "checkbox", options: ["Dog", "Cat"])
            try await fixture.addCustomField("contact", "Score", type: "number")
            let result = try await fixture.send([("add-contact", try JSONParser.parse(payload))])
            #expect(result.status == 422, "\(result.json)")
            let error = result.json["results"]?[0]?["errors"]?[0]
            #expect(error?["field"] == .string(field), "\(result.json)")
            #expect(error?["message"]?.stringValue?.contains(mention) == true, "\(result.json)")
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 0)
        }
    }

    @Test("a required custom field must be sent when creating")
    func requiredCustomField() async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.addCustomField("lead", "Source", required: true)
            let result = try await fixture.send([
                ("add-lead", ["name": "A"]), ("add-lead", ["name": "B", "cusFields": [["name": "Source", "value": "web"]]]),
            ])
            #expect(result.status == 207, "\(result.json)")
            #expect(result.json["results"]?[0]?["errors"]?[0]?["field"] == "data[0].data.cusFields")
        }
    }
}
