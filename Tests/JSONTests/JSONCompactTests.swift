import JSON
import Testing

@Suite("JSON compaction")
struct JSONCompactTests {
    @Test(
        "PostgreSQL's jsonb text loses the whitespace between tokens, never inside strings",
        arguments: [
            (
                #"[{"type": "Work", "value": "a@b.vn"}, {"type": "Home", "value": "x"}]"#,
                #"[{"type":"Work","value":"a@b.vn"},{"type":"Home","value":"x"}]"#
            ),
            (
                #"{"note": "a, b: c", "q": "say \"hi, there\"", "n": [1, 2.5, true, null]}"#,
                #"{"note":"a, b: c","q":"say \"hi, there\"","n":[1,2.5,true,null]}"#
            ),
            ("{\n\t\"a\" :\r\n 1 }", #"{"a":1}"#),
            (#"{"back\\": " slash "}"#, #"{"back\\":" slash "}"#),
            (#"["Nguyễn Văn", "Đặng"]"#, #"["Nguyễn Văn","Đặng"]"#),
        ])
    func compact(input: String, expected: String) {
        var out = "prefix:"
        JSONWriter.appendCompact(input, into: &out)
        #expect(out == "prefix:" + expected)
    }
}
