internal import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

/// One libpq connection in blocking mode, owned by one pool worker thread.
///
/// A job's closure receives it and may run any number of statements on it; it must not keep it after
/// returning. It is deliberately not `Sendable`: the compiler keeps it on the thread that owns it.
public final class PostgresConnection {
    private(set) var handle: OpaquePointer?
    /// SQL text → server-side prepared statement name.
    var statements: [String: String] = [:]
    /// Never reused within a connection, so a forgotten server-side statement cannot collide with a new one.
    private var statementCounter = 0
    /// `SET …` statements that every session (and every session reset by `DISCARD ALL`) needs.
    private let sessionSetup: String
    private let notices: NoticeSink
    /// Named statements cached per connection; off for transaction poolers (``PostgresConfiguration/preparedStatements``).
    let usesPreparedStatements: Bool
    /// Set when the connection can no longer be trusted; the worker closes it after the job.
    private(set) var isBroken = false
    /// BEGIN and its settings, held back by `withTransaction` to travel with the transaction's first statement.
    var deferredBegin: [Query]?
    /// The transaction's last statement went out together with COMMIT (`queryAndCommit`).
    var committedEarly = false
    /// ``commitWithNextQuery()`` was called: the next ``query(_:)`` sends COMMIT with it.
    var commitsWithNextQuery = false

    func markBroken() { isBroken = true }

    /// More distinct SQL texts than this on one connection: `DEALLOCATE ALL` and start over.
    static let statementCacheLimit = 256

    private init(handle: OpaquePointer, sessionSetup: String, notices: NoticeSink, usesPreparedStatements: Bool) {
        self.handle = handle
        self.usesPreparedStatements = usesPreparedStatements
        self.sessionSetup = sessionSetup
        self.notices = notices
        PQsetNoticeReceiver(handle, noticeReceiver, Unmanaged.passUnretained(notices).toOpaque())
    }

    deinit { close() }

    /// Opens a connection and prepares its session.
    ///
    /// libpq gets the keywords below, in this order, through `PQconnectdbParams` with `expand_dbname = 1`:
    /// `application_name` and `connect_timeout` first (so the connection string may override them), then the
    /// whole connection string as `dbname` (URI or conninfo, several hosts, `target_session_attrs`, …), then
    /// `client_encoding=UTF8`, which every decoder here relies on. No value is ever spliced into conninfo text.
    /// - Throws: `.unavailable` when no server accepts the connection.
    static func connect(
        _ configuration: PostgresConfiguration, log: (@Sendable (String) -> Void)?
    ) throws(PostgresError) -> PostgresConnection {
        let connected = try openWritable(configuration)
        let timeoutMilliseconds = max(0, configuration.statementTimeout.milliseconds)
        // Our own integers and constants only: nothing here comes from input. Every statement is prepared and
        // keyed (org, primary or unique keys), so a generic plan fits them all and planning once per session
        // saves a re-plan per execution, which costs more than the execution for the larger statements.
        let setup = """
            SET statement_timeout = \(timeoutMilliseconds); SET DateStyle = 'ISO, MDY'; \
            SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET bytea_output = 'hex'; \
            SET plan_cache_mode = force_generic_plan; SET default_transaction_isolation = 'read committed'
            """
        let connection = PostgresConnection(
            handle: connected, sessionSetup: setup, notices: NoticeSink(log: log),
            usesPreparedStatements: configuration.preparedStatements)
        do throws(PostgresError) {
            try connection.execute(setup)
        } catch {
            connection.close()
            throw PostgresError(kind: .unavailable, message: "setting up the session failed: \(error.message)")
        }
        return connection
    }

    /// ``open(_:overrides:)``, but when the connection string asks for a writable session the server is asked
    /// (``ReadWriteCheck``): each host in turn comes first, until one is not a standby.
    private static func openWritable(_ configuration: PostgresConfiguration) throws(PostgresError) -> OpaquePointer {
        guard let lists = ReadWriteCheck.hostLists(configuration.connectionString), lists.hosts.count > 0 else {
            return try open(configuration, overrides: [])
        }
        var failure = PostgresError(kind: .unavailable, message: "no server in the list accepts writes")
        for start in lists.hosts.indices {
            do throws(PostgresError) {
                let connected = try open(configuration, overrides: ReadWriteCheck.overrides(lists, startingAt: start))
                if !ReadWriteCheck.isStandby(connected) { return connected }
                PQfinish(connected)
            } catch {
                failure = error
            }
        }
        throw failure
    }

