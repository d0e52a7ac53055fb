import JSON

/// Builds one JSON object on a single line, without Foundation's slow serializer.
public struct JSONLine: Sendable {
    private var text: String

    public init() {
        text = "{"
        text.reserveCapacity(256)
    }

    public mutating func add(_ key: String, _ value: String) {
        separator()
        Self.appendQuoted(key, to: &text)
        text.append(":")
        Self.appendQuoted(value, to: &text)
    }

    public mutating func add(_ key: String, _ value: Int) {
        separator()
        Self.appendQuoted(key, to: &text)
        text.append(":")
        text.append(String(value))
    }

    public mutating func add(_ key: String, _ value: Double) {
        separator()
        Self.appendQuoted(key, to: &text)
        text.append(":")
        text.append(value.isFinite ? String(value) : "null")
    }

    public mutating func add(_ key: String, _ value: Bool) {
        separator()
        Self.appendQuoted(key, to: &text)
        text.append(value ? ":true" : ":false")
    }

    /// The finished line, with its trailing newline.
    public func finished() -> String { text + "}\n" }

    private mutating func separator() {
        if text.utf8.count > 1 { text.append(",") }
    }

    /// RFC 8259 §7 string escaping.
    public static func appendQuoted(_ value: String, to out: inout String) { JSONWriter.quote(value, into: &out) }
}
