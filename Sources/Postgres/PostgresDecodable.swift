import FoundationEssentials

/// A value read from a text-format result column. `nil` text is SQL NULL: only `Optional` accepts it.
public protocol PostgresDecodable {
    init(postgresText text: String?) throws(PostgresError)
}

extension String: PostgresDecodable {
    public init(postgresText text: String?) throws(PostgresError) {
        guard let text else { throw .decoding(String.self, nil) }
        self = text
    }
}

extension Int: PostgresDecodable {
    public init(postgresText text: String?) throws(PostgresError) {
        guard let text, let value = Int(text) else { throw .decoding(Int.self, text) }
        self = value
    }
}

extension Int64: PostgresDecodable {
    public init(postgresText text: String?) throws(PostgresError) {
        guard let text, let value = Int64(text) else { throw .decoding(Int64.self, text) }
        self = value
    }
}

extension Int32: PostgresDecodable {
    public init(postgresText text: String?) throws(PostgresError) {
        guard let text, let value = Int32(text) else { throw .decoding(Int32.self, text) }
        self = value
    }
}

extension Int16: PostgresDecodable {
    public init(postgresText text: String?) throws(PostgresError) {
        guard let text, let value = Int16(text) else { throw .decoding(Int16.self, text) }
        self = value
    }
}

extension Double: PostgresDecodable {
    public init(postgresText text: String?) throws(PostgresError) {
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let text, let value = Double(text), value.isFinite else { throw .decoding(Double.self, text) }
            self = value
        }
    }
}

extension Float: PostgresDecodable {
    public init(postgresText text: String?) throws(PostgresError) {
        self = Float(try Double(postgresText: text))
    }
}

extension Bool: PostgresDecodable {
    public init(postgresText text: String?) throws(PostgresError) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw .decoding(Bool.self, text)
        }
    }
}

extension UUID: PostgresDecodable {
    public init(postgresText text: String?) throws(PostgresError) {
        guard let text, let value = UUID(uuidString: text) else { throw .decoding(UUID.self, text) }
        self = value
    }
}

extension Date: PostgresDecodable {
    /// timestamptz (`2026-11-23 07:39:00.123456+00`, any offset), timestamp (taken as UTC) or date (UTC midnight).
    public init(postgresText text: String?) throws(PostgresError) {
        guard let text, let value = PostgresDateFormat.parse(text) else { throw .decoding(Date.self, text) }
        self = value
    }
}

extension Data: PostgresDecodable {
    /// bytea in hex format (`\x0102…`).
    public init(postgresText text: String?) throws(PostgresError) {
        guard let text, let bytes = PostgresByteA.bytes(fromHex: text) else { throw .decoding(Data.self, text) }
        self = Data(bytes)
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresText text: String?) throws(PostgresError) {
        guard let text else {
            self = .none
            return
        }
        self = .some(try Wrapped(postgresText: text))
    }
}
