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

    /// `sql` with every placeholder `$n` outside quotes made `$(n + offset)`.
    static func renumbered(_ sql: String, by offset: Int) -> String {
        guard offset > 0 else { return sql }
        var out: [UInt8] = []
        out.reserveCapacity(sql.utf8.count + 16)
        var quote: UInt8?
        var digits: [UInt8] = []
        func flushPlaceholder() {
            guard !digits.isEmpty else { return }
            out.append(contentsOf: String(Int(String(decoding: digits, as: UTF8.self))! + offset).utf8)
            digits = []
        }
        var inPlaceholder = false
        for byte in sql.utf8 {
            if inPlaceholder {
                if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    digits.append(byte)
                    continue
                }
                flushPlaceholder()
                inPlaceholder = false
            }
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                quote = byte
            } else if byte == UInt8(ascii: "$") {
                out.append(byte)
                inPlaceholder = true
                continue
            }
            out.append(byte)
        }
        if inPlaceholder { flushPlaceholder() }
        return String(decoding: out, as: UTF8.self)
    }

    /// The SQL only: values never appear in descriptions or logs.
    public var description: String { sql }

    // The interpolations are inlinable so that a caller's array of strings or integers is formatted by code
    // specialized for it, not through witness tables and runtime metadata per element (a statement of a hundred
    // contacts binds twenty-five such arrays).
    public struct StringInterpolation: StringInterpolationProtocol {
        @usableFromInline var sql = ""
        @usableFromInline var binds: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// A value: becomes `$n`.
        @inlinable
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(value.postgresText)
            sql += "$\(binds.count)"
        }

        /// An optional value: `nil` is bound as SQL NULL. (Spelled out so that interpolating an optional is not
        /// mistaken for printing one.)
        @inlinable
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            binds.append(value?.postgresText ?? nil)
            sql += "$\(binds.count)"
        }

        /// Another query's text and values, spliced in with its placeholders renumbered after the ones before it:
        /// a statement part that several statements share (a CTE over the same arrays) is written once. The
        /// fragment's `$n` are the ones interpolation made; a `$` inside a quoted literal or identifier is left as is.
        public mutating func appendInterpolation(fragment: Query) {
            let offset = binds.count
            binds.append(contentsOf: fragment.binds)
            sql += Query.renumbered(fragment.sql, by: offset)
        }

        /// Raw SQL text, for trusted identifiers only.
        public mutating func appendInterpolation(unescaped text: String) {
            sql += text
        }
    }
}
