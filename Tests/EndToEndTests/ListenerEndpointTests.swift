import CRM
import CRMHubTesting
import HTTPServer
import JSON
import Postgres
import Testing

@Suite("listener: the endpoint, refusals, per-item results, request log")
struct ListenerEndpointTests {
    @Test("unknown and rotated tokens are 404; a disabled listener is 403; a suspended org is 423")
    func refusals() async throws {
        try await ListenerFixture.with { fixture in
            let body =
                #"{"senderUser": "huy.nguyenviet@htklabs.com", "data": [{"actionType": "add-contact", "data": {"name": "A"}}]}"#
            #expect(try await fixture.post(body, path: "/l/crmhub_lt_nope_nope").status == 404)
            #expect(try await fixture.post(body, path: "/l/garbage").status == 404)
            let rotated = try await fixture.admin("POST", "/listeners/\(fixture.listenerID)/rotate-token")
            let old = try await fixture.post(body)
            #expect(old.status == 404)
            #expect(old.json["detail"]?.stringValue?.contains("rotated") == true)
            let newPath = try #require(rotated["url_path"]?.stringValue)
            #expect(try await fixture.post(body, path: newPath).status == 200)

            try await fixture.admin("PATCH", "/listeners/\(fixture.listenerID)", ["enabled": false])
            let disabled = try await fixture.post(body, path: newPath)
            #expect(disabled.status == 403 && disabled.json["detail"]?.stringValue?.contains("disabled") == true)
            try await fixture.admin("PATCH", "/listeners/\(fixture.listenerID)", ["enabled": true])
            _ = try await fixture.admin.call("PATCH", "/admin/v1/orgs/\(fixture.slug)", body: ["status": "suspended"])
            let suspended = try await fixture.post(body, path: newPath)
            #expect(suspended.status == 423, "\(suspended.json)")
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 1)
            // Refused requests that reached the listener are logged with their answer.
            let logged = try await fixture.rows(
                """
                SELECT status FROM listener_requests WHERE org_id = \(fixture.orgID) ORDER BY id
                """
            ).map { try $0.decode(0, as: Int.self) }
            #expect(logged == [200, 403, 423])
        }
    }

    @Test("an address outside the allowlist is 403; a trusted proxy's X-Forwarded-For is the client")
    func allowlist() async throws {
        try await ListenerFixture.with(
            listener: ["ip_allowlist": ["203.0.113.0/24"]],
            configure: { configuration in
                configuration.trustedProxies = [CIDR("127.0.0.1/32")!]
            }
        ) { fixture in
            let body =
                #"{"senderUser": "huy.nguyenviet@htklabs.com", "data": [{"actionType": "add-contact", "data": {"name": "A"}}]}"#
            let direct = try await fixture.post(body)
            #expect(direct.status == 403)
            #expect(direct.json["detail"]?.stringValue?.contains("127.0.0.1") == true)
            let outside = try await fixture.post(body, headers: [("X-Forwarded-For", "198.51.100.1")])
            #expect(outside.status == 403)
            let inside = try await fixture.post(body, headers: [("X-Forwarded-For", "203.0.113.9")])
            #expect(inside.status == 200, "\(inside.json)")
            let address = try await fixture.rows(
                """
                SELECT host(client_address) FROM listener_requests WHERE org_id = \(fixture.orgID) AND status = 200
                """)[0].decode(0, as: String.self)
            #expect(address == "203.0.113.9")
        }
    }

    @Test(
        "a body that is not JSON is 400 with the position; envelope and senderUser problems refuse the whole request",
        arguments: [
            (#"{"senderUser": "huy.nguyenviet@htklabs.com", "data": [}"#, 400, "line 1, column 55"),
            ("{\n  \"senderUser\": 'x'\n}", 400, "line 2, column 17"),
            (#"{"data": []}"#, 422, "senderUser"),
            (#"{"senderUser": "not an email", "data": []}"#, 422, "senderUser"),
            (#"{"senderUser": "stranger@htklabs.com", "data": []}"#, 422, "not an active user"),
            (#"{"senderUser": "huy.nguyenviet@htklabs.com"}"#, 422, "data"),
            (#"{"senderUser": "huy.nguyenviet@htklabs.com", "data": {"actionType": "add-contact"}}"#, 422, "data"),
            (#"[1, 2]"#, 422, "JSON object"),
        ])
    func wholeRequestRefusals(body: String, status: Int, detail: String) async throws {
        try await ListenerFixture.with { fixture in
            let result = try await fixture.post(body)
            #expect(result.status == status, "\(result.json)")
            #expect(result.response.header("Content-Type") == "application/problem+json")
            #expect(result.json["detail"]?.stringValue?.contains(detail) == true, "\(result.json)")
        }
    }

    @Test("an inactive sender is refused")
    func inactiveSender() async throws {
        try await ListenerFixture.with { fixture in
            let users = try await fixture.admin("GET", "/users")
            let sender = try #require(users["items"]?.arrayValue?.first { $0["email"] == .string(ListenerFixture.sender) })
            try await fixture.admin("PATCH", "/users/\(sender["id"]?.stringValue ?? "")", ["active": false])
            let result = try await fixture.send([("add-contact", ["name": "A"])])
            #expect(result.status == 422)
            #expect(result.json["errors"]?[0]?["field"] == "senderUser")
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 0)
        }
    }

    @Test("items run in order and independently: 200 all ok, 207 partial, 422 all failed; an unknown action fails alone")
    func perItemResults() async throws {
        try await ListenerFixture.with { fixture in
            let partial = try await fixture.send([
                ("add-contact", ["name": "A", "emails": [["value": "a@x.vn"]]]),
                ("remove-contact", ["name": "B"]),
                ("add-contact", ["lastname": "no name", "emails": [["value": "not-an-email"]], "gender": 7]),
                ("add-contact", ["name": "C"]),
            ])
            #expect(partial.status == 207, "\(partial.json)")
            #expect(partial.json["status"] == "partial")
            #expect(partial.json["summary"]?["created"] == 2 && partial.json["summary"]?["errors"] == 2)
            let results = try #require(partial.json["results"]?.arrayValue)
            #expect(results.map { $0["outcome"]?.stringValue } == ["created", "error", "error", "created"])
            #expect(results[1]["errors"]?[0]?["field"] == "data[1].actionType")
            let fields = Set(results[2]["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? [])
            #expect(fields == ["data[2].data.name", "data[2].data.emails[0].value", "data[2].data.gender"])
            #expect(results[3]["records"]?[0]?["customerId"] == "PID-2")

            let failed = try await fixture.send([("add-contact", [:]), ("add-lead", ["name": ""])])
            #expect(failed.status == 422 && failed.json["status"] == "failed")
            let empty = try await fixture.send([])
            #expect(empty.status == 200 && empty.json["results"] == [])
        }
    }

    @Test("an item that fails after writing is undone alone, the items around it stay")
    func lateFailureIsUndoneAlone() async throws {
        try await ListenerFixture.with { fixture in
            _ = try await fixture.send([("add-contact", ["name": "Owner", "emails": [["value": "taken@x.vn"]]])])
            let result = try await fixture.send([
                ("add-contact", ["name": "Before"]),
                // Creates the company "NewCo", then the email is found taken: the company must not stay.
                ("update-contact", ["customerId": "PID-1", "companyContact": ["name": "NewCo"], "title": "t"]),
                ("add-contact", ["name": "Taker", "phones": [["value": "0905111222"]]]),
                (
                    "update-contact",
                    [
                        "phones": [["value": "0905111222"]], "emails": [["value": "taken@x.vn"]],
                        "companyContact": ["name": "OtherCo"],
                    ]
                ),
                ("add-contact", ["name": "After"]),
            ])
            #expect(result.status == 207, "\(result.json)")
            let outcomes = result.json["results"]?.arrayValue?.map { $0["outcome"]?.stringValue }
            #expect(outcomes == ["created", "updated", "created", "error", "created"])
            // Emails come before phones in the matching order: it finds Owner, whose new phone belongs to Taker.
            #expect(result.json["results"]?[3]?["errors"]?[0]?["field"] == "data[3].data.phones")
            let companies = try await fixture.rows(
                """
                SELECT name FROM customers WHERE org_id = \(fixture.orgID) AND kind = 'company' ORDER BY code
                """
            ).map { try $0.decode(0, as: String.self) }
            #expect(companies == ["NewCo"])
        }
    }

    @Test("fifty identical add-contact requests at once create one contact and forty-nine duplicate history lines")
    func concurrentDuplicates() async throws {
        try await ListenerFixture.with(configure: { $0.databasePoolSize = 10 }) { fixture in
            let body = try ListenerFixture.sample("add-contact")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<50 { group.addTask { try await fixture.post(body).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 1)
            let events = try await fixture.rows(
                """
                SELECT event, count(*) FROM customer_history WHERE org_id = \(fixture.orgID) GROUP BY event ORDER BY event
                """
            ).map { (try $0.decode(0, as: String.self), try $0.decode(1, as: Int.self)) }
            #expect(events.map(\.0) == ["created", "duplicate"] && events.map(\.1) == [1, 49])
        }
    }

    @Test("Idempotency-Key returns the stored result and applies the request once; the log holds body and results")
    func idempotencyAndLog() async throws {
        try await ListenerFixture.with { fixture in
            let headers = [("Idempotency-Key", "order-42")]
            let first = try await fixture.send([("add-contact", ["name": "A"])], headers: headers)
            let second = try await fixture.send([("add-contact", ["name": "A"])], headers: headers)
            #expect(first.status == 200 && second.status == 200)
            #expect(second.response.body == first.response.body)
            #expect(second.response.header("Idempotent-Replayed") == "true")
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 1)
            let log = try await fixture.rows(
                """
                SELECT size, convert_from(body, 'UTF8'), status, convert_from(response, 'UTF8'), item_count, error_count, sender_user,
                    host(client_address), idempotency_key, request_id IS NOT NULL
                FROM listener_requests WHERE org_id = \(fixture.orgID)
                """)
            #expect(log.count == 1)
            let row = log[0]
            #expect(try row.decode(1, as: String.self).contains("\"add-contact\""))
            #expect(try row.decode(0, as: Int.self) == row.decode(1, as: String.self).utf8.count)
            #expect(try row.decode(2, as: Int.self) == 200)
            #expect(try row.decode(3, as: String.self) == String(decoding: first.response.body, as: UTF8.self))
            #expect(try row.decode(4, as: Int.self) == 1 && row.decode(5, as: Int.self) == 0)
            #expect(try row.decode(6, as: String?.self) == ListenerFixture.sender)
            #expect(try row.decode(7, as: String?.self) == "127.0.0.1")
            #expect(try row.decode(8, as: String?.self) == "order-42")
            #expect(try row.decode(9, as: Bool.self))
        }
    }
}

@Suite("listener: replay")
struct ListenerReplayTests {
    @Test(
        "replay runs a logged request again as a new log row pointing at the original; dedup makes it match the existing contact")
    func replay() async throws {
        try await ListenerFixture.with(listener: ["ip_allowlist": ["127.0.0.1/32"]]) { fixture in
            let original = try await fixture.send([
                ("add-contact", ["name": "A", "emails": [["value": "a@x.vn"]]]), ("add-note", [:]),
            ])
            let originalID = try #require(original.json["listenerRequestId"]?.intValue)
            try await fixture.admin("PATCH", "/listeners/\(fixture.listenerID)", ["ip_allowlist": ["10.0.0.0/8"]])
            let replayed = try await fixture.admin.call(
                "POST", "/admin/v1/orgs/\(fixture.slug)/listener-requests/\(originalID)/replay")
            #expect(replayed.status == original.status, "\(replayed.json)")
            #expect(replayed.json["results"]?[0]?["outcome"] == "matched-existing")
            let newID = try #require(replayed.json["listenerRequestId"]?.intValue)
            #expect(newID != originalID)
            let replayOf = try await fixture.rows(
                """
                SELECT replay_of FROM listener_requests WHERE org_id = \(fixture.orgID) AND id = \(newID)
                """)[0].decode(0, as: Int64?.self)
            #expect(replayOf == Int64(originalID))
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 1)
        }
    }
}

@Suite("listener: rate limit")
struct ListenerRateLimitTests {
    @Test(
        "a listener with rate_limit_per_minute answers 429 with Retry-After and RateLimit fields once the minute's requests are used"
    )
    func rateLimit() async throws {
        try await ListenerFixture.with(listener: ["rate_limit_per_minute": 3]) { fixture in
            var statuses: [Int] = []
            for index in 0..<5 {
                statuses.append(try await fixture.send([("add-contact", ["name": .string("C\(index)")])]).status)
            }
            #expect(statuses == [200, 200, 200, 429, 429])
            let refused = try await fixture.send([("add-contact", ["name": "late"])])
            // The seconds until the oldest request of the window leaves it, and the IETF httpapi RateLimit fields.
            let retryAfter = Int(refused.response.header("Retry-After") ?? "") ?? 0
            #expect((1...60).contains(retryAfter))
            #expect(refused.response.header("RateLimit-Policy") == #""listener";q=3;w=60"#)
            #expect(refused.response.header("RateLimit") == #""listener";r=0;t=\#(retryAfter)"#)
            #expect(refused.json["detail"]?.stringValue?.contains("3 requests a minute") == true)
            #expect(try await fixture.count("SELECT count(*) FROM listener_requests WHERE org_id = \(fixture.orgID)") == 3)
            // Requests older than a minute no longer count.
            _ = try await fixture.rows(
                "UPDATE listener_requests SET received_at = now() - interval '2 minutes' WHERE org_id = \(fixture.orgID)")
            #expect(try await fixture.send([("add-contact", ["name": "next minute"])]).status == 200)
        }
    }
}
