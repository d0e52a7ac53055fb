import CRMHubTesting
import Postgres
import Testing

@Suite("tenant keys lead with org_id (the schema can be distributed by org_id, deploy/citus.md)")
struct TenantKeyTests {
    /// The secret-URL and key lookups that run before the org is known; deploy/citus.md says what they become
    /// (a lookup table distributed by the lookup value). Anything else must lead with org_id.
    static let globalLookups: Set<String> = ["api_keys_lookup_key", "listeners_lookup_key", "ciopulse_portals_code_key"]

    @Test(
        "every table with an org_id column has a primary key, and its primary key, unique constraints and foreign keys start with org_id"
    )
    func keysLeadWithOrgID() async throws {
        try await TestServer.with { server in
            let rows = try await server.database.query(
                """
                SELECT t.relname, c.conname, c.contype::text, a.attname
                FROM pg_class t
                JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
                JOIN pg_constraint c ON c.conrelid = t.oid AND c.contype IN ('p', 'u', 'f')
                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.conkey[1]
                WHERE t.relkind IN ('r', 'p')
                  AND EXISTS (SELECT 1 FROM pg_attribute o WHERE o.attrelid = t.oid AND o.attname = 'org_id' AND NOT o.attisdropped)
                ORDER BY 1, 2
                """
            ).rows
            let offending = try rows.filter {
                try $0.decode(3, as: String.self) != "org_id" && !Self.globalLookups.contains(try $0.decode(1, as: String.self))
            }
            .map { "\(try $0.decode(0, as: String.self)).\(try $0.decode(1, as: String.self))" }
            #expect(rows.count > 20, "the query found the tenant tables' constraints")
            #expect(offending == [], "constraints that do not start with org_id: \(offending)")
            let withoutKey = try await server.database.query(
                """
                SELECT t.relname FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
                WHERE t.relkind IN ('r', 'p')
                  AND EXISTS (SELECT 1 FROM pg_attribute o WHERE o.attrelid = t.oid AND o.attname = 'org_id' AND NOT o.attisdropped)
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = t.oid AND c.contype = 'p')
                ORDER BY 1
                """
            ).rows.map { try $0.decode(0, as: String.self) }
            #expect(withoutKey == [], "tenant tables without a primary key: \(withoutKey)")
            // Unique indexes made with CREATE UNIQUE INDEX (not constraints) must lead with org_id too.
            let indexes = try await server.database.query(
                """
                SELECT i.relname FROM pg_index x
                JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
                JOIN pg_class i ON i.oid = x.indexrelid
                LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
                WHERE x.indisunique
                  AND EXISTS (SELECT 1 FROM pg_attribute o WHERE o.attrelid = t.oid AND o.attname = 'org_id' AND NOT o.attisdropped)
                  AND a.attname IS DISTINCT FROM 'org_id'
                ORDER BY 1
                """
            ).rows.map { try $0.decode(0, as: String.self) }.filter { !Self.globalLookups.contains($0) }
            #expect(indexes == [], "unique indexes that do not start with org_id: \(indexes)")
        }
    }
}
