import CRMHubTesting
import JSON
import Testing

/// Every item that found an existing record says how (issue 24, point 1): `matchedBy` and `matchedValue` on the
/// item and on each record it found, in the listener document's words.
@Suite("listener: explained matches")
struct ListenerMatchExplanationTests {
    static func matched(_ json: JSONValue, _ index: Int = 0) -> (by: String?, value: String?) {
        let result = ListenerActionSupport.result(json, index)
        return (result["matchedBy"]?.stringValue, result["matchedValue"]?.stringValue)
    }

    @Test("a duplicate add-contact says it matched by email, phone or passport (masked), alone and in a batch")
    func duplicates() async throws {
        try await ListenerFixture.with { fixture in
            let first = try await fixture.send([
                ("add-contact", ["name": "A", "emails": [["value": "A@X.vn"]]]),
                ("add-contact", ["name": "B", "phones": [["value": "0905 123 456"]]]),
                ("add-contact", ["name": "C", "passport": "1945295865"]),
            ])
            #expect(first.status == 200, "\(first.json)")
            #expect(Self.matched(first.json).by == nil, "a created item matched nothing: \(first.json)")

            // Alone (one item: CustomerStore.create) …
            let alone = try await fixture.send([("add-contact", ["name": "A again", "emails": [["value": "a@x.VN"]]])])
            #expect(Self.matched(alone.json).by == "email" && Self.matched(alone.json).value == "a@x.vn", "\(alone.json)")
            let record = ListenerActionSupport.result(alone.json)["records"]?[0]
            #expect(record?["matchedBy"] == "email" && record?["outcome"] == "matched-existing", "\(alone.json)")

            // … and as a batch (several items: createMany's duplicate path).
            let batch = try await fixture.send([
                ("add-contact", ["name": "new", "emails": [["value": "new@x.vn"]]]),
                ("add-contact", ["name": "B again", "phones": [["value": "0905123456"]]]),
                ("add-contact", ["name": "C again", "passport": "1945295865"]),
            ])
            #expect(batch.status == 200, "\(batch.json)")
            #expect(Self.matched(batch.json, 0).by == nil)
            #expect(Self.matched(batch.json, 1).by == "phone", "\(batch.json)")
            #expect(Self.matched(batch.json, 1).value?.hasSuffix("905123456") == true, "\(batch.json)")
            #expect(Self.matched(batch.json, 2).by == "passport", "\(batch.json)")
            #expect(Self.matched(batch.json, 2).value == "*******865", "a passport is masked: \(batch.json)")
            #expect(!String(decoding: batch.response.body, as: UTF8.self).contains("1945295865"))
        }
    }

    @Test("update, note and deal items say which identifier found their record, in the document's order")
    func lookups() async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.addCatalog("deal-stages", "New")
            let made = try await ListenerActionSupport.customer(
                fixture, ["name": "Huy", "emails": [["value": "huy@x.vn"]], "contactId": "C-77"])

            let byCode = try await fixture.send([
                ("update-contact", ["customerId": .string(made.code), "contactId": "C-77", "title": "Dr"])
            ])
            #expect(
                Self.matched(byCode.json).by == "customerId" && Self.matched(byCode.json).value == made.code, "\(byCode.json)")

            let byContactID = try await fixture.send([
                ("update-contact", ["contactId": "C-77", "emails": [["value": "huy@x.vn"]], "title": "Prof"])
            ])
            #expect(
                Self.matched(byContactID.json).by == "contactId" && Self.matched(byContactID.json).value == "C-77",
                "\(byContactID.json)")

            let note = try await fixture.send([("add-note", ["body": "hello", "email": "HUY@x.vn"])])
            #expect(Self.matched(note.json).by == "email" && Self.matched(note.json).value == "huy@x.vn", "\(note.json)")

            let deal: JSONValue = [
                "dealId": "D-1", "name": "Booking", "stage": "New", "dealWith": ["emails": [["value": "huy@x.vn"]]],
            ]
            let created = try await fixture.send([("add-deal", deal)])
            #expect(created.status == 200, "\(created.json)")
            let again = try await fixture.send([("add-deal", deal)])
            let dealRecord = ListenerActionSupport.result(again.json)["records"]?[0]
            #expect(
                dealRecord?["kind"] == "deal" && dealRecord?["matchedBy"] == "dealId" && dealRecord?["matchedValue"] == "D-1",
                "\(again.json)")
            let customerRecord = ListenerActionSupport.result(again.json)["records"]?[1]
            #expect(customerRecord?["matchedBy"] == "email", "\(again.json)")
        }
    }
}
