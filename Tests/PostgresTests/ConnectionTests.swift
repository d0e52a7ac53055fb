import CRMHubTesting
import Foundation
import Postgres
import Testing

@Suite("Statements against a real PostgreSQL")
struct ConnectionTests {
    @Test("bound strings come back unchanged, hostile ones included")
    func stringRoundTrip() async throws {
        let values = CodingTests.hostileStrings + [String(repeating: "ß∑", count: 300_000)]
        try await Fixtures.withClient { client in
            let back = try await client.withConnection { connection in
                try values.map { value in
                    try connection.query("SELECT \(value)::text").rows[0].decode(0, as: String.self)
                }
            }
            #expect(back == values)
        }
    }

    @Test("every supported type round-trips through the server")
    func typedRoundTrip() async throws {
        let id = UUID()
        let when = Date(timeIntervalSince1970: 1_795_419_540.123456)
        let bytes = (0...255).map(UInt8.init)
        let tags = CodingTests.hostileStrings + ["NULL", "a,b", "{}", "\"quoted\"", "back\\slash"]
        let maybeTags: [String?] = ["x", nil, "NULL", ""]
        let numbers: [Int64] = [.min, -1, 0, .max]
        let nothing: String? = nil
        let byteaElements = [PostgresBytes(bytes), PostgresBytes([]), PostgresBytes(Array("\"\\,{}".utf8))]
        try await Fixtures.withClient { client in
            let row = try await client.query(
                """
                SELECT \(Int.max)::int8, \(Int32.min)::int4, \(true)::bool, \(0.1)::float8, \(Double.infinity)::float8,
                       \(id)::uuid, \(when)::timestamptz, \(bytes)::bytea, \(tags)::text[], \(maybeTags)::text[],
                       \(numbers)::int8[], \(nothing)::text, \(Data(bytes))::bytea, \(byteaElements)::bytea[]
                """
            ).rows[0]
            #expect(try row.decode(0, as: Int.self) == .max)
            #expect(try row.decode(1, as: Int32.self) == .min)
            #expect(try row.decode(2, as: Bool.self))
            #expect(try row.decode(3, as: Double.self) == 0.1)
            #expect(try row.decode(4, as: Double.self) == .infinity)
            #expect(try row.decode(5, as: UUID.self) == id)
            #expect(try row.decode(6, as: Date.self).postgresText == when.postgresText)
            #expect(try row.decode(7, as: [UInt8].self) == bytes)
            #expect(try row.decode(8, as: [String].self) == tags)
            #expect(try row.decode(9, as: [String?].self) == maybeTags)
            #expect(try row.decode(10, as: [Int64].self) == numbers)
            #expect(try row.decode(11, as: String?.self) == nil)
            #expect(try row.decode(12, as: Data.self) == Data(bytes))
            #expect(try row.decode(13, as: [PostgresBytes].self).map(\.bytes) == byteaElements.map(\.bytes))
        }
    }

    @Test("timestamps read back in any session time zone")
    func timeZones() async throws {
        let when = Date(timeIntervalSince1970: 1_795_419_540.5)
        try await Fixtures.withClient { client in
            let texts = try await client.withTransaction { connection in
                try connection.execute("SET LOCAL TimeZone = 'Asia/Kolkata'")
                let row = try connection.query("SELECT \(when)::timestamptz, \(when)::timestamptz::text").rows[0]
                return (try row.decode(0, as: Date.self), try row.decode(1, as: String.self))
            }
            #expect(texts.0 == when)
            #expect(texts.1.hasSuffix("+05:30"))
        }
    }

