import FoundationEssentials

/// A value that can be bound as a text-format parameter. `nil` text is SQL NULL.
///
/// The text is what PostgreSQL's input function for the column's type accepts: `t`/`f` for boolean,
/// `2026-11-23 07:39:00.123456+00` for timestamptz, `\x…` for bytea, `{"a","b"}` for arrays.
public protocol PostgresEncodable: Sendable {
    var postgresText: String? { get }
}

extension String: PostgresEncodable {
    public var postgresText: String? { self }
}

extension Substring: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int16: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Double: PostgresEncodable {
    /// Shortest text that reads back as the same Double; `Infinity`, `-Infinity` and `NaN` as PostgreSQL spells them.
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return String(self)
    }
}

extension Float: PostgresEncodable {
    public var postgresText: String? { Double(self).postgresText }
}

extension Bool: PostgresEncodable {
    public var postgresText: String? { self ? "t" : "f" }
}

extension UUID: PostgresEncodable {
    public var postgresText: String? { uuidString.lowercased() }
}

extension Date: PostgresEncodable {
    /// timestamptz text in UTC with microseconds: `2026-11-23 07:39:00.123456+00`.
    public var postgresText: String? { PostgresDateFormat.format(self) }
}

extension Data: PostgresEncodable {
    /// bytea in hex format.
    public var postgresText: String? { PostgresByteA.hex(self) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
}