    /// `PQconnectdbParams` with the keywords described at ``connect(_:log:)``; `overrides` come after the
    /// connection string, so they win.
    private static func open(
        _ configuration: PostgresConfiguration, overrides: [(String, String)]
    ) throws(PostgresError) -> OpaquePointer {
        let timeout = max(2, (configuration.connectTimeout.milliseconds + 999) / 1000)
        var keywords = ["application_name", "connect_timeout", "dbname", "client_encoding"]
        var values = [configuration.applicationName, String(timeout), configuration.connectionString, "UTF8"]
        keywords += overrides.map(\.0)
        values += overrides.map(\.1)
        guard let keywordArray = CStringArray(keywords), let valueArray = CStringArray(values) else {
            throw PostgresError(kind: .unavailable, message: "the connection settings contain a NUL byte")
        }
        let connected: OpaquePointer? = keywordArray.withPointers(terminated: true) { keywordPointers in
            valueArray.withPointers(terminated: true) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connected else {
            throw PostgresError(kind: .unavailable, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connected) == CONNECTION_OK else {
            let message = Self.lastError(connected)
            PQfinish(connected)
            throw PostgresError(kind: .unavailable, message: message)
        }
        return connected
    }

    /// Runs one statement with its binds as text parameters (extended protocol).
    ///
    /// Each distinct SQL text is prepared once per connection and executed by name afterwards. When the server
    /// has lost the statement (26000, e.g. after `DISCARD ALL`) or its plan went stale after a schema change
    /// (0A000 "cached plan must not change result type"), the cache is dropped and, outside a transaction block,
    /// the statement is prepared and run once more. Inside a transaction the error stands (the transaction is
    /// aborted); `withTransaction` then runs the transaction again.
    /// - Throws: `.server` with the SQLSTATE, `.connectionLost`, `.protocolViolation`.
    @discardableResult
    public func query(_ query: Query) throws(PostgresError) -> QueryResult {
        if committedEarly {
            throw PostgresError(kind: .protocolViolation, message: "a statement after the transaction's COMMIT")
        }
        if commitsWithNextQuery {
            commitsWithNextQuery = false
            return try queryAndCommit(query)
        }
        if let leading = deferredBegin {
            deferredBegin = nil
            return try pipeline(leading + [query])[leading.count]
        }
        let handle = try liveHandle()
        let binds = try CStringArray.binds(query.binds)
        let wasIdle = PQtransactionStatus(handle) == PQTRANS_IDLE
        do throws(PostgresError) {
            return try run(query.sql, binds, on: handle)
        } catch {
            guard error.isStalePreparedStatement, wasIdle, !isBroken, PQtransactionStatus(handle) == PQTRANS_IDLE
            else { throw error }
            // Forget whatever the server still holds under our names; a 26000 may mean the whole session was
            // reset, so restore its settings too.
            try execute("DEALLOCATE ALL")
            if error.sqlState == .invalidSQLStatementName { try execute(sessionSetup) }
            return try run(query.sql, binds, on: handle)
        }
    }

    /// Runs SQL text through the simple-query protocol. The text may hold several statements (migrations);
    /// they run as one implicit transaction unless the text or an enclosing `BEGIN` says otherwise.
    /// Never build this text from values: use ``query(_:)`` with interpolated binds.
    /// - Throws: the first failing statement's error.
    public func execute(_ sql: String) throws(PostgresError) {
        let handle = try liveHandle()
        if let leading = deferredBegin {
            deferredBegin = nil
            _ = try pipeline(leading)
        }
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, handle)
    }

    /// Declares the next statement the transaction's last: ``query(_:)`` sends it together with COMMIT, one round
    /// trip instead of two, and `withTransaction` then has nothing left to commit. Only inside `withTransaction`; a
    /// statement after that one is refused (it would run outside the transaction). A failing statement leaves the
    /// transaction to roll back as usual.
    public func commitWithNextQuery() { commitsWithNextQuery = true }

    @discardableResult
    func queryAndCommit(_ query: Query) throws(PostgresError) -> QueryResult {
        if let leading = deferredBegin, leading.first?.sql == IsolationLevel.readCommitted.beginStatement {
            // The whole transaction is this one round trip. Statements of a pipeline up to its Sync run as one
            // implicit transaction, committed at the Sync (or rolled back at the first error), and transaction-local
            // settings of the prelude hold until then: BEGIN and COMMIT would cost the server two statements of the
            // four for nothing. The implicit transaction has the session's isolation, read committed (`connect`).
            deferredBegin = nil
            let result = try pipeline(Array(leading.dropFirst()) + [query])[leading.count - 1]
            committedEarly = true
            return result
        }
        let leading = deferredBegin ?? []
        deferredBegin = nil
        let result = try pipeline(leading + [query, "COMMIT"])[leading.count]
        committedEarly = true
        return result
    }

    /// Whether a transaction block is open (or failed and awaiting ROLLBACK).
    public var isInTransaction: Bool {
        guard let handle else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// A statement failed inside the open transaction block; only ROLLBACK is accepted now.
    var failedTransactionPending: Bool {
        guard let handle else { return false }
        return PQtransactionStatus(handle) == PQTRANS_INERROR
    }

    /// The server process serving this connection (`pg_backend_pid()`).
    public var backendPID: Int32 {
        guard let handle else { return 0 }
        return PQbackendPID(handle)
    }

    /// Sets this session's statement timeout (`nil`: no limit) until the next call or `resetStatementTimeout()`.
    func setStatementTimeout(milliseconds: Int64?) throws(PostgresError) {
        try execute("SET statement_timeout = \(milliseconds.map { max(0, $0) } ?? 0)")
    }

    /// Restores every session setting made at connect time, the statement timeout among them.
    func restoreSessionSettings() throws(PostgresError) {
        try execute(sessionSetup)
    }

    /// Checks, without blocking, that an idle connection is still usable: the server may have ended the session
    /// while it sat in the pool (`pg_terminate_backend`, restart, `idle_session_timeout`). Anything readable
    /// on an idle connection is consumed; a FATAL message or end of file means it is gone.
    func isUsableWhenIdle() -> Bool {
        guard let handle, !isBroken, PQstatus(handle) == CONNECTION_OK else { return false }
        let socket = PQsocket(handle)
        guard socket >= 0 else { return false }
        for _ in 0..<3 {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 0)
            if ready == 0 { return true }
            if ready < 0 { return errno == EINTR }
            guard PQconsumeInput(handle) == 1 else { return false }
            _ = PQisBusy(handle)  // parses what arrived; an unsolicited error goes to the notice receiver
            while let notification = PQnotifies(handle) { PQfreemem(notification) }
            if notices.sawFatal || PQstatus(handle) != CONNECTION_OK { return false }
        }
        return false
    }

    /// Closes the connection (idempotent).
    func close() {
        if let handle {
            PQfinish(handle)
            self.handle = nil
        }
        statements.removeAll()
    }

    // MARK: - Statements

    /// The server-side name of `sql`, prepared now unless this connection prepared it before (`cached`).
    func prepared(_ sql: String, on handle: OpaquePointer) throws(PostgresError) -> (name: String, cached: Bool) {
        if let existing = statements[sql] { return (existing, true) }
        if statements.count >= Self.statementCacheLimit {
            try execute("DEALLOCATE ALL")
            statements.removeAll()
        }
        statementCounter += 1
        let name = "crmhub_\(statementCounter)"
        let prepared = PQprepare(handle, name, sql, 0, nil)
        defer { PQclear(prepared) }
        try check(prepared, handle)
        statements[sql] = name
        return (name, false)
    }

    private func run(
        _ sql: String, _ binds: CStringArray, on handle: OpaquePointer
    ) throws(PostgresError) -> QueryResult {
        guard usesPreparedStatements else {
            let result: OpaquePointer? = binds.withPointers(terminated: false) { values in
                PQexecParams(handle, sql, Int32(binds.count), nil, values, nil, nil, 0)
            }
            defer { PQclear(result) }
            try check(result, handle)
            return Self.read(result!)
        }
        let (name, cached) = try prepared(sql, on: handle)
        let result: OpaquePointer? = binds.withPointers(terminated: false) { values in
            PQexecPrepared(handle, name, Int32(binds.count), values, nil, nil, 0)
        }
        defer { PQclear(result) }
        do throws(PostgresError) {
            try check(result, handle)
        } catch {
            throw staleAware(error, cached: cached)
        }
        return Self.read(result!)
    }

    /// A statement this connection had prepared before that the server lost (26000) or whose plan went stale
    /// (0A000): the cache is dropped and the error marked, so the caller can run it again.
    func staleAware(_ error: PostgresError, cached: Bool) -> PostgresError {
        guard cached, error.sqlState == .invalidSQLStatementName || error.sqlState == .featureNotSupported else { return error }
        statements.removeAll()
        return error.markedStale()
    }

    func liveHandle() throws(PostgresError) -> OpaquePointer {
        guard let handle, !isBroken else {
            throw PostgresError(kind: .connectionLost, message: "the connection to PostgreSQL is closed")
        }
        return handle
    }

    func check(_ result: OpaquePointer?, _ handle: OpaquePointer) throws(PostgresError) {
        guard let result else {
            isBroken = true
            let kind: PostgresError.Kind = PQstatus(handle) == CONNECTION_OK ? .protocolViolation : .connectionLost
            throw PostgresError(kind: kind, message: Self.lastError(handle))
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR:
            throw error(from: result, handle)
        case PGRES_COPY_IN, PGRES_COPY_OUT:
            abandonCopy(handle, PQresultStatus(result))
            throw PostgresError(kind: .protocolViolation, message: "COPY is not supported on pooled connections")
        default:
            isBroken = true
            throw PostgresError(kind: .protocolViolation, message: "unexpected result status from libpq")
        }
    }

    private func error(from result: OpaquePointer, _ handle: OpaquePointer) -> PostgresError {
        let state = Self.field(result, "C").map(SQLState.init(rawValue:))
        let severity = Self.field(result, "V")
        let message = Self.field(result, "M") ?? Self.lastError(handle)
        let kind: PostgresError.Kind
        if PQstatus(handle) != CONNECTION_OK || severity == "FATAL" || severity == "PANIC"
            || state?.meansConnectionLost == true
        {
            isBroken = true
            kind = .connectionLost
        } else if state == nil {
            // An error libpq made up itself with the connection nominally up: do not trust the connection.
            isBroken = true
            kind = .protocolViolation
        } else if state == .readOnlySQLTransaction {
            // A write reached a standby: after a failover, a pooler (PgBouncer) may hand an old session to the
            // demoted primary. Reconnecting lets libpq's target_session_attrs=read-write find the new primary.
            isBroken = true
            kind = .connectionLost
        } else if state == .protocolViolation, severity == nil {
            // PgBouncer's own errors ("server conn crashed?", "server login has been failing", query_timeout) lack
            // the non-localized severity that PostgreSQL 9.6+ always sends, and it closes the connection after them.
            isBroken = true
            kind = .connectionLost
        } else if state == .protocolViolation {
            kind = .protocolViolation
        } else {
            kind = .server
        }
        return PostgresError(
            kind: kind, sqlState: state, constraint: Self.field(result, "n"), table: Self.field(result, "t"),
            column: Self.field(result, "c"), message: message, detail: Self.field(result, "D"),
            isStalePreparedStatement: false)
    }

    /// Ends a COPY that `execute` started, so the connection can be used again.
    private func abandonCopy(_ handle: OpaquePointer, _ status: ExecStatusType) {
        if status == PGRES_COPY_IN {
            if PQputCopyEnd(handle, "COPY FROM STDIN is not supported") != 1 { isBroken = true }
        } else {
            var buffer: UnsafeMutablePointer<CChar>?
            while PQgetCopyData(handle, &buffer, 0) > 0 {
                PQfreemem(buffer)
                buffer = nil
            }
        }
        while let pending = PQgetResult(handle) {
            let pendingStatus = PQresultStatus(pending)
            PQclear(pending)
            if pendingStatus == PGRES_COPY_IN || pendingStatus == PGRES_COPY_OUT || pendingStatus == PGRES_COPY_BOTH {
                isBroken = true
                return
            }
        }
    }

    static func read(_ result: OpaquePointer) -> QueryResult {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var names: [String] = []
        names.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            names.append(PQfname(result, Int32(column)).map { String(cString: $0) } ?? "?column?")
        }
        let columns = ResultColumns(names)
        var rows: [Row] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    let bytes = UnsafeRawBufferPointer(start: PQgetvalue(result, row, column), count: length)
                    values.append(String(decoding: bytes, as: UTF8.self))
                }
            }
            rows.append(Row(values: values, columns: columns))
        }
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        return QueryResult(rows: rows, affectedRows: affected, columns: columns)
    }

    static func field(_ result: OpaquePointer, _ code: Unicode.Scalar) -> String? {
        guard let pointer = PQresultErrorField(result, Int32(code.value)) else { return nil }
        return String(cString: pointer)
    }

    /// libpq's last message for the connection, on one line (it writes several, indented with tabs).
    private static func lastError(_ handle: OpaquePointer) -> String {
        guard let pointer = PQerrorMessage(handle) else { return "unknown libpq error" }
        let message = String(cString: pointer).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return message.isEmpty ? "unknown libpq error" : message
    }
}

