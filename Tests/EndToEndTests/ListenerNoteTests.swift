import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing

@Suite("listener: add-note")
struct ListenerNoteTests {
    typealias Support = ListenerActionSupport

    @Test("the document's contact sample puts the note on the lead its customerId names, whoever has its email")
    func contactSample() async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.addUser("huy.nguyen@htklabs.com")
            try await fixture.addUser("luyt.ngo@htklabs.com")
            let other = try await Support.customer(
                fixture, lead: true,
                [
                    "name": "Other", "emails": [["value": "huy.nguyen@htklabs.com"]], "passport": "0123469988",
                ])
            let lead = try await Support.customer(fixture, lead: true, code: 345, ["name": "Huy"])
            #expect(lead.code == "LID-345")

            let sent = try await fixture.post(try ListenerFixture.sample("add-note-contact"))
            #expect(sent.status == 200, "\(sent.json)")
            #expect(sent.json["status"]?.stringValue == "ok")
            #expect(Support.result(sent.json)["outcome"]?.stringValue == "created")
            let records = Support.records(sent.json)
            #expect(records.count == 2)
            #expect(records.first?.kind == "note" && records.first?.outcome == "created")
            #expect(records.last == .init(kind: "lead", id: lead.id, customerId: "LID-345", outcome: "matched-existing"))

            let row = try await fixture.rows(
                """
                SELECT customer_id, deal_id, body, tags, permit::text, channel, author_user_id, listener_id FROM notes
                WHERE org_id = \(fixture.orgID) AND id = \(records[0].id)
                """)[0]
            #expect(try row.decode(0, as: Int64?.self) == lead.id)
            #expect(try row.decode(1, as: Int64?.self) == nil)
            #expect(try row.decode(2, as: String.self) == "This is body of Note")
            #expect(try row.decode(3, as: [String].self) == ["webhook"])
            let permit = Support.json(try row.decode(4, as: String?.self))
            #expect(permit["status"] == 4 && permit["users"] == ["huy.nguyen@htklabs.com", "luyt.ngo@htklabs.com"])
            #expect(permit["userIds"]?.arrayValue?.count == 2)
            #expect(try row.decode(5, as: String?.self) == nil)
            #expect(try row.decode(6, as: Int64?.self) == (try await Support.userID(fixture, ListenerFixture.sender)))
            #expect(try row.decode(7, as: Int64?.self).map(String.init) == fixture.listenerID)

