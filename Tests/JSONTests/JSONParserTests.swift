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

    @Test(
        "syntax errors report line and column",
        arguments: [
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

    @Test("a repeated key keeps its first place and takes the last value, in small and large objects")
    func duplicateKeys() throws {
        let small = try JSONParser.parse(#"{"a": 1, "b": 2, "a": 3}"#)
        #expect(small.objectValue?.keys == ["a", "b"])
        #expect(small["a"] == 3)
        let names = (0..<100).map { "k\($0)" }
        let members = names.map { "\"\($0)\": 1" } + [#""k5": "again""#, #""k99": null"#]
        let large = try #require(try JSONParser.parse("{" + members.joined(separator: ",") + "}").objectValue)
        #expect(large.keys == names)
        #expect(large["k5"] == "again")
        #expect(large["k99"] == .null)
        #expect(large["k42"] == 1)
        #expect(large["missing"] == nil)
    }

    @Test("a large object still finds, replaces and removes keys after a removal")
    func largeObjectEdits() {
        var object = JSONObject((0..<20).map { ("k\($0)", JSONValue(integerLiteral: $0)) })
        object["k3"] = nil
        object["k19"] = "last"
        object["new"] = true
        #expect(object.count == 20)
        #expect(object["k3"] == nil)
        #expect(object["k4"] == 4)
        #expect(object["k19"] == "last")
        #expect(object.keys.last == "new")
        for index in 4..<20 { object["k\(index)"] = nil }
        #expect(object.keys == ["k0", "k1", "k2", "new"])
        #expect(object["k2"] == 2)
        #expect(object["new"] == true)
    }

    @Test("an object may have 10,000 distinct keys; one more is a syntax error naming the limit, at that key")
    func keyLimit() throws {
        func object(_ count: Int, extra: String = "") -> String {
            "{" + (0..<count).map { "\"k\($0)\":0" }.joined(separator: ",") + extra + "}"
        }
        #expect(try JSONParser.parse(object(JSONParser.maxKeys)).objectValue?.count == 10_000)
        // A key sent again is not a new key.
        #expect(try JSONParser.parse(object(JSONParser.maxKeys, extra: #","k0":1,"k9999":2"#)).objectValue?.count == 10_000)
        let text = object(JSONParser.maxKeys + 1)
        do {
            _ = try JSONParser.parse(text)
            Issue.record("accepted 10,001 keys")
        } catch {
            #expect(error.reason == "more than 10000 keys in one object (the limit)")
            #expect(error.offset == Array(text.utf8).count - #""k10000":0}"#.utf8.count)
            #expect(error.line == 1)
        }
    }

    @Test("writer output parses back to the same value")
    func roundTrip() throws {
        let value: JSONValue = ["s": "quote \" backslash \\ ctl \u{1} é", "n": 12, "f": 1.5, "a": [nil, false], "o": [:]]
        let text = JSONWriter.string(value)
        #expect(try JSONParser.parse(text) == value)
        #expect(text.hasPrefix(#"{"s":"quote \" backslash \\ ctl \u0001 é","n":12,"f":1.5"#))
    }
}
