import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing

/// Runs of add-contact actions are written together; these check they behave exactly like one at a time.
@Suite("listener: batches of add-contact")
struct ListenerBatchTests {
    static func contact(_ index: Int, prefix: String = "c") -> (String, JSONValue) {
        ("add-contact", [
            "name": .string("Contact \(index)"), "emails": [["value": .string("\(prefix)\(index)@batch.vn")]],
            "phones": [["value": .string("0905\(String(100_000 + index))")]],
        ])
    }

    @Test("a hundred contacts: codes in order, every identity and created line, one request log row")
    func hundred() async throws {
        let fixture = try await ListenerFixture.start(listener: ["default_tag": "bulk"])
        let result = try await fixture.send((0..<100).map { Self.contact($0) })
        #expect(result.status == 200, "\(result.json)")
        let codes = result.json["results"]?.arrayValue?.compactMap { $0["records"]?[0]?["customerId"]?.stringValue }
        #expect(codes == (1...100).map { "PID-\($0)" })
        let names = try await fixture.rows("""
            SELECT name FROM customers WHERE org_id = \(fixture.orgID) ORDER BY code
            """).map { try $0.decode(0, as: String.self) }
        #expect(names == (0..<100).map { "Contact \($0)" })
        #expect(try await fixture.count("SELECT count(*) FROM customer_identities WHERE org_id = \(fixture.orgID)") == 200)
        #expect(try await fixture.count("""
            SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID) AND event = 'created'
            """) == 100)
        #expect(try await fixture.count("""
            SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID) AND tags = '{bulk}'
            """) == 100)
        await fixture.stop()
    }

    @Test("duplicates of existing customers, a shared identity inside the batch, a lead and welcome messages keep their order")
    func mixed() async throws {
        let fixture = try await ListenerFixture.start(listener: [
            "welcome_sms": ["enabled": true, "body": "Hi {{name}} {{customerId}}"],
        ])
        _ = try await fixture.send([Self.contact(1)])
        let result = try await fixture.send([
            Self.contact(2),
            Self.contact(1),  // exists: PID-1
            Self.contact(3),
            ("add-contact", ["name": "Same phone as 3", "phones": [["value": "0905100003"]]]),
            ("add-lead", ["name": "Lead", "emails": [["value": "c2@batch.vn"]]]),
            Self.contact(4),
            ("add-contact", ["lastname": "no name"]),
            Self.contact(5),
        ])
        #expect(result.status == 207, "\(result.json)")
        let items = try #require(result.json["results"]?.arrayValue)
        #expect(items.map { $0["outcome"]?.stringValue } == [
            "created", "matched-existing", "created", "matched-existing", "created", "created", "error", "created",
        ])
        #expect(items.map { $0["records"]?[0]?["customerId"]?.stringValue } == ["PID-2", "PID-1", "PID-3", "PID-3", "LID-1", "PID-4", nil, "PID-5"])
        // Each new contact got its own welcome SMS, named in its own result.
        for (index, code) in [(0, "PID-2"), (2, "PID-3"), (5, "PID-4"), (7, "PID-5")] {
            let message = try #require(items[index]["records"]?[1])
            #expect(message["kind"] == "message")
            let body = try await fixture.rows("""
                SELECT body FROM outbox WHERE org_id = \(fixture.orgID) AND id = \(Int64(message["id"]?.intValue ?? 0))
                """)[0].decode(0, as: String.self)
            #expect(body.hasSuffix(code))
        }
        #expect(items[1]["records"]?[1] == nil)
        let duplicates = try await fixture.count("""
            SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID) AND event = 'duplicate'
            """)
        #expect(duplicates == 2)
        await fixture.stop()
    }

    @Test("two identical batches at once create each contact once")
    func concurrentBatches() async throws {
        let fixture = try await ListenerFixture.start()
        let items = (0..<30).map { Self.contact($0, prefix: "race") }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try await fixture.send(items).status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses == [200, 200, 200, 200])
        #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 30)
        #expect(try await fixture.count("""
            SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID) AND event = 'duplicate'
            """) == 90)
        #expect(try await fixture.count("SELECT count(*) FROM customer_identities WHERE org_id = \(fixture.orgID)") == 60)
        await fixture.stop()
    }
}
