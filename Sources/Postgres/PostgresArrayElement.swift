import FoundationEssentials

/// A type whose Swift arrays travel as PostgreSQL arrays: `[String]` ↔ `text[]`, `[Int64]` ↔ `bigint[]`,
/// `[String?]` with NULL elements, and so on (one dimension).
///
/// `UInt8` is the exception: `[UInt8]` is `bytea` (hex format), not an array of numbers.
public protocol PostgresArrayElement: Sendable {
    /// The text of an array parameter holding `elements`.
    static func postgresText(ofArray elements: [Self]) -> String?
    /// Appends `element` as one element of an array literal: quoted and escaped, or `NULL`.
    static func appendArrayElement(_ element: Self, to literal: inout [UInt8])
    /// The elements of an array column's text.
    static func postgresArray(fromText text: String) throws(PostgresError) -> [Self]
}

extension PostgresArrayElement where Self: PostgresEncodable & PostgresDecodable {
    @inlinable
    public static func postgresText(ofArray elements: [Self]) -> String? {
        PostgresArrayLiteral.format(elements)
    }

    @inlinable
    public static func appendArrayElement(_ element: Self, to literal: inout [UInt8]) {
        PostgresArrayLiteral.appendQuoted(element.postgresText, to: &literal)
    }

    public static func postgresArray(fromText text: String) throws(PostgresError) -> [Self] {
        guard let texts = PostgresArrayLiteral.parse(text) else { throw .decoding([Self].self, text) }
        var elements: [Self] = []
        elements.reserveCapacity(texts.count)
        for element in texts { elements.append(try Self(postgresText: element)) }
        return elements
    }
}

// Ingestion binds arrays of a hundred and more elements per column: strings and integers are written straight
// into the literal, without a String per element.
extension String: PostgresArrayElement {
    @inlinable
    public static func appendArrayElement(_ element: String, to literal: inout [UInt8]) {
        PostgresArrayLiteral.appendQuoted(element, to: &literal)
    }
}

extension PostgresArrayElement where Self: FixedWidthInteger & PostgresEncodable & PostgresDecodable {
    @inlinable
    public static func appendArrayElement(_ element: Self, to literal: inout [UInt8]) {
        PostgresArrayLiteral.appendDecimal(Int64(element), to: &literal)
    }
}

extension Int: PostgresArrayElement {}
extension Int64: PostgresArrayElement {}
extension Int32: PostgresArrayElement {}
extension Int16: PostgresArrayElement {}
extension Double: PostgresArrayElement {}
extension Float: PostgresArrayElement {}
extension Bool: PostgresArrayElement {}
extension UUID: PostgresArrayElement {}
extension Date: PostgresArrayElement {}

extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement & PostgresEncodable & PostgresDecodable {
    @inlinable
    public static func appendArrayElement(_ element: Wrapped?, to literal: inout [UInt8]) {
        guard let element else { return literal.append(contentsOf: "NULL".utf8) }
        Wrapped.appendArrayElement(element, to: &literal)
    }
}

/// `[UInt8]` is bytea.
extension UInt8: PostgresArrayElement {
    public static func postgresText(ofArray elements: [UInt8]) -> String? {
        PostgresByteA.hex(elements)
    }

    /// Never called: `[UInt8]` is written whole, as bytea.
    public static func appendArrayElement(_ element: UInt8, to literal: inout [UInt8]) {
        PostgresArrayLiteral.appendDecimal(Int64(element), to: &literal)
    }

    public static func postgresArray(fromText text: String) throws(PostgresError) -> [UInt8] {
        guard let bytes = PostgresByteA.bytes(fromHex: text) else { throw .decoding([UInt8].self, text) }
        return bytes
    }
}

/// One bytea value among others, for a `bytea[]` parameter (`[UInt8]` alone binds as a single bytea). Each is
/// written into the array literal as hex digits directly: no String, no scan for characters to escape.
public struct PostgresBytes: PostgresArrayElement, PostgresEncodable, PostgresDecodable {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public init(postgresText text: String?) throws(PostgresError) {
        bytes = try [UInt8](postgresText: text)
    }

    public var postgresText: String? { PostgresByteA.hex(bytes) }

