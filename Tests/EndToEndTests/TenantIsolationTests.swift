import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing

@Suite("tenant isolation across every admin route and every tenant table")
struct TenantIsolationTests {
    @Test("another org's key gets 404 on every /admin/v1/orgs/{org}/… route, and nothing changes")
    func everyRoute() async throws {
        try await AdminFixture.with { fixture in
            let mine = try await fixture.makeOrg("mine")
            let theirs = try await fixture.makeOrg("theirs")
            let key = try await fixture.makeKey(theirs, scopes: ["admin", "read", "write"])
            let before = try await fixture.call("GET", "/admin/v1/orgs/\(mine)/audit?limit=200")
            let routes = fixture.server.application.routeTable.filter { $0.pattern.hasPrefix("/admin/v1/orgs/{org}") }
            #expect(routes.count >= 20)
            for route in routes {
                let path = route.pattern
                    .replacingOccurrences(of: "{org}", with: mine)
                    .replacingOccurrences(of: "{kind}", with: route.pattern.contains("integrations") ? "sirportly" : "tags")
                    .replacingOccurrences(of: "{user}", with: "1").replacingOccurrences(of: "{group}", with: "1")
                    .replacingOccurrences(of: "{key}", with: "1").replacingOccurrences(of: "{listener}", with: "1")
                    .replacingOccurrences(of: "{item}", with: "1").replacingOccurrences(of: "{field}", with: "1")
                    .replacingOccurrences(of: "{request}", with: "1").replacingOccurrences(of: "{message}", with: "1")
                    .replacingOccurrences(of: "{support_group}", with: "TEAM1").replacingOccurrences(
                        of: "{contact}", with: "PID-1")
                let body: String? = ["POST", "PUT", "PATCH"].contains(route.method) ? #"{"name":"x","email":"x@y.co"}"# : nil
                let result = try await fixture.call(route.method, path, token: key, raw: body)
                #expect(result.status == 404, "\(route.method) \(route.pattern) answered \(result.status)")
            }
            let after = try await fixture.call("GET", "/admin/v1/orgs/\(mine)/audit?limit=200")
            #expect(before.json["items"] == after.json["items"])
        }
    }

    @Test("every /admin/v1 route refuses a missing or wrong token with 401 and a Bearer challenge")
    func everyRouteNeedsCredentials() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let routes = fixture.server.application.routeTable.filter { $0.pattern.hasPrefix("/admin/v1") }
            for route in routes {
                let path = route.pattern.replacingOccurrences(of: "{org}", with: slug)
                    .replacingOccurrences(of: "{kind}", with: "tags").replacingOccurrences(of: "{user}", with: "1")
                    .replacingOccurrences(of: "{group}", with: "1").replacingOccurrences(of: "{key}", with: "1")
                    .replacingOccurrences(of: "{listener}", with: "1").replacingOccurrences(of: "{item}", with: "1")
                    .replacingOccurrences(of: "{field}", with: "1").replacingOccurrences(of: "{request}", with: "1")
                    .replacingOccurrences(of: "{message}", with: "1").replacingOccurrences(of: "{support_group}", with: "TEAM1")
                    .replacingOccurrences(of: "{contact}", with: "PID-1")
                let body: String? = ["POST", "PUT", "PATCH"].contains(route.method) ? "{}" : nil
                let none = try await fixture.server.request(route.method, path, body: body)
                #expect(none.status == 401, "\(route.method) \(route.pattern) without a token answered \(none.status)")
                #expect(none.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
                let wrong = try await fixture.call(
                    route.method, path, token: "crmhub_ok_AAAAAAAAAAAA_" + String(repeating: "A", count: 43), raw: body)
                #expect(wrong.status == 401, "\(route.method) \(route.pattern) with a wrong token answered \(wrong.status)")
            }
        }
    }

    @Test("at the database level, every tenant table shows no rows without the org setting and only the org's with it")
    func everyTable() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg("rls")
            _ = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/groups", body: ["name": "G"])
            _ = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/listeners", body: ["name": "L"])
            _ = try await fixture.makeKey(slug, scopes: ["read"])
            let database = fixture.server.database
            let tables = try await database.platformQuery(
                """
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity AND c.relforcerowsecurity
                ORDER BY 1
                """
            ).rows.map { try $0.decode(0, as: String.self) }
            for expected in [
                "orgs", "users", "groups", "group_members", "api_keys", "listeners", "catalog_items",
                "custom_fields", "ciopulse_portals", "ciopulse_api_keys", "integration_settings", "audit_log", "platform_tokens",
                "platform_audit_log", "support_groups",
            ] {
                #expect(tables.contains(expected), "\(expected) lacks forced row-level security")
            }
            let orgID = try await database.platformQuery("SELECT id FROM orgs WHERE slug = \(slug)").rows[0].decode(
                0, as: Int64.self)
            for table in tables {
                let (unscoped, scoped, foreign) = try await database.withTransaction { connection in
                    _ = try connection.query("SELECT set_config('role', 'crmhub_app', true)")
                    let unscoped = try connection.query("SELECT count(*) FROM \(unescaped: table)").rows[0].decode(
                        0, as: Int.self)
                    _ = try connection.query("SELECT set_config('crmhub.org_id', \(String(orgID)), true)")
                    let column = table == "orgs" ? "id" : "org_id"
                    let scoped = try connection.query("SELECT count(*) FROM \(unescaped: table)").rows[0].decode(0, as: Int.self)
                    let foreign =
                        ["platform_tokens", "platform_audit_log"].contains(table)
                        ? 0
                        : try connection.query(
                            "SELECT count(*) FROM \(unescaped: table) WHERE \(unescaped: column) <> \(orgID)"
                        ).rows[0].decode(0, as: Int.self)
                    return (unscoped, scoped, foreign)
                }
                #expect(unscoped == 0, "\(table) shows rows without the org setting")
                #expect(foreign == 0, "\(table) shows another org's rows")
                if ["orgs", "users", "groups", "listeners", "catalog_items", "api_keys", "audit_log"].contains(table) {
                    #expect(scoped > 0, "\(table) shows none of the org's own rows")
                }
            }
        }
    }
}
