import CRM
import CRMHubTesting
import JSON
import Listener
import Postgres
import Testing

@testable import App

/// Rows the listener endpoint writes, inserted directly as the test database's owner (no listener endpoint needed).
enum LogRows {
    static func orgID(_ fixture: AdminFixture, _ slug: String) async throws -> Int64 {
        try await fixture.server.database.platformQuery("SELECT id FROM orgs WHERE slug = \(slug)").rows[0].decode(
            0, as: Int64.self)
    }

    /// Creates a listener through the admin API; returns its id.
    static func listener(_ fixture: AdminFixture, _ slug: String, name: String = "Website form") async throws -> Int64 {
        let created = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/listeners", body: ["name": .string(name)])
        #expect(created.status == 201, "\(created.json)")
        return Int64(created.json["id"]?.stringValue ?? "") ?? 0
    }

    /// A logged listener request received `ageDays` days ago; returns its id.
    @discardableResult
    static func request(
        _ fixture: AdminFixture, orgID: Int64, listenerID: Int64, status: Int = 200,
        body: [UInt8] = Array(#"{"action":"add-contact"}"#.utf8),
        response: [UInt8] = Array(#"{"results":[{"status":"ok"}]}"#.utf8), ageDays: Int = 0, itemCount: Int = 1,
        errorCount: Int = 0,
        idempotencyKey: String? = nil, replayOf: Int64? = nil
    ) async throws -> Int64 {
        try await fixture.server.database.platformQuery(
            """
            INSERT INTO listener_requests (org_id, listener_id, received_at, client_address, request_id, idempotency_key, replay_of,
                                           sender_user, size, body, status, response, item_count, error_count)
            VALUES (\(orgID), \(listenerID), now() - make_interval(days => \(ageDays)), '203.0.113.7', 'req-test', \(idempotencyKey),
                    \(replayOf), 'owner@example.com', \(body.count), \(body), \(status), \(response), \(itemCount), \(errorCount))
            RETURNING id
            """
        ).rows[0].decode(0, as: Int64.self)
    }

    /// An admin fixture on a database of its own, so a purge there cannot touch other tests' rows or be raced by them.
    static func withIsolatedFixture(
        retentionDays: Int, purgeInterval: Int, _ body: (AdminFixture) async throws -> Void
    )
        async throws
    {
        let url = try await TestDatabase.makeFreshDatabase(prefix: "retention")
        try await AdminFixture.with(
            configure: { configuration in
                configuration.databaseURL = url
                configuration.listenerLogRetentionDays = retentionDays
                configuration.listenerLogPurgeIntervalSeconds = purgeInterval
            }, body)
    }
}

@Suite("admin API: listener request log")
struct ListenerRequestLogAdminTests {
    @Test("the log lists newest first, without bodies, and pages with next_cursor")
    func listAndPaginate() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let orgID = try await LogRows.orgID(fixture, slug)
            let listenerID = try await LogRows.listener(fixture, slug)
            var ids: [Int64] = []
            for _ in 0..<5 { ids.append(try await LogRows.request(fixture, orgID: orgID, listenerID: listenerID)) }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                // `if let`, not `cursor.map { … }`: that closure inside the fixture's closure crashes Swift 6.3.1's
                // AccessEnforcementSelection pass.
                var path = "/admin/v1/orgs/\(slug)/listener-requests?limit=2"
                if let cursor { path += "&cursor=\(cursor)" }
                let page = try await fixture.call("GET", path)
                #expect(page.status == 200, "\(page.json)")
                let items = page.json["items"]?.arrayValue ?? []
                seen += items.compactMap { $0["id"]?.stringValue }
                for item in items {
                    #expect(item["body"] == nil && item["response"] == nil && item["body_text"] == nil)
                }
                cursor = page.json["next_cursor"]?.stringValue
                pages += 1
            } while cursor != nil && pages < 10
            #expect(seen == ids.reversed().map { String($0) })
            #expect(pages == 3)
            let first = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listener-requests")
            let item = try #require(first.json["items"]?.arrayValue?.first)
            #expect(item["listener_id"]?.stringValue == String(listenerID))
            #expect(item["client_address"]?.stringValue == "203.0.113.7" && item["request_id"]?.stringValue == "req-test")
            #expect(item["sender_user"]?.stringValue == "owner@example.com" && item["status"]?.intValue == 200)
            #expect(
                item["outcome"]?.stringValue == "ok" && item["item_count"]?.intValue == 1 && item["error_count"]?.intValue == 0)
            #expect(item["size"]?.intValue == #"{"action":"add-contact"}"#.utf8.count)
            #expect(item["idempotency_key"] == .null && item["replay_of"] == .null)
            let receivedAt = try #require(item["received_at"]?.stringValue)
            #expect(receivedAt.count == 24 && receivedAt.hasSuffix("Z"), "\(receivedAt)")
        }
    }

    @Test("listener and outcome filters narrow the list; outcome follows the status")
    func filters() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let orgID = try await LogRows.orgID(fixture, slug)
            let first = try await LogRows.listener(fixture, slug, name: "First")
            let second = try await LogRows.listener(fixture, slug, name: "Second")
            var byStatus: [Int: Int64] = [:]
            for status in [200, 207, 422, 401, 429] {
                byStatus[status] = try await LogRows.request(
                    fixture, orgID: orgID, listenerID: status < 400 ? first : second, status: status)
            }
            func ids(_ query: String) async throws -> [String] {
                let result = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listener-requests?\(query)")
                #expect(result.status == 200, "\(query): \(result.json)")
                return result.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            }
            func id(_ status: Int) -> String { String(byStatus[status] ?? 0) }
            #expect(try await ids("outcome=ok") == [id(200)])
            #expect(try await ids("outcome=partial") == [id(207)])
            #expect(try await ids("outcome=failed") == [id(422)])
            #expect(try await ids("outcome=refused") == [id(429), id(401)])
            #expect(try await ids("listener=\(first)") == [id(207), id(200)])
            #expect(try await ids("listener=\(second)&outcome=refused") == [id(429), id(401)])
            #expect(try await ids("listener=\(second)&outcome=ok") == [])
        }
    }

    @Test("received_since (at or after) and received_before (before) narrow the list by time; a date is midnight UTC")
    func timeFilters() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let orgID = try await LogRows.orgID(fixture, slug)
            let listenerID = try await LogRows.listener(fixture, slug)
            var ids: [Int64] = []
            for age in [5, 2, 0] {
                ids.append(try await LogRows.request(fixture, orgID: orgID, listenerID: listenerID, ageDays: age))
            }
            let all = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listener-requests")
            let received = (all.json["items"]?.arrayValue ?? []).compactMap { $0["received_at"]?.stringValue }
            try #require(received.count == 3, "\(all.json)")
            func listed(_ query: String) async throws -> [Int64] {
                let result = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listener-requests?\(query)")
                #expect(result.status == 200, "\(query): \(result.json)")
                return result.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue.flatMap { Int64($0) } } ?? []
            }
            let (newest, middle, oldest) = (received[0], received[1], received[2])
            #expect(try await listed("received_since=\(middle)") == [ids[2], ids[1]])
            #expect(try await listed("received_before=\(middle)") == [ids[0]])
            #expect(try await listed("received_since=\(oldest)&received_before=\(newest)") == [ids[1], ids[0]])
            #expect(try await listed("received_since=\(String(newest.prefix(10)))") == [ids[2]])
            #expect(try await listed("received_since=2999-01-01") == [])
        }
    }

    @Test(
        "bad filters are one 422 naming every parameter",
        arguments: [
            ("outcome=fine", ["outcome"]), ("listener=abc", ["listener"]), ("listener=0", ["listener"]),
            ("received_since=yesterday&received_before=2024-13-01", ["received_since", "received_before"]),
            ("outcome=&listener=-1&limit=0&cursor=x", ["outcome", "listener", "limit", "cursor"]),
        ])
    func badFilters(query: String, fields: [String]) async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let result = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listener-requests?\(query)")
            #expect(result.status == 422)
            #expect(result.response.header("Content-Type") == "application/problem+json")
            let named = result.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []
            #expect(Set(named) == Set(fields), "\(result.json)")
        }
    }

    @Test("detail embeds a JSON body and the JSON response that was sent")
    func detailJSON() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let orgID = try await LogRows.orgID(fixture, slug)
            let listenerID = try await LogRows.listener(fixture, slug)
            let original = try await LogRows.request(fixture, orgID: orgID, listenerID: listenerID)
            let id = try await LogRows.request(
                fixture, orgID: orgID, listenerID: listenerID, status: 207,
                body: Array(
                    #"[{"action":"add-contact","data":{"name":"Ann","emails":["ann@example.com"]}},{"action":"nope"}]"#.utf8),
                response: Array(#"{"results":[{"status":"ok"},{"status":"error","message":"unknown action"}]}"#.utf8),
                itemCount: 2, errorCount: 1, idempotencyKey: "k-1", replayOf: original)
            let shown = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listener-requests/\(id)")
            #expect(shown.status == 200, "\(shown.json)")
            #expect(shown.json["body"]?.arrayValue?.first?["data"]?["name"]?.stringValue == "Ann")
            #expect(shown.json["body"]?.arrayValue?.count == 2)
            #expect(shown.json["response"]?["results"]?.arrayValue?[1]["message"]?.stringValue == "unknown action")
            #expect(shown.json["body_text"] == nil && shown.json["body_base64"] == nil)
            #expect(shown.json["outcome"]?.stringValue == "partial" && shown.json["error_count"]?.intValue == 1)
            #expect(
                shown.json["idempotency_key"]?.stringValue == "k-1" && shown.json["replay_of"]?.stringValue == String(original))
            let missing = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listener-requests/\(id + 1_000_000)")
            #expect(missing.status == 404 && missing.response.header("Content-Type") == "application/problem+json")
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listener-requests/abc").status == 404)
        }
    }

    @Test("detail shows a text body as body_text and other bytes as base64 in body_base64")
    func detailNotJSON() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let orgID = try await LogRows.orgID(fixture, slug)
            let listenerID = try await LogRows.listener(fixture, slug)
            let form = try await LogRows.request(
                fixture, orgID: orgID, listenerID: listenerID, status: 400,
                body: Array("action=add-contact&name=Tr%E1%BA%A7n {bad".utf8))
            let binary = try await LogRows.request(
                fixture, orgID: orgID, listenerID: listenerID, status: 400, body: [0xFF, 0xFE, 0x00, 0x41, 0x42])
            let empty = try await LogRows.request(fixture, orgID: orgID, listenerID: listenerID, status: 400, body: [])
            let text = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listener-requests/\(form)")
            #expect(text.json["body_text"]?.stringValue == "action=add-contact&name=Tr%E1%BA%A7n {bad")
            #expect(text.json["body"] == nil && text.json["body_base64"] == nil)
            #expect(text.json["outcome"]?.stringValue == "refused")
            let bytes = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listener-requests/\(binary)")
            #expect(bytes.json["body_base64"]?.stringValue == "//4AQUI=")
            #expect(bytes.json["body"] == nil && bytes.json["body_text"] == nil)
            let none = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listener-requests/\(empty)")
            #expect(none.json["body_text"]?.stringValue == "" && none.json["size"]?.intValue == 0)
        }
    }

    @Test("another org's key gets 404 on the log; the org's read key may read it, a write-only key may not")
    func isolationAndScopes() async throws {
        try await AdminFixture.with { fixture in
            let mine = try await fixture.makeOrg("mine")
            let theirs = try await fixture.makeOrg("theirs")
            let orgID = try await LogRows.orgID(fixture, mine)
            let id = try await LogRows.request(fixture, orgID: orgID, listenerID: try await LogRows.listener(fixture, mine))
            let foreign = try await fixture.makeKey(theirs, scopes: ["admin"])
            for path in ["/admin/v1/orgs/\(mine)/listener-requests", "/admin/v1/orgs/\(mine)/listener-requests/\(id)"] {
                #expect(try await fixture.call("GET", path, token: foreign).status == 404, "\(path)")
            }
            // Their own org's path with my request id: row-level security hides the row.
            #expect(
                try await fixture.call("GET", "/admin/v1/orgs/\(theirs)/listener-requests/\(id)", token: foreign).status == 404)
            let theirList = try await fixture.call("GET", "/admin/v1/orgs/\(theirs)/listener-requests", token: foreign)
            #expect(theirList.status == 200 && theirList.json["items"]?.arrayValue?.isEmpty == true)
            let reader = try await fixture.makeKey(mine, scopes: ["read"])
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(mine)/listener-requests/\(id)", token: reader).status == 200)
            let writer = try await fixture.makeKey(mine, scopes: ["write"])
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(mine)/listener-requests", token: writer).status == 403)
        }
    }

    @Test("replay needs the write scope and the org's own request; it runs the stored body again")
    func replayAccess() async throws {
        try await AdminFixture.with { fixture in
            let mine = try await fixture.makeOrg("mine")
            let theirs = try await fixture.makeOrg("theirs")
            let orgID = try await LogRows.orgID(fixture, mine)
            let id = try await LogRows.request(fixture, orgID: orgID, listenerID: try await LogRows.listener(fixture, mine))
            let path = "/admin/v1/orgs/\(mine)/listener-requests/\(id)/replay"
            // The stored body has no senderUser: the replay runs and is refused like the original would be.
            let replayed = try await fixture.call("POST", path)
            #expect(replayed.status == 422, "\(replayed.json)")
            #expect(replayed.response.header("Content-Type") == "application/problem+json")
            #expect(try await fixture.call("POST", path, token: try await fixture.makeKey(mine, scopes: ["write"])).status == 422)
            #expect(try await fixture.call("POST", "/admin/v1/orgs/\(mine)/listener-requests/999999999/replay").status == 404)
            #expect(try await fixture.call("POST", path, token: try await fixture.makeKey(mine, scopes: ["read"])).status == 403)
            #expect(
                try await fixture.call("POST", path, token: try await fixture.makeKey(theirs, scopes: ["admin"])).status == 404)
            #expect(try await fixture.server.request("POST", path).status == 401)
        }
    }

    @Test("the server purges requests older than the retention and keeps newer ones")
    func retentionPurges() async throws {
        try await LogRows.withIsolatedFixture(retentionDays: 30, purgeInterval: 1) { fixture in
            let slug = try await fixture.makeOrg()
            let orgID = try await LogRows.orgID(fixture, slug)
            let listenerID = try await LogRows.listener(fixture, slug)
            let old = try await LogRows.request(fixture, orgID: orgID, listenerID: listenerID, ageDays: 40)
            let recent = try await LogRows.request(fixture, orgID: orgID, listenerID: listenerID, ageDays: 29)
            let new = try await LogRows.request(fixture, orgID: orgID, listenerID: listenerID)
            let deadline = ContinuousClock.now + .seconds(30)
            var status = 200
            while ContinuousClock.now < deadline {
                status = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listener-requests/\(old)").status
                if status == 404 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(status == 404, "the 40-day-old request was not purged within 30 s")
            for id in [recent, new] {
                #expect(try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listener-requests/\(id)").status == 200)
            }
        }
    }

    @Test("a purge deletes in batches of 1000 until a batch comes back short")
    func retentionBatches() async throws {
        try await LogRows.withIsolatedFixture(retentionDays: 30, purgeInterval: 86400) { fixture in
            let slug = try await fixture.makeOrg()
            let orgID = try await LogRows.orgID(fixture, slug)
            let listenerID = try await LogRows.listener(fixture, slug)
            let keep = try await LogRows.request(fixture, orgID: orgID, listenerID: listenerID, ageDays: 1)
            func insertOld(_ count: Int) async throws {
                _ = try await fixture.server.database.platformQuery(
                    """
                    INSERT INTO listener_requests (org_id, listener_id, received_at, size, body, status, response)
                    SELECT \(orgID), \(listenerID), now() - interval '31 days', 2, '\\x7b7d'::bytea, 200, '\\x7b7d'::bytea
                    FROM generate_series(1, \(count))
                    """)
            }
            let store = ListenerRequestStore(scope: OrgScope(database: fixture.server.database))
            try await insertOld(1500)
            #expect(try await store.purge(olderThanDays: 30, batch: 1000) == 1000)
            #expect(try await store.purge(olderThanDays: 30, batch: 1000) == 500)
            #expect(try await store.purge(olderThanDays: 30, batch: 1000) == 0)
            try await insertOld(2500)
            // Integration counts: the retention rounds also drop the minutes older than a day.
            _ = try await fixture.server.database.platformQuery(
                """
                INSERT INTO integration_minutes (org_id, integration, minute, calls, errors, latency_buckets)
                VALUES (\(orgID), 'sirportly', date_trunc('minute', now()) - interval '2 days', 1, 0, '{1}'),
                    (\(orgID), 'sirportly', date_trunc('minute', now()), 1, 0, '{1}')
                """)
            let scope = OrgScope(database: fixture.server.database)
            let retention = RequestLogRetention(
                store: store, idempotency: IdempotencyStore(scope: scope),
                integrationHealth: IntegrationHealthStore(scope: scope),
                days: 30, interval: .seconds(86400), logger: .discarding())
            #expect(await retention.purge() == 2500)
            let minutes = try await fixture.server.database.platformQuery(
                "SELECT count(*) FROM integration_minutes WHERE org_id = \(orgID) AND minute < now() - interval '1 day'"
            ).rows[0].decode(0, as: Int.self)
            #expect(minutes == 0)
            #expect(
                try await fixture.server.database.platformQuery(
                    "SELECT count(*) FROM integration_minutes WHERE org_id = \(orgID)"
                )
                .rows[0].decode(0, as: Int.self) == 1)
            let left = try await fixture.server.database.platformQuery("SELECT count(*) FROM listener_requests").rows[0].decode(
                0, as: Int.self)
            #expect(left == 1)
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listener-requests/\(keep)").status == 200)
        }
    }

    @Test("retention settings: defaults, 0 keeps forever, bad values name their setting, --help lists them")
    func retentionSettings() throws {
        let (defaults, _) = try ConfigurationLoader.load(arguments: [], environment: [:])
        #expect(defaults.listenerLogRetentionDays == 30 && defaults.listenerLogPurgeIntervalSeconds == 600)
        let (set, _) = try ConfigurationLoader.load(
            arguments: ["--listener-log-purge-interval=5"], environment: ["CRMHUB_LISTENER_LOG_RETENTION_DAYS": "0"])
        #expect(set.listenerLogRetentionDays == 0 && set.listenerLogPurgeIntervalSeconds == 5)
        for (name, value) in [
            ("CRMHUB_LISTENER_LOG_RETENTION_DAYS", "3651"), ("CRMHUB_LISTENER_LOG_RETENTION_DAYS", "-1"),
            ("CRMHUB_LISTENER_LOG_RETENTION_DAYS", "month"), ("CRMHUB_LISTENER_LOG_PURGE_INTERVAL", "0"),
        ] {
            do {
                _ = try ConfigurationLoader.load(arguments: [], environment: [name: value])
                Issue.record("accepted \(name)=\(value)")
            } catch {
                #expect(error.setting == name && error.description.contains(value))
            }
        }
        let help = ConfigurationLoader.helpText()
        #expect(help.contains("CRMHUB_LISTENER_LOG_RETENTION_DAYS") && help.contains("CRMHUB_LISTENER_LOG_PURGE_INTERVAL"))
    }
}
