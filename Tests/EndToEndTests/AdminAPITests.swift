import App
import CRM
import CRMHubTesting
import JSON
import Testing

/// A running server, a platform token, and helpers to call `/admin/v1` with JSON.
struct AdminFixture {
    let server: TestServer
    let platformToken: String

    /// Runs `body` with a server and a platform token; the server stops whether `body` returns or throws.
    @discardableResult
    static func with<Result>(
        configure: @Sendable (inout Configuration) -> Void = { _ in }, _ body: (AdminFixture) async throws -> Result
    ) async throws -> Result {
        try await TestServer.with(configure: configure) { server in
            let token = try await PlatformTokenStore(scope: OrgScope(database: server.database))
                .create(name: "tests", audit: .system("tests", "platform_token.create"))
            return try await body(AdminFixture(server: server, platformToken: token.text))
        }
    }

    func call(
        _ method: String, _ path: String, token: String? = nil, body: JSONValue? = nil, raw: String? = nil
    )
        async throws -> (status: Int, json: JSONValue, response: RawResponse)
    {
        var headers: [(String, String)] = []
        if let token = token ?? Optional(platformToken), !token.isEmpty { headers.append(("Authorization", "Bearer \(token)")) }
        let text = raw ?? body.map(JSONWriter.string)
        if text != nil { headers.append(("Content-Type", "application/json")) }
        let response = try await server.request(method, path, headers: headers, body: text)
        let json = response.body.isEmpty ? JSONValue.null : ((try? JSONParser.parse(response.body)) ?? .null)
        return (response.status, json, response)
    }

    /// Creates an org with an owner; returns its slug.
    func makeOrg(_ prefix: String = "org") async throws -> String {
        let slug = "\(prefix)-\(RandomText.base62(count: 8).lowercased())"
        let created = try await call(
            "POST", "/admin/v1/orgs",
            body: [
                "slug": .string(slug), "name": .string("Org \(slug)"), "timezone": "Asia/Ho_Chi_Minh",
                "owner": ["email": .string("owner@\(slug).example"), "display_name": "Owner"],
            ])
        try #require(created.status == 201, "\(created.json)")
        return slug
    }

    /// Creates an API key in the org; returns the key text.
    func makeKey(_ slug: String, scopes: [String]) async throws -> String {
        let created = try await call(
            "POST", "/admin/v1/orgs/\(slug)/api-keys",
            body: [
                "name": "key", "scopes": .array(scopes.map(JSONValue.string)),
            ])
        try #require(created.status == 201, "\(created.json)")
        return try #require(created.json["key"]?.stringValue, "\(created.json)")
    }
}

@Suite("admin API: orgs")
struct AdminOrgTests {
    @Test("create an org with its owner, read it, list it")
    func createAndRead() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let shown = try await fixture.call("GET", "/admin/v1/orgs/\(slug)")
            #expect(shown.status == 200)
            #expect(shown.json["timezone"]?.stringValue == "Asia/Ho_Chi_Minh")
            #expect(shown.json["status"]?.stringValue == "active")
            let users = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/users")
            #expect(users.json["items"]?.arrayValue?.first?["role"]?.stringValue == "owner")
            let listed = try await fixture.call("GET", "/admin/v1/orgs?limit=200")
            #expect(listed.json["items"]?.arrayValue?.contains { $0["slug"]?.stringValue == slug } == true)
        }
    }

    @Test(
        "every bad field is named in one 422",
        arguments: [
            (#"{"slug": "Bad Slug", "name": ""}"#, ["slug", "name"]),
            (
                #"{"slug": "ok-slug", "name": "x", "timezone": "Mars/Base", "owner": {"email": "nope"}}"#,
                ["timezone", "owner.email"]
            ),
            (#"{"slug": "ok-slug", "name": 5, "extra": 1}"#, ["extra", "name"]),
            (#"{"name": "x"}"#, ["slug"]),
        ])
    func validation(body: String, fields: [String]) async throws {
        try await AdminFixture.with { fixture in
            let result = try await fixture.call("POST", "/admin/v1/orgs", raw: body)
            #expect(result.status == 422)
            #expect(result.response.header("Content-Type") == "application/problem+json")
            let named = result.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []
            #expect(Set(named) == Set(fields), "\(result.json)")
        }
    }

    @Test("malformed JSON is 400 with the position; a taken slug is 409")
    func malformedAndConflict() async throws {
        try await AdminFixture.with { fixture in
            let broken = try await fixture.call("POST", "/admin/v1/orgs", raw: "{\"slug\": \"a\",}")
            #expect(broken.status == 400)
            #expect(broken.json["detail"]?.stringValue?.contains("line 1, column 14") == true)
            let slug = try await fixture.makeOrg()
            let again = try await fixture.call("POST", "/admin/v1/orgs", body: ["slug": .string(slug), "name": "Again"])
            #expect(again.status == 409)
            #expect(again.json["errors"]?.arrayValue?.first?["field"]?.stringValue == "slug")
            // The detail names the field once.
            #expect(again.json["detail"]?.stringValue == "an org with slug '\(slug)' already exists", "\(again.json)")
            let invalid = try await fixture.call(
                "POST", "/admin/v1/orgs",
                raw: #"{"slug": "ok-slug", "name": "x", "timezone": "Mars/Base", "owner": {"email": "nope"}}"#)
            #expect(
                invalid.json["detail"]?.stringValue
                    == "timezone must be UTC or an IANA time zone such as Asia/Ho_Chi_Minh; owner.email is not an email address"
                    || invalid.json["detail"]?.stringValue
                        == "timezone: 'Mars/Base' is not a known IANA time zone; owner.email is not an email address",
                "\(invalid.json)")
        }
    }

    @Test("missing or wrong credentials are 401; an org key cannot create orgs (403)")
    func authentication() async throws {
        try await AdminFixture.with { fixture in
            let none = try await fixture.server.request("GET", "/admin/v1/orgs")
            #expect(none.status == 401)
            #expect(none.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            let wrong = try await fixture.call(
                "GET", "/admin/v1/orgs", token: "crmhub_pt_AAAAAAAAAAAA_" + String(repeating: "x", count: 43))
            #expect(wrong.status == 401)
            let slug = try await fixture.makeOrg()
            let key = try await fixture.makeKey(slug, scopes: ["admin"])
            let denied = try await fixture.call("POST", "/admin/v1/orgs", token: key, body: ["slug": "x-y", "name": "X"])
            #expect(denied.status == 403)
        }
    }

    @Test("a suspended org refuses its keys with 423 and keeps its data; reactivation restores access")
    func suspension() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let key = try await fixture.makeKey(slug, scopes: ["read"])
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(slug)/users", token: key).status == 200)
            #expect(
                try await fixture.call("PATCH", "/admin/v1/orgs/\(slug)", token: key, body: ["status": "suspended"]).status == 403
            )
            let suspended = try await fixture.call("PATCH", "/admin/v1/orgs/\(slug)", body: ["status": "suspended"])
            #expect(suspended.json["status"]?.stringValue == "suspended")
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(slug)/users", token: key).status == 423)
            let kept = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/users")
            #expect(kept.json["items"]?.arrayValue?.count == 1)
            _ = try await fixture.call("PATCH", "/admin/v1/orgs/\(slug)", body: ["status": "active"])
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(slug)/users", token: key).status == 200)
        }
    }
}