@available(*, unavailable, message: "a connection belongs to the pool thread that runs the job")
extension PostgresConnection: Sendable {}

extension PostgresError {
    func markedStale() -> PostgresError {
        PostgresError(
            kind: kind, sqlState: sqlState, constraint: constraint, table: table, column: column, message: message,
            detail: detail, isStalePreparedStatement: true)
    }
}

/// Where libpq's notices for one connection go: warnings to the pool's log, and a flag for an unsolicited
/// FATAL message (the server ending the session while it was idle). Touched only on the connection's thread.
final class NoticeSink {
    let log: (@Sendable (String) -> Void)?
    var sawFatal = false

    init(log: (@Sendable (String) -> Void)?) {
        self.log = log
    }
}

/// `PQnoticeReceiver`: a C function, so it finds its `NoticeSink` through the opaque argument.
private let noticeReceiver: PQnoticeReceiver = { argument, result in
    guard let argument, let result else { return }
    let sink = Unmanaged<NoticeSink>.fromOpaque(argument).takeUnretainedValue()
    let severity = PostgresConnection.field(result, "V") ?? "NOTICE"
    switch severity {
    case "FATAL", "PANIC":
        sink.sawFatal = true
        fallthrough
    case "WARNING", "ERROR":
        let state = PostgresConnection.field(result, "C") ?? "-----"
        let message = PostgresConnection.field(result, "M") ?? ""
        sink.log?("PostgreSQL \(severity) \(state): \(message)")
    default:
        break  // NOTICE, INFO, LOG, DEBUG: chatter such as "relation already exists, skipping"
    }
}

