import CRMHubTesting
import Foundation
import Postgres
import Testing

@Suite("Query interpolation")
struct QueryInterpolationTests {
    @Test("each interpolated value becomes the next $n and its text a bind")
    func numbering() {
        let org: Int64 = 42
        let email = "ann@example.com"
        let query: Query = "SELECT id FROM contacts WHERE org_id = \(org) AND email = \(email) AND active = \(true)"
        #expect(query.sql == "SELECT id FROM contacts WHERE org_id = $1 AND email = $2 AND active = $3")
        #expect(query.binds == ["42", "ann@example.com", "t"])
    }

    @Test("the same value interpolated twice is bound twice")
    func repeated() {
        let name = "x"
        let query: Query = "SELECT \(name), \(name)"
        #expect(query.sql == "SELECT $1, $2")
        #expect(query.binds == ["x", "x"])
    }

    @Test("a hostile string stays a bind and never reaches the SQL text")
    func hostile() {
        let hostile = "'); DROP TABLE contacts; -- $1 \\ \""
        let query: Query = "INSERT INTO t (v) VALUES (\(hostile))"
        #expect(query.sql == "INSERT INTO t (v) VALUES ($1)")
        #expect(query.binds == [hostile])
        #expect(!query.description.contains("DROP"))
    }

    @Test("nil is bound as SQL NULL")
    func null() {
        let missing: String? = nil
        let present: Int? = 7
        let query: Query = "SELECT \(missing), \(present)"
        #expect(query.sql == "SELECT $1, $2")
        #expect(query.binds == [nil, "7"])
    }

    @Test("unescaped splices raw text and does not count as a bind")
    func unescaped() {
        let column = "created_at"
        let limit = 10
        let query: Query = "SELECT id FROM t ORDER BY \(unescaped: column) DESC LIMIT \(limit)"
        #expect(query.sql == "SELECT id FROM t ORDER BY created_at DESC LIMIT $1")
        #expect(query.binds == ["10"])
    }

    @Test("a fragment's placeholders follow the ones before it; quoted dollars stay")
    func fragment() {
        let shared: Query =
            "SELECT * FROM unnest(\([1, 2])::int[], \(["a", "b"])::text[]) AS t(n, s) WHERE s <> '$1' AND \"$2\" = n"
        let query: Query = "WITH input AS (\(fragment: shared)) SELECT \(7), \(fragment: shared)"
        #expect(
            query.sql == """
                WITH input AS (SELECT * FROM unnest($1::int[], $2::text[]) AS t(n, s) WHERE s <> '$1' AND "$2" = n) SELECT $3, \
                SELECT * FROM unnest($4::int[], $5::text[]) AS t(n, s) WHERE s <> '$1' AND "$2" = n
                """)
        #expect(query.binds == ["{1,2}", #"{"a","b"}"#, "7", "{1,2}", #"{"a","b"}"#])
    }

    @Test("a literal without interpolation has no binds; Query(sql:binds:) takes both as given")
    func literalAndExplicit() {
        let literal: Query = "SELECT 1"
        #expect(literal.sql == "SELECT 1")
        #expect(literal.binds.isEmpty)
        let explicit = Query(sql: "SELECT $1::int + $2::int", binds: ["1", nil])
        #expect(explicit.sql == "SELECT $1::int + $2::int")
        #expect(explicit.binds == ["1", nil])
    }

    @Test("arrays, dates, UUIDs and bytes are bound in PostgreSQL's text formats")
    func formats() {
        let tags = ["a", "b,c"]
        let when = Date(timeIntervalSince1970: 0)
        let id = UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!
        let bytes: [UInt8] = [0, 255]
        let query: Query = "SELECT \(tags), \(when), \(id), \(bytes)"
        #expect(
            query.binds == [
                #"{"a","b,c"}"#, "1970-01-01 00:00:00.000000+00", "e621e1f8-c36c-495a-93fc-0c247a3e6e5f", "\\x00ff",
            ])
    }

    @Test("a test URI gets the fresh database as its path, hosts and parameters kept")
    func testDatabaseConnectionStrings() {
        #expect(
            TestDatabase.connectionString("host=/tmp/pg port=5 user=postgres dbname=postgres", database: "d1")
                == "host=/tmp/pg port=5 user=postgres dbname=postgres dbname=d1")
        #expect(
            TestDatabase.connectionString(
                "postgresql://u@h1:5432,h2:5433/app?target_session_attrs=read-write", database: "d1")
                == "postgresql://u@h1:5432,h2:5433/d1?target_session_attrs=read-write")
        #expect(TestDatabase.connectionString("postgres://u@h", database: "d1") == "postgres://u@h/d1")
        #expect(
            TestDatabase.connectionString("postgresql://h?sslmode=disable", database: "d1")
                == "postgresql://h/d1?sslmode=disable")
    }
}
