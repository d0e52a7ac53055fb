import CRM
import Testing

@testable import ReadAPI

@Suite("Read API formats: cursors, timestamps, ETags, JSON and CSV")
struct ReadAPIFormatTests {
    @Test("a cursor round-trips and is base64url without padding", arguments: [Int64(1), 9, 42, 1000, 123_456_789, Int64.max])
    func cursorRoundTrip(id: Int64) {
        let text = Cursor.encode(id)
        #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
        #expect(Cursor.decode(text) == id)
    }

    @Test(
        "what this API did not write is not a cursor",
        arguments: ["", "42", "MA", "LTE", "!!!!", "NDI=", "NDIx", String(repeating: "A", count: 40)])
    func cursorRejects(text: String) {
        // "MA" is "0", "LTE" is "-1", "NDI=" is padded, "NDIx" is "421" (a valid cursor) only if canonical.
        if text == "NDIx" {
            #expect(Cursor.decode(text) == 421)
        } else {
            #expect(Cursor.decode(text) == nil)
        }
    }

    @Test(
        "timestamps: RFC 3339 date-times and dates",
        arguments: [
            ("2024-05-01", true), ("2024-05-01T08:30:00Z", true), ("2024-05-01t08:30:00.123456z", true),
            ("2024-05-01T15:30:00.250+07:00", true), ("2024-02-29", true), ("2023-02-29", false), ("0000-01-01", false),
            ("2024-13-01", false), ("2024-05-01T24:00:00Z", false), ("2024-05-01T08:30:00", false),
            ("2024-05-01 08:30:00Z", false),
            ("2024-05-01T08:30:00.Z", false), ("2024-05-01T08:30:00+14:00", true), ("2024-05-01T08:30:00-23:59", false),
            ("yesterday", false), ("2024-05-01T08:30:00+7", false), ("", false),
        ])
    func timestamps(text: String, valid: Bool) {
        #expect(Timestamp.isValid(text) == valid)
    }

    @Test("ETags change with the body and If-None-Match compares weakly, lists and * included")
    func entityTags() {
        let tag = EntityTag.of(Array("{\"id\":\"1\"}".utf8))
        #expect(tag.count == 18 && tag.hasPrefix("\"") && tag.hasSuffix("\""))
        #expect(tag != EntityTag.of(Array("{\"id\":\"2\"}".utf8)))
        #expect(EntityTag.matches(tag, tag))
        #expect(EntityTag.matches("W/\(tag)", tag))
        #expect(EntityTag.matches("\"x\", \(tag)", tag))
        #expect(EntityTag.matches("*", tag))
        #expect(!EntityTag.matches("\"x\"", tag))
        #expect(!EntityTag.matches(nil, tag))
    }

    static let record = Record(
        id: 7,
        fields: [
            Record.Field("id", .id(7)), Record.Field("name", .text("Ngọc \"Trinh\", Hà Nội")),
            Record.Field("lastname", .text(nil)),
            Record.Field("emails", .json("[{\"type\": \"work\", \"value\": \"a@b.vn\"}]")),
            Record.Field("tags", .texts(["vip", "a,b"])),
            Record.Field("owner_user_ids", .ids([3, 4])), Record.Field("attempts", .integer(2)),
            Record.Field("value", .decimal("12.5000")),
            Record.Field("bg_info", .text("line 1\nline 2")),
        ])

    @Test("JSON: ids and decimals as strings, stored JSON without PostgreSQL's spaces, null for missing")
    func json() {
        let text = String(decoding: RecordJSON.bytes(Self.record), as: UTF8.self)
        #expect(
            text == """
                {"id":"7","name":"Ngọc \\"Trinh\\", Hà Nội","lastname":null,"emails":[{"type":"work","value":"a@b.vn"}],\
                "tags":["vip","a,b"],"owner_user_ids":["3","4"],"attempts":2,"value":"12.5000","bg_info":"line 1\\nline 2"}
                """)
    }

    @Test("CSV: RFC 4180 quoting, CRLF, arrays as JSON, empty cells for null")
    func csv() {
        var out = ""
        RecordCSV.header(Self.record.fields.map(\.name), into: &out)
        RecordCSV.write(Self.record, into: &out)
        #expect(
            out == "id,name,lastname,emails,tags,owner_user_ids,attempts,value,bg_info\r\n"
                + "7,\"Ngọc \"\"Trinh\"\", Hà Nội\",,\"[{\"\"type\"\":\"\"work\"\",\"\"value\"\":\"\"a@b.vn\"\"}]\","
                + "\"[\"\"vip\"\",\"\"a,b\"\"]\",\"[\"\"3\"\",\"\"4\"\"]\",2,12.5000,\"line 1\nline 2\"\r\n")
    }
}
