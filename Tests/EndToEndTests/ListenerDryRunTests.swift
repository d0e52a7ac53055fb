import CRMHubTesting
import JSON
import Testing

/// Dry runs (issue 24, point 2): `CRMHub-Dry-Run: true` or `?dry_run=true` runs the whole request and writes
/// nothing; the answer is the one the real request then gives.
@Suite("listener: dry run")
struct ListenerDryRunTests {
    /// Rows of every table with an org_id column, for the fixture's org.
    static func tenantRowCounts(_ fixture: ListenerFixture) async throws -> [String: Int] {
        let tables = try await fixture.rows(
            """
            SELECT c.table_name::text FROM information_schema.columns AS c
            JOIN information_schema.tables AS t USING (table_schema, table_name)
            WHERE c.table_schema = 'public' AND c.column_name = 'org_id' AND t.table_type = 'BASE TABLE'
            ORDER BY 1
            """
        ).map { try $0.decode(0, as: String.self) }
        #expect(tables.count > 15, "\(tables)")
        var counts: [String: Int] = [:]
        for table in tables {
            counts[table] = try await fixture.count(
                "SELECT count(*) FROM \(unescaped: "\"\(table)\"") WHERE org_id = \(fixture.orgID)")
        }
        return counts
    }

    /// The answer without what a real run draws afresh (log id, record ids).
    static func outcomes(_ json: JSONValue) -> JSONValue {
        guard var object = json.objectValue else { return json }
        object["listenerRequestId"] = nil
        object["results"] = .array(
            (json["results"]?.arrayValue ?? []).map { result in
                guard var item = result.objectValue else { return result }
                item["records"] = .array(
                    (result["records"]?.arrayValue ?? []).map { record in
                        guard var entry = record.objectValue else { return record }
                        entry["id"] = nil
                        return .object(entry)
                    })
                return .object(item)
            })
        return .object(object)
    }

    static let items: [(String, JSONValue)] = [
        ("add-contact", ["name": "New one", "emails": [["value": "new@x.vn"]], "companyContact": ["name": "GOOGLE"]]),
        ("add-contact", ["name": "Known", "emails": [["value": "known@x.vn"]]]),
        ("add-lead", ["name": "Lead one", "phones": [["value": "0905111222"]]]),
        ("update-contact", ["emails": [["value": "known@x.vn"]], "title": "Dr"]),
        ("add-note", ["body": "note", "email": "known@x.vn"]),
        ("add-deal", ["dealId": "D-9", "name": "Booking", "stage": "New", "dealWith": ["emails": [["value": "known@x.vn"]]]]),
        ("add-ticket", ["body": "help", "email": "known@x.vn"]),
        ("add-note", ["body": "for no one", "email": "nobody@x.vn"]),
    ]

    @Test("a dry run writes no row in any tenant table and answers exactly what the real request then answers, codes included")
    func nothingWritten() async throws {
        try await ListenerFixture.with(listener: [
            "welcome_email": ["enabled": true, "from": "hello@htklabs.com", "subject": "Hi {{name}}", "body": "Hello {{name}}"]
        ]) { fixture in
            try await fixture.addCatalog("deal-stages", "New")
            let known = try await fixture.send([("add-contact", ["name": "Known", "emails": [["value": "known@x.vn"]]])])
            #expect(known.status == 200, "\(known.json)")
            let before = try await Self.tenantRowCounts(fixture)

            let dry = try await fixture.send(Self.items, headers: [("CRMHub-Dry-Run", "true")])
            #expect(dry.status == 207, "one item fails in both runs: \(dry.json)")
            #expect(dry.response.header("CRMHub-Dry-Run") == "true")
            #expect(dry.json["listenerRequestId"]?.intValue == 0, "nothing was logged: \(dry.json)")
            #expect(try await Self.tenantRowCounts(fixture) == before, "a dry run left rows behind")

            let byQuery = try await fixture.post(
                JSONWriter.string([
                    "senderUser": .string(ListenerFixture.sender),
                    "data": .array(Self.items.map { ["actionType": .string($0.0), "data": $0.1] }),
                ]),
                path: fixture.path + "?dry_run=true")
            #expect(Self.outcomes(byQuery.json) == Self.outcomes(dry.json))
            #expect(try await Self.tenantRowCounts(fixture) == before)

            let real = try await fixture.send(Self.items)
            #expect(real.status == dry.status)
            #expect(real.response.header("CRMHub-Dry-Run") == nil)
            #expect(Self.outcomes(real.json) == Self.outcomes(dry.json), "dry \(dry.json)\nreal \(real.json)")
            #expect(try await Self.tenantRowCounts(fixture) != before)
        }
    }