            let lines = try await Support.history(fixture, lead.id, event: "note")
            #expect(lines.count == 1)
            #expect(lines.first?["noteId"]?.doubleValue == Double(records[0].id))
            #expect(lines.first?["action"]?.stringValue == "add-note")
            #expect(try await Support.history(fixture, other.id, event: "note").isEmpty)
        }
    }

    @Test("the document's deal sample puts the note on the deal its dealId names; the deal's customer gets the line")
    func dealSample() async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.addCatalog("deal-stages", "New")
            let dealID = try await Support.deal(
                fixture,
                [
                    "dealId": "11358", "name": "Booking-ID1135", "stage": "New",
                    "dealWith": ["name": "Ann", "emails": [["value": "ann@example.com"]]],
                ])
            let decoy = try await Support.deal(
                fixture,
                [
                    "dealId": "other", "name": "Booking-ID1135", "stage": "New",
                    "dealWith": ["name": "Bob", "emails": [["value": "bob@example.com"]]],
                ])

            let sent = try await fixture.post(try ListenerFixture.sample("add-note-deal"))
            #expect(sent.status == 200, "\(sent.json)")
            let records = Support.records(sent.json)
            #expect(records.map(\.kind) == ["note", "deal"])
            #expect(records.last == .init(kind: "deal", id: dealID, customerId: nil, outcome: "matched-existing"))
            let row = try await fixture.rows("SELECT customer_id, deal_id, body FROM notes WHERE org_id = \(fixture.orgID)")
            #expect(row.count == 1)
            #expect(try row[0].decode(0, as: Int64?.self) == nil && row[0].decode(1, as: Int64?.self) == dealID)
            #expect(dealID != decoy)

            let ann = try await fixture.rows("SELECT customer_id FROM deals WHERE org_id = \(fixture.orgID) AND id = \(dealID)")[
                0
            ]
            .decode(0, as: Int64.self)
            let lines = try await Support.history(fixture, ann, event: "note")
            #expect(lines.count == 1 && lines.first?["dealId"]?.doubleValue == Double(dealID))
        }
    }

    @Test("a deal note finds the deal by dealId, then by name (any case, the most recent); neither found is an error")
    func dealLookup() async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.addCatalog("deal-stages", "New")
            let with: JSONValue = ["name": "Ann", "emails": [["value": "ann@example.com"]]]
            let older = try await Support.deal(fixture, ["dealId": "ref-1", "name": "Booking", "stage": "New", "dealWith": with])
            let newer = try await Support.deal(fixture, ["dealId": "ref-2", "name": "Booking", "stage": "New", "dealWith": with])

            let sent = try await fixture.send([
                ("add-note", ["body": "by our id", "model": "deal", "dealId": .string(String(older))]),
                ("add-note", ["body": "by name", "model": "Deal", "name": "BOOKING"]),
                ("add-note", ["body": "unknown id, known name", "model": "deal", "dealId": "nope", "name": "booking"]),
                ("add-note", ["body": "by reference", "model": "deal", "dealId": "ref-2", "name": "something else"]),
                ("add-note", ["body": "nothing", "model": "deal", "dealId": "nope", "name": "nothing"]),
                ("add-note", ["body": "no keys", "model": "deal", "email": "ann@example.com"]),
            ])
            #expect(sent.status == 207, "\(sent.json)")
            #expect(Support.records(sent.json, 0).last?.id == older)
            #expect(Support.records(sent.json, 1).last?.id == newer)
            #expect(Support.records(sent.json, 2).last?.id == newer)
            #expect(Support.records(sent.json, 3).last?.id == newer)
            #expect(Support.errorFields(sent.json, 4) == ["data[4].data"])
            #expect(Support.message(sent.json, 4, field: "data[4].data").contains("no deal matches"))
            #expect(Support.errorFields(sent.json, 5) == ["data[5].data"])
            #expect(Support.message(sent.json, 5, field: "data[5].data").contains("dealId or name"))
            #expect(try await fixture.count("SELECT count(*) FROM notes WHERE org_id = \(fixture.orgID)") == 4)
        }
    }

    @Test("a contact note finds the customer by customerId, then contactId, passport, email, phone, in contactType's series")
    func contactLookup() async throws {
        try await ListenerFixture.with { fixture in
            let byPassport = try await Support.customer(fixture, ["name": "P", "passport": "B 123-456"])
            let byEmail = try await Support.customer(fixture, ["name": "E", "emails": [["value": "e@example.com"]]])
            let byPhone = try await Support.customer(fixture, ["name": "T", "phones": [["value": "0905 000 001"]]])
            let byContactID = try await Support.customer(fixture, ["name": "C", "contactId": "ext-7"])
            let lead = try await Support.customer(fixture, lead: true, ["name": "L", "emails": [["value": "e@example.com"]]])

            let sent = try await fixture.send([
                ("add-note", ["body": "1", "passport": "b123456", "email": "e@example.com", "phone": "0905000001"]),
                ("add-note", ["body": "2", "email": "E@Example.com", "phone": "0905000001"]),
                ("add-note", ["body": "3", "email": "unknown@example.com", "phone": "0905-000-001"]),
                ("add-note", ["body": "4", "emails": [["value": "e@example.com"]], "contactType": "lead"]),
                (
                    "add-note",
                    ["body": "5", "customerId": .string(byPhone.code), "email": "e@example.com", "contactType": "customer"]
                ),
                ("add-note", ["body": "6", "contactId": "ext-7", "passport": "B123456"]),
                ("add-note", ["body": "7", "phones": ["0905000001"]]),
            ])
            #expect(sent.status == 200, "\(sent.json)")
            let matched = (0..<7).map { Support.records(sent.json, $0).last?.id }
            #expect(matched == [byPassport.id, byEmail.id, byPhone.id, lead.id, byPhone.id, byContactID.id, byPhone.id])
            #expect(Support.records(sent.json, 3).last?.kind == "lead")
            #expect(try await Support.history(fixture, byPhone.id, event: "note").count == 3)
        }
    }

    @Test("customerId must agree with contactType; no identifier, or none that finds someone, is an error")
    func contactErrors() async throws {
        try await ListenerFixture.with { fixture in
            let contact = try await Support.customer(fixture, ["name": "A", "emails": [["value": "a@example.com"]]])
            let lead = try await Support.customer(fixture, lead: true, ["name": "L", "emails": [["value": "a@example.com"]]])

            let sent = try await fixture.send([
                ("add-note", ["body": "b", "customerId": .string(lead.code)]),
                ("add-note", ["body": "b", "customerId": .string(contact.code), "contactType": "lead"]),
                ("add-note", ["body": "b", "customerId": "CID-1"]),
                ("add-note", ["body": "b", "customerId": "PID-9999", "email": "nobody@example.com"]),
                ("add-note", ["body": "b", "email": "a@example.com", "contactType": "partner"]),
                ("add-note", ["body": "b", "tag": "x"]),
                ("add-note", ["body": "b", "email": "nobody@example.com", "phone": "0905111222"]),
                ("add-note", ["body": "b", "email": "not-an-email"]),
            ])
            #expect(sent.status == 422, "\(sent.json)")
            #expect(sent.json["status"]?.stringValue == "failed")
            for index in 0..<4 {
                #expect(Support.errorFields(sent.json, index) == ["data[\(index)].data.customerId"], "\(index)")
            }
            #expect(Support.message(sent.json, 0, field: "data[0].data.customerId").contains("contactType"))
            #expect(Support.message(sent.json, 1, field: "data[1].data.customerId").contains("contact code"))
            #expect(
                Support.message(sent.json, 3, field: "data[3].data.customerId")
                    == "no contact or account has the code PID-9999 and no contact matches its email nobody@example.com: the note was not recorded"
            )
            #expect(Support.errorFields(sent.json, 4) == ["data[4].data.contactType"])
            #expect(Support.errorFields(sent.json, 5) == ["data[5].data"])
            #expect(
                Support.message(sent.json, 5, field: "data[5].data").contains("customerId, contactId, passport, email or phone"))
            #expect(Support.errorFields(sent.json, 6) == ["data[6].data"])
            #expect(Support.message(sent.json, 6, field: "data[6].data").hasPrefix("no contact matches"))
            #expect(Support.errorFields(sent.json, 7) == ["data[7].data.email"])
            #expect(try await fixture.count("SELECT count(*) FROM notes WHERE org_id = \(fixture.orgID)") == 0)
            #expect(
                try await fixture.count(
                    "SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID) AND event = 'note'") == 0)
        }
    }

    @Test("body is required, model is contact or deal, channel and permit must name the org's; all named at once")
    func fieldErrors() async throws {
        try await ListenerFixture.with { fixture in
            let contact = try await Support.customer(fixture, ["name": "A", "emails": [["value": "a@example.com"]]])
            let sent = try await fixture.send([
                (
                    "add-note",
                    [
                        "body": "  ", "model": "order", "channel": "Carrier Pigeon", "email": "a@example.com",
                        "permit": ["status": 4, "users": ["ghost@example.com"]],
                    ]
                ),
                (
                    "add-note",
                    [
                        "body": "kept", "email": "a@example.com", "channel": "kite chat", "tag": "a, b, A",
                        "permit": ["status": "2"],
                    ]
                ),
            ])
            #expect(sent.status == 207, "\(sent.json)")
            #expect(
                Set(Support.errorFields(sent.json, 0)) == [
                    "data[0].data.body", "data[0].data.model", "data[0].data.channel", "data[0].data.permit.users[0]",
                ])
            #expect(Support.message(sent.json, 0, field: "data[0].data.channel").contains("Carrier Pigeon"))
            let row = try await fixture.rows(
                """
                SELECT customer_id, channel, tags, permit::text FROM notes WHERE org_id = \(fixture.orgID) AND id = \(Support.records(sent.json, 1)[0].id)
                """)[0]
            #expect(try row.decode(0, as: Int64.self) == contact.id)
            #expect(try row.decode(1, as: String?.self) == "Kite Chat")
            #expect(try row.decode(2, as: [String].self) == ["a", "b"])
            #expect(Support.json(try row.decode(3, as: String?.self)) == ["status": 2])
        }
    }
}
