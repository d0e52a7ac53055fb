/// How to reach PostgreSQL and how the pool behaves.
public struct PostgresConfiguration: Sendable {
    /// A libpq URI (`postgresql://user@host:5432/db?sslmode=require`, several hosts and
    /// `target_session_attrs=read-write` allowed) or a `key=value` conninfo string.
    ///
    /// It reaches libpq whole, as the `dbname` keyword of `PQconnectdbParams` with `expand_dbname` set; nothing is
    /// spliced into it. Keywords it sets win over `applicationName` and `connectTimeout` below.
    public var connectionString: String
    /// Connections, each owned by its own thread. At least 1.
    public var poolSize: Int
    /// Applied with `SET statement_timeout` after connecting; a statement running longer fails with 57014.
    /// `.zero` means no limit.
    public var statementTimeout: Duration
    /// libpq's `connect_timeout` (whole seconds, at least 2; per host when several are listed).
    public var connectTimeout: Duration
    /// A job that waits longer than this for a free connection fails with `.poolTimeout`.
    public var acquireTimeout: Duration
    /// When this many jobs are already waiting, more fail at once with `.poolExhausted`.
    public var maxWaiting: Int
    /// Shown in `pg_stat_activity`.
    public var applicationName: String
    /// After a failed connection attempt, jobs that would need a new connection fail at once with
    /// `.unavailable` for this long; then one job tries again.
    public var reconnectBackoff: Duration
    /// Each distinct SQL text is prepared once per connection under a name (the default). Off: every statement
    /// goes as the unnamed statement (Parse, Bind, Execute in one round trip), which a transaction pooler such as
    /// PgBouncer 1.18 can hand to any server connection, since nothing outlives the transaction.
    public var preparedStatements: Bool

    public init(
        connectionString: String, poolSize: Int = 10, statementTimeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(5), acquireTimeout: Duration = .seconds(5), maxWaiting: Int = 1000,
        applicationName: String = "crmhub", reconnectBackoff: Duration = .seconds(1), preparedStatements: Bool = true
    ) {
        self.connectionString = connectionString
        self.poolSize = poolSize
        self.statementTimeout = statementTimeout
        self.connectTimeout = connectTimeout
        self.acquireTimeout = acquireTimeout
        self.maxWaiting = maxWaiting
        self.applicationName = applicationName
        self.reconnectBackoff = reconnectBackoff
        self.preparedStatements = preparedStatements
    }
}

/// The isolation level a transaction starts with (`BEGIN ISOLATION LEVEL …`).
public enum IsolationLevel: Sendable, Hashable {
    case readCommitted
    case repeatableRead
    case serializable

    var beginStatement: String {
        switch self {
        case .readCommitted: "BEGIN ISOLATION LEVEL READ COMMITTED"
        case .repeatableRead: "BEGIN ISOLATION LEVEL REPEATABLE READ"
        case .serializable: "BEGIN ISOLATION LEVEL SERIALIZABLE"
        }
    }
}

extension Duration {
    /// Whole nanoseconds, clamped to zero below and to about 570 years above.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        guard seconds < 18_000_000_000 else { return 18_000_000_000 * 1_000_000_000 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