    @Test("rows decode by position, by name and as tuples; affectedRows counts changes")
    func rowsAndCounts() async throws {
        let table = Fixtures.uniqueName("rows")
        try await Fixtures.withClient { client in
            try await client.withConnection { connection in
                try connection.execute("CREATE TABLE \(table) (id int8 PRIMARY KEY, name text, note text)")
            }
            let inserted = try await client.query(
                "INSERT INTO \(unescaped: table) (id, name, note) SELECT g, 'n' || g, NULL FROM generate_series(1, 5) g"
            )
            #expect(inserted.affectedRows == 5)
            let result = try await client.query(
                "SELECT id, name, note FROM \(unescaped: table) WHERE id <= \(2) ORDER BY id")
            #expect(result.columns == ["id", "name", "note"])
            #expect(result.rows.count == 2)
            let (id, name, note) = try result.rows[1].decode((Int64, String, String?).self)
            #expect(id == 2 && name == "n2" && note == nil)
            #expect(try result.rows[0].decode("name", as: String.self) == "n1")
            #expect(throws: PostgresError.self) { try result.rows[0].decode("missing", as: String.self) }
            #expect(throws: PostgresError.self) { try result.rows[0].decode((Int64, String).self) }
            #expect(throws: PostgresError.self) { try result.rows[0].decode(2, as: String.self) }
            let updated = try await client.query("UPDATE \(unescaped: table) SET note = \("x") WHERE id > \(3)")
            #expect(updated.affectedRows == 2)
            try await client.withConnection { connection in try connection.execute("DROP TABLE \(table)") }
        }
    }

    @Test("SQLSTATE, constraint, table and column come from the server; descriptions hold no values")
    func sqlStates() async throws {
        let table = Fixtures.uniqueName("states")
        let parent = Fixtures.uniqueName("parent")
        try await Fixtures.withClient { client in
            try await client.withConnection { connection in
                try connection.execute(
                    """
                    CREATE TABLE \(parent) (id int PRIMARY KEY);
                    CREATE TABLE \(table) (
                        id int PRIMARY KEY,
                        email text NOT NULL CONSTRAINT \(table)_email_key UNIQUE,
                        age int CONSTRAINT \(table)_age_check CHECK (age >= 0),
                        parent int REFERENCES \(parent) (id)
                    )
                    """)
            }
            _ = try await client.query("INSERT INTO \(unescaped: table) (id, email) VALUES (1, \("ann@example.com"))")

            let duplicate = await expectPostgresError {
                try await client.query("INSERT INTO \(unescaped: table) (id, email) VALUES (2, \("ann@example.com"))")
            }
            #expect(duplicate?.kind == .server)
            #expect(duplicate?.sqlState == .uniqueViolation)
            #expect(duplicate?.constraint == "\(table)_email_key")
            #expect(duplicate?.table == table)
            #expect(duplicate?.detail?.contains("ann@example.com") == true)
            #expect(duplicate?.description.contains("ann@example.com") == false)
            #expect(duplicate?.description.contains("INSERT") == false)
            #expect(duplicate?.isUnavailable == false)

            let notNull = await expectPostgresError {
                try await client.query("INSERT INTO \(unescaped: table) (id, email) VALUES (3, \(String?.none))")
            }
            #expect(notNull?.sqlState == .notNullViolation)
            #expect(notNull?.column == "email")

            let check = await expectPostgresError {
                try await client.query("INSERT INTO \(unescaped: table) (id, email, age) VALUES (4, 'b', \(-1))")
            }
            #expect(check?.sqlState == .checkViolation)
            #expect(check?.constraint == "\(table)_age_check")

            let foreign = await expectPostgresError {
                try await client.query("INSERT INTO \(unescaped: table) (id, email, parent) VALUES (5, 'c', \(99))")
            }
            #expect(foreign?.sqlState == .foreignKeyViolation)

            let division = await expectPostgresError { try await client.query("SELECT 1 / \(0)") }
            #expect(division?.sqlState == .divisionByZero)
            #expect(division?.sqlState?.rawValue == "22012")

            let badInput = await expectPostgresError { try await client.query("SELECT \("card 4111-1111")::int") }
            #expect(badInput?.sqlState == .invalidTextRepresentation)
            #expect(badInput?.message.contains("4111") == false)
            #expect(badInput?.description.contains("4111") == false)

            let missing = await expectPostgresError { try await client.query("SELECT * FROM no_such_table_here") }
            #expect(missing?.sqlState == .undefinedTable)

            let syntax = await expectPostgresError { try await client.query("SELEC 1") }
            #expect(syntax?.sqlState == .syntaxError)

            // After all of these the pooled connections still work.
            #expect(try await client.query("SELECT 1").rows[0].decode(0, as: Int.self) == 1)
            try await client.withConnection { connection in
                try connection.execute("DROP TABLE \(table); DROP TABLE \(parent)")
            }
        }
    }

