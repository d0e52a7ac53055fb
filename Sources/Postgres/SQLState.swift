/// A five-character SQLSTATE code (PostgreSQL manual, Appendix A "PostgreSQL Error Codes").
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    /// The two-character class ("23" for integrity constraint violations).
    public var errorClass: String { String(rawValue.prefix(2)) }

    // Class 08: connection exception.
    public static let connectionException = SQLState(rawValue: "08000")
    public static let connectionFailure = SQLState(rawValue: "08006")
    public static let protocolViolation = SQLState(rawValue: "08P01")
    // Class 0A: feature not supported (also "cached plan must not change result type").
    public static let featureNotSupported = SQLState(rawValue: "0A000")
    // Class 22: data exception.
    public static let stringDataRightTruncation = SQLState(rawValue: "22001")
    public static let numericValueOutOfRange = SQLState(rawValue: "22003")
    public static let invalidDatetimeFormat = SQLState(rawValue: "22007")
    public static let datetimeFieldOverflow = SQLState(rawValue: "22008")
    public static let divisionByZero = SQLState(rawValue: "22012")
    public static let characterNotInRepertoire = SQLState(rawValue: "22021")
    public static let invalidParameterValue = SQLState(rawValue: "22023")
    public static let invalidTextRepresentation = SQLState(rawValue: "22P02")
    // Class 23: integrity constraint violation.
    public static let notNullViolation = SQLState(rawValue: "23502")
    public static let foreignKeyViolation = SQLState(rawValue: "23503")
    public static let uniqueViolation = SQLState(rawValue: "23505")
    public static let checkViolation = SQLState(rawValue: "23514")
    public static let exclusionViolation = SQLState(rawValue: "23P01")
    // Class 25: invalid transaction state.
    public static let readOnlySQLTransaction = SQLState(rawValue: "25006")
    public static let inFailedSQLTransaction = SQLState(rawValue: "25P02")
    // Class 26: invalid SQL statement name (the prepared statement does not exist).
    public static let invalidSQLStatementName = SQLState(rawValue: "26000")
    // Class 28: invalid authorization specification.
    public static let invalidPassword = SQLState(rawValue: "28P01")
    // Class 40: transaction rollback.
    public static let serializationFailure = SQLState(rawValue: "40001")
    public static let deadlockDetected = SQLState(rawValue: "40P01")
    // Class 42: syntax error or access rule violation.
    public static let syntaxError = SQLState(rawValue: "42601")
    public static let insufficientPrivilege = SQLState(rawValue: "42501")
    public static let undefinedColumn = SQLState(rawValue: "42703")
    public static let undefinedFunction = SQLState(rawValue: "42883")
    public static let undefinedTable = SQLState(rawValue: "42P01")
    public static let duplicateTable = SQLState(rawValue: "42P07")
    public static let duplicateObject = SQLState(rawValue: "42710")
    // Class 53: insufficient resources.
    public static let tooManyConnections = SQLState(rawValue: "53300")
    // Class 55: object not in prerequisite state.
    public static let lockNotAvailable = SQLState(rawValue: "55P03")
    public static let objectInUse = SQLState(rawValue: "55006")
    // Class 57: operator intervention.
    public static let queryCanceled = SQLState(rawValue: "57014")
    public static let adminShutdown = SQLState(rawValue: "57P01")
    public static let crashShutdown = SQLState(rawValue: "57P02")
    public static let cannotConnectNow = SQLState(rawValue: "57P03")
    // Class P0: PL/pgSQL.
    public static let raiseException = SQLState(rawValue: "P0001")

    /// The server ended (or is ending) the session: class 08 except a protocol violation, and 57P01–57P03.
    public var meansConnectionLost: Bool {
        (errorClass == "08" && self != .protocolViolation)
            || self == .adminShutdown || self == .crashShutdown || self == .cannotConnectNow
    }

    /// Well-known names, for logs.
    var name: String? {
        switch rawValue {
        case "23505": "unique_violation"
        case "23503": "foreign_key_violation"
        case "23502": "not_null_violation"
        case "23514": "check_violation"
        case "23P01": "exclusion_violation"
        case "40001": "serialization_failure"
        case "40P01": "deadlock_detected"
        case "57014": "query_canceled"
        case "57P01": "admin_shutdown"
        case "42501": "insufficient_privilege"
        case "42P01": "undefined_table"
        case "42703": "undefined_column"
        case "42601": "syntax_error"
        case "22012": "division_by_zero"
        case "22P02": "invalid_text_representation"
        case "22001": "string_data_right_truncation"
        case "25P02": "in_failed_sql_transaction"
        case "0A000": "feature_not_supported"
        case "26000": "invalid_sql_statement_name"
        default: nil
        }
    }
}