    @Test("a bad dry-run value is refused with 400 naming it; a dry run refuses an Idempotency-Key")
    func refusals() async throws {
        try await ListenerFixture.with { fixture in
            let bad = try await fixture.send([("add-contact", ["name": "A"])], headers: [("CRMHub-Dry-Run", "yes")])
            #expect(bad.status == 400 && bad.json["errors"]?[0]?["field"] == "CRMHub-Dry-Run", "\(bad.json)")
            let badQuery = try await fixture.post("{}", path: fixture.path + "?dry_run=maybe")
            #expect(badQuery.status == 400 && badQuery.json["errors"]?[0]?["field"] == "dry_run", "\(badQuery.json)")
            let keyed = try await fixture.send(
                [("add-contact", ["name": "A"])], headers: [("CRMHub-Dry-Run", "true"), ("Idempotency-Key", "k1")])
            #expect(keyed.status == 400, "\(keyed.json)")
            let off = try await fixture.send([("add-contact", ["name": "A"])], headers: [("CRMHub-Dry-Run", "false")])
            #expect(off.status == 200 && off.response.header("CRMHub-Dry-Run") == nil)
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 1)
        }
    }

    @Test("a dry run of a refused request (disabled listener) answers the refusal and, unlike a real one, is not logged")
    func refusedNotLogged() async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.admin("PATCH", "/listeners/\(fixture.listenerID)", ["enabled": false])
            let dry = try await fixture.send([("add-contact", ["name": "A"])], headers: [("CRMHub-Dry-Run", "true")])
            #expect(dry.status == 403 && dry.response.header("CRMHub-Dry-Run") == "true", "\(dry.json)")
            #expect(try await fixture.count("SELECT count(*) FROM listener_requests WHERE org_id = \(fixture.orgID)") == 0)
            let real = try await fixture.send([("add-contact", ["name": "A"])])
            #expect(real.status == 403)
            #expect(try await fixture.count("SELECT count(*) FROM listener_requests WHERE org_id = \(fixture.orgID)") == 1)
        }
    }

    @Test("an admin replay with dry_run=true answers as the replay would and writes no row (no log row, no audit row)")
    func replay() async throws {
        try await ListenerFixture.with { fixture in
            let original = try await fixture.send([("add-contact", ["name": "A", "emails": [["value": "a@x.vn"]]])])
            let originalID = try #require(original.json["listenerRequestId"]?.intValue)
            _ = try await fixture.rows("DELETE FROM customer_identities WHERE org_id = \(fixture.orgID)")
            _ = try await fixture.rows("DELETE FROM customer_history WHERE org_id = \(fixture.orgID)")
            _ = try await fixture.rows("DELETE FROM customers WHERE org_id = \(fixture.orgID)")
            let before = try await Self.tenantRowCounts(fixture)
            let dry = try await fixture.admin.call(
                "POST", "/admin/v1/orgs/\(fixture.slug)/listener-requests/\(originalID)/replay?dry_run=true")
            #expect(dry.status == 200, "\(dry.json)")
            #expect(dry.json["results"]?[0]?["outcome"] == "created", "\(dry.json)")
            #expect(dry.json["results"]?[0]?["records"]?[0]?["customerId"] == "PID-2", "the next code, not used up: \(dry.json)")
            #expect(try await Self.tenantRowCounts(fixture) == before)
            let real = try await fixture.admin.call(
                "POST", "/admin/v1/orgs/\(fixture.slug)/listener-requests/\(originalID)/replay")
            #expect(real.json["results"]?[0]?["records"]?[0]?["customerId"] == "PID-2", "\(real.json)")
        }
    }
}
