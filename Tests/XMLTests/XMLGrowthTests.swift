import CRMHubTesting
import Testing

@testable import XML

/// The parser's time grows linearly with its input, whatever shape the input has (GrowthCheck: 1×, 4×, 16×).
@Suite("XML parser: linear time")
struct XMLGrowthTests {
    static func parses(_ text: [UInt8]) {
        do { _ = try XMLDocumentParser.parse(text) } catch { Issue.record("\(error)") }
    }

    static func expectLinear(_ name: String, _ input: (Int) -> String) {
        let report = GrowthCheck().measure(name, input: { Array(input($0).utf8) }, work: parses)
        #expect(report.isLinear, "\(report)")
    }

    /// Elements of 64, 256 and 1,024 attributes (the limit): each attribute used to be compared with every
    /// attribute before it.
    @Test("elements with many attributes")
    func attributes() {
        Self.expectLinear("attributes per element") { factor in
            let element = "<e " + (0..<(64 * factor)).map { "a\($0)=\"v\"" }.joined(separator: " ") + "/>"
            return "<r>" + String(repeating: element, count: 16) + "</r>"
        }
    }

    @Test("many elements")
    func elements() {
        Self.expectLinear("sibling elements") { factor in
            "<r xmlns:p=\"urn:p\">" + String(repeating: "<p:e id='1'>text</p:e>", count: 2_000 * factor) + "</r>"
        }
    }

    @Test("many elements nested as deep as allowed")
    func depth() {
        Self.expectLinear("deep elements") { factor in
            let levels = XMLDocumentParser.maxDepth - 1
            let deep = String(repeating: "<d xmlns:q='urn:q'>", count: levels) + String(repeating: "</d>", count: levels)
            return "<r>" + String(repeating: deep, count: 2 * factor) + "</r>"
        }
    }

    @Test("long text with references and CDATA")
    func text() {
        Self.expectLinear("long text") { factor in
            "<r>" + String(repeating: "Ngọc &amp; Trinh &#7885; <![CDATA[<b>x</b>]]> ", count: 2_000 * factor) + "</r>"
        }
    }
}
