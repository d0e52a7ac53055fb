import HTTPServer
import Testing
import XML

@testable import Helpdesk

@Suite("SpiceCSM attribute values are URL-encoded as the document's examples")
struct SpiceCSMEncodingTests {
    @Test(
        "the document's examples",
        arguments: [
            ("John Doe", "John%20Doe"), ("johnd@xyz.net", "johnd%40xyz%2Enet"), ("johgnd@xyz.net", "johgnd%40xyz%2Enet"),
            ("(555) 555-5555", "%28555%29%20555%2D5555"), ("123 Fake St.", "123%20Fake%20St%2E"), ("Active", "Active"),
            ("jdoe2", "jdoe2"), ("Anything", "Anything"), ("ZZ", "ZZ"), ("123456", "123456"), ("", ""),
        ])
    func examples(plain: String, encoded: String) {
        #expect(SpiceCSMEncoding.encode(plain) == encoded)
    }

    @Test(
        "every attribute value of the search and load samples is its own encoding",
        arguments: ["spicecsm-search.xml", "spicecsm-load.xml"])
    func samples(name: String) throws {
        let document = try XMLDocumentParser.parse(HelpdeskSamples.text(name))
        var values: [String] = []
        func collect(_ element: XMLElement) {
            values += element.attributes.map(\.value)
            element.children.forEach(collect)
        }
        collect(document)
        #expect(values.count >= 10)
        for value in values { #expect(SpiceCSMEncoding.encode(FormDecoding.percentDecode(value)) == value) }
    }

    @Test("only ASCII letters and digits stay literal; UTF-8 bytes are upper-case hex")
    func others() {
        #expect(SpiceCSMEncoding.encode("a_b~c+d/e:f,g") == "a%5Fb%7Ec%2Bd%2Fe%3Af%2Cg")
        #expect(SpiceCSMEncoding.encode("Nguyễn <&\">") == "Nguy%E1%BB%85n%20%3C%26%22%3E")
    }
}
