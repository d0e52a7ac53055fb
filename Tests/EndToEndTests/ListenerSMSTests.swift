import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing

@Suite("listener: send-sms")
struct ListenerSMSTests {
    typealias Support = ListenerActionSupport

    @Test("the document's sample queues one SMS per phone in the outbox")
    func sample() async throws {
        try await ListenerFixture.with { fixture in
            let sent = try await fixture.post(try ListenerFixture.sample("send-sms"))
            #expect(sent.status == 200, "\(sent.json)")
            #expect(Support.result(sent.json)["outcome"] == "created")
            let records = Support.records(sent.json)
            #expect(records.map(\.kind) == ["message", "message"])
            #expect(records.allSatisfy { $0.outcome == "created" })
            let rows = try await fixture.rows(
                """
                SELECT id, channel, reason, recipient, body, status, customer_id, listener_id FROM outbox
                WHERE org_id = \(fixture.orgID) ORDER BY id
                """)
            #expect(rows.count == 2)
            #expect(try rows.map { try $0.decode(0, as: Int64.self) } == records.map(\.id))
            #expect(try rows.map { try $0.decode(3, as: String.self) } == ["0333456789", "098765431"])
            for row in rows {
                #expect(try row.decode(1, as: String.self) == "sms" && row.decode(2, as: String.self) == "send-sms")
                #expect(try row.decode(4, as: String.self) == "This is content" && row.decode(5, as: String.self) == "queued")
                #expect(try row.decode(6, as: Int64?.self) == nil)
                #expect(try row.decode(7, as: Int64?.self).map(String.init) == fixture.listenerID)
            }
        }
    }

    @Test("content and phones are required; every phone that is not a number is named and nothing is queued")
    func errors() async throws {
        try await ListenerFixture.with { fixture in
            let sent = try await fixture.send([
                ("send-sms", ["phones": ["123", "0905000001", "call me", ""]]),
                ("send-sms", ["content": "hi"]),
                ("send-sms", ["content": "hi", "phones": []]),
                ("send-sms", ["content": "hi", "phones": "0905000001"]),
                ("send-sms", ["content": .string(String(repeating: "x", count: 2001)), "phones": ["0905000001"]]),
            ])
            #expect(sent.status == 422, "\(sent.json)")
            #expect(
                Set(Support.errorFields(sent.json, 0)) == [
                    "data[0].data.content", "data[0].data.phones[0]", "data[0].data.phones[2]", "data[0].data.phones[3]",
                ])
            #expect(Support.message(sent.json, 0, field: "data[0].data.phones[2]").contains("call me"))
            for index in 1...3 { #expect(Support.errorFields(sent.json, index) == ["data[\(index)].data.phones"], "\(index)") }
            #expect(Support.errorFields(sent.json, 4) == ["data[4].data.content"])
            #expect(try await fixture.count("SELECT count(*) FROM outbox WHERE org_id = \(fixture.orgID)") == 0)
        }
    }

    @Test("one message per distinct number; a contact (else a lead) with the number is linked and gets an sms history line")
    func linking() async throws {
        try await ListenerFixture.with { fixture in
            let contact = try await Support.customer(fixture, ["name": "C", "phones": [["value": "0905 000 001"]]])
            let lead = try await Support.customer(
                fixture, lead: true, ["name": "L", "phones": [["value": "0905000001"], ["value": "0905000002"]]])
            let sent = try await fixture.send([
                (
                    "send-sms",
                    [
                        "content": "Sale today",
                        "phones": ["0905000001", "0905-000-001", ["value": "0905.000.002"], 84_905_000_003],
                    ]
                )
            ])
            #expect(sent.status == 200, "\(sent.json)")
            let ids = Support.records(sent.json).map(\.id)
            #expect(ids.count == 3)
            let rows = try await fixture.rows(
                """
                SELECT recipient, customer_id FROM outbox WHERE org_id = \(fixture.orgID) AND reason = 'send-sms' ORDER BY id
                """)
            #expect(try rows.map { try $0.decode(0, as: String.self) } == ["0905000001", "0905000002", "84905000003"])
            #expect(try rows.map { try $0.decode(1, as: Int64?.self) } == [contact.id, lead.id, nil])
            let contactLines = try await Support.history(fixture, contact.id, event: "sms")
            #expect(contactLines.count == 1 && contactLines.first?["messageId"]?.doubleValue == Double(ids[0]))
            #expect(contactLines.first?["phone"] == "0905000001")
            #expect(try await Support.history(fixture, lead.id, event: "sms").count == 1)
        }
    }
}
