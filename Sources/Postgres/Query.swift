/// SQL text and its values, kept apart. String interpolation turns each value into the next `$n` placeholder
/// and records the value as a text-format parameter:
///
///     let query: Query = "SELECT id FROM contacts WHERE org_id = \(orgID) AND email = \(email)"
///     // query.sql   == "SELECT id FROM contacts WHERE org_id = $1 AND email = $2"
///     // query.binds == ["42", "ann@example.com"]
///
/// `\(unescaped: text)` is the one way to splice text into the SQL itself. Use it only for identifiers and
/// keywords written in code (a column chosen from a fixed list), never for input.
public struct Query: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The SQL with `$1`, `$2`, … placeholders.
    public let sql: String
    /// The values for the placeholders in text format; `nil` is SQL NULL.
    public let binds: [String?]

    /// A query from parts. `binds[0]` is `$1`.
    public init(sql: String, binds: [String?] = []) {
        self.sql = sql
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        sql = value
        binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        binds = stringInterpolation.binds
    }

    /// The SQL only: values never appear in descriptions or logs.
    public var description: String { sql }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// A value: becomes `$n`.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(value.postgresText)
            sql += "$\(binds.count)"
        }

        /// An optional value: `nil` is bound as SQL NULL. (Spelled out so that interpolating an optional is not
        /// mistaken for printing one.)
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            binds.append(value?.postgresText ?? nil)
            sql += "$\(binds.count)"
        }

        /// Raw SQL text, for trusted identifiers only.
        public mutating func appendInterpolation(unescaped text: String) {
            sql += text
        }
    }
}
