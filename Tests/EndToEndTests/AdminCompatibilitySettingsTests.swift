import CIOPulse
import CRM
import CRMHubTesting
import JSON
import Testing

@Suite("admin API: CIOPulse portal and helpdesk integration settings")
struct AdminCompatibilitySettingsTests {
    @Test("portal code unique across orgs; 40-character keys shown once, authenticate, revoke")
    func ciopulse() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let other = try await fixture.makeOrg("other")
            let code = "P" + RandomText.base62(count: 8)
            let early = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/ciopulse/api-keys")
            #expect(early.status == 422)
            let saved = try await fixture.call(
                "PUT", "/admin/v1/orgs/\(slug)/ciopulse", body: ["portal_code": .string(code), "ip_allowlist": ["203.0.113.10"]])
            #expect(saved.status == 200 && saved.json["ip_allowlist"] == ["203.0.113.10/32"])
            let taken = try await fixture.call("PUT", "/admin/v1/orgs/\(other)/ciopulse", body: ["portal_code": .string(code)])
            #expect(taken.status == 409)
            let created = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/ciopulse/api-keys")
            #expect(created.status == 201)
            let key = try #require(created.json["api_key"]?.stringValue)
            #expect(key.utf8.count == 40 && key.utf8.allSatisfy(RandomText.isAlphanumeric))
            let store = CIOPulseStore(scope: OrgScope(database: fixture.server.database))
            #expect(try await store.authenticate(portalCode: code, apiKey: key)?.portalCode == code)
            #expect(try await store.authenticate(portalCode: code + "x", apiKey: key) == nil)
            #expect(
                try await store.authenticate(portalCode: code, apiKey: String(key.dropLast()) + "0") == nil || key.hasSuffix("0"))
            let listed = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/ciopulse/api-keys")
            let id = try #require(listed.json["items"]?.arrayValue?.first?["id"]?.stringValue)
            #expect(!listed.response.text.contains(key))
            #expect(try await fixture.call("DELETE", "/admin/v1/orgs/\(slug)/ciopulse/api-keys/\(id)").status == 204)
            #expect(try await store.authenticate(portalCode: code, apiKey: key) == nil)
            let bad = try await fixture.call(
                "PUT", "/admin/v1/orgs/\(slug)/ciopulse", body: ["portal_code": "bad code!", "ip_allowlist": ["x"]])
            #expect(
                Set(bad.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []) == [
                    "portal_code", "ip_allowlist[0]",
                ])
        }
    }

    @Test("integration credentials: required per product, password hashed, kept when left out, cleared with null")
    func integrations() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let base = "/admin/v1/orgs/\(slug)/integrations"
            let missing = try await fixture.call("PUT", "\(base)/spicecsm", body: ["enabled": true])
            #expect(
                Set(missing.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []) == [
                    "username", "password",
                ])
            let saved = try await fixture.call(
                "PUT", "\(base)/spicecsm", body: ["enabled": true, "username": "spice", "password": "s3cret-pass"])
            #expect(saved.status == 200 && saved.json["password_set"]?.boolValue == true)
            #expect(!saved.response.text.contains("s3cret-pass"))
            let kept = try await fixture.call("PUT", "\(base)/spicecsm", body: ["enabled": true, "username": "spice2"])
            #expect(kept.json["password_set"]?.boolValue == true && kept.json["username"]?.stringValue == "spice2")
            let stored = try await fixture.server.database.platformQuery(
                """
                SELECT password_hash FROM integration_settings WHERE kind = 'spicecsm' AND org_id = (SELECT id FROM orgs WHERE slug = \(slug))
                """)
            let hash = try stored.rows[0].decode(0, as: String.self)
            #expect(
                hash.hasPrefix("pbkdf2-sha256$") && PasswordHash.verify("s3cret-pass", against: hash)
                    && !PasswordHash.verify("wrong", against: hash))
            // Neither credentials nor an allowlist: refused unless "public" says it is meant (issue 18), and audited.
            let open = try await fixture.call("PUT", "\(base)/sirportly", body: ["enabled": true])
            #expect(open.status == 422 && open.json["errors"]?[0]?["field"]?.stringValue == "public", "\(open.json)")
            #expect(try await fixture.call("PUT", "\(base)/sirportly", body: ["enabled": true, "public": false]).status == 422)
            let cleared = try await fixture.call("PUT", "\(base)/sirportly", body: ["enabled": true, "public": true])
            #expect(
                cleared.status == 200 && cleared.json["password_set"]?.boolValue == false
                    && cleared.json["public"]?.boolValue == true)
            let audit = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/audit?limit=1")
            #expect(audit.json["items"]?[0]?["details"]?["public"]?.boolValue == true, "\(audit.json)")
            let allowlisted = try await fixture.call(
                "PUT", "\(base)/sirportly", body: ["enabled": true, "ip_allowlist": ["203.0.113.0/24"]])
            #expect(allowlisted.status == 200 && allowlisted.json["public"]?.boolValue == false)
            #expect(try await fixture.call("PUT", "\(base)/sirportly", body: ["enabled": false]).status == 200)
            let smarter = try await fixture.call("PUT", "\(base)/smartertrack", body: ["enabled": true, "username": "x"])
            #expect(smarter.status == 422)
            let unknown = try await fixture.call("GET", "\(base)/zendesk")
            #expect(unknown.status == 404)
        }
    }
}
