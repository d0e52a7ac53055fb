import CRMHubTesting
import JSON
import Postgres
import Testing

@testable import Helpdesk

/// customer_tags and customer_im_handles (sql/0019): kept by triggers on customers in the statement that changes the
/// customer, whoever writes it, and read by the read API's tag filter and Sirportly's IM handle lookup, which must
/// answer exactly as `tags @> …` and `im @> …` on the customers did.
@Suite("Tags and IM handles beside the customer")
struct CustomerHandlesTests {
    /// The org's rows of both tables, as "kind tag customer" and "kind protocol value customer", sorted.
    static func sideRows(_ fixture: ListenerFixture) async throws -> (tags: [String], handles: [String]) {
        let tags = try await fixture.rows(
            """
            SELECT kind || ' ' || tag || ' ' || customer_id FROM customer_tags WHERE org_id = \(fixture.orgID) ORDER BY 1
            """
        ).map { try $0.decode(0, as: String.self) }
        let handles = try await fixture.rows(
            """
            SELECT kind || ' ' || protocol || ' ' || value || ' ' || customer_id FROM customer_im_handles
            WHERE org_id = \(fixture.orgID) ORDER BY 1
            """
        ).map { try $0.decode(0, as: String.self) }
        return (tags, handles)
    }

    /// Where each of the org's rows is stored: a row updated or written again moves.
    static func locations(_ fixture: ListenerFixture) async throws -> [String] {
        try await fixture.rows(
            """
            SELECT 't' || ctid::text FROM customer_tags WHERE org_id = \(fixture.orgID)
            UNION ALL SELECT 'h' || ctid::text FROM customer_im_handles WHERE org_id = \(fixture.orgID) ORDER BY 1
            """
        ).map { try $0.decode(0, as: String.self) }
    }

    /// Runs `sql` as a request does: the app role, in the fixture's org; its first row.
    @discardableResult
    static func asApp(_ fixture: ListenerFixture, _ sql: Query) async throws -> Row? {
        let orgID = fixture.orgID
        return try await fixture.server.database.withTransaction { connection in
            _ = try connection.query(
                "SELECT set_config('role', 'crmhub_app', true), set_config('crmhub.org_id', \(String(orgID)), true)")
            return try connection.query(sql).first
        }
    }

    @Test(
        "the tables follow inserts, updates of tags and handles (and not other updates), merges, erasure, emptying and deletes"
    )
    func maintained() async throws {
        try await HelpdeskFixture.with(configure: { $0.secretKey = ErasureTests.key }) { helpdesk in
            let fixture = helpdesk.listener
            let ann = try await helpdesk.customer([
                "name": "Ann", "emails": [["value": "ann@x.vn"]], "tag": ["vip", "gold"],
                "im": [["protocol": "Facebook", "value": "ann.fb"], ["protocol": "Other", "value": "@ann"]],
            ])
            let bob = try await helpdesk.customer([
                "name": "Bob", "emails": [["value": "bob@x.vn"]], "tag": "vip", "im": [["protocol": "Skype", "value": "bob.sk"]],
            ])
            let cat = try await helpdesk.customer(["name": "Cat", "emails": [["value": "cat@x.vn"]]])
            let lee = try await helpdesk.customer(
                lead: true,
                ["name": "Lee", "emails": [["value": "lee@x.vn"]], "tag": "vip", "im": [["protocol": "Other", "value": "@lee"]]])
            var rows = try await Self.sideRows(fixture)
            #expect(
                rows.tags == ["contact gold \(ann.id)", "contact vip \(ann.id)", "contact vip \(bob.id)", "lead vip \(lee.id)"],
                "\(rows.tags)")
            #expect(
                rows.handles == [
                    "contact Facebook ann.fb \(ann.id)", "contact Other @ann \(ann.id)", "contact Skype bob.sk \(bob.id)",
                    "lead Other @lee \(lee.id)",
                ], "\(rows.handles)")
            #expect(!rows.tags.contains { $0.hasSuffix(" \(cat.id)") })

            // An update that leaves tags and handles alone does not touch a row of either table.
            let before = try await Self.locations(fixture)
            let title = try await fixture.send([("update-contact", ["customerId": .string(ann.code), "title": "Dr"])])
            #expect(title.status == 200, "\(title.json)")
            #expect(try await Self.locations(fixture) == before)
            #expect(try await Self.sideRows(fixture) == rows)

