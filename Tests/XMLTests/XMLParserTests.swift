import Testing
import XML

@Suite struct XMLParserTests {
    @Test func parsesASOAPEnvelopeWithNamespaces() throws {
        let document = """
            <?xml version="1.0" encoding="utf-8"?>
            <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
              <soap:Body>
                <Authenticate xmlns="http://www.smartertools.com/">
                  <inputVariables><string>loginusername=huy</string><string>loginpassword=a&amp;b</string></inputVariables>
                </Authenticate>
              </soap:Body>
            </soap:Envelope>
            """
        let envelope = try XMLDocumentParser.parse(document)
        #expect(envelope.localName == "Envelope")
        #expect(envelope.namespaceURI == "http://schemas.xmlsoap.org/soap/envelope/")
        let call = try #require(envelope.child("Body")?.children.first)
        #expect(call.name == "Authenticate")
        #expect(call.namespaceURI == "http://www.smartertools.com/")
        let strings = try #require(call.child("inputVariables")).children("string").map(\.text)
        #expect(strings == ["loginusername=huy", "loginpassword=a&b"])
    }

    @Test func readsAttributesReferencesAndCDATA() throws {
        let element = try XMLDocumentParser.parse(
            "<ticket cid='6344' id=\"7906\" issue=\"Ng&#7885;c &#x54;rinh\"><journal><![CDATA[<b>hi</b> & bye]]></journal></ticket>"
        )
        #expect(element.attribute("cid") == "6344")
        #expect(element.attribute("issue") == "Ngọc Trinh")
        #expect(element.child("journal")?.text == "<b>hi</b> & bye")
        #expect(element.child("JOURNAL", caseInsensitive: true) != nil)
    }

    @Test func skipsCommentsAndProcessingInstructions() throws {
        let element = try XMLDocumentParser.parse("<!-- a --><a><!-- b --><?pi x?><b/>text</a><!-- c -->")
        #expect(element.children.map(\.name) == ["b"])
        #expect(element.text == "text")
    }

    @Test(arguments: [
        ("", "empty document"),
        ("<a>", "<a> is not closed"),
        ("<a></b>", "</b> does not close <a>"),
        ("<a x=1/>", "quoted"),
        ("<a x='1' x='2'/>", "appears twice"),
        ("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "DOCTYPE is not allowed"),
        ("<a>&nope;</a>", "unknown entity"),
        ("<a>AT&T</a>", "entity reference"),
        ("<p:a/>", "prefix of <p:a> is not declared"),
        ("<a/><b/>", "after the root element"),
    ])
    func refusesMalformedDocuments(document: String, reason: String) {
        #expect {
            _ = try XMLDocumentParser.parse(document)
        } throws: { error in
            (error as? XMLSyntaxError)?.reason.contains(reason) == true
        }
    }

    @Test func reportsLineAndColumn() {
        #expect {
            _ = try XMLDocumentParser.parse("<a>\n  <b></c>\n</a>")
        } throws: { error in
            guard let error = error as? XMLSyntaxError else { return false }
            return error.line == 2 && error.column > 1
        }
    }

    @Test func refusesDeepNesting() {
        let deep =
            String(repeating: "<a>", count: XMLDocumentParser.maxDepth + 1)
            + String(repeating: "</a>", count: XMLDocumentParser.maxDepth + 1)
        #expect(throws: XMLSyntaxError.self) { _ = try XMLDocumentParser.parse(deep) }
    }

    @Test("an element may have 1,024 attributes; one more is a syntax error naming the limit, at that attribute")
    func attributeLimit() throws {
        func element(_ count: Int) -> String { "<e " + (0..<count).map { "a\($0)='v'" }.joined(separator: " ") + "/>" }
        #expect(try XMLDocumentParser.parse(element(XMLDocumentParser.maxAttributes)).attributes.count == 1_024)
        let text = element(XMLDocumentParser.maxAttributes + 1)
        #expect {
            _ = try XMLDocumentParser.parse(text)
        } throws: { error in
            guard let error = error as? XMLSyntaxError else { return false }
            return error.reason == "more than 1024 attributes in <e> (the limit)"
                && error.offset == text.utf8.count - "a1024='v'/>".utf8.count
        }
    }

    @Test("a duplicate attribute is found among many, wherever it is")
    func duplicateAmongMany() {
        let names = (0..<500).map { "a\($0)='v'" }
        #expect {
            _ = try XMLDocumentParser.parse("<e " + (names + ["a0='w'"]).joined(separator: " ") + "/>")
        } throws: { error in
            (error as? XMLSyntaxError)?.reason == "attribute a0 appears twice in <e>"
        }
    }

    @Test("a prefix bound again inside an element is bound as before after it")
    func namespaceScopes() throws {
        let root = try XMLDocumentParser.parse(
            "<r xmlns='urn:d' xmlns:p='urn:1'><a xmlns:p='urn:2' xmlns=''><p:b/><c/></a><p:d/><e/></r>")
        let a = try #require(root.child("a"))
        #expect(a.namespaceURI == nil)
        #expect(a.child("b")?.namespaceURI == "urn:2")
        #expect(a.child("c")?.namespaceURI == nil)
        #expect(root.child("d")?.namespaceURI == "urn:1")
        #expect(root.child("e")?.namespaceURI == "urn:d")
        #expect(throws: XMLSyntaxError.self) { _ = try XMLDocumentParser.parse("<r><a xmlns:p='urn:1'/><p:b/></r>") }
    }

    @Test func escapesTheFiveCharactersAndDropsControls() {
        #expect(
            XMLEscaping.escape("<a href=\"x\">Tom & 'Jerry'</a>\u{1}")
                == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
        #expect(XMLEscaping.escape("Ngọc\tTrinh\n") == "Ngọc\tTrinh\n")
    }
}
