import CRM
import CRMHubTesting
import Listener
import Postgres
import Testing

@Suite("platform tokens and the admin bootstrap")
struct PlatformTokenTests {
    @Test("tokens have the documented shape and parse back; other shapes do not")
    func shape() throws {
        let token = SecretToken.generate(prefix: PlatformTokenStore.prefix)
        #expect(token.text.hasPrefix("crmhub_pt_"))
        #expect(token.lookupID.utf8.count == 12 && token.secret.utf8.count == 43)
        #expect(SecretToken.parse(token.text, prefix: PlatformTokenStore.prefix) == token)
        #expect(SecretToken.parse(token.text, prefix: "crmhub_ok") == nil)
        #expect(SecretToken.parse("crmhub_pt_short_x", prefix: PlatformTokenStore.prefix) == nil)
        #expect(SecretToken.generate(prefix: "p") != SecretToken.generate(prefix: "p"))
        #expect(RandomText.base64url([0xFB, 0xFF]) == "-_8")
    }

    @Test("`crmhub admin create-token` prints a token the store accepts; a changed one is refused")
    func createToken() async throws {
        let url = try await TestDatabase.makeFreshDatabase(prefix: "token")
        let result = try await Repository.run(
            Repository.crmhubBinary, ["admin", "create-token", "--name", "ops"],
            environment: ["CRMHUB_DATABASE_URL": url, "CRMHUB_MIGRATIONS_DIR": TestDatabase.migrationsDirectory()])
        #expect(result.status == 0, "\(result.stderr)")
        let printed = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(printed.hasPrefix("crmhub_pt_"))
        let database = PostgresClient(configuration: PostgresConfiguration(connectionString: url, poolSize: 1))
        let store = PlatformTokenStore(scope: OrgScope(database: database))
        #expect(try await store.verify(printed))
        #expect(try await store.verify(String(printed.dropLast()) + (printed.hasSuffix("A") ? "B" : "A")) == false)
        #expect(try await store.verify("") == false)
        // Only the hash is stored.
        let pattern = "%" + printed + "%"
        let stored = try await database.platformQuery(
            "SELECT count(*) FROM platform_tokens WHERE secret_hash::text LIKE \(pattern) OR name LIKE \(pattern)")
        #expect(try stored.rows[0].decode(0, as: Int.self) == 0)
        await database.shutdown()
    }

    @Test("CRMHUB_BOOTSTRAP_ADMIN_TOKEN becomes a platform token when the server starts")
    func bootstrap() async throws {
        let url = try await TestDatabase.makeFreshDatabase(prefix: "boot")
        let secret = "bootstrap-\(RandomText.base62(count: 40))"
        try await TestServer.with(configure: {
            $0.databaseURL = url
            $0.bootstrapAdminToken = secret
        }) { (server) async throws in  // its only `try`s are inside #expect
            let store = PlatformTokenStore(scope: OrgScope(database: server.database))
            #expect(try await store.verify(secret))
            #expect(try await store.verify(secret + "x") == false)
        }
    }

