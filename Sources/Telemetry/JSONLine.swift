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
    public static func appendQuoted(_ value: String, to out: inout String) {
        out.append("\"")
        var needsEscape = false
        for byte in value.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            needsEscape = true
            break
        }
        if !needsEscape {
            out.append(value)
        } else {
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": out.append("\\\"")
                case "\\": out.append("\\\\")
                case "\n": out.append("\\n")
                case "\r": out.append("\\r")
                case "\t": out.append("\\t")
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append("\"")
    }
}