    @Test("a value with a NUL byte is refused before it is truncated")
    func nulByte() async throws {
        try await Fixtures.withClient { client in
            let error = await expectPostgresError { try await client.query("SELECT \("a\u{0}b")::text") }
            #expect(error?.sqlState == .characterNotInRepertoire)
            let after = try await client.query("SELECT \("a")::text").rows[0].decode(0, as: String.self)
            #expect(after == "a")
        }
    }

    @Test("a wrong number of binds is a protocol violation, not an outage")
    func wrongBindCount() async throws {
        try await Fixtures.withClient(poolSize: 1) { client in
            let error = await expectPostgresError {
                try await client.query(Query(sql: "SELECT $1::int", binds: ["1", "2"]))
            }
            #expect(error?.kind == .protocolViolation)
            #expect(error?.isUnavailable == false)
            let after = try await client.query("SELECT 2").rows[0].decode(0, as: Int.self)
            #expect(after == 2)
        }
    }

    @Test("a statement running past statement_timeout fails with 57014 and the connection survives")
    func statementTimeout() async throws {
        try await Fixtures.withClient(poolSize: 1, { $0.statementTimeout = .milliseconds(200) }) { client in
            // 57014 proves the server cancelled the sleep at the timeout (an uninterrupted pg_sleep returns a
            // row). No wall-clock bound: a loaded 2-core CI machine adds seconds of scheduling delay.
            let error = await expectPostgresError { try await client.query("SELECT pg_sleep(5)") }
            #expect(error?.sqlState == .queryCanceled)
            #expect(error?.kind == .server)
            let setting = try await client.query("SHOW statement_timeout").rows[0].decode(0, as: String.self)
            #expect(setting == "200ms")
        }
    }

    @Test("each SQL text is prepared once per connection and reused")
    func preparedOnce() async throws {
        try await Fixtures.withClient(poolSize: 1) { client in
            let counts = try await client.withConnection { connection in
                for value in 0..<5 { try connection.query("SELECT \(value)::int + 1") }
                try connection.query("SELECT \(1)::int * 2")
                return try connection.query("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'crmhub_%'")
                    .rows[0].decode(0, as: Int.self)
            }
            // "SELECT $1::int + 1", "SELECT $1::int * 2", and the count query itself.
            #expect(counts == 3)
        }
    }

    @Test("the statement cache survives DISCARD ALL, and the session settings come back")
    func discardAll() async throws {
        try await Fixtures.withClient(poolSize: 1, { $0.statementTimeout = .seconds(7) }) { client in
            let (value, timeout) = try await client.withConnection { connection in
                try connection.query("SELECT \(1)::int + 1")
                try connection.execute("DISCARD ALL")
                let value = try connection.query("SELECT \(41)::int + 1").rows[0].decode(0, as: Int.self)
                let timeout = try connection.query("SHOW statement_timeout").rows[0].decode(0, as: String.self)
                return (value, timeout)
            }
            #expect(value == 42)
            #expect(timeout == "7s")
            // And on the next job too.
            #expect(try await client.query("SELECT \(1)::int + 1").rows[0].decode(0, as: Int.self) == 2)
        }
    }

