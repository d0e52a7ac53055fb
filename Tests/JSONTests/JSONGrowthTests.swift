import CRMHubTesting
import Testing

@testable import JSON

/// The parser's time grows linearly with its input, whatever shape the input has (GrowthCheck: 1×, 4×, 16×).
@Suite("JSON parser: linear time")
struct JSONGrowthTests {
    static func parses(_ text: [UInt8]) {
        do { _ = try JSONParser.parse(text) } catch { Issue.record("\(error)") }
    }

    static func expectLinear(_ name: String, _ input: (Int) -> String) {
        let report = GrowthCheck().measure(name, input: { Array(input($0).utf8) }, work: parses)
        #expect(report.isLinear, "\(report)")
    }

    /// Objects of 625, 2,500 and 10,000 distinct keys (the limit): each key used to be compared with every
    /// key before it.
    @Test("objects with many distinct keys")
    func keys() {
        Self.expectLinear("keys per object") { factor in
            let object = "{" + (0..<(625 * factor)).map { "\"k\($0)\":0" }.joined(separator: ",") + "}"
            return "[" + Array(repeating: object, count: 4).joined(separator: ",") + "]"
        }
    }

    @Test("the same key many times")
    func duplicateKeys() {
        Self.expectLinear("duplicate keys") { factor in
            "{" + Array(repeating: "\"k\":0", count: 5_000 * factor).joined(separator: ",") + "}"
        }
    }

    @Test("arrays of many elements")
    func elements() {
        Self.expectLinear("array elements") { factor in
            "[" + Array(repeating: "1.5", count: 20_000 * factor).joined(separator: ",") + "]"
        }
    }

    @Test("many arrays nested as deep as allowed")
    func depth() {
        Self.expectLinear("deep arrays") { factor in
            let deep =
                String(repeating: "[", count: JSONParser.maxDepth - 1) + "0"
                + String(repeating: "]", count: JSONParser.maxDepth - 1)
            return "[" + Array(repeating: deep, count: 20 * factor).joined(separator: ",") + "]"
        }
    }

    @Test("long strings, with and without escapes")
    func strings() {
        Self.expectLinear("long string") { factor in
            "[\"" + String(repeating: "Nguyễn \\\"Huy\\\" \\u00e9 ", count: 4_000 * factor) + "\"]"
        }
    }
}