    /// `"\\x…"`: inside a quoted element `\\` stands for the backslash of bytea's `\x` prefix.
    public static func appendArrayElement(_ element: PostgresBytes, to literal: inout [UInt8]) {
        literal.append(contentsOf: #""\\x"#.utf8)
        PostgresByteA.appendHexDigits(element.bytes, to: &literal)
        literal.append(UInt8(ascii: "\""))
    }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    @inlinable
    public var postgresText: String? { Element.postgresText(ofArray: self) }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    public init(postgresText text: String?) throws(PostgresError) {
        guard let text else { throw .decoding([Element].self, nil) }
        self = try Element.postgresArray(fromText: text)
    }
}

/// One-dimensional array literals (PostgreSQL manual 8.15.6, "Array Input and Output Syntax").
@usableFromInline
enum PostgresArrayLiteral {
    /// Every string element double-quoted with `"` and `\` backslash-escaped, so commas, braces, spaces and the
    /// word NULL inside a value stay data; a nil element is the bare word NULL; integers are bare digits.
    @inlinable
    static func format<Element: PostgresArrayElement>(_ elements: [Element]) -> String {
        var literal: [UInt8] = [UInt8(ascii: "{")]
        literal.reserveCapacity(2 + elements.count * 8)
        for (index, element) in elements.enumerated() {
            if index > 0 { literal.append(UInt8(ascii: ",")) }
            Element.appendArrayElement(element, to: &literal)
        }
        literal.append(UInt8(ascii: "}"))
        return String(decoding: literal, as: UTF8.self)
    }

    /// `"text"` with `"` and `\` escaped, or NULL for nil.
    @usableFromInline
    static func appendQuoted(_ text: String?, to literal: inout [UInt8]) {
        guard var text else { return literal.append(contentsOf: "NULL".utf8) }
        literal.append(UInt8(ascii: "\""))
        // Bytes, not scalars: `"` and `\` are ASCII, so UTF-8 continuation bytes never look like them.
        text.withUTF8 { bytes in
            if !bytes.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                literal.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { literal.append(UInt8(ascii: "\\")) }
                literal.append(byte)
            }
        }
        literal.append(UInt8(ascii: "\""))
    }

    @usableFromInline
    static func appendDecimal(_ value: Int64, to literal: inout [UInt8]) {
        if value < 0 { literal.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = literal.count
        repeat {
            literal.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        literal[start...].reverse()
    }

    /// The elements of `{a,"b c",NULL,"NULL"}` (nil for an unquoted NULL). Nil when the text is not a
    /// one-dimensional array literal.
    static func parse(_ text: String) -> [String?]? {
        let scalars = Array(text.unicodeScalars)
        guard scalars.first == "{", scalars.last == "}" else { return nil }
        let end = scalars.count - 1
        var index = 1
        var elements: [String?] = []
        if index == end { return [] }
        while true {
            var value = String.UnicodeScalarView()
            var quoted = false
            while index < end, scalars[index] == " " { index += 1 }
            if index < end, scalars[index] == "\"" {
                quoted = true
                index += 1
                while true {
                    guard index < end else { return nil }
                    let scalar = scalars[index]
                    if scalar == "\"" { break }
                    if scalar == "\\" {
                        index += 1
                        guard index < end else { return nil }
                    }
                    value.append(scalars[index])
                    index += 1
                }
                index += 1
                while index < end, scalars[index] == " " { index += 1 }
            } else {
                while index < end, scalars[index] != "," {
                    let scalar = scalars[index]
                    // Nested arrays and stray quotes are not one-dimensional literals.
                    if scalar == "{" || scalar == "}" || scalar == "\"" { return nil }
                    if scalar == "\\" {
                        index += 1
                        guard index < end else { return nil }
                    }
                    value.append(scalars[index])
                    index += 1
                }
                while let last = value.last, last == " " { value.removeLast() }
                if value.isEmpty { return nil }
            }
            let string = String(value)
            elements.append(!quoted && string.uppercased() == "NULL" ? nil : string)
            if index == end { return elements }
            guard scalars[index] == "," else { return nil }
            index += 1
        }
    }
}

/// bytea's hex format (PostgreSQL manual 8.4.1).
public enum PostgresByteA {
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        appendHexDigits(bytes, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Two lower-case hex digits per byte.
    static func appendHexDigits(_ bytes: some Sequence<UInt8>, to text: inout [UInt8]) {
        text.reserveCapacity(text.count + bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(hexDigit(byte >> 4))
            text.append(hexDigit(byte & 0x0F))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    public static func bytes(fromHex text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            return nil
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        case 0x41...0x46: byte - 0x41 + 10
        default: nil
        }
    }
}