@Suite("admin API: users, keys, audit, isolation")
struct AdminUserTests {
    @Test("user lifecycle: create, case-insensitive uniqueness, update, delete")
    func users() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let created = try await fixture.call(
                "POST", "/admin/v1/orgs/\(slug)/users",
                body: [
                    "email": "Luyt.Ngo@HTKLabs.com", "display_name": "Luyt", "role": "admin",
                ])
            #expect(created.status == 201)
            let id = try #require(created.json["id"]?.stringValue)
            let duplicate = try await fixture.call(
                "POST", "/admin/v1/orgs/\(slug)/users", body: ["email": "luyt.ngo@htklabs.com"])
            #expect(duplicate.status == 409)
            #expect(
                duplicate.json["detail"]?.stringValue == "a user with email 'luyt.ngo@htklabs.com' already exists in this org",
                "\(duplicate.json)")
            let badRole = try await fixture.call(
                "POST", "/admin/v1/orgs/\(slug)/users", body: ["email": "a@b.co", "role": "boss"])
            #expect(badRole.status == 422 && badRole.json["errors"]?.arrayValue?.first?["field"]?.stringValue == "role")
            let updated = try await fixture.call("PATCH", "/admin/v1/orgs/\(slug)/users/\(id)", body: ["active": false])
            #expect(updated.json["active"]?.boolValue == false)
            #expect(updated.json["email"]?.stringValue == "Luyt.Ngo@HTKLabs.com")
            #expect(try await fixture.call("DELETE", "/admin/v1/orgs/\(slug)/users/\(id)").status == 204)
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(slug)/users/\(id)").status == 404)
        }
    }

    @Test("API keys: shown once, scopes enforced, revocation is immediate")
    func keys() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let reader = try await fixture.makeKey(slug, scopes: ["read"])
            #expect(reader.hasPrefix("crmhub_ok_"))
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(slug)/users", token: reader).status == 200)
            #expect(
                try await fixture.call("POST", "/admin/v1/orgs/\(slug)/users", token: reader, body: ["email": "x@y.co"]).status
                    == 403)
            let listed = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/api-keys")
            let entries = listed.json["items"]?.arrayValue ?? []
            #expect(entries.count == 1 && entries[0]["key"] == nil)
            let id = try #require(entries.first?["id"]?.stringValue)
            #expect(try await fixture.call("DELETE", "/admin/v1/orgs/\(slug)/api-keys/\(id)").status == 204)
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(slug)/users", token: reader).status == 401)
            let noScopes = try await fixture.call(
                "POST", "/admin/v1/orgs/\(slug)/api-keys", body: ["name": "k", "scopes": ["root"]])
            #expect(noScopes.status == 422 && noScopes.json["errors"]?.arrayValue?.first?["field"]?.stringValue == "scopes[0]")
        }
    }

    @Test("another org's key sees 404 on every route of this org, and cannot change anything")
    func isolation() async throws {
        try await AdminFixture.with { fixture in
            let mine = try await fixture.makeOrg("mine")
            let theirs = try await fixture.makeOrg("theirs")
            let theirKey = try await fixture.makeKey(theirs, scopes: ["admin"])
            let users = try await fixture.call("GET", "/admin/v1/orgs/\(mine)/users")
            let userID = try #require(users.json["items"]?.arrayValue?.first?["id"]?.stringValue)
            let attempts: [(String, String, JSONValue?)] = [
                ("GET", "/admin/v1/orgs/\(mine)", nil),
                ("PATCH", "/admin/v1/orgs/\(mine)", ["name": "Hacked"]),
                ("GET", "/admin/v1/orgs/\(mine)/users", nil),
                ("POST", "/admin/v1/orgs/\(mine)/users", ["email": "spy@x.co"]),
                ("GET", "/admin/v1/orgs/\(mine)/users/\(userID)", nil),
                ("PATCH", "/admin/v1/orgs/\(mine)/users/\(userID)", ["active": false]),
                ("DELETE", "/admin/v1/orgs/\(mine)/users/\(userID)", nil),
                ("POST", "/admin/v1/orgs/\(mine)/api-keys", ["name": "k", "scopes": ["admin"]]),
                ("GET", "/admin/v1/orgs/\(mine)/api-keys", nil),
                ("GET", "/admin/v1/orgs/\(mine)/audit", nil),
            ]
            for (method, path, body) in attempts {
                let result = try await fixture.call(method, path, token: theirKey, body: body)
                #expect(result.status == 404, "\(method) \(path)")
                #expect(!result.response.text.contains("owner@\(mine)"))
            }
            // Their own user id in my org's path is still 404: rows are confined to the org in the path.
            let theirUsers = try await fixture.call("GET", "/admin/v1/orgs/\(theirs)/users", token: theirKey)
            let theirUserID = try #require(theirUsers.json["items"]?.arrayValue?.first?["id"]?.stringValue)
            #expect(
                try await fixture.call("GET", "/admin/v1/orgs/\(mine)/users/\(theirUserID)").status == 404
                    || theirUserID == userID)
            let unchanged = try await fixture.call("GET", "/admin/v1/orgs/\(mine)/users")
            #expect(unchanged.json["items"]?.arrayValue?.first?["active"]?.boolValue == true)
        }
    }

    @Test("every change is in the audit log with actor, action, address and request id")
    func audit() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            _ = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/users", body: ["email": "a@audit.co"])
            let log = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/audit")
            let actions = log.json["items"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
            #expect(actions == ["user.create", "org.create"])
            let newest = try #require(log.json["items"]?.arrayValue?.first)
            // The actual credential: the fixture's platform token, by id and name.
            #expect(newest["actor"]?.stringValue?.wholeMatch(of: /platform_token:[0-9]+ \(tests\)/) != nil, "\(newest)")
            #expect(newest["client_address"]?.stringValue == "127.0.0.1")
            #expect(newest["request_id"]?.stringValue?.isEmpty == false)
            #expect(newest["details"]?["email"]?.stringValue == "a@audit.co")
        }
    }

    @Test("pagination walks every row once with next_cursor")
    func pagination() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            for index in 0..<4 {
                _ = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/users", body: ["email": .string("u\(index)@p.co")])
            }
            var seen: [String] = []
            var cursor: String? = ""
            while let current = cursor {
                let page = try await fixture.call(
                    "GET", "/admin/v1/orgs/\(slug)/users?limit=2" + (current.isEmpty ? "" : "&cursor=\(current)"))
                seen += page.json["items"]?.arrayValue?.compactMap { $0["email"]?.stringValue } ?? []
                cursor = page.json["next_cursor"]?.stringValue
            }
            #expect(seen.count == 5 && Set(seen).count == 5)
            let bad = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/users?limit=0")
            #expect(bad.status == 422)
        }
    }
}

@Suite("admin API: platform tokens")
struct AdminPlatformTokenTests {
    @Test("platform tokens: create (shown once), list without secrets, revoke stops them at once; org keys are refused")
    func lifecycle() async throws {
        try await AdminFixture.with { fixture in
            let created = try await fixture.call("POST", "/admin/v1/platform-tokens", body: ["name": "second"])
            #expect(created.status == 201)
            let token = try #require(created.json["token"]?.stringValue)
            #expect(try await fixture.call("GET", "/admin/v1/orgs", token: token).status == 200)
            let listed = try await fixture.call("GET", "/admin/v1/platform-tokens")
            #expect(!listed.response.text.contains(token))
            let id = try #require(created.json["id"]?.stringValue)
            #expect(try await fixture.call("DELETE", "/admin/v1/platform-tokens/\(id)").status == 204)
            #expect(try await fixture.call("GET", "/admin/v1/orgs", token: token).status == 401)
            let slug = try await fixture.makeOrg()
            let key = try await fixture.makeKey(slug, scopes: ["admin"])
            #expect(try await fixture.call("GET", "/admin/v1/platform-tokens", token: key).status == 403)
        }
    }
}
