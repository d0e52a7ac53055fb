import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing

/// Outbox rows as the ingest transaction queues them, inserted directly as the test database's owner.
enum OutboxRows {
    @discardableResult
    static func message(
        _ fixture: AdminFixture, orgID: Int64, channel: String = "email", reason: String = "welcome-email",
        recipient: String = "ann@example.com", status: String = "queued", customerID: Int64? = nil, listenerID: Int64? = nil
    ) async throws -> Int64 {
        let email = channel == "email"
        return try await fixture.server.database.platformQuery(
            """
            INSERT INTO outbox (org_id, channel, reason, recipient, sender, subject, body, status, attempts, last_error,
                                customer_id, listener_id)
            VALUES (\(orgID), \(channel), \(reason), \(recipient), \(email ? "hello@htklabs.com" : nil),
                    \(email ? "Welcome, Ann" : nil), 'Xin chào Ann', \(status), \(status == "failed" ? 3 : 0),
                    \(status == "failed" ? "mailbox unavailable" : nil), \(customerID), \(listenerID))
            RETURNING id
            """
        ).rows[0].decode(0, as: Int64.self)
    }

    /// A contact row (code 1 of the org's contact series).
    static func customer(_ fixture: AdminFixture, orgID: Int64) async throws -> Int64 {
        try await fixture.server.database.platformQuery(
            """
            INSERT INTO customers (org_id, kind, code, name) VALUES (\(orgID), 'contact', 1, 'Ann') RETURNING id
            """
        ).rows[0].decode(0, as: Int64.self)
    }
}

@Suite("admin API: outbox")
struct OutboxAdminTests {
    @Test("the outbox lists newest first, pages with next_cursor, and shows one message with every field")
    func listAndShow() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let orgID = try await LogRows.orgID(fixture, slug)
            let listenerID = try await LogRows.listener(fixture, slug)
            let customerID = try await OutboxRows.customer(fixture, orgID: orgID)
            var ids: [Int64] = []
            for _ in 0..<3 { ids.append(try await OutboxRows.message(fixture, orgID: orgID)) }
            let last = try await OutboxRows.message(
                fixture, orgID: orgID, channel: "sms", reason: "welcome-sms", recipient: "+84901234567", status: "failed",
                customerID: customerID, listenerID: listenerID)
            ids.append(last)
            let first = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/outbox?limit=3")
            #expect(first.status == 200, "\(first.json)")
            let cursor = try #require(first.json["next_cursor"]?.stringValue)
            let second = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/outbox?limit=3&cursor=\(cursor)")
            #expect(second.json["next_cursor"] == .null)
            let listed = ((first.json["items"]?.arrayValue ?? []) + (second.json["items"]?.arrayValue ?? [])).compactMap {
                $0["id"]?.stringValue
            }
            #expect(listed == ids.reversed().map { String($0) })
            let shown = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/outbox/\(last)")
            #expect(shown.status == 200)
            #expect(shown.json["channel"]?.stringValue == "sms" && shown.json["reason"]?.stringValue == "welcome-sms")
            #expect(
                shown.json["recipient"]?.stringValue == "+84901234567" && shown.json["sender"] == .null
                    && shown.json["subject"] == .null)
            #expect(shown.json["body"]?.stringValue == "Xin chào Ann" && shown.json["status"]?.stringValue == "failed")
            #expect(shown.json["attempts"]?.intValue == 3 && shown.json["last_error"]?.stringValue == "mailbox unavailable")
            #expect(
                shown.json["customer_id"]?.stringValue == String(customerID)
                    && shown.json["listener_id"]?.stringValue == String(listenerID))
            #expect(
                shown.json["created_at"]?.stringValue?.hasSuffix("Z") == true
                    && shown.json["updated_at"]?.stringValue?.count == 24)
            let email = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/outbox/\(ids[0])")
            #expect(
                email.json["sender"]?.stringValue == "hello@htklabs.com" && email.json["subject"]?.stringValue == "Welcome, Ann")
            #expect(email.json["customer_id"] == .null && email.json["listener_id"] == .null && email.json["last_error"] == .null)
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(slug)/outbox/\(last + 1_000_000)").status == 404)
        }
    }

    @Test("status, channel and reason filters narrow the list")
    func filters() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let orgID = try await LogRows.orgID(fixture, slug)
            let welcome = try await OutboxRows.message(fixture, orgID: orgID)
            let sent = try await OutboxRows.message(fixture, orgID: orgID, status: "sent")
            let sms = try await OutboxRows.message(
                fixture, orgID: orgID, channel: "sms", reason: "send-sms", recipient: "+84901234567")
            let welcomeSMS = try await OutboxRows.message(
                fixture, orgID: orgID, channel: "sms", reason: "welcome-sms", recipient: "+84901234567", status: "sending")
            func ids(_ query: String) async throws -> [Int64] {
                let result = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/outbox?\(query)")
                #expect(result.status == 200, "\(query): \(result.json)")
                return result.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue.flatMap { Int64($0) } } ?? []
            }
            #expect(try await ids("") == [welcomeSMS, sms, sent, welcome])
            #expect(try await ids("status=queued") == [sms, welcome])
            #expect(try await ids("status=sending") == [welcomeSMS])
            #expect(try await ids("channel=email") == [sent, welcome])
            #expect(try await ids("reason=send-sms") == [sms])
            #expect(try await ids("channel=sms&status=queued") == [sms])
            #expect(try await ids("status=failed") == [])
        }
    }

    @Test("bad filters are one 422 naming every parameter")
    func badFilters() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let result = try await fixture.call(
                "GET", "/admin/v1/orgs/\(slug)/outbox?status=lost&channel=pigeon&reason=welcome&limit=500")
            #expect(result.status == 422)
            let named = result.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []
            #expect(Set(named) == ["status", "channel", "reason", "limit"], "\(result.json)")
            let channel = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/outbox?channel=EMAIL")
            #expect(channel.status == 422)
            #expect(channel.json["errors"]?.arrayValue?.first?["message"]?.stringValue == "must be one of email, sms, webhook")
        }
    }

    @Test("another org's key gets 404 on the outbox; the org's read key may read it")
    func isolation() async throws {
        try await AdminFixture.with { fixture in
            let mine = try await fixture.makeOrg("mine")
            let theirs = try await fixture.makeOrg("theirs")
            let id = try await OutboxRows.message(fixture, orgID: try await LogRows.orgID(fixture, mine))
            let foreign = try await fixture.makeKey(theirs, scopes: ["admin", "read"])
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(mine)/outbox", token: foreign).status == 404)
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(mine)/outbox/\(id)", token: foreign).status == 404)
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(theirs)/outbox/\(id)", token: foreign).status == 404)
            let theirList = try await fixture.call("GET", "/admin/v1/orgs/\(theirs)/outbox", token: foreign)
            #expect(theirList.status == 200 && theirList.json["items"]?.arrayValue?.isEmpty == true)
            let reader = try await fixture.makeKey(mine, scopes: ["read"])
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(mine)/outbox/\(id)", token: reader).status == 200)
        }
    }
}
