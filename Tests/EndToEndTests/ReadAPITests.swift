import CRMHubTesting
import Foundation
import JSON
import Outbox
import Testing

/// An org with records sent through its listener, and an org API key with the `read` scope.
struct ReadAPIFixture {
    let listener: ListenerFixture
    let key: String

    /// Runs `body` with a listener's org and a read key; the server stops whether `body` returns or throws.
    @discardableResult
    static func with<Result>(_ body: (ReadAPIFixture) async throws -> Result) async throws -> Result {
        try await ListenerFixture.with { listener in
            try await body(ReadAPIFixture(listener: listener, key: try await Self.apiKey(listener, scopes: ["read"])))
        }
    }

    static func apiKey(_ listener: ListenerFixture, scopes: [String]) async throws -> String {
        let created = try await listener.admin(
            "POST", "/api-keys", ["name": "reader", "scopes": .array(scopes.map(JSONValue.string))])
        return try #require(created["key"]?.stringValue, "\(created)")
    }

    func get(
        _ path: String, key: String? = nil, headers: [(String, String)] = []
    ) async throws -> (status: Int, json: JSONValue, response: RawResponse) {
        let response = try await listener.server.request(
            "GET", path, headers: [("Authorization", "Bearer \(key ?? self.key)")] + headers)
        return (response.status, (try? JSONParser.parse(response.body)) ?? .null, response)
    }

    /// The `name` of every item of a list.
    func names(_ path: String) async throws -> [String] {
        let page = try await get(path)
        #expect(page.status == 200, "\(path): \(page.json)")
        return page.json["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
    }
}

@Suite("Read API /api/v1 end to end")
struct ReadAPITests {
    static func contact(_ name: String, email: String, phone: String? = nil, tag: String? = nil, type: Int = 0) -> JSONValue {
        var data: JSONObject = ["name": .string(name), "type": .number(Double(type)), "emails": [["value": .string(email)]]]
        if let phone { data["phones"] = [["value": .string(phone)]] }
        if let tag { data["tag"] = .string(tag) }
        return .object(data)
    }

    @Test("only an org API key with the read scope reads, and only its own org")
    func authentication() async throws {
        try await ReadAPIFixture.with { fixture in
            _ = try await fixture.listener.send([("add-contact", Self.contact("Visible", email: "v@example.com"))])
            let none = try await fixture.listener.server.request("GET", "/api/v1/contacts")
            #expect(none.status == 401 && none.header("WWW-Authenticate") != nil)
            #expect(try await fixture.get("/api/v1/contacts", key: fixture.listener.admin.platformToken).status == 401)
            #expect(try await fixture.get("/api/v1/contacts", key: "crmhub_ak_nope").status == 401)
            let writer = try await ReadAPIFixture.apiKey(fixture.listener, scopes: ["write"])
            let forbidden = try await fixture.get("/api/v1/contacts", key: writer)
            #expect(forbidden.status == 403 && forbidden.response.header("Content-Type") == "application/problem+json")
            let admin = try await ReadAPIFixture.apiKey(fixture.listener, scopes: ["admin"])
            #expect(try await fixture.get("/api/v1/contacts", key: admin).status == 200)

            try await ReadAPIFixture.with { other in
                #expect(try await other.names("/api/v1/contacts") == [])
                let id = try #require(try await fixture.get("/api/v1/contacts").json["items"]?[0]?["id"]?.stringValue)
                #expect(try await other.get("/api/v1/contacts/\(id)").status == 404)
            }
        }
    }

    @Test("a key's use is noted; its lookup id with a wrong secret reads nothing and notes nothing")
    func keyUse() async throws {
        try await ReadAPIFixture.with { fixture in
            let created = try await fixture.listener.admin("POST", "/api-keys", ["name": "noted", "scopes": ["read"]])
            let key = try #require(created["key"]?.stringValue)
            func lastUsed() async throws -> JSONValue? {
                let keys = try await fixture.listener.admin("GET", "/api-keys")
                return keys["items"]?.arrayValue?.first { $0["id"] == created["id"] }?["last_used_at"]
            }
            #expect(try await lastUsed() == .null)
            let wrong = String(key.dropLast()) + (key.hasSuffix("A") ? "B" : "A")
            #expect(try await fixture.get("/api/v1/contacts", key: wrong).status == 401)
            #expect(try await lastUsed() == .null)
            #expect(try await fixture.get("/api/v1/contacts", key: key).status == 200)
            #expect(try await lastUsed()?.stringValue != nil)
        }
    }

