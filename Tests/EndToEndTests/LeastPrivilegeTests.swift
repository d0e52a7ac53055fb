import App
import CRMHubTesting
import Postgres
import Testing

/// What a managed PostgreSQL hands out: a database owner without SUPERUSER (with or without CREATEROLE), and a
/// login role for the server holding nothing but `crmhub_app` (README, "Least privilege").
@Suite("Least privilege")
struct LeastPrivilegeTests {
    static let ngoc = ReadAPITests.contact("Ngọc Trinh", email: "ngoc@example.com")

    @Test("the suite migrates and serves as a database owner without SUPERUSER, and the name search is an index range")
    func suiteRole() async throws {
        try await ListenerFixture.with { listener in
            let fixture = ReadAPIFixture(listener: listener, key: try await ReadAPIFixture.apiKey(listener, scopes: ["read"]))
            _ = try await listener.send([("add-contact", Self.ngoc)])
            #expect(try await fixture.names("/api/v1/contacts?q=ngoc") == ["Ngọc Trinh"])
            let database = listener.server.database
            let role = try await database.query(
                """
                SELECT r.rolsuper, r.rolcreaterole, r.rolbypassrls, d.datdba = r.oid
                FROM pg_roles AS r, pg_database AS d WHERE r.rolname = current_user AND d.datname = current_database()
                """
            ).rows[0].decode((Bool, Bool, Bool, Bool).self)
            #expect(role.0 == false && role.1 == false && role.2 == false, "scripts/test.sh connects as crmhub_test_owner")
            #expect(role.3, "the tests' databases belong to the role that migrates them")
            let index = try await database.query("SELECT indexdef FROM pg_indexes WHERE indexname = 'customers_name_folded'")
            #expect(try index.first?.decode(0, as: String.self).contains("name_folded text_pattern_ops") == true)
            // As a request runs it: crmhub_app, the org set. Row-level security keeps a leaky condition out of the index,
            // so the range on name_folded must be the index condition itself, not a filter after it. With statistics:
            // on an empty table any index of (org_id, kind, …) is as cheap as another.
            try await ScalePlanTests.seedNames(listener)
            let plan = try await database.withTransaction { connection in
                _ = try connection.query(
                    "SELECT set_config('role', 'crmhub_app', true), set_config('crmhub.org_id', \(String(listener.orgID)), true)")
                try connection.execute("SET LOCAL enable_seqscan = off")
                return try connection.query(
                    """
                    EXPLAIN SELECT id FROM customers WHERE org_id = \(unescaped: String(listener.orgID)) AND kind = 'contact'
                      AND name_folded ~>=~ crmhub_fold('ngoc') AND name_folded ~<~ (crmhub_fold('ngoc') || U&'\\+10FFFF')
                    """
                ).rows.map { try $0.decode(0, as: String.self) }
            }
            let condition = plan.first { $0.contains("Index Cond") }
            #expect(condition?.contains("name_folded ~>=~") == true, "\(plan.joined(separator: "\n"))")
        }
    }

    @Test(
        "migrating names the missing crmhub_app or membership; a CREATEROLE owner makes it; a role holding only crmhub_app serves"
    )
    func roles() async throws {
        try await PrivateCluster.with { cluster in
            try await Self.withClient(cluster.conninfo) { admin in try await Self.check(cluster, admin: admin) }
        }
    }

    private static func check(_ cluster: PrivateCluster, admin: PostgresClient) async throws {
        for statement in [
            "CREATE ROLE plain_owner LOGIN", "CREATE ROLE creator LOGIN CREATEROLE", "CREATE ROLE runtime LOGIN",
            "CREATE DATABASE plain OWNER plain_owner", "CREATE DATABASE created OWNER creator",
        ] {
            try await admin.withConnection { connection in try connection.execute(statement) }
        }
        // libpq takes the last of a repeated keyword.
        let url = { (user: String, database: String) in cluster.conninfo + " user=\(user) dbname=\(database)" }

        let missing = await #expect(throws: MigrationError.self) { try await Self.migrate(url("plain_owner", "plain")) }
        #expect(missing?.description.contains("the role crmhub_app (which requests run as) does not exist") == true)
        #expect(missing?.description.contains("CREATE ROLE crmhub_app NOLOGIN; GRANT crmhub_app TO plain_owner;") == true)
        let untouched = try await Self.withClient(url("plain_owner", "plain")) { client in
            try await client.query("SELECT to_regclass('schema_migrations') IS NULL").rows[0].decode(0, as: Bool.self)
        }
        #expect(untouched, "nothing is migrated before the role is there")

        let applied = try await Self.migrate(url("creator", "created"))
        #expect(applied.count == (try Application.migrator(directory: TestDatabase.migrationsDirectory()).migrations().count))
        let built = try await Self.withClient(url("creator", "created")) { client in
            try await client.query("SELECT to_regclass('customers_name_folded') IS NOT NULL").rows[0].decode(0, as: Bool.self)
        }
        #expect(built, "the name-search index is built without SUPERUSER")

        let notMember = await #expect(throws: MigrationError.self) { try await Self.migrate(url("plain_owner", "plain")) }
        #expect(
            notMember?.description.contains("plain_owner is not a member of crmhub_app") == true,
            "\(String(describing: notMember))")
        #expect(notMember?.description.contains("GRANT crmhub_app TO plain_owner;") == true)
        try await admin.withConnection { connection in try connection.execute("GRANT crmhub_app TO plain_owner") }
        #expect(try await Self.migrate(url("plain_owner", "plain")).isEmpty == false)

        // The server connects as a role that owns nothing; the owner migrated.
        try await admin.withConnection { connection in try connection.execute("GRANT crmhub_app TO runtime") }
        let runtime = url("runtime", "created")
        try await ListenerFixture.with(configure: { configuration in
            configuration.databaseURL = runtime
            configuration.migrateOnStart = false
        }) { listener in
            let fixture = ReadAPIFixture(listener: listener, key: try await ReadAPIFixture.apiKey(listener, scopes: ["read"]))
            #expect(try await listener.server.request("GET", "/readyz").status == 200)
            let sent = try await listener.send([("add-contact", Self.ngoc)])
            #expect(sent.status == 200, "\(sent.json)")
            #expect(try await fixture.names("/api/v1/contacts?q=ngoc") == ["Ngọc Trinh"])
            let ddl = await #expect(throws: PostgresError.self) {
                try await listener.server.database.query("CREATE TABLE runtime_may_not (x int)")
            }
            #expect(ddl?.sqlState == .insufficientPrivilege)
        }
    }

    private static func migrate(_ url: String) async throws -> [Migration] {
        try await withClient(url) { client in
            try await Application.migrator(directory: TestDatabase.migrationsDirectory()).migrate(client)
        }
    }

    private static func withClient<T>(_ url: String, _ body: (PostgresClient) async throws -> T) async throws -> T {
        try await PostgresClient.with(PostgresConfiguration(connectionString: url, poolSize: 1), body)
    }
}
