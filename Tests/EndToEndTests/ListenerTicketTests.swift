import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing

@Suite("listener: add-ticket")
struct ListenerTicketTests {
    typealias Support = ListenerActionSupport

    @Test("the document's sample opens a ticket for the lead LID-123 in the group, SLA and channel it names")
    func sample() async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.addGroup("Phong Kinh Doanh")
            try await fixture.addCatalog("slas", "custom")
            let lead = try await Support.customer(fixture, lead: true, code: 123, ["name": "Huy"])

            let sent = try await fixture.post(try ListenerFixture.sample("add-ticket"))
            #expect(sent.status == 200, "\(sent.json)")
            let records = Support.records(sent.json)
            #expect(records.map(\.kind) == ["ticket", "lead"])
            #expect(records.first?.outcome == "created")
            #expect(records.last == .init(kind: "lead", id: lead.id, customerId: "LID-123", outcome: "matched-existing"))

            let row = try await fixture.rows(
                """
                SELECT t.title, t.body, t.contact_type, t.customer_id, g.name, t.sla, t.channel, t.tags, t.status, t.requester::text,
                    t.author_user_id, t.listener_id, t.deal_id
                FROM tickets AS t LEFT JOIN groups AS g ON g.org_id = t.org_id AND g.id = t.group_id
                WHERE t.org_id = \(fixture.orgID) AND t.id = \(records[0].id)
                """)[0]
            #expect(try row.decode(0, as: String?.self) == "title")
            #expect(try row.decode(1, as: String.self) == "This is body of Ticket")
            #expect(try row.decode(2, as: String.self) == "lead")
            #expect(try row.decode(3, as: Int64?.self) == lead.id)
            #expect(try row.decode(4, as: String?.self) == "Phong Kinh Doanh")
            #expect(try row.decode(5, as: String?.self) == "custom")
            #expect(try row.decode(6, as: String?.self) == "Contact Form")
            #expect(try row.decode(7, as: [String].self) == ["webhook"])
            #expect(try row.decode(8, as: String.self) == "open")
            let requester = Support.json(try row.decode(9, as: String.self))
            #expect(requester["email"] == "huy.nguyen@htklabs.com" && requester["phone"] == "0123456789")
            #expect(
                requester["passport"] == "0123469988" && requester["contactId"] == "1234567897"
                    && requester["customerId"] == "LID-123")
            #expect(try row.decode(10, as: Int64?.self) == (try await Support.userID(fixture, ListenerFixture.sender)))
            #expect(try row.decode(11, as: Int64?.self).map(String.init) == fixture.listenerID)
            #expect(try row.decode(12, as: Int64?.self) == nil)
            let lines = try await Support.history(fixture, lead.id, event: "ticket")
            #expect(lines.count == 1 && lines.first?["ticketId"]?.doubleValue == Double(records[0].id))
            #expect(lines.first?["title"] == "title")
        }
    }

    @Test("identifiers that match no one still open the ticket, without a customer, keeping the requester as sent")
    func unmatchedRequester() async throws {
        try await ListenerFixture.with { fixture in
            let sent = try await fixture.send([
                ("add-ticket", ["body": "Help", "name": "Stranger", "email": "Stranger@Example.com", "phone": "0905 123 456"]),
                ("add-ticket", ["body": "No identifiers at all"]),
            ])
            #expect(sent.status == 200, "\(sent.json)")
            #expect(Support.records(sent.json, 0).map(\.kind) == ["ticket"])
            let rows = try await fixture.rows(
                """
                SELECT customer_id, contact_type, requester::text FROM tickets WHERE org_id = \(fixture.orgID) ORDER BY id
                """)
            #expect(rows.count == 2)
            #expect(try rows[0].decode(0, as: Int64?.self) == nil && rows[0].decode(1, as: String.self) == "customer")
            let requester = Support.json(try rows[0].decode(2, as: String.self))
            #expect(
                requester["name"] == "Stranger" && requester["email"] == "Stranger@Example.com"
                    && requester["phone"] == "0905 123 456")
            #expect(requester.objectValue?.count == 3)
            #expect(Support.json(try rows[1].decode(2, as: String.self)) == [:])
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 0)
        }
    }

    @Test("the customer is found by customerId, then contactId, passport, email, phone, in contactType's series")
    func matching() async throws {
        try await ListenerFixture.with { fixture in
            let byContactID = try await Support.customer(
                fixture, ["name": "C", "contactId": "ext-1", "emails": [["value": "c@example.com"]]])
            let byPassport = try await Support.customer(fixture, ["name": "P", "passport": "X1"])
            let byPhone = try await Support.customer(fixture, ["name": "T", "phones": [["value": "0905000001"]]])
            let lead = try await Support.customer(fixture, lead: true, ["name": "L", "phones": [["value": "0905000001"]]])

            let sent = try await fixture.send([
                ("add-ticket", ["body": "1", "contactId": "ext-1", "passport": "X1"]),
                ("add-ticket", ["body": "2", "passport": "x1", "email": "c@example.com"]),
                ("add-ticket", ["body": "3", "email": "nobody@example.com", "phone": "0905000001"]),
                ("add-ticket", ["body": "4", "phone": "0905000001", "contactType": "LEAD"]),
                ("add-ticket", ["body": "5", "customerId": .string(byPhone.code), "passport": "X1"]),
                ("add-ticket", ["body": "6", "emails": [["value": "c@example.com"]]]),
            ])
            #expect(sent.status == 200, "\(sent.json)")
            let matched = (0..<6).map { Support.records(sent.json, $0).last?.id }
            #expect(matched == [byContactID.id, byPassport.id, byPhone.id, lead.id, byPhone.id, byContactID.id])
            let types = try await fixture.rows("SELECT contact_type FROM tickets WHERE org_id = \(fixture.orgID) ORDER BY id")
                .map { try $0.decode(0, as: String.self) }
            #expect(types == ["customer", "customer", "customer", "lead", "customer", "customer"])
            #expect(try await Support.history(fixture, byPhone.id, event: "ticket").count == 2)
        }
    }

    @Test(
        "a customerId that disagrees with contactType is an error, so is an unknown contactType; one that names no one is a notice"
    )
    func customerErrors() async throws {
        try await ListenerFixture.with { fixture in
            let lead = try await Support.customer(fixture, lead: true, ["name": "L"])
            let sent = try await fixture.send([
                ("add-ticket", ["body": "b", "customerId": .string(lead.code)]),
                ("add-ticket", ["body": "b", "customerId": "PID-1", "contactType": "lead"]),
                ("add-ticket", ["body": "b", "contactType": "vip"]),
                ("add-ticket", ["body": "b", "customerId": "PID-9999", "email": "someone@example.com"]),
            ])
            #expect(sent.status == 207, "\(sent.json)")
            for index in 0..<2 {
                #expect(Support.errorFields(sent.json, index) == ["data[\(index)].data.customerId"], "\(index)")
            }
            #expect(Support.errorFields(sent.json, 2) == ["data[2].data.contactType"])
            let notice = Support.result(sent.json, 3)["notices"]?[0]
            #expect(
                notice?["field"] == "data[3].data.customerId" && notice?["message"]?.stringValue?.contains("PID-9999") == true,
                "\(sent.json)")
            #expect(
                try await fixture.count("SELECT count(*) FROM tickets WHERE org_id = \(fixture.orgID) AND customer_id IS NULL")
                    == 1)
        }
    }

    @Test("body is required; groupName, slaName, channel, dealId and cusFields must name the org's; all named at once")
    func fieldErrors() async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.addCustomField("ticket", "Priority", type: "dropdown", options: ["Low", "High"], required: true)
            let sent = try await fixture.send([
                (
                    "add-ticket",
                    [
                        "title": "t", "groupName": "Ghosts", "slaName": "Gold", "channel": "Carrier Pigeon", "dealId": "D-404",
                        "cusFields": [["name": "Colour", "value": "red"]],
                    ]
                )
            ])
            #expect(sent.status == 422, "\(sent.json)")
            #expect(
                Set(Support.errorFields(sent.json)) == [
                    "data[0].data.body", "data[0].data.groupName", "data[0].data.slaName", "data[0].data.channel",
                    "data[0].data.dealId",
                    "data[0].data.cusFields[0].name", "data[0].data.cusFields",
                ])
            #expect(Support.message(sent.json, field: "data[0].data.groupName").contains("Ghosts"))
            #expect(Support.message(sent.json, field: "data[0].data.slaName").contains("Gold"))
            #expect(Support.message(sent.json, field: "data[0].data.channel").contains("Carrier Pigeon"))
            #expect(Support.message(sent.json, field: "data[0].data.dealId").contains("D-404"))
            #expect(try await fixture.count("SELECT count(*) FROM tickets WHERE org_id = \(fixture.orgID)") == 0)
        }
    }

    @Test("dealId (the sender's reference or ours), tags and ticket custom fields are stored")
    func dealAndFields() async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.addCatalog("deal-stages", "New")
            try await fixture.addCustomField("ticket", "Priority", type: "dropdown", options: ["Low", "High"])
            let deal = try await Support.deal(
                fixture,
                [
                    "dealId": "B-1", "name": "Booking", "stage": "New",
                    "dealWith": ["name": "Ann", "emails": [["value": "ann@example.com"]]],
                ])
            let sent = try await fixture.send([
                (
                    "add-ticket",
                    [
                        "body": "About my booking", "email": "ann@example.com", "dealId": "B-1", "tag": "vip, urgent",
                        "cusFields": [["name": "priority", "value": "high"]], "groupName": "", "channel": "phone",
                    ]
                ),
                ("add-ticket", ["body": "By our deal id", "dealId": .string(String(deal))]),
            ])
            #expect(sent.status == 200, "\(sent.json)")
            let rows = try await fixture.rows(
                """
                SELECT deal_id, tags, custom_fields::text, group_id, channel, customer_id IS NOT NULL FROM tickets
                WHERE org_id = \(fixture.orgID) ORDER BY id
                """)
            #expect(try rows[0].decode(0, as: Int64?.self) == deal)
            #expect(try rows[0].decode(1, as: [String].self) == ["vip", "urgent"])
            #expect(Support.json(try rows[0].decode(2, as: String.self)) == ["Priority": "High"])
            #expect(try rows[0].decode(3, as: Int64?.self) == nil)
            #expect(try rows[0].decode(4, as: String?.self) == "Phone")
            #expect(try rows[0].decode(5, as: Bool.self))
            #expect(try rows[1].decode(0, as: Int64?.self) == deal)
        }
    }
}