    @Test("contacts: by id and by code, with an ETag and 304 on If-None-Match")
    func single() async throws {
        try await ReadAPIFixture.with { fixture in
            let sent = try await fixture.listener.post(try ListenerFixture.sample("add-contact"))
            #expect(sent.status == 200, "\(sent.json)")
            let code = try #require(sent.json["results"]?[0]?["records"]?[0]?["customerId"]?.stringValue)
            let id = String(try #require(sent.json["results"]?[0]?["records"]?[0]?["id"]?.intValue))
            let byCode = try await fixture.get("/api/v1/contacts/\(code)")
            #expect(byCode.status == 200, "\(byCode.json)")
            #expect(byCode.json["id"]?.stringValue == id && byCode.json["code"]?.stringValue == code)
            #expect(byCode.json["name"]?.stringValue == "Huy" && byCode.json["lastname"]?.stringValue == "Nguyen")
            #expect(byCode.json["emails"]?[0]?["value"]?.stringValue == "huy.nguyen@htklabs.com")
            #expect(byCode.json["gender"]?.stringValue == "female" && byCode.json["type"]?.stringValue == "contact")
            #expect(byCode.json["date_of_birth"]?.stringValue == "1993-01-01")
            let byID = try await fixture.get("/api/v1/contacts/\(id)")
            #expect(byID.response.body == byCode.response.body)
            let tag = try #require(byID.response.header("ETag"))
            let unchanged = try await fixture.get("/api/v1/contacts/\(id)", headers: [("If-None-Match", tag)])
            #expect(unchanged.status == 304 && unchanged.response.body.isEmpty && unchanged.response.header("ETag") == tag)
            #expect(try await fixture.get("/api/v1/contacts/\(id)", headers: [("If-None-Match", "\"other\"")]).status == 200)

            _ = try await fixture.listener.send([("update-contact", ["customerId": .string(code), "title": "Changed"])])
            let changed = try await fixture.get("/api/v1/contacts/\(id)", headers: [("If-None-Match", tag)])
            #expect(
                changed.status == 200 && changed.response.header("ETag") != tag && changed.json["title"]?.stringValue == "Changed"
            )

            // Stored JSON (emails, addresses, …) is written like the rest of the response: no space after ':' or ','.
            #expect(
                byCode.response.text.contains(#""emails":[{"type":"Other","value":"huy.nguyen@htklabs.com"}]"#),
                "\(byCode.response.text)")
            #expect(!byCode.response.text.contains("\": ") && !byCode.response.text.contains("\", \""), "\(byCode.response.text)")
            // A code of another series is a 404 that says what it is and where it is read.
            let asLead = try await fixture.get("/api/v1/leads/\(code)")
            #expect(
                asLead.status == 404
                    && asLead.json["detail"]?.stringValue
                        == "\(code) is a contact or an account, not a lead: read it at /api/v1/contacts/\(code)"
            )
            let lead = try await fixture.listener.send([("add-lead", ["name": "Lan", "emails": [["value": "lan@example.com"]]])])
            let leadCode = try #require(lead.json["results"]?[0]?["records"]?[0]?["customerId"]?.stringValue)
            let asContact = try await fixture.get("/api/v1/contacts/\(leadCode)")
            #expect(
                asContact.status == 404
                    && asContact.json["detail"]?.stringValue
                        == "\(leadCode) is a lead, not a contact: read it at /api/v1/leads/\(leadCode)"
            )
            let history404 = try await fixture.get("/api/v1/contacts/\(leadCode)/history")
            #expect(
                history404.status == 404
                    && history404.json["detail"]?.stringValue?.hasSuffix("/api/v1/leads/\(leadCode)/history") == true)
            #expect(try await fixture.get("/api/v1/leads/\(leadCode)").status == 200)
            #expect(
                try await fixture.get("/api/v1/companies/\(code)").json["detail"]?.stringValue?.contains(
                    "/api/v1/contacts/\(code)") == true)
            #expect(try await fixture.get("/api/v1/contacts/PID-999999").status == 404)
            #expect(try await fixture.get("/api/v1/contacts/nonsense").status == 404)
            let history = try await fixture.get("/api/v1/contacts/\(code)/history")
            let events = history.json["items"]?.arrayValue?.compactMap { $0["event"]?.stringValue } ?? []
            #expect(events.first == "updated" && events.last == "created", "\(history.json)")
        }
    }

    @Test("contacts: filters by email, phone, passport, tag, type and accent-insensitive name prefix")
    func filters() async throws {
        try await ReadAPIFixture.with { fixture in
            let sent = try await fixture.listener.send([
                ("add-contact", Self.contact("Ngọc Trinh", email: "trinh@example.vn", phone: "0905 000 001", tag: "vip")),
                ("add-contact", Self.contact("Đặng Văn Lâm", email: "lam@example.vn", tag: "staff")),
                ("add-contact", Self.contact("Ngo 100% Corp", email: "corp@example.vn", type: 1)),
            ])
            #expect(sent.status == 200, "\(sent.json)")
            #expect(try await fixture.names("/api/v1/contacts?email=TRINH@Example.VN") == ["Ngọc Trinh"])
            #expect(try await fixture.names("/api/v1/contacts?phone=0905-000-001") == ["Ngọc Trinh"])
            #expect(try await fixture.names("/api/v1/contacts?email=nobody@example.vn") == [])
            #expect(try await fixture.names("/api/v1/contacts?q=ngoc") == ["Ngọc Trinh"])
            #expect(try await fixture.names("/api/v1/contacts?q=NG%E1%BB%8CC%20TR") == ["Ngọc Trinh"])
            #expect(try await fixture.names("/api/v1/contacts?q=trin") == [])  // the name's beginning, not any word's
            #expect(try await fixture.names("/api/v1/contacts?q=dang") == ["Đặng Văn Lâm"])
            #expect(try await fixture.names("/api/v1/contacts?q=ng") == ["Ngo 100% Corp", "Ngọc Trinh"])
            #expect(try await fixture.names("/api/v1/contacts?q=ngo%20100%25") == ["Ngo 100% Corp"])
            #expect(try await fixture.names("/api/v1/contacts?q=%25") == [])  // a wildcard is a character, not "anything"
            #expect(try await fixture.names("/api/v1/contacts?tag=vip") == ["Ngọc Trinh"])
            #expect(try await fixture.names("/api/v1/contacts?type=account") == ["Ngo 100% Corp"])
            #expect(try await fixture.names("/api/v1/contacts?created_since=2000-01-01&tag=staff") == ["Đặng Văn Lâm"])
            #expect(try await fixture.names("/api/v1/contacts?updated_since=2999-01-01T00:00:00Z") == [])
            #expect(try await fixture.names("/api/v1/contacts?listener=\(fixture.listener.listenerID)").count == 3)

            let bad = try await fixture.get("/api/v1/contacts?email=not-an-email&since=x&limit=0&created_since=2023-02-29")
            #expect(bad.status == 422)
            let fields = Set(bad.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? [])
            #expect(fields == ["email", "since", "limit", "created_since"], "\(bad.json)")
        }
    }

    @Test("name search: a common name, names sharing a prefix and more distinct names than are walked page newest first")
    func nameSearchPages() async throws {
        try await ReadAPIFixture.with { fixture in
            // 60 distinct "Walker n" (more than WhereClause.walkedNames: the range's ids are sorted), and "Sam" and
            // "Samuel" interleaved in id order (two names whose pages are merged), each with an email of its own.
            var actions: [(String, JSONValue)] = []
            for index in 0..<90 {
                let name = index % 3 == 0 ? "Walker \(index)" : (index % 3 == 1 ? "Sam" : "Samuel")
                actions.append(("add-contact", Self.contact(name, email: "n\(index)@example.vn")))
            }
            actions.append(("add-contact", Self.contact("Walker 999", email: "w999@example.vn")))
            for start in stride(from: 0, to: actions.count, by: 100) {
                let sent = try await fixture.listener.send(Array(actions[start..<min(start + 100, actions.count)]))
                #expect(sent.status == 200, "\(sent.json)")
            }
            let orgID = fixture.listener.orgID
            for (query, prefix, count) in [("walker", "walker", 31), ("sam", "sam", 60), ("samu", "samu", 30), ("zz", "zz", 0)] {
                let expected = try await fixture.listener.server.database.withTransaction { connection in
                    _ = try connection.query("SELECT set_config('crmhub.org_id', \(String(orgID)), true)")
                    return try connection.query(
                        """
                        SELECT id FROM customers WHERE org_id = \(orgID) AND kind = 'contact' AND name_folded LIKE \(prefix + "%")
                        ORDER BY id DESC
                        """
                    ).rows.map { try $0.decode("id", as: Int64.self) }
                }
                #expect(expected.count == count, "\(query): \(expected)")
                let paged = try await CustomerHandlesTests.pagedIDs(fixture, "/api/v1/contacts?q=\(query)&limit=7")
                #expect(paged == expected, "\(query)")
            }
        }
    }

    @Test("pages: newest first, every record once, next_cursor null at the end")
    func pagination() async throws {
        try await ReadAPIFixture.with { fixture in
            let items = (1...7).map { ("add-contact", Self.contact("Person \($0)", email: "p\($0)@example.com")) }
            #expect(try await fixture.listener.send(items).status == 200)
            var names: [String] = []
            var path = "/api/v1/contacts?limit=3"
            var pages = 0
            while true {
                let page = try await fixture.get(path)
                #expect(page.status == 200)
                names += page.json["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                pages += 1
                guard let next = page.json["next_cursor"]?.stringValue else { break }
                path = "/api/v1/contacts?limit=3&cursor=\(next)"
            }
            #expect(pages == 3)
            #expect(names == (1...7).reversed().map { "Person \($0)" })
            let bad = try await fixture.get("/api/v1/contacts?cursor=42")
            #expect(bad.status == 422 && bad.json["errors"]?[0]?["field"]?.stringValue == "cursor")
        }
    }

    @Test("deals, notes, tickets, outbox and the listener request log are readable and filterable")
    func otherCollections() async throws {
        try await ReadAPIFixture.with { fixture in
            try await fixture.listener.addCatalog("deal-stages", "New")
            let sent = try await fixture.listener.send([
                ("add-contact", Self.contact("Ann", email: "ann@example.com")),
                (
                    "add-deal",
                    [
                        "name": "BOOKING", "stage": "New", "value": "12.5",
                        "dealWith": ["name": "Ann", "emails": [["value": "ann@example.com"]]],
                    ]
                ),
                ("add-note", ["body": "called back", "email": "ann@example.com"]),
                ("add-ticket", ["body": "Help", "email": "ann@example.com"]),
                ("send-sms", ["content": "Hello Ann", "phones": ["0333456789"]]),
            ])
            #expect(sent.status == 200, "\(sent.json)")
            let ann = try #require(
                try await fixture.get("/api/v1/contacts?email=ann@example.com").json["items"]?[0]?["code"]?.stringValue)
            let deals = try await fixture.get("/api/v1/deals?customer=\(ann)")
            #expect(deals.json["items"]?[0]?["name"]?.stringValue == "BOOKING", "\(deals.json)")
            #expect(deals.json["items"]?[0]?["value"]?.stringValue == "12.5000")
            #expect(try await fixture.names("/api/v1/deals?q=book") == ["BOOKING"])
            let notes = try await fixture.get("/api/v1/notes?customer=\(ann)")
            #expect(notes.json["items"]?[0]?["body"]?.stringValue == "called back", "\(notes.json)")
            let tickets = try await fixture.get("/api/v1/tickets?status=open")
            #expect(tickets.json["items"]?[0]?["body"]?.stringValue == "Help", "\(tickets.json)")
            let ticketID = try #require(tickets.json["items"]?[0]?["id"]?.stringValue)
            #expect(try await fixture.get("/api/v1/tickets/\(ticketID)").json["body"]?.stringValue == "Help")
            #expect(try await fixture.get("/api/v1/tickets?status=lost").status == 422)
            let outbox = try await fixture.get("/api/v1/outbox?channel=sms")
            #expect(outbox.status == 200)
            let message = try #require(outbox.json["items"]?[0], "\(outbox.json)")
            #expect(message["status"]?.stringValue == "queued" && message["body"]?.stringValue == "Hello Ann")
            // Delivery's fields (OutboxMessage in openapi.yaml): present, null until a worker has tried.
            for field in ["next_attempt_at", "sent_at", "provider_message_id"] {
                #expect(message[field] != nil, "\(field) missing from \(message)")
            }
            #expect(message["sent_at"] == .null && message["provider_message_id"] == .null)
            #expect(try await fixture.get("/api/v1/outbox?status=retrying").json["items"]?.arrayValue?.isEmpty == true)
            let log = try await fixture.get("/api/v1/listener-requests?listener=\(fixture.listener.listenerID)")
            #expect(log.json["items"]?.arrayValue?.count == 1 && log.json["items"]?[0]?["status"]?.intValue == 200, "\(log.json)")
        }
    }

    @Test("export: every contact as NDJSON (the contact object per line) and as RFC 4180 CSV, streamed chunked")
    func export() async throws {
        try await ReadAPIFixture.with { fixture in
            // More than one page of the export (1000 rows per query).
            for batch in 0..<3 {
                let items = (0..<500).map { n in
                    ("add-contact", Self.contact("Người \(batch * 500 + n), \"quoted\"", email: "e\(batch)-\(n)@example.com"))
                }
                #expect(try await fixture.listener.send(items).status == 200)
            }
            let ndjson = try await fixture.get("/api/v1/exports/contacts")
            #expect(ndjson.status == 200)
            #expect(ndjson.response.header("Transfer-Encoding") == "chunked")
            #expect(ndjson.response.header("Content-Type") == "application/x-ndjson")
            let lines = ndjson.response.text.split(separator: "\n")
            #expect(lines.count == 1500)
            let first = try JSONParser.parse(Array(lines[0].utf8))
            let single = try await fixture.get("/api/v1/contacts/\(first["id"]?.stringValue ?? "")")
            #expect(Array(lines[0].utf8) == single.response.body)  // same fields as the read API's contact object
            let ids = lines.compactMap { try? JSONParser.parse(Array($0.utf8))["id"]?.stringValue }.compactMap { Int64($0) }
            #expect(ids == ids.sorted() && Set(ids).count == 1500)

            let csv = try await fixture.get("/api/v1/exports/contacts?format=csv")
            #expect(csv.response.header("Content-Type") == "text/csv; charset=utf-8")
            let rows = csv.response.text.components(separatedBy: "\r\n")
            #expect(rows[0].hasPrefix("id,code,type,name,lastname,"))
            #expect(rows.count == 1502 && rows.last == "")  // header, 1500 rows, and the final CRLF
            #expect(rows[1].contains(",\"Người 0, \"\"quoted\"\"\","), "\(rows[1])")

            #expect(try await fixture.get("/api/v1/exports/contacts?format=xml").status == 422)
            let filtered = try await fixture.get("/api/v1/exports/contacts?email=e2-7@example.com")
            #expect(filtered.response.text.split(separator: "\n").count == 1)
        }
    }

    @Test("export: across page boundaries every line has the read API's bytes for that contact, whatever its text holds")
    func exportBytes() async throws {
        try await ReadAPIFixture.with { fixture in
            // 2,001 contacts: three pages (1000, 1000, 1) with quotes, commas, line breaks, control characters,
            // U+2028, emoji, backslashes, NULLs, stored JSON with spaces inside its strings, and tags needing quotes.
            let orgID = fixture.listener.orgID
            try await fixture.listener.server.database.withTransaction { connection in
                _ = try connection.query("SELECT set_config('crmhub.org_id', \(String(orgID)), true)")
                try connection.execute(
                    """
                    INSERT INTO customers (org_id, kind, code, type, name, lastname, gender, bg_info, emails, tags, custom_fields)
                    SELECT crmhub_current_org(), 'contact', crmhub_next_code('contact'), g % 2, (ARRAY[
                            'Người ' || g || ', "Ngọc"', 'tab' || chr(9) || 'cr' || chr(13) || chr(10) || 'lf' || chr(1),
                            'sep ' || chr(8232) || chr(8233) || ' — 🧑‍💻 e' || chr(769), 'back\\slash "' || chr(769) || g])[1 + g % 4],
                        CASE WHEN g % 3 = 0 THEN NULL ELSE 'Nguyễn' END, g % 3,
                        CASE WHEN g % 5 = 0 THEN 'line 1' || chr(10) || 'line 2' END,
                        jsonb_build_array(jsonb_build_object('type', 'work', 'value', 'c' || g || '@example.vn')),
                        CASE WHEN g % 2 = 0 THEN ARRAY['vip', 'a,b', 'q"x', 'NULL', 'back\\slash'] ELSE ARRAY['bench'] END,
                        jsonb_build_object('Nguồn', 'web, "form": ' || g, 'n', jsonb_build_array(1, 2.50, NULL, 'x y'))
                    FROM generate_series(1, 2001) AS g
                    """)
            }
            let ndjson = try await fixture.get("/api/v1/exports/contacts")
            #expect(ndjson.status == 200)
            let lines = ndjson.response.text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 2002 && lines.last == "")  // every line ends with LF
            // The list answers newest first, 200 a page: its items are the same objects, rendered from the decoded records.
            var listed: [Substring] = []
            var cursor = ""
            repeat {
                let page = try await fixture.get("/api/v1/contacts?limit=200\(cursor)")
                #expect(page.status == 200)
                let body = page.response.text
                let items = try #require(body.range(of: "],\"next_cursor\":"), "\(body.prefix(200))")
                let expected = lines.dropLast().reversed().dropFirst(listed.count).prefix(200)
                // Bytes, not Strings: String equality would take "é" and "e\u{301}" for the same.
                #expect(Array(body[..<items.lowerBound].utf8) == Array(("{\"items\":[" + expected.joined(separator: ",")).utf8))
                listed += expected
                cursor = page.json["next_cursor"]?.stringValue.map { "&cursor=\($0)" } ?? ""
            } while !cursor.isEmpty
            #expect(listed.count == 2001)

            let csv = try await fixture.get("/api/v1/exports/contacts?format=csv").response.text
            // Quoted cells hold CRLF here, so count the rows by their id cells instead: each row starts with its id.
            let ids = lines.dropLast().compactMap { try? JSONParser.parse(Array($0.utf8))["id"]?.stringValue }
            #expect(ids.count == 2001)
            #expect(csv.hasPrefix("id,code,type,name,lastname,") && csv.hasSuffix("\r\n"))
            #expect(csv.contains("\r\n\(ids[0]),PID-"))
            #expect(csv.contains(",account,\"tab\tcr\r\nlf\u{1}\",Nguyễn,,,female,,,\"[{\"\"type\"\":\"\"work\"\","))
            #expect(csv.contains(",\"[\"\"vip\"\",\"\"a,b\"\",\"\"q\\\"\"x\"\",\"\"NULL\"\",\"\"back\\\\slash\"\"]\","))
        }
    }

    @Test("the OpenAPI document is served at /openapi.yaml")
    func openAPIDocument() async throws {
        try await ReadAPIFixture.with { fixture in
            let response = try await fixture.listener.server.request("GET", "/openapi.yaml")
            #expect(response.status == 200 && response.header("Content-Type") == "application/yaml")
            #expect(response.text.hasPrefix("openapi: 3.1"))
        }
    }
}
