import Testing

@testable import JSON

@Suite("JSON parser and writer")
struct JSONParserTests {
    @Test("documents parse into trees, keys in order")
    func parse() throws {
        let value = try JSONParser.parse(#"{"b": [1, -2.5e2, true, null], "a": {"x": "y\u00e9\n"}, "c": "Ngọc Trinh"}"#)
        #expect(value["b"] == [1, -250, true, nil])
        #expect(value["a"]?["x"]?.stringValue == "yé\n")
        #expect(value["c"]?.stringValue == "Ngọc Trinh")
        #expect(value.objectValue?.keys == ["b", "a", "c"])
    }

    @Test("escapes: backslash, slash, surrogate pairs")
    func escapes() throws {
        #expect(try JSONParser.parse(#""a\\b\/c\ud83d\ude00""#).stringValue == "a\\b/c😀")
    }

    @Test("syntax errors report line and column", arguments: [
        ("{\"a\": 1,}", "trailing comma in object", 1, 9),
        ("{\n  \"a\": tru\n}", "invalid literal", 2, 8),
        ("[1, 2", "unterminated array", 1, 6),
        ("{'a': 1}", "object keys must be double-quoted strings", 1, 2),
        ("{\"a\": 01}", "numbers must not have leading zeros", 1, 7),
        ("", "empty document", 1, 1),
        ("{\"a\": 1} x", "unexpected data after the JSON value", 1, 10),
        ("\"a\u{1}\"", "control character in string (escape it)", 1, 3),
        ("\"\\x\"", "invalid escape '\\x'", 1, 2),
        ("[\"\\ud800\"]", "unpaired surrogate in \\u escape", 1, 9),
        // Columns count characters: "ễ" and "é" are three and two bytes.
        ("[\"Nguyễn\", tru]", "invalid literal", 1, 12),
        ("{\"a\": 1,\n\"é\": tru}", "invalid literal", 2, 6),
    ])
    func errors(text: String, reason: String, line: Int, column: Int) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.reason == reason)
            #expect(error.line == line)
            #expect(error.column == column)
        }
    }

    @Test("deep nesting is an error, not a crash")
    func depth() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(String(repeating: "[", count: 10_000)) }
    }

    @Test("writer output parses back to the same value")
    func roundTrip() throws {
        let value: JSONValue = ["s": "quote \" backslash \\ ctl \u{1} é", "n": 12, "f": 1.5, "a": [nil, false], "o": [:]]
        let text = JSONWriter.string(value)
        #expect(try JSONParser.parse(text) == value)
        #expect(text.hasPrefix(#"{"s":"quote \" backslash \\ ctl \u0001 é","n":12,"f":1.5"#))
    }
}
