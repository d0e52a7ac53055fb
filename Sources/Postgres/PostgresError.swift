/// Every failure of the Postgres layer, as one closed type.
///
/// `description` (what logs print) holds the kind, the SQLSTATE, the constraint and the primary message. It never
/// holds SQL text, bound values or `detail` (which for a unique violation reads "Key (email)=(…) already exists").
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The server refused a statement; `sqlState` says why.
        case server
        /// The connection broke while the job ran (terminated backend, server restart, network). The pool
        /// reconnects on the connection's next job.
        case connectionLost
        /// No connection could be made. After a failed attempt the pool fails jobs at once for a second
        /// (`PostgresConfiguration.reconnectBackoff`) instead of letting each wait for a connect timeout.
        case unavailable
        /// The job waited longer than `acquireTimeout` for a connection.
        case poolTimeout
        /// `maxWaiting` jobs were already waiting.
        case poolExhausted
        /// The pool is shutting down (or has shut down).
        case shutdown
        /// A column value could not be decoded into the requested type.
        case decoding
        /// The client and server disagree about the protocol (wrong number of bind values, COPY, …).
        case protocolViolation
    }

    public let kind: Kind
    /// Set for `.server` errors (and for the few client-side checks that mirror a server error).
    public let sqlState: SQLState?
    /// The constraint a `23xxx` error names (`PG_DIAG_CONSTRAINT_NAME`).
    public let constraint: String?
    /// The table and column the error names, when the server says (`PG_DIAG_TABLE_NAME`, `PG_DIAG_COLUMN_NAME`).
    public let table: String?
    public let column: String?
    /// The primary message. Data exceptions (class 22) quote the offending input; those quotes are redacted,
    /// so the message holds no bound values.
    public let message: String
    /// The server's detail line. It may contain values (the duplicate key): never log it or show it to clients.
    public let detail: String?

    /// The statement used a prepared statement that the server no longer has (26000), or whose plan went
    /// stale after a schema change (0A000 "cached plan must not change result type"). Re-preparing helps.
    let isStalePreparedStatement: Bool

    public init(
        kind: Kind, sqlState: SQLState? = nil, constraint: String? = nil, table: String? = nil, column: String? = nil,
        message: String, detail: String? = nil
    ) {
        self.init(
            kind: kind, sqlState: sqlState, constraint: constraint, table: table, column: column, message: message,
            detail: detail, isStalePreparedStatement: false)
    }

    init(
        kind: Kind, sqlState: SQLState?, constraint: String?, table: String?, column: String?, message: String,
        detail: String?, isStalePreparedStatement: Bool
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.constraint = constraint
        self.table = table
        self.column = column
        self.message = sqlState?.errorClass == "22" ? Self.redactingQuotes(message) : message
        self.detail = detail
        self.isStalePreparedStatement = isStalePreparedStatement
    }

    /// A serialization failure (40001) or deadlock (40P01): the same transaction run again may succeed.
    public var isRetryableTransactionFailure: Bool {
        sqlState == .serializationFailure || sqlState == .deadlockDetected
    }

    /// The database cannot serve the request right now: callers answer 503 (with `Retry-After`).
    public var isUnavailable: Bool {
        switch kind {
        case .connectionLost, .unavailable, .poolTimeout, .poolExhausted, .shutdown: true
        case .server: sqlState?.meansConnectionLost ?? false
        case .decoding, .protocolViolation: false
        }
    }

    public var description: String {
        var text = "PostgresError.\(kind)"
        if let sqlState {
            text += " \(sqlState)"
            if let name = sqlState.name { text += " \(name)" }
        }
        if let constraint { text += " constraint=\(constraint)" }
        return text + ": \(message)"
    }

    /// Replaces each double-quoted span with `"…"`: the server quotes the rejected input in data exceptions
    /// (`invalid input syntax for type integer: "…"`).
    static func redactingQuotes(_ message: String) -> String {
        var result = ""
        var inside = false
        for character in message {
            if character == "\"" {
                result += inside ? "…\"" : "\""
                inside.toggle()
            } else if !inside {
                result.append(character)
            }
        }
        if inside { result += "…" }
        return result
    }
}

extension PostgresError {
    static func poolTimeout(_ timeout: Duration) -> PostgresError {
        PostgresError(kind: .poolTimeout, message: "no database connection became free within \(timeout)")
    }

    static let poolExhausted = PostgresError(
        kind: .poolExhausted, message: "too many jobs are already waiting for a database connection")

    static let shutdown = PostgresError(kind: .shutdown, message: "the database pool is shut down")

    static func decoding(_ type: Any.Type, _ text: String?) -> PostgresError {
        // The value itself is left out: it may be personal data.
        PostgresError(
            kind: .decoding, message: text == nil ? "NULL where \(type) was expected" : "cannot decode \(type)")
    }
}
