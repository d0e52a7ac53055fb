import CRMHubTesting
import Foundation
import Postgres
import Testing

@Suite("Migrator")
struct MigratorTests {
    /// A folder of migration files under the temporary directory, removed when the test lets go of it.
    final class Folder {
        let path: String

        deinit { try? FileManager.default.removeItem(atPath: path) }

        init(_ files: [String: String]) throws {
            path = NSTemporaryDirectory() + Fixtures.uniqueName("crmhub-migrations")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for (name, text) in files { try write(name, text) }
        }

        func write(_ name: String, _ text: String) throws {
            try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
        }

        func remove(_ name: String) throws {
            try FileManager.default.removeItem(atPath: path + "/" + name)
        }

        var migrator: Migrator { Migrator(directory: path) }
    }

    static let basic: [String: String] = [
        "0001_people.sql": "CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL);\n",
        "0002_emails.sql":
            "ALTER TABLE people ADD COLUMN email text;\nCREATE UNIQUE INDEX people_email ON people (email);\n",
        "0003_seed.sql": "INSERT INTO people (id, name, email) VALUES (1, 'Ann', 'ann@example.com');\n",
        "README.md": "not a migration",
    ]

    static func appliedRows(_ client: PostgresClient) async throws -> [(Int, String)] {
        try await client.query("SELECT version, name FROM schema_migrations ORDER BY version").rows.map {
            try $0.decode((Int, String).self)
        }
    }

    @Test("files are read in version order with their SHA-256; other files are ignored")
    func reading() throws {
        let folder = try Folder(Self.basic.merging(["0004_abc.sql": "abc"]) { $1 })
        let migrations = try folder.migrator.migrations()
        #expect(migrations.map(\.version) == [1, 2, 3, 4])
        #expect(migrations.map(\.name) == ["people", "emails", "seed", "abc"])
        #expect(migrations[3].checksum == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(migrations[0].fileName == "0001_people.sql")
    }

    @Test(
        "a gap, a duplicate or a badly named file is refused, naming the file",
        arguments: [
            (["0001_a.sql": "", "0003_c.sql": ""], "0003_c.sql"),
            (["0001_a.sql": "", "0001_b.sql": ""], "0001_"),
            (["001_a.sql": ""], "001_a.sql"),
            (["0001.sql": ""], "0001.sql"),
            (["0001_.sql": ""], "0001_.sql"),
            (["00x1_a.sql": ""], "00x1_a.sql"),
        ])
    func malformedFolders(files: [String: String], named: String) throws {
        let folder = try Folder(files)
        do {
            _ = try folder.migrator.migrations()
            Issue.record("expected an error")
        } catch let error as MigrationError {
            #expect(error.description.contains(named), "\(error)")
        }
    }

    @Test("a missing folder is an error")
    func missingFolder() {
        #expect(throws: MigrationError.self) { try Migrator(directory: "/nonexistent/crmhub/sql").migrations() }
    }

    @Test("migrations apply in order, once; a second run applies nothing; status follows")
    func appliesOnce() async throws {
        let folder = try Folder(Self.basic)
        let url = try await TestDatabase.makeFreshDatabase(prefix: "migrate")
        try await Fixtures.withClient(url, poolSize: 2) { client in
            #expect(try await folder.migrator.status(client) == .pending([1, 2, 3]))
            let applied = try await folder.migrator.migrate(client)
            #expect(applied.map(\.version) == [1, 2, 3])
            let rows = try await Self.appliedRows(client)
            #expect(rows.map(\.0) == [1, 2, 3])
            #expect(rows.map(\.1) == ["people", "emails", "seed"])
            let email = try await client.query("SELECT email FROM people WHERE id = 1").rows[0].decode(
                0, as: String.self)
            #expect(email == "ann@example.com")
            #expect(try await folder.migrator.status(client) == .current)

            let again = try await folder.migrator.migrate(client)
            #expect(again.isEmpty)

            try folder.write("0004_more.sql", "ALTER TABLE people ADD COLUMN phone text;")
            #expect(try await folder.migrator.status(client) == .pending([4]))
            #expect(try await folder.migrator.migrate(client).map(\.version) == [4])
            #expect(try await folder.migrator.status(client) == .current)
            // The session's statement timeout is back after the run.
            let timeout = try await client.query("SHOW statement_timeout").rows[0].decode(0, as: String.self)
            #expect(timeout == "30s")
        }
    }

