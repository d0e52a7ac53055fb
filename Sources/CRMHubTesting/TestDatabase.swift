import Foundation
import Glibc
import Postgres
import Synchronization

/// The PostgreSQL the tests use: the cluster named by `CRMHUB_TEST_DATABASE_URL`, where tests may create
/// databases. A missing URL fails the tests; database tests are never skipped.
///
///     scripts/pg-cluster.sh start /tmp/pgdev 54329
///     CRMHUB_TEST_DATABASE_URL='host=/tmp/pgdev port=54329 user=postgres dbname=postgres' swift test
public enum TestDatabase {
    /// The test cluster's conninfo or URI.
    /// - Throws: when `CRMHUB_TEST_DATABASE_URL` is unset or empty.
    public static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["CRMHUB_TEST_DATABASE_URL"], !url.isEmpty else {
            throw TestError(
                "CRMHUB_TEST_DATABASE_URL is not set. Database tests need a PostgreSQL they may create databases in: "
                    + "run scripts/test.sh, or start one with `scripts/pg-cluster.sh start /tmp/pgdev 54329` and set "
                    + "CRMHUB_TEST_DATABASE_URL='host=/tmp/pgdev port=54329 user=postgres dbname=postgres'")
        }
        return url
    }

    /// Creates an empty database with a unique name (`crmhub_test_<prefix>_<random>`) in the test cluster and
    /// returns a connection string for it, in the same form as `url()`.
    public static func makeFreshDatabase(prefix: String) async throws -> String {
        let base = try url()
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_")
        let cleaned = String(prefix.lowercased().filter { allowed.contains($0) }.prefix(30))
        let name =
            "crmhub_test_\(cleaned.isEmpty ? "db" : cleaned)_\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        let client = PostgresClient(configuration: PostgresConfiguration(connectionString: base, poolSize: 1))
        do {
            try await create(name, using: client)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        remember(name)
        return connectionString(base, database: name)
    }

    /// The databases this process made; dropped when it exits.
    private static let created = Mutex<[String]>([])

    /// Remembers a database to drop at exit (the exit handler is installed with the first one), so a test run
    /// leaves no database behind, whether its tests passed or failed.
    static func remember(_ name: String) {
        created.withLock { names in
            if names.isEmpty { atexit { TestDatabase.dropCreated() } }
            names.append(name)
        }
    }

    /// Drops every database this process made, with `psql` (at exit no async work runs any more); `WITH (FORCE)`
    /// ends the connections that pools of servers still hold.
    static func dropCreated() {
        let names = created.withLock { names in
            defer { names = [] }
            return names
        }
        guard !names.isEmpty, let base = try? url() else { return }
        var arguments = ["psql", "-X", "-q", "-d", base]
        for name in names { arguments += ["-c", "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)"] }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawnp(&pid, "psql", &actions, nil, argv, environ) == 0 else {
            FileHandle.standardError.write(
                Data("crmhub tests: could not run psql to drop the test databases \(names.joined(separator: ", "))\n".utf8))
            return
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    private static func create(_ name: String, using client: PostgresClient) async throws {
        var attempt = 0
        while true {
            do {
                // The name is made above from [a-z0-9_] only; CREATE DATABASE takes no bind parameters.
                try await client.withConnection { connection in try connection.execute("CREATE DATABASE \"\(name)\"") }
                return
            } catch let error as PostgresError where error.sqlState == .objectInUse && attempt < 20 {
                // "source database template1 is being accessed by other users": another test is creating one too.
                attempt += 1
                try await Task.sleep(for: .milliseconds(50 * attempt))
            }
        }
    }

    /// The same server with another database. A URI gets the name as its path; a conninfo gets `dbname=` appended
    /// (the last keyword wins).
    public static func connectionString(_ base: String, database name: String) -> String {
        guard let scheme = base.range(of: "://"), base.hasPrefix("postgres") else {
            return base + " dbname=\(name)"
        }
        // Authority (possibly several hosts: `h1:5432,h2:5433`) runs to the first "/" or "?".
        let afterScheme = base[scheme.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? base.endIndex
        let queryStart = base[authorityEnd...].firstIndex(of: "?") ?? base.endIndex
        return String(base[..<authorityEnd]) + "/" + name + String(base[queryStart...])
    }

    /// The repository's `sql` folder (found from this file's location).
    public static func migrationsDirectory() -> String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // CRMHubTesting
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()  // repository
            .appendingPathComponent("sql").path
    }
}

extension PostgresClient {
    /// Runs `body` with a new client and shuts it down afterwards, also when `body` throws.
    public static func with<T>(
        _ configuration: PostgresConfiguration, _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration)
        do {
            let value = try await body(client)
            await client.shutdown()
            return value
        } catch {
            await client.shutdown()
            throw error
        }
    }
}
