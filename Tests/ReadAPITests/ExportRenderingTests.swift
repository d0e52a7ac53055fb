import CRM
import JSON
import Testing

@testable import Postgres
@testable import ReadAPI

/// The export writes rows straight from their column text (``RecordBytes``); the read API decodes them into a
/// ``Record`` first (``RecordJSON``, ``RecordCSV``). Both must give the same bytes for every value PostgreSQL can send.
@Suite("Export rendering: the same bytes as the decoded record")
struct ExportRenderingTests {
    /// Column text as PostgreSQL sends it, per kind (nil: NULL). Arrays are in PostgreSQL's array syntax.
    static let samples: [RecordTable.Kind: [String?]] = [
        .text: [
            nil, "plain", "Người \"Ngọc\", Hà Nội", "line 1\r\nline 2\ttab", "ctl \u{1}\u{8}\u{c}\u{1f}\u{7f} end",
            "separators \u{2028} \u{2029} — “dash” ⁄ \u{2027}\u{202F}", "back\\slash \\\"", "", "emoji 🧑‍💻 e\u{301}",
            "quote then accent \"\u{301}, end", "\"", ",", "\n", "ends with ‧", "ends \u{2029}", "2024-05-01T08:30:00.000Z",
        ],
        .id: [nil, "1", "42", "9223372036854775807"],
        .integer: [nil, "0", "-3", "2147483647"],
        .decimal: [nil, "12.5000", "-0.01"],
        .json: [
            nil, "[]", "{}", "[{\"type\": \"work\", \"value\": \"a@b.vn\"}]",
            "{\"Source\": \"bench, web\", \"nested\": {\"k\": [1, 2.5, true, null, \"x: y\"]}, \"esc\": \"q\\\" \\\\ \\u0001 \\n\"}",
            "[{\"type\": \"home\", \"street\": \"58 Tôn Thất Đạm\", \"country\": {\"code\": \"VN\", \"name\": \"Việt Nam\"}}]",
            "\"a string, \\\"quoted\\\"\"", "3.14",
        ],
        .texts: [
            "{}", "{vip,bench}", "{a,Null2,nul,nulls}", "{\u{1}x,é,\u{2028}}", "{\"\"}",
            "{\"a,b\",\"q\\\"x\",\"back\\\\slash\",\"NULL\",\"sp ace\",\"{br}\",Người,\"\u{2028}\"}",
        ],
        .ids: ["{}", "{3,4}", "{9223372036854775807}", "{-5,0,12}", "{007,-0}"],
    ]

    /// `count` rows of `table`, each column cycling through its kind's samples (shifted by row and column, so every
    /// sample meets every column).
    static func rows(_ table: RecordTable, count: Int) -> [Row] {
        let columns = ResultColumns(table.fieldNames)
        return (0..<count).map { row in
            let values: [String?] = table.columns.enumerated().map { index, column in
                let samples = Self.samples[column.kind] ?? [nil]
                // The id column is the record's id, which a row always has.
                if index == 0 { return String(row + 1) }
                return samples[(row + index) % samples.count]
            }
            return Row(values: values, columns: columns)
        }
    }

    static let tables: [(String, RecordTable)] = [
        ("contacts", .contacts), ("deals", .deals), ("notes", .notes), ("tickets", .tickets), ("outbox", .outbox),
        ("listener requests", .listenerRequests),
    ]

    @Test("NDJSON: each line is RecordJSON's object of the decoded record", arguments: tables.map(\.0))
    func ndjson(name: String) throws {
        let table = try #require(Self.tables.first { $0.0 == name }?.1)
        let renderer = RecordBytes(table, format: .ndjson)
        for row in Self.rows(table, count: 200) {
            var bytes: [UInt8] = []
            try renderer.append(row, to: &bytes)
            var expected = ""
            RecordJSON.write(try RecordStore.decode(row, table), into: &expected)
            expected.append("\n")
            #expect(String(decoding: bytes, as: UTF8.self) == expected)
            #expect(bytes == Array(expected.utf8))
        }
    }

    @Test("CSV: each row is RecordCSV's row of the decoded record", arguments: tables.map(\.0))
    func csv(name: String) throws {
        let table = try #require(Self.tables.first { $0.0 == name }?.1)
        let renderer = RecordBytes(table, format: .csv)
        for row in Self.rows(table, count: 200) {
            var bytes: [UInt8] = []
            try renderer.append(row, to: &bytes)
            var expected = ""
            RecordCSV.write(try RecordStore.decode(row, table), into: &expected)
            #expect(String(decoding: bytes, as: UTF8.self) == expected)
            #expect(bytes == Array(expected.utf8))
        }
    }

    @Test("escapes: control characters, U+2028/2029, quotes; a quote before a combining mark is doubled in CSV")
    func escapes() {
        var json: [UInt8] = []
        var csv: [UInt8] = []
        let text = "a\"\u{301}\u{1}\u{2028}\u{2027}\\,"
        var copy = text
        copy.withUTF8 {
            RecordBytes.quote($0, into: &json)
            RecordBytes.cell($0, into: &csv)
        }
        #expect(String(decoding: json, as: UTF8.self) == "\"a\\\"\u{301}\\u0001\\u2028\u{2027}\\\\,\"")
        #expect(String(decoding: csv, as: UTF8.self) == "\"a\"\"\u{301}\u{1}\u{2028}\u{2027}\\,\"")
        var reference = ""
        RecordCSV.cell(text, into: &reference)
        #expect(Array(reference.utf8) == csv)
    }

    @Test("a NULL where the decoder wants an array is an error, as it is for the read API")
    func nullArray() throws {
        let table = RecordTable.contacts
        var values = [String?](repeating: nil, count: table.columns.count)
        values[0] = "1"
        let row = Row(values: values, columns: ResultColumns(table.fieldNames))
        var out: [UInt8] = []
        #expect(throws: PostgresError.self) { try RecordBytes(table, format: .ndjson).append(row, to: &out) }
        #expect(throws: PostgresError.self) { try RecordStore.decode(row, table) }
        let tags = try #require(table.columns.firstIndex { $0.name == "tags" })
        for element in ["{NULL}", "{vip,null}"] {
            values[tags] = element
            let withNull = Row(values: values, columns: ResultColumns(table.fieldNames))
            #expect(throws: PostgresError.self) { try RecordBytes(table, format: .csv).append(withNull, to: &out) }
            #expect(throws: PostgresError.self) { try RecordStore.decode(withNull, table) }
        }
    }
}
