import JSON
import Postgres

/// Rows of a ``RecordTable`` written straight from their column text into a byte buffer as NDJSON lines or CSV rows:
/// the bytes ``RecordJSON`` and ``RecordCSV`` write for the decoded ``Record``, without a `Record`, a `FieldValue` or
/// a growing `String` per row (the export spent most of its time there). `ExportRenderingTests` compare the two.
struct RecordBytes {
    let table: RecordTable
    let format: ContactExport.Format
    /// `"name":` per column, for NDJSON.
    private let keys: [[UInt8]]

    init(_ table: RecordTable, format: ContactExport.Format) {
        self.table = table
        self.format = format
        keys = table.columns.map { column in
            var key: [UInt8] = []
            column.name.utf8Bytes { Self.quote($0, into: &key) }
            key.append(UInt8(ascii: ":"))
            return key
        }
    }

    func append(_ row: Row, to out: inout [UInt8]) throws {
        switch format {
        case .ndjson:
            out.append(UInt8(ascii: "{"))
            for (index, column) in table.columns.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: keys[index])
                try json(row, index, column.kind, into: &out)
            }
            out.append(contentsOf: "}\n".utf8)
        case .csv:
            for (index, column) in table.columns.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try csv(row, index, column.kind, into: &out)
            }
            out.append(contentsOf: "\r\n".utf8)
        }
    }

    private func json(_ row: Row, _ index: Int, _ kind: RecordTable.Kind, into out: inout [UInt8]) throws {
        switch kind {
        case .texts, .ids: return try Self.array(row, index, kind, into: &out)
        default: break
        }
        guard let text = row[index] else { return out.append(contentsOf: "null".utf8) }
        text.utf8Bytes { bytes in
            switch kind {
            case .text, .decimal: Self.quote(bytes, into: &out)
            case .id:
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: bytes)
                out.append(UInt8(ascii: "\""))
            case .integer: out.append(contentsOf: bytes)
            case .json: JSONWriter.appendCompact(bytes, into: &out)
            case .texts, .ids: break
            }
        }
    }

    private func csv(_ row: Row, _ index: Int, _ kind: RecordTable.Kind, into out: inout [UInt8]) throws {
        var json: [UInt8] = []
        switch kind {
        case .texts, .ids: try Self.array(row, index, kind, into: &json)
        default:
            guard let text = row[index] else { return }
            text.utf8Bytes { bytes in
                switch kind {
                case .text, .decimal: Self.cell(bytes, into: &out)
                case .id, .integer: out.append(contentsOf: bytes)
                case .json: JSONWriter.appendCompact(bytes, into: &json)
                case .texts, .ids: break
                }
            }
        }
        if !json.isEmpty { json.withUnsafeBufferPointer { Self.cell($0, into: &out) } }
    }

    /// A text or id array as a JSON array of strings. PostgreSQL quotes every element that holds a quote, a backslash,
    /// a brace, a comma or white space, is empty or reads NULL; an array with none of those (`{vip,bench}`) is written
    /// from its text, any other is decoded first.
    private static func array(_ row: Row, _ index: Int, _ kind: RecordTable.Kind, into out: inout [UInt8]) throws {
        let written: Bool =
            row[index]?.utf8Bytes { bytes in
                guard let elements = plainElements(bytes, digitsOnly: kind == .ids) else { return false }
                out.append(UInt8(ascii: "["))
                for (number, element) in elements.enumerated() {
                    if number > 0 { out.append(UInt8(ascii: ",")) }
                    quote(UnsafeBufferPointer(rebasing: bytes[element]), into: &out)
                }
                out.append(UInt8(ascii: "]"))
                return true
            } ?? false
        guard !written else { return }
        if kind == .ids { ids(try row.decode(index), into: &out) } else { texts(try row.decode(index), into: &out) }
    }

    /// The ranges of the elements of `{a,b,…}` when every one is plain (see ``array(_:_:_:into:)``); with
    /// `digitsOnly`, when every one is also a canonical integer of at most 18 digits. Nil otherwise.
    static func plainElements(_ bytes: UnsafeBufferPointer<UInt8>, digitsOnly: Bool) -> [Range<Int>]? {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "{"), bytes[bytes.count - 1] == UInt8(ascii: "}") else { return nil }
        let end = bytes.count - 1
        if end == 1 { return [] }
        var elements: [Range<Int>] = []
        var start = 1
        for position in 1...end where position == end || bytes[position] == UInt8(ascii: ",") {
            let element = start..<position
            guard isPlain(UnsafeBufferPointer(rebasing: bytes[element]), digitsOnly: digitsOnly) else { return nil }
            elements.append(element)
            start = position + 1
        }
        return elements
    }

    private static func isPlain(_ element: UnsafeBufferPointer<UInt8>, digitsOnly: Bool) -> Bool {
        guard !element.isEmpty else { return false }
        if digitsOnly {
            let digits = element.first == UInt8(ascii: "-") ? UnsafeBufferPointer(rebasing: element.dropFirst()) : element
            return !digits.isEmpty && digits.count <= 18 && (digits.first != UInt8(ascii: "0") || digits.count == 1)
                && digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
                && !(element.first == UInt8(ascii: "-") && digits.first == UInt8(ascii: "0"))
        }
        if element.count == 4, element.map({ $0 | 0x20 }) == Array("null".utf8) { return false }
        return !element.contains {
            $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}")
                || $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x0B || $0 == 0x0C
        }
    }

    private static func texts(_ texts: [String], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, text) in texts.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            text.utf8Bytes { quote($0, into: &out) }
        }
        out.append(UInt8(ascii: "]"))
    }

    private static func ids(_ ids: [Int64], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, id) in ids.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: String(id).utf8)
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A JSON string, escaped as `JSONWriter.quote` does: `"`, `\`, control characters (`\n`, `\r`, `\t` by name,
    /// the others as `\u00xx`) and U+2028/U+2029; every other byte is copied.
    static func quote(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var copied = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0xE2 else {
                index += 1
                continue
            }
            var escape: String
            var length = 1
            switch byte {
            case UInt8(ascii: "\""): escape = "\\\""
            case UInt8(ascii: "\\"): escape = "\\\\"
            case 0x0A: escape = "\\n"
            case 0x0D: escape = "\\r"
            case 0x09: escape = "\\t"
            case 0xE2:
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9; other characters starting with E2 are copied.
                guard index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] & 0xFE == 0xA8 else {
                    index += 1
                    continue
                }
                escape = bytes[index + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                length = 3
            default:
                let hex = String(byte, radix: 16)
                escape = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<index]))
            out.append(contentsOf: escape.utf8)
            index += length
            copied = index
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<bytes.count]))
        out.append(UInt8(ascii: "\""))
    }

    /// A CSV cell as `RecordCSV.cell` writes it: quoted when it holds a comma, a double quote, CR or LF, with every
    /// double quote inside doubled.
    static func cell(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        guard bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else {
            return out.append(contentsOf: bytes)
        }
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            out.append(byte)
            if byte == UInt8(ascii: "\"") { out.append(byte) }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension String {
    /// Calls `body` with the text's UTF-8 bytes (contiguous: a bridged or foreign string is copied once).
    fileprivate func utf8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        var text = self
        return try text.withUTF8(body)
    }
}