            // Tags and handles that change: those that went are deleted, those that came inserted, the rest left.
            let changed = try await fixture.send([
                (
                    "update-contact",
                    [
                        "customerId": .string(ann.code), "tag": ["silver", "vip"],
                        "im": [["protocol": "Facebook", "value": "ann.fb"], ["protocol": "Other", "value": "ann.tw"]],
                    ]
                )
            ])
            #expect(changed.status == 200, "\(changed.json)")
            rows = try await Self.sideRows(fixture)
            #expect(
                rows.tags == [
                    "contact silver \(ann.id)", "contact vip \(ann.id)", "contact vip \(bob.id)", "lead vip \(lee.id)",
                ],
                "\(rows.tags)")
            #expect(
                rows.handles == [
                    "contact Facebook ann.fb \(ann.id)", "contact Other ann.tw \(ann.id)", "contact Skype bob.sk \(bob.id)",
                    "lead Other @lee \(lee.id)",
                ], "\(rows.handles)")
            let after = try await Self.locations(fixture)
            #expect(
                Set(before).intersection(after).count == 6,
                "the rows that stay (vip of Ann, Bob and Lee, ann.fb, bob.sk, @lee) are not written again")

            // A merge: the merged customer's rows go with it, the survivor gets its merged tags.
            let merged = try await CustomerMergeTests.merge(
                fixture, ["survivor": .string(ann.code), "merged": .string(bob.code)])
            #expect(merged.status == 200, "\(merged.json)")
            rows = try await Self.sideRows(fixture)
            #expect(rows.tags == ["contact silver \(ann.id)", "contact vip \(ann.id)", "lead vip \(lee.id)"], "\(rows.tags)")
            #expect(
                rows.handles == [
                    "contact Facebook ann.fb \(ann.id)", "contact Other ann.tw \(ann.id)", "lead Other @lee \(lee.id)",
                ],
                "\(rows.handles)")

            // Erasure deletes the record, and with it its tags and handles (no handle of the person is left anywhere).
            let erased = try await fixture.admin.call("POST", "/admin/v1/orgs/\(fixture.slug)/customers/\(ann.code)/erase")
            #expect(erased.status == 200, "\(erased.json)")
            rows = try await Self.sideRows(fixture)
            #expect(rows.tags == ["lead vip \(lee.id)"] && rows.handles == ["lead Other @lee \(lee.id)"], "\(rows)")

            // Any writer: emptied, then a kind that changes, then deleted.
            try await Self.asApp(
                fixture, "UPDATE customers SET tags = '{}', im = '[]' WHERE org_id = \(fixture.orgID) AND id = \(lee.id)")
            rows = try await Self.sideRows(fixture)
            #expect(rows.tags.isEmpty && rows.handles.isEmpty, "\(rows)")
            try await Self.asApp(
                fixture,
                """
                UPDATE customers SET tags = '{a,b,a}', im = '[{"protocol": "Other", "value": "x"}, 7, {"protocol": 1, "value": "y"}]'
                WHERE org_id = \(fixture.orgID) AND id = \(lee.id)
                """)
            rows = try await Self.sideRows(fixture)
            #expect(
                rows.tags == ["lead a \(lee.id)", "lead b \(lee.id)"] && rows.handles == ["lead Other x \(lee.id)"], "\(rows)")
            try await Self.asApp(
                fixture, "UPDATE customers SET kind = 'contact' WHERE org_id = \(fixture.orgID) AND id = \(lee.id)")
            rows = try await Self.sideRows(fixture)
            #expect(
                rows.tags == ["contact a \(lee.id)", "contact b \(lee.id)"] && rows.handles == ["contact Other x \(lee.id)"],
                "\(rows)")
            // Deleted as CustomerStore.delete does, with its identities and history (no other test may find them).
            try await Self.asApp(
                fixture,
                """
                WITH identities AS (DELETE FROM customer_identities WHERE org_id = \(fixture.orgID) AND customer_id = \(lee.id)),
                    history AS (DELETE FROM customer_history WHERE org_id = \(fixture.orgID) AND customer_id = \(lee.id))
                DELETE FROM customers WHERE org_id = \(fixture.orgID) AND id = \(lee.id)
                """)
            rows = try await Self.sideRows(fixture)
            #expect(rows.tags.isEmpty && rows.handles.isEmpty, "\(rows)")

            // The app role reads the tables; only the triggers write them.
            await #expect(throws: (any Error).self) {
                try await Self.asApp(
                    fixture,
                    "INSERT INTO customer_tags (org_id, kind, tag, customer_id) VALUES (\(fixture.orgID), 'contact', 'x', \(cat.id))"
                )
            }
        }
    }

    /// Every id `tags @> ARRAY[tag]` matches in the collection's kind (and type), newest first: the statement the tag
    /// filter ran before customer_tags.
    static func taggedBefore(_ fixture: ListenerFixture, kind: String, tag: String, type: Int? = nil) async throws -> [Int64] {
        try await fixture.rows(
            """
            SELECT id FROM customers
            WHERE org_id = \(fixture.orgID) AND kind = \(kind) AND tags @> ARRAY[\(tag)::text]
                AND (\(type.map(String.init))::smallint IS NULL OR type = \(type.map(String.init))::smallint)
            ORDER BY id DESC
            """
        ).map { try $0.decode(0, as: Int64.self) }
    }

    /// The ids of every page of `path` (a list with `limit` set), following next_cursor.
    static func pagedIDs(_ fixture: ReadAPIFixture, _ path: String) async throws -> [Int64] {
        var ids: [Int64] = []
        var next = path
        for _ in 0..<50 {
            let page = try await fixture.get(next)
            #expect(page.status == 200, "\(next): \(page.json)")
            ids += page.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue.flatMap { Int64($0) } } ?? []
            guard let cursor = page.json["next_cursor"]?.stringValue else { return ids }
            next = path + "&cursor=" + cursor
        }
        Issue.record("\(path): more than 50 pages")
        return ids
    }

    @Test("the tag filter answers as tags @> did: the same records of the kind, newest first, page by page and in the export")
    func tagFilter() async throws {
        try await ReadAPIFixture.with { fixture in
            let listener = fixture.listener
            let tags: [JSONValue] = [
                "vip", "VIP", ["news", "vip"], "news", "vip", .null, ["vip", "gold"], "vip", "other", "vip",
            ]
            let contacts = tags.enumerated().map { index, tag -> (String, JSONValue) in
                var data: JSONObject = [
                    "name": .string("Person \(index)"), "emails": [["value": .string("p\(index)@example.com")]],
                    "type": .number(Double(index % 3 == 0 ? 1 : 0)),
                ]
                if tag != .null { data["tag"] = tag }
                return ("add-contact", .object(data))
            }
            #expect(try await listener.send(contacts).status == 200)
            let leads = try await listener.send([
                ("add-lead", ["name": "Lead vip", "emails": [["value": "l1@example.com"]], "tag": "vip"]),
                ("add-lead", ["name": "Lead news", "emails": [["value": "l2@example.com"]], "tag": "news"]),
            ])
            #expect(leads.status == 200, "\(leads.json)")
            // Later changes: one loses the tag, one gains it.
            let updated = try await listener.send([
                ("update-contact", ["emails": [["value": "p0@example.com"]], "tag": "gold"]),
                ("update-contact", ["emails": [["value": "p8@example.com"]], "tag": ["other", "vip"]]),
            ])
            #expect(updated.status == 200, "\(updated.json)")

            let vip = try await Self.taggedBefore(listener, kind: "contact", tag: "vip")
            #expect(vip.count == 6, "\(vip)")
            for limit in [1, 2, 4, 50] {
                #expect(try await Self.pagedIDs(fixture, "/api/v1/contacts?tag=vip&limit=\(limit)") == vip, "limit \(limit)")
            }
            #expect(
                try await Self.pagedIDs(fixture, "/api/v1/contacts?tag=vip&type=account&limit=1")
                    == Self.taggedBefore(listener, kind: "contact", tag: "vip", type: 1))
            #expect(
                try await Self.pagedIDs(fixture, "/api/v1/contacts?tag=VIP&limit=2")
                    == Self.taggedBefore(listener, kind: "contact", tag: "VIP"))
            #expect(
                try await Self.pagedIDs(fixture, "/api/v1/contacts?tag=news&q=person&limit=1")
                    == Self.taggedBefore(listener, kind: "contact", tag: "news"))
            #expect(try await Self.pagedIDs(fixture, "/api/v1/contacts?tag=nobody&limit=2") == [])
            // With an identity the customer is found by it, and the tag tested on it.
            let p4 = try await Self.pagedIDs(fixture, "/api/v1/contacts?email=p4@example.com&limit=2")
            #expect(p4.count == 1 && vip.contains(p4[0]))
            #expect(try await Self.pagedIDs(fixture, "/api/v1/contacts?tag=vip&email=p4@example.com&limit=2") == p4)
            #expect(try await Self.pagedIDs(fixture, "/api/v1/contacts?tag=news&email=p4@example.com&limit=2") == [])
            let leadIDs = try await Self.taggedBefore(listener, kind: "lead", tag: "vip")
            #expect(leadIDs.count == 1)
            #expect(try await Self.pagedIDs(fixture, "/api/v1/leads?tag=vip&limit=1") == leadIDs)
            #expect(try await Self.pagedIDs(fixture, "/api/v1/companies?tag=vip&limit=1") == [])

            let export = try await fixture.get("/api/v1/exports/contacts?tag=vip")
            #expect(export.status == 200)
            let exported = export.response.text.split(separator: "\n").compactMap {
                try? JSONParser.parse(Array($0.utf8))["id"]?.stringValue.flatMap { Int64($0) }
            }
            #expect(exported == vip.reversed())
        }
    }

    /// The customer code `im @> …` found before customer_im_handles: the statement CustomerProfileStore ran then.
    static func foundBefore(_ fixture: ListenerFixture, _ handles: [CustomerProfile.Handle]) async throws -> String? {
        let patterns = handles.map { JSONWriter.string([["protocol": .string($0.type), "value": .string($0.value)]]) }
        return try await Self.asApp(
            fixture,
            """
            SELECT CASE c.kind WHEN 'lead' THEN 'LID-' ELSE 'PID-' END || c.code
            FROM unnest(ARRAY['contact', 'lead']) WITH ORDINALITY AS s(series, rank)
            CROSS JOIN unnest(\(patterns)::jsonb[]) AS p(pattern)
            CROSS JOIN LATERAL (
                SELECT * FROM customers
                WHERE org_id = \(fixture.orgID) AND kind = s.series AND im <> '[]'::jsonb AND im @> p.pattern ORDER BY id LIMIT 1
            ) AS c
            ORDER BY s.rank, c.id LIMIT 1
            """
        )?.decode(0, as: String.self)
    }

    @Test("a Sirportly IM lookup finds whom im @> found: contacts before leads, then the oldest, protocol and value exact")
    func imLookup() async throws {
        try await HelpdeskFixture.with { helpdesk in
            try await helpdesk.configure("sirportly", ["enabled": true, "public": true])
            let fixture = helpdesk.listener
            let people: [(lead: Bool, im: [(String, String)])] = [
                (true, [("Other", "@dup")]), (false, [("Other", "dup")]), (false, [("Facebook", "Same.Case")]),
                (false, [("Other", "@dup"), ("Skype", "sk.one")]), (true, [("Other", "leadonly")]),
                (false, [("Skype", "sk.one")]), (true, [("Facebook", "fb.lead")]), (false, [("Yahoo", "fb.lead")]),
            ]
            for (index, person) in people.enumerated() {
                let im: [JSONValue] = person.im.map { ["protocol": .string($0.0), "value": .string($0.1)] }
                _ = try await helpdesk.customer(
                    lead: person.lead,
                    ["name": .string("Person \(index)"), "emails": [["value": .string("im\(index)@x.vn")]], "im": .array(im)])
            }
            let lookups = [
                ("twitter", "dup"), ("twitter", "@DUP"), ("skype", "@dup"), ("facebook", "Same.Case"), ("facebook", "same.case"),
                ("skype", "sk.one"), ("twitter", "leadonly"), ("facebook", "fb.lead"), ("yahoo", "fb.lead"), ("viber", "dup"),
                ("twitter", "nobody"),
            ]
            var found = 0
            for (type, data) in lookups {
                guard case .handles(let handles) = SirportlyContactMethod(type: type, data: data) else {
                    Issue.record("\(type) is not an IM type")
                    continue
                }
                let expected = try await Self.foundBefore(fixture, handles)
                let response = try await helpdesk.post(
                    "/integrations/sirportly/\(fixture.slug)", [("type", type), ("data", data)])
                let reference = (try? JSONParser.parse(response.body))?["reference"]?.stringValue
                #expect(response.status == (expected == nil ? 404 : 200), "\(type) \(data)")
                #expect(reference == expected, "\(type) \(data)")
                if expected != nil { found += 1 }
            }
            #expect(found == 9, "the lookups cover matches and misses")
        }
    }
}