    @Test("a cached plan whose result type changed is prepared again (0A000)")
    func stalePlan() async throws {
        let table = Fixtures.uniqueName("stale")
        try await Fixtures.withClient(poolSize: 1) { client in
            try await client.withConnection { connection in
                try connection.execute("CREATE TABLE \(table) (a int); INSERT INTO \(table) VALUES (1)")
            }
            let select: Query = "SELECT * FROM \(unescaped: table)"
            #expect(try await client.query(select).columns == ["a"])
            try await client.withConnection { connection in
                try connection.execute("ALTER TABLE \(table) ADD COLUMN b int")
            }
            // Outside a transaction: re-prepared and run again at once.
            #expect(try await client.query(select).columns == ["a", "b"])
            try await client.withConnection { connection in
                try connection.execute("ALTER TABLE \(table) ADD COLUMN c int")
            }
            // Inside a transaction: the transaction is run again.
            let columns = try await client.withTransaction { connection in try connection.query(select).columns }
            #expect(columns == ["a", "b", "c"])
            try await client.withConnection { connection in try connection.execute("DROP TABLE \(table)") }
        }
    }

    @Test("execute runs several statements; COPY is refused without breaking the connection")
    func executeAndCopy() async throws {
        let table = Fixtures.uniqueName("multi")
        try await Fixtures.withClient(poolSize: 1) { client in
            let count = try await client.withConnection { connection in
                try connection.execute("CREATE TABLE \(table) (a int); INSERT INTO \(table) VALUES (1), (2);")
                return try connection.query("SELECT count(*) FROM \(unescaped: table)").rows[0].decode(0, as: Int.self)
            }
            #expect(count == 2)
            let copyIn = await expectPostgresError {
                try await client.withConnection { connection in try connection.execute("COPY \(table) FROM STDIN") }
            }
            #expect(copyIn?.kind == .protocolViolation)
            let copyOut = await expectPostgresError {
                try await client.withConnection { connection in try connection.execute("COPY \(table) TO STDOUT") }
            }
            #expect(copyOut?.kind == .protocolViolation)
            #expect(
                try await client.query("SELECT count(*) FROM \(unescaped: table)").rows[0].decode(0, as: Int.self) == 2)
            try await client.withConnection { connection in try connection.execute("DROP TABLE \(table)") }
        }
    }

    @Test("the session speaks UTF-8, ISO dates, hex bytea and the configured application name")
    func sessionSettings() async throws {
        try await Fixtures.withClient(poolSize: 1) { client in
            let row = try await client.query(
                """
                SELECT current_setting('client_encoding'), current_setting('DateStyle'),
                       current_setting('bytea_output'), current_setting('application_name')
                """
            ).rows[0]
            let (encoding, dateStyle, bytea, name) = try row.decode((String, String, String, String).self)
            #expect(encoding == "UTF8")
            #expect(dateStyle.hasPrefix("ISO"))
            #expect(bytea == "hex")
            #expect(name == client.configuration.applicationName)
        }
    }

    @Test("a URI connection string with several hosts and target_session_attrs=read-write connects")
    func multiHostURI() async throws {
        let url = try TestDatabase.url()
        let fields = Dictionary(
            url.split(separator: " ").compactMap { pair -> (String, String)? in
                let parts = pair.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }, uniquingKeysWith: { $1 })
        let host = try #require(fields["host"])
        let port = try #require(fields["port"])
        let encodedHost = host.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? host
        // The first host does not exist; libpq moves on to the second, which is read-write.
        let uri =
            "postgresql://postgres@%2Fnonexistent-crmhub:\(port),\(encodedHost):\(port)/postgres"
            + "?target_session_attrs=read-write&connect_timeout=2"
        try await Fixtures.withClient(uri, poolSize: 1) { client in
            let readOnly = try await client.query("SHOW transaction_read_only").rows[0].decode(0, as: String.self)
            #expect(readOnly == "off")
        }
    }

    @Test("a conninfo string's own application_name wins over the configured one")
    func conninfoWins() async throws {
        let url = try TestDatabase.url() + " application_name=from_conninfo"
        try await Fixtures.withClient(url, poolSize: 1) { client in
            let name = try await client.query("SHOW application_name").rows[0].decode(0, as: String.self)
            #expect(name == "from_conninfo")
        }
    }
}
