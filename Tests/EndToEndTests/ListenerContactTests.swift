import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing

@Suite("listener: add-contact and update-contact")
struct ListenerContactTests {
    @Test("the document's add-contact sample creates PID-1 with every field, the default tag and channel, and a history line")
    func addContactSample() async throws {
        let fixture = try await ListenerFixture.start(listener: [
            "name": "Website", "default_tag": "webhook-default", "default_contact_channel": "Web Contact Form",
        ])
        let result = try await fixture.post(try ListenerFixture.sample("add-contact"))
        #expect(result.status == 200, "\(result.json)")
        #expect(result.json["status"] == "ok")
        let item = try #require(result.json["results"]?[0])
        #expect(item["outcome"] == "created")
        #expect(item["records"]?[0]?["customerId"] == "PID-1")
        #expect(item["records"]?[0]?["kind"] == "contact")
        let row = try #require(try await fixture.rows("""
            SELECT name, lastname, title, passport, gender, bg_info, date_of_birth::text, emails::text, phones::text,
                addresses->0->'country'->>'code', websites->0->>'value', im->0->>'protocol', permit->>'status', tags, channel, type
            FROM customers WHERE org_id = \(fixture.orgID) AND kind = 'contact'
            """).first)
        #expect(try row.decode(0, as: String.self) == "Huy")
        #expect(try row.decode(1, as: String?.self) == "Nguyen")
        #expect(try row.decode(2, as: String?.self) == "This is title")
        #expect(try row.decode(3, as: String?.self) == "1945295865")
        #expect(try row.decode(4, as: Int.self) == 1)
        #expect(try row.decode(5, as: String?.self) == "Thành viên AntBuddy")
        #expect(try row.decode(6, as: String?.self) == "1993-01-01")
        #expect(try row.decode(7, as: String.self) == #"[{"type": "Other", "value": "huy.nguyen@htklabs.com"}]"#)
        #expect(try row.decode(8, as: String.self) == #"[{"type": "Other", "value": "01234567890"}]"#)
        #expect(try row.decode(9, as: String?.self) == "VN")
        #expect(try row.decode(10, as: String?.self) == "htk-inc.com")
        #expect(try row.decode(11, as: String?.self) == "Facebook")
        #expect(try row.decode(12, as: String?.self) == "1")
        #expect(try row.decode(13, as: [String].self) == ["webhook-default"])
        #expect(try row.decode(14, as: String?.self) == "Web Contact Form")
        #expect(try row.decode(15, as: Int.self) == 0)
        let history = try await fixture.rows("""
            SELECT event, detail->>'listener', listener_request_id FROM customer_history WHERE org_id = \(fixture.orgID)
            """)
        #expect(history.count == 1)
        #expect(try history[0].decode(0, as: String.self) == "created")
        #expect(try history[0].decode(1, as: String?.self) == "Website")
        #expect(try history[0].decode(2, as: Int64?.self) == result.json["listenerRequestId"]?.intValue.map(Int64.init))
        await fixture.stop()
    }
}
