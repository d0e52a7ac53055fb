import CRM
import CRMHubTesting
import JSON
import Listener
import Testing

@Suite("admin API: listeners")
struct AdminListenerTests {
    @Test("create shows the secret URL once; the listing never does; the token opens exactly this listener")
    func create() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let created = try await fixture.call(
                "POST", "/admin/v1/orgs/\(slug)/listeners",
                body: [
                    "name": "Website form", "ip_allowlist": ["10.1.2.3/8", "2001:db8::1", "203.0.113.7"],
                    "default_tag": "webhook", "default_contact_channel": "Web Contact Form",
                    "default_lead_channel": "Contact Form",
                    "welcome_email": [
                        "enabled": true, "from": "hello@htklabs.com", "subject": "Welcome {{name}}", "body": "Xin chào {{name}}",
                    ],
                    "welcome_sms": ["enabled": true, "body": "Hi {{name}}"], "rate_limit_per_minute": 600,
                ])
            #expect(created.status == 201, "\(created.json)")
            let url = try #require(created.json["url"]?.stringValue)
            let path = try #require(created.json["url_path"]?.stringValue)
            #expect(url.hasSuffix(path) && path.hasPrefix("/l/crmhub_lt_"))
            #expect(created.json["ip_allowlist"] == ["10.0.0.0/8", "2001:db8::1/128", "203.0.113.7/32"])
            #expect(created.json["welcome_email"]?["enabled"]?.boolValue == true)
            let token = String(path.dropFirst(3))
            let store = ListenerURLStore(scope: OrgScope(database: fixture.server.database))
            let opened = try #require(try await store.authenticate(token))
            #expect(opened.name == "Website form" && opened.defaultLeadChannel == "Contact Form")
            let listed = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listeners")
            #expect(listed.json["items"]?.arrayValue?.count == 1)
            #expect(!listed.response.text.contains(token))
        }
    }

    @Test(
        "validation names every field",
        arguments: [
            (#"{"name": "a", "ip_allowlist": ["10.0.0.0/33", "x"]}"#, ["ip_allowlist[0]", "ip_allowlist[1]"]),
            (
                #"{"name": "a", "welcome_email": {"enabled": true}}"#,
                ["welcome_email.from", "welcome_email.subject", "welcome_email.body"]
            ),
            (
                #"{"name": "a", "welcome_sms": {"enabled": true}, "rate_limit_per_minute": 0}"#,
                ["welcome_sms.body", "rate_limit_per_minute"]
            ),
            (
                #"{"welcome_email": {"enabled": true, "from": "not-an-email", "subject": "s", "body": "b"}}"#,
                ["name", "welcome_email.from"]
            ),
            (#"{"name": "a", "colour": "red"}"#, ["colour"]),
        ])
    func validation(body: String, fields: [String]) async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let result = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/listeners", raw: body)
            #expect(result.status == 422)
            let named = result.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []
            #expect(Set(named) == Set(fields), "\(result.json)")
        }
    }

    @Test("update: given fields change, null clears, omitted stay; enabling the email without a body is refused")
    func update() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let created = try await fixture.call(
                "POST", "/admin/v1/orgs/\(slug)/listeners", body: ["name": "L", "default_tag": "vip"])
            let id = try #require(created.json["id"]?.stringValue)
            let updated = try await fixture.call(
                "PATCH", "/admin/v1/orgs/\(slug)/listeners/\(id)",
                body: [
                    "default_tag": nil, "enabled": false, "default_lead_channel": "Phone",
                ])
            #expect(updated.status == 200)
            #expect(updated.json["default_tag"] == .null && updated.json["enabled"]?.boolValue == false)
            #expect(updated.json["default_lead_channel"]?.stringValue == "Phone" && updated.json["name"]?.stringValue == "L")
            let refused = try await fixture.call(
                "PATCH", "/admin/v1/orgs/\(slug)/listeners/\(id)",
                body: [
                    "welcome_email": ["enabled": true, "from": "a@b.co", "subject": "s"]
                ])
            #expect(refused.status == 422)
            #expect(refused.json["errors"]?.arrayValue?.first?["field"]?.stringValue == "welcome_email.body")
            let duplicate = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/listeners", body: ["name": "l"])
            #expect(duplicate.status == 409)
            let unknownChannel = try await fixture.call(
                "PATCH", "/admin/v1/orgs/\(slug)/listeners/\(id)", body: ["default_contact_channel": "Carrier Pigeon"])
            #expect(unknownChannel.status == 422)
            #expect(unknownChannel.json["errors"]?.arrayValue?.first?["field"]?.stringValue == "default_contact_channel")
            let knownChannel = try await fixture.call(
                "PATCH", "/admin/v1/orgs/\(slug)/listeners/\(id)", body: ["default_contact_channel": "kite chat"])
            #expect(knownChannel.status == 200)
        }
    }

    @Test("rotating the token kills the old URL at once; delete removes the listener")
    func rotateAndDelete() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let created = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/listeners", body: ["name": "L"])
            let id = try #require(created.json["id"]?.stringValue)
            let oldToken = String(try #require(created.json["url_path"]?.stringValue).dropFirst(3))
            let rotated = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/listeners/\(id)/rotate-token")
            #expect(rotated.status == 200)
            let newToken = String(try #require(rotated.json["url_path"]?.stringValue).dropFirst(3))
            let store = ListenerURLStore(scope: OrgScope(database: fixture.server.database))
            #expect(try await store.authenticate(oldToken) == nil)
            #expect(try await store.authenticate(newToken)?.name == "L")
            #expect(try await fixture.call("DELETE", "/admin/v1/orgs/\(slug)/listeners/\(id)").status == 204)
            #expect(try await store.authenticate(newToken) == nil)
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(slug)/listeners/\(id)").status == 404)
        }
    }

    @Test("another org's key cannot see or change listeners")
    func isolation() async throws {
        try await AdminFixture.with { fixture in
            let mine = try await fixture.makeOrg("mine")
            let theirs = try await fixture.makeOrg("theirs")
            let key = try await fixture.makeKey(theirs, scopes: ["admin"])
            let created = try await fixture.call("POST", "/admin/v1/orgs/\(mine)/listeners", body: ["name": "L"])
            let id = try #require(created.json["id"]?.stringValue)
            for (method, path) in [
                ("GET", "/admin/v1/orgs/\(mine)/listeners"), ("GET", "/admin/v1/orgs/\(mine)/listeners/\(id)"),
                ("POST", "/admin/v1/orgs/\(mine)/listeners/\(id)/rotate-token"),
                ("DELETE", "/admin/v1/orgs/\(mine)/listeners/\(id)"),
            ] {
                #expect(try await fixture.call(method, path, token: key).status == 404, "\(method) \(path)")
            }
            // Their own org's path with my listener id: the row is invisible there too.
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(theirs)/listeners/\(id)", token: key).status == 404)
        }
    }
}