    @Test("an applied migration whose file changed is refused, naming the file")
    func checksumChanged() async throws {
        let folder = try Folder(Self.basic)
        let url = try await TestDatabase.makeFreshDatabase(prefix: "checksum")
        try await Fixtures.withClient(url, poolSize: 1) { client in
            _ = try await folder.migrator.migrate(client)
            try folder.write("0002_emails.sql", "ALTER TABLE people ADD COLUMN email text; -- edited\n")
            try folder.write("0004_more.sql", "CREATE TABLE more (x int);")
            do {
                _ = try await folder.migrator.migrate(client)
                Issue.record("expected a checksum error")
            } catch let error as MigrationError {
                #expect(error.description.contains("0002_emails.sql"))
                #expect(error.description.contains("checksum"))
            }
            #expect(try await folder.migrator.status(client) == .checksumMismatch(2))
            // Nothing after it was applied either.
            let more = try await client.query("SELECT to_regclass('more') IS NULL").rows[0].decode(0, as: Bool.self)
            #expect(more)
        }
    }

    @Test("a database with a migration the files do not know is refused")
    func unknownApplied() async throws {
        let folder = try Folder(Self.basic)
        let url = try await TestDatabase.makeFreshDatabase(prefix: "unknown")
        try await Fixtures.withClient(url, poolSize: 1) { client in
            _ = try await folder.migrator.migrate(client)
            try folder.remove("0003_seed.sql")
            #expect(try await folder.migrator.status(client) == .unknownApplied(3))
            await #expect(throws: MigrationError.self) { try await folder.migrator.migrate(client) }
        }
    }

    @Test("a failing migration rolls back entirely: no row, no partial schema, lock released")
    func failureRollsBack() async throws {
        let folder = try Folder([
            "0001_ok.sql": "CREATE TABLE ok (x int);",
            "0002_bad.sql": "CREATE TABLE partial (x int);\nINSERT INTO partial VALUES (1);\nSELECT 1 / 0;\n",
            "0003_after.sql": "CREATE TABLE after (x int);",
        ])
        let url = try await TestDatabase.makeFreshDatabase(prefix: "failing")
        try await Fixtures.withClient(url, poolSize: 2) { client in
            do {
                _ = try await folder.migrator.migrate(client)
                Issue.record("expected the migration to fail")
            } catch let error as MigrationError {
                #expect(error.description.contains("0002_bad.sql"))
                #expect(error.underlying?.sqlState == .divisionByZero)
            }
            let rows = try await Self.appliedRows(client)
            #expect(rows.map(\.0) == [1])
            let tables = try await client.query(
                "SELECT to_regclass('ok') IS NOT NULL, to_regclass('partial') IS NULL, to_regclass('after') IS NULL"
            ).rows[0].decode((Bool, Bool, Bool).self)
            #expect(tables == (true, true, true))
            // The advisory lock was released: another session takes it at once.
            let free = try await client.query(
                "SELECT pg_try_advisory_lock(\(Migrator.lockKey)), pg_advisory_unlock(\(Migrator.lockKey))"
            )
            .rows[0].decode(0, as: Bool.self)
            #expect(free)
            #expect(try await folder.migrator.status(client) == .pending([2, 3]))

            try folder.write("0002_bad.sql", "CREATE TABLE partial (x int);\n")
            #expect(try await folder.migrator.migrate(client).map(\.version) == [2, 3])
        }
    }

    @Test("four instances migrating at once apply each migration exactly once")
    func concurrent() async throws {
        let folder = try Folder([
            // Not idempotent on purpose: applying either twice would fail.
            "0001_slow.sql": "CREATE TABLE slow (x int); SELECT pg_sleep(0.3);",
            "0002_next.sql": "CREATE TABLE next (x int); INSERT INTO slow VALUES (1);",
            "0003_last.sql": "ALTER TABLE next ADD COLUMN y int;",
        ])
        let url = try await TestDatabase.makeFreshDatabase(prefix: "concurrent")
        let migrator = folder.migrator
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await Fixtures.withClient(url, poolSize: 1) { client in
                        try await migrator.migrate(client).map(\.version)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(applied.flatMap { $0 }.sorted() == [1, 2, 3])
        #expect(applied.filter { !$0.isEmpty }.count == 1)
        try await Fixtures.withClient(url, poolSize: 1) { client in
            let rows = try await Self.appliedRows(client)
            #expect(rows.map(\.0) == [1, 2, 3])
            let slow = try await client.query("SELECT count(*) FROM slow").rows[0].decode(0, as: Int.self)
            #expect(slow == 1)
        }
    }

    @Test("the repository's migrations folder is found from the source tree")
    func repositoryFolder() throws {
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: TestDatabase.migrationsDirectory(), isDirectory: &isDirectory))
        #expect(isDirectory.boolValue)
        #expect(TestDatabase.migrationsDirectory().hasSuffix("/sql"))
    }
}