/// Strings copied into one NUL-separated buffer, for libpq's `const char * const *` arguments.
/// `nil` elements stay NULL pointers (SQL NULL). Fails when a string contains a NUL byte.
struct CStringArray {
    private var storage: [CChar] = []
    private var offsets: [Int?] = []

    var count: Int { offsets.count }

    init?(_ strings: [String?]) {
        offsets.reserveCapacity(strings.count)
        storage.reserveCapacity(strings.reduce(1) { $0 + ($1?.utf8.count ?? 0) + 1 })
        for string in strings {
            guard var string else {
                offsets.append(nil)
                continue
            }
            offsets.append(storage.count)
            let copied = string.withUTF8 { bytes -> Bool in
                guard !bytes.contains(0) else { return false }
                bytes.withMemoryRebound(to: CChar.self) { storage.append(contentsOf: $0) }
                return true
            }
            guard copied else { return nil }
            storage.append(0)
        }
        if storage.isEmpty { storage.append(0) }
    }

    init?(_ strings: [String]) {
        self.init(strings.map { Optional($0) })
    }

    /// Bound values as C strings; PostgreSQL text cannot hold NUL, so one that has it is refused.
    static func binds(_ values: [String?]) throws(PostgresError) -> CStringArray {
        guard let binds = CStringArray(values) else {
            throw PostgresError(
                kind: .server, sqlState: .characterNotInRepertoire,
                message: "a bound value contains a NUL byte, which PostgreSQL text cannot hold")
        }
        return binds
    }

    /// Calls `body` with one pointer per string (plus a final NULL when `terminated`), valid during the call.
    func withPointers<R>(terminated: Bool, _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        storage.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            var pointers = offsets.map { offset in offset.map { base + $0 } }
            if terminated { pointers.append(nil) }
            return body(pointers)
        }
    }
}
