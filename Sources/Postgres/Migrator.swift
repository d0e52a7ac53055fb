import FoundationEssentials

/// One `NNNN_name.sql` file.
public struct Migration: Sendable, Hashable {
    public let version: Int
    public let name: String
    /// The file's text.
    public let sql: String
    /// SHA-256 of the file's bytes, lowercase hex.
    public let checksum: String

    /// `0001_foundation.sql`.
    public var fileName: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name + ".sql"
    }
}

/// What the database holds compared with the migration files.
public enum MigrationStatus: Sendable, Hashable {
    /// Every file is applied, unchanged, and nothing else is.
    case current
    /// These versions are not applied yet.
    case pending([Int])
    /// This applied migration's file has changed since.
    case checksumMismatch(Int)
    /// The database has a migration that no file describes (a newer build migrated it).
    case unknownApplied(Int)
}

/// A migration folder or run that cannot proceed. The text names the file.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// The database error behind it, when there is one.
    public let underlying: PostgresError?

    public init(_ description: String, underlying: PostgresError? = nil) {
        self.description = description
        self.underlying = underlying
    }
}

/// Applies `sql/NNNN_name.sql` files in version order.
///
/// The whole run holds `pg_advisory_lock(Migrator.lockKey)` on one connection, so several instances starting
/// at once apply each migration exactly once: the first applies, the others wait for the lock, then find
/// nothing left to do. Each migration runs in its own transaction together with its `schema_migrations` row,
/// so a failing migration leaves neither a row nor part of its schema. (A migration therefore cannot use
/// statements that refuse to run in a transaction, such as `CREATE INDEX CONCURRENTLY`.)
public struct Migrator: Sendable {
    public let directory: String
    /// Runs under the lock before anything else, e.g. to create or check cluster-wide roles the first migration
    /// relies on (objects outside the database that no migration can own).
    public let prerequisite: (@Sendable (PostgresConnection) throws -> Void)?
    /// The advisory-lock key: "crmhub" in ASCII. Advisory locks are per database.
    public static let lockKey: Int64 = 0x63_72_6D_68_75_62

    public init(directory: String, prerequisite: (@Sendable (PostgresConnection) throws -> Void)? = nil) {
        self.directory = directory
        self.prerequisite = prerequisite
    }

    /// The migration files, in version order.
    ///
    /// Files ending in `.sql` must be named `NNNN_name.sql` (four or more digits, a name); other files and
    /// hidden files are ignored. Versions start anywhere but must then run without gaps or duplicates.
    /// - Throws: `MigrationError` naming the offending file.
    public func migrations() throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw MigrationError("cannot read the migrations folder \(directory)")
        }
        var migrations: [Migration] = []
        for file in names where file.hasSuffix(".sql") && !file.hasPrefix(".") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_") else {
                throw MigrationError("\(file): a migration file is named NNNN_name.sql")
            }
            let digits = stem[..<underscore]
            let name = stem[stem.index(after: underscore)...]
            guard digits.count >= 4, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let version = Int(digits),
                !name.isEmpty
            else {
                throw MigrationError("\(file): a migration file is named NNNN_name.sql")
            }
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else {
                throw MigrationError("\(file): cannot read it")
            }
            let bytes = [UInt8](data)
            guard let sql = String(validating: bytes, as: UTF8.self) else {
                throw MigrationError("\(file): not UTF-8")
            }
            migrations.append(Migration(version: version, name: String(name), sql: sql, checksum: SHA256.hex(bytes)))
        }
        migrations.sort { $0.version < $1.version }
        for (previous, next) in zip(migrations, migrations.dropFirst()) {
            if previous.version == next.version {
                throw MigrationError("\(previous.fileName) and \(next.fileName) have the same version")
            }
            if next.version != previous.version + 1 {
                throw MigrationError(
                    "\(next.fileName): versions \(previous.version + 1)–\(next.version - 1) are missing")
            }
        }
        return migrations
    }

    /// Applies the pending migrations; returns the ones this call applied (empty when another instance did).
    ///
    /// Runs with no statement timeout (waiting for the lock, long DDL) and restores the session's after.
    /// - Throws: `MigrationError` when the files are malformed, the prerequisite fails, an applied file changed (checksum), the database
    ///   has a migration this build does not know, or a migration fails (it is rolled back); a `PostgresError`
    ///   when the database cannot be reached.
    public func migrate(_ client: PostgresClient) async throws -> [Migration] {
        let migrations = try self.migrations()
        return try await client.withConnection { connection in
            try connection.setStatementTimeout(milliseconds: nil)
            defer { try? connection.restoreSessionSettings() }
            try connection.query("SELECT pg_advisory_lock(\(Self.lockKey))")
            defer { _ = try? connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))") }
            try prerequisite?(connection)
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            let applied = try Self.applied(on: connection)
            let known = Set(migrations.map(\.version))
            if let unknown = applied.keys.sorted().last(where: { !known.contains($0) }) {
                throw MigrationError(
                    "the database has migration \(unknown), which is not in \(directory): "
                        + "refusing to run an older build against a newer schema")
            }
            for migration in migrations {
                if let checksum = applied[migration.version], checksum != migration.checksum {
                    throw MigrationError(
                        "\(migration.fileName) changed after it was applied (its checksum differs); "
                            + "add a new migration instead")
                }
            }
            var done: [Migration] = []
            for migration in migrations where applied[migration.version] == nil {
                do {
                    try connection.withTransaction(retries: 0) { connection in
                        try connection.execute(migration.sql)
                        guard connection.isInTransaction else {
                            throw MigrationError(
                                "\(migration.fileName) ends the transaction itself (COMMIT or ROLLBACK); "
                                    + "each migration already runs in its own transaction")
                        }
                        try connection.query(
                            """
                            INSERT INTO schema_migrations (version, name, checksum)
                            VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                            """)
                    }
                } catch let error as PostgresError where error.kind == .server {
                    let state = error.sqlState.map { "\($0) " } ?? ""
                    throw MigrationError(
                        "\(migration.fileName) failed and was rolled back: \(state)\(error.message)", underlying: error)
                }
                done.append(migration)
            }
            return done
        }
    }

    /// Compares the database with the files. A database without `schema_migrations` has everything pending.
    /// - Throws: `MigrationError` for a malformed folder, `PostgresError` when the database cannot be reached.
    public func status(_ client: PostgresClient) async throws -> MigrationStatus {
        let migrations = try self.migrations()
        let applied = try await client.withConnection { connection -> [Int: String] in
            let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present").rows[0]
                .decode("present", as: Bool.self)
            return exists ? try Self.applied(on: connection) : [:]
        }
        let files = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0.checksum) })
        if let unknown = applied.keys.sorted().first(where: { files[$0] == nil }) { return .unknownApplied(unknown) }
        if let changed = migrations.first(where: { migration in
            applied[migration.version].map { $0 != migration.checksum } ?? false
        }) {
            return .checksumMismatch(changed.version)
        }
        let pending = migrations.filter { applied[$0.version] == nil }.map(\.version)
        return pending.isEmpty ? .current : .pending(pending)
    }

    private static func applied(on connection: PostgresConnection) throws(PostgresError) -> [Int: String] {
        var applied: [Int: String] = [:]
        for row in try connection.query("SELECT version, checksum FROM schema_migrations").rows {
            let (version, checksum) = try row.decode((Int, String).self)
            applied[version] = checksum
        }
        return applied
    }
}