    @Test("a revoked bootstrap token stays revoked after a restart; starting without the variable revokes it")
    func bootstrapRevocationSurvivesRestarts() async throws {
        let url = try await TestDatabase.makeFreshDatabase(prefix: "boot")
        let first = "bootstrap-a-\(RandomText.base62(count: 40))"
        let second = "bootstrap-b-\(RandomText.base62(count: 40))"
        /// Starts a server with `token` as CRMHUB_BOOTSTRAP_ADMIN_TOKEN (nil: unset), and answers the status each
        /// token in `probes` gets from `GET /admin/v1/orgs`, then stops it.
        func restart(
            with token: String?, probing probes: [String], then: (AdminFixture) async throws -> Void = { _ in }
        )
            async throws -> [Int]
        {
            try await AdminFixture.with(configure: {
                $0.databaseURL = url
                $0.bootstrapAdminToken = token
            }) { fixture in
                var statuses: [Int] = []
                for probe in probes { statuses.append(try await fixture.call("GET", "/admin/v1/orgs", token: probe).status) }
                try await then(fixture)
                return statuses
            }
        }

        // Installed at the first start, then revoked through the admin API with itself.
        let revokedThroughTheAPI = try await restart(with: first, probing: [first]) { fixture in
            let listed = try await fixture.call("GET", "/admin/v1/platform-tokens", token: first)
            let bootstrap = listed.json["items"]?.arrayValue?.first { $0["prefix"]?.stringValue == "(bootstrap)" }
            let id = bootstrap?["id"]?.stringValue ?? "none"
            let revoked = try await fixture.call("DELETE", "/admin/v1/platform-tokens/\(id)", token: first)
            #expect(revoked.status == 204)
        }
        #expect(revokedThroughTheAPI == [200])
        // A restart with the same value does not bring it back.
        #expect(try await restart(with: first, probing: [first]) == [401])
        // A new value is a new token; the revoked one stays revoked.
        #expect(try await restart(with: second, probing: [second, first]) == [200, 401])
        #expect(try await restart(with: second, probing: [second]) == [200])
        // Started without the variable: the bootstrap token is no longer honoured, and setting it again does not
        // revive it.
        #expect(try await restart(with: nil, probing: [second]) == [401])
        #expect(try await restart(with: second, probing: [second, first]) == [401, 401])

        // Every step is in the platform audit log, with the credential that acted.
        let none = try await restart(with: nil, probing: []) { fixture in
            let page = try await fixture.call("GET", "/admin/v1/audit")
            #expect(page.status == 200, "\(page.json)")
            let rows = (page.json["items"]?.arrayValue ?? []).reversed().map {
                "\($0["action"]?.stringValue ?? "") \($0["actor"]?.stringValue ?? "")"
            }
            #expect(
                rows.filter { $0.hasPrefix("platform_token.bootstrap") || $0.hasPrefix("platform_token.revoke") } == [
                    "platform_token.bootstrap_install crmhub serve (CRMHUB_BOOTSTRAP_ADMIN_TOKEN)",
                    "platform_token.revoke platform_token:1 (bootstrap (CRMHUB_BOOTSTRAP_ADMIN_TOKEN))",
                    "platform_token.bootstrap_install crmhub serve (CRMHUB_BOOTSTRAP_ADMIN_TOKEN)",
                    "platform_token.bootstrap_revoke crmhub serve (CRMHUB_BOOTSTRAP_ADMIN_TOKEN not set)",
                ], "\(rows)")
            #expect(!page.response.text.contains(first) && !page.response.text.contains(second))
        }
        #expect(none == [])
    }
}

@Suite("crmhub admin: the bootstrap steps without JSON")
struct AdminCommandTests {
    @Test("create-org then create-listener prints a URL whose token opens the listener; a taken slug is a clear error")
    func createOrgAndListener() async throws {
        let url = try await TestDatabase.makeFreshDatabase(prefix: "cli")
        let environment = ["CRMHUB_DATABASE_URL": url, "CRMHUB_MIGRATIONS_DIR": TestDatabase.migrationsDirectory()]
        let org = try await Repository.run(
            Repository.crmhubBinary,
            ["admin", "create-org", "--slug", "htk-labs", "--name", "HTK Labs", "--owner-email", "huy.nguyenviet@htklabs.com"],
            environment: environment)
        #expect(org.status == 0, "\(org.stderr)")
        #expect(org.stdout.contains("created org htk-labs"))
        let again = try await Repository.run(
            Repository.crmhubBinary, ["admin", "create-org", "--slug", "htk-labs", "--name", "X", "--owner-email", "a@b.co"],
            environment: environment)
        #expect(again.status == 1 && again.stderr.contains("slug"))
        let listener = try await Repository.run(
            Repository.crmhubBinary,
            ["admin", "create-listener", "--org", "htk-labs", "--name", "Website", "--base-url", "https://crm.example"],
            environment: environment)
        #expect(listener.status == 0, "\(listener.stderr)")
        let printed = listener.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(printed.hasPrefix("https://crm.example/l/crmhub_lt_"))
        let database = PostgresClient(configuration: PostgresConfiguration(connectionString: url, poolSize: 1))
        let token = String(printed.dropFirst("https://crm.example/l/".count))
        #expect(try await ListenerURLStore(scope: OrgScope(database: database)).authenticate(token)?.name == "Website")
        await database.shutdown()
        let missing = try await Repository.run(
            Repository.crmhubBinary, ["admin", "create-org", "--slug", "x"], environment: environment)
        #expect(missing.status == 2 && missing.stderr.contains("--name"))
    }
}
