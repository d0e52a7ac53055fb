import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing

/// Runs of add-contact actions are written together; these check they behave exactly like one at a time.
@Suite("listener: batches of add-contact")
struct ListenerBatchTests {
    static func contact(_ index: Int, prefix: String = "c") -> (String, JSONValue) {
        (
            "add-contact",
            [
                "name": .string("Contact \(index)"), "emails": [["value": .string("\(prefix)\(index)@batch.vn")]],
                "phones": [["value": .string("0905\(String(100_000 + index))")]],
            ]
        )
    }

    @Test("a hundred contacts: codes in order, every identity and created line, one request log row")
    func hundred() async throws {
        try await ListenerFixture.with(listener: ["default_tag": "bulk"]) { fixture in
            let result = try await fixture.send((0..<100).map { Self.contact($0) })
            #expect(result.status == 200, "\(result.json)")
            let codes = result.json["results"]?.arrayValue?.compactMap { $0["records"]?[0]?["customerId"]?.stringValue }
            #expect(codes == (1...100).map { "PID-\($0)" })
            let names = try await fixture.rows(
                """
                SELECT name FROM customers WHERE org_id = \(fixture.orgID) ORDER BY code
                """
            ).map { try $0.decode(0, as: String.self) }
            #expect(names == (0..<100).map { "Contact \($0)" })
            #expect(try await fixture.count("SELECT count(*) FROM customer_identities WHERE org_id = \(fixture.orgID)") == 200)
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID) AND event = 'created'
                    """) == 100)
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID) AND tags = '{bulk}'
                    """) == 100)
        }
    }

    @Test(
        "a contact with one new and one known identity matches the known customer and claims nothing; its neighbours are created")
    func partlyKnown() async throws {
        try await ListenerFixture.with { fixture in
            _ = try await fixture.send([Self.contact(1)])
            let result = try await fixture.send([
                Self.contact(2),
                (
                    "add-contact",
                    [
                        "name": "New email, known phone", "emails": [["value": "fresh@batch.vn"]],
                        "phones": [["value": "0905100001"]],
                    ]
                ),
                Self.contact(3),
            ])
            #expect(result.status == 200, "\(result.json)")
            let items = try #require(result.json["results"]?.arrayValue)
            #expect(items.map { $0["outcome"]?.stringValue } == ["created", "matched-existing", "created"])
            #expect(items.map { $0["records"]?[0]?["customerId"]?.stringValue } == ["PID-2", "PID-1", "PID-3"])
            // The new email it claimed before its phone turned out to be taken was given back, and no identity points
            // at a customer that does not exist.
            #expect(try await fixture.count("SELECT count(*) FROM customer_identities WHERE value = 'fresh@batch.vn'") == 0)
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM customer_identities AS i
                    WHERE NOT EXISTS (SELECT 1 FROM customers AS c WHERE c.org_id = i.org_id AND c.id = i.customer_id)
                    """) == 0)
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 3)
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID) AND event = 'duplicate'
                    """) == 1)
        }
    }

    @Test("duplicates of existing customers, a shared identity inside the batch, a lead and welcome messages keep their order")
    func mixed() async throws {
        try await ListenerFixture.with(listener: [
            "welcome_sms": ["enabled": true, "body": "Hi {{name}} {{customerId}}"]
        ]) { fixture in
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
            #expect(
                items.map { $0["outcome"]?.stringValue } == [
                    "created", "matched-existing", "created", "matched-existing", "created", "created", "error", "created",
                ])
            #expect(
                items.map { $0["records"]?[0]?["customerId"]?.stringValue } == [
                    "PID-2", "PID-1", "PID-3", "PID-3", "LID-1", "PID-4", nil, "PID-5",
                ])
            // Each new contact got its own welcome SMS, named in its own result.
            for (index, code) in [(0, "PID-2"), (2, "PID-3"), (5, "PID-4"), (7, "PID-5")] {
                let message = try #require(items[index]["records"]?[1])
                #expect(message["kind"] == "message")
                let body = try await fixture.rows(
                    """
                    SELECT body FROM outbox WHERE org_id = \(fixture.orgID) AND id = \(Int64(message["id"]?.intValue ?? 0))
                    """)[0].decode(0, as: String.self)
                #expect(body.hasSuffix(code))
            }
            #expect(items[1]["records"]?[1] == nil)
            let duplicates = try await fixture.count(
                """
                SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID) AND event = 'duplicate'
                """)
            #expect(duplicates == 2)
            // A duplicate line written by a batch names the listener, the action and the fields that were sent.
            let detail = try await fixture.rows(
                """
                SELECT detail::text FROM customer_history h JOIN customers c ON c.org_id = h.org_id AND c.id = h.customer_id
                WHERE h.org_id = \(fixture.orgID) AND h.event = 'duplicate' AND c.code = 1
                """)[0].decode(0, as: String.self)
            #expect(
                detail.contains(#""fields": ["name", "emails", "phones"]"#) && detail.contains(#""action": "add-contact""#),
                "\(detail)")
        }
    }

    @Test("two identical batches at once create each contact once")
    func concurrentBatches() async throws {
        try await ListenerFixture.with { fixture in
            let items = (0..<30).map { Self.contact($0, prefix: "race") }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try await fixture.send(items).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == [200, 200, 200, 200])
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 30)
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID) AND event = 'duplicate'
                    """) == 90)
            #expect(try await fixture.count("SELECT count(*) FROM customer_identities WHERE org_id = \(fixture.orgID)") == 60)
        }
    }
}

@Suite("listener: requests written together")
struct ListenerGroupTests {
    @Test("many single-contact requests at once: each its own answer, log row and history lines; bad ones refused alone")
    func concurrentSingles() async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.addUser("other@htklabs.com")
            let outcomes = try await withThrowingTaskGroup(of: (Int, Int, JSONValue).self) { group in
                for index in 0..<60 {
                    group.addTask {
                        let sender =
                            index % 15 == 7
                            ? "stranger@htklabs.com" : index % 2 == 0 ? ListenerFixture.sender : "other@htklabs.com"
                        let payload: JSONValue =
                            index % 20 == 3
                            ? ["name": "", "emails": [["value": "broken"]]]
                            : ["name": .string("Single \(index)"), "emails": [["value": .string("single\(index)@group.vn")]]]
                        let result = try await fixture.send([("add-contact", payload)], sender: sender)
                        return (index, result.status, result.json)
                    }
                }
                return try await group.reduce(into: [(Int, Int, JSONValue)]()) { $0.append($1) }
            }
            var logIDs = Set<Int>()
            for (index, status, json) in outcomes {
                if index % 15 == 7 {
                    #expect(status == 422 && json["errors"]?[0]?["field"] == "senderUser", "\(index): \(json)")
                    continue
                }
                if index % 20 == 3 {
                    #expect(status == 422 && json["results"]?[0]?["outcome"] == "error", "\(index): \(json)")
                    continue
                }
                #expect(status == 200, "\(index): \(json)")
                let logID = try #require(json["listenerRequestId"]?.intValue)
                logIDs.insert(logID)
                let code = try #require(json["results"]?[0]?["records"]?[0]?["customerId"]?.stringValue)
                // The created line of this contact points at this request's log row, which holds this request's body.
                let rows = try await fixture.rows(
                    """
                    SELECT h.listener_request_id, convert_from(r.body, 'UTF8'), r.sender_user FROM customers c
                    JOIN customer_history h ON h.org_id = c.org_id AND h.customer_id = c.id AND h.event = 'created'
                    JOIN listener_requests r ON r.org_id = c.org_id AND r.id = h.listener_request_id
                    WHERE c.org_id = \(fixture.orgID) AND c.code = \(Int64(code.dropFirst(4)) ?? 0)
                    """)
                #expect(rows.count == 1)
                #expect(try rows.first?.decode(0, as: Int64.self) == Int64(logID))
                #expect(try rows.first?.decode(1, as: String.self).contains("single\(index)@group.vn") == true)
            }
            #expect(logIDs.count == 60 - 4 - 3)
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 53)
            #expect(try await fixture.count("SELECT count(*) FROM listener_requests WHERE org_id = \(fixture.orgID)") == 60)
            // Some of them were written together (the group histogram saw more requests than groups).
            let metrics = try await fixture.server.request("GET", "/metrics").text
            func value(_ name: String) -> Double {
                metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
                    ?? 0
            }
            #expect(value("crmhub_listener_group_requests_sum") > value("crmhub_listener_group_requests_count"), "\(metrics)")
        }
    }
}
