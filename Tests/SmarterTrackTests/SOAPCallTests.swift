import Testing
import XML

@testable import SmarterTrack

@Suite("SmarterTrack SOAP envelopes")
struct SOAPCallTests {
    static func envelope(
        _ method: String, _ inputs: [String], soap12: Bool = false, namespace: String = "http://tempuri.org/"
    ) -> [UInt8] {
        let soapNamespace = soap12 ? "http://www.w3.org/2003/05/soap-envelope" : "http://schemas.xmlsoap.org/soap/envelope/"
        let strings = inputs.map { "<string>\(XMLEscaping.escape($0))</string>" }.joined()
        return Array(
            """
            <?xml version="1.0" encoding="utf-8"?>
            <soap:Envelope xmlns:soap="\(soapNamespace)"><soap:Body><\(method) xmlns="\(namespace)"><inputs><InputVariables>\(strings)\
            </InputVariables></inputs></\(method)></soap:Body></soap:Envelope>
            """.utf8)
    }

    @Test("a SOAP 1.1 call: method, namespace and variable=value inputs (split at the first '=', names without case)")
    func soap11() throws {
        let body = Self.envelope(
            "Authenticate", ["AuthPW=pw=with=equals", "loginusername=myusername", "LoginPassword= mypassword "])
        let call = try SOAPCall.read(
            body, contentType: "text/xml; charset=utf-8", soapAction: "\"http://tempuri.org/Authenticate\""
        ).get()
        #expect(call.version == .soap11 && call.method == .authenticate && call.namespace == "http://tempuri.org/")
        #expect(call.inputs["authpw"] == "pw=with=equals")
        #expect(call.inputs["LoginUsername"] == "myusername")
        #expect(call.inputs["LoginPassword"] == "mypassword")
        #expect(call.inputs["DepartmentName"] == nil)
    }

    @Test("a SOAP 1.2 call takes its action from the Content-Type; a caller's own namespace is kept for the answer")
    func soap12() throws {
        let body = Self.envelope("StartChat", ["AuthPW=x", "cf_Chat Type=support"], soap12: true, namespace: "urn:other")
        let call = try SOAPCall.read(
            body, contentType: "application/soap+xml; charset=utf-8; action=\"http://tempuri.org/StartChat\"", soapAction: nil
        ).get()
        #expect(call.version == .soap12 && call.method == .startChat && call.namespace == "urn:other")
        #expect(call.inputs.prefixed("cf_").map(\.name) == ["Chat Type"])
        let answer = SOAPResponse.result(
            ProviderResult(success: true, message: "Chat Creation Successful", outputVariables: ["ChatCreation=TRUE"]), for: call)
        #expect(answer.headers["Content-Type"] == "application/soap+xml; charset=utf-8")
        let parsed = try XMLDocumentParser.parse(answer.body)
        let result = try #require(parsed.child("Body")?.child("StartChatResponse")?.child("StartChatResult"))
        #expect(parsed.child("Body")?.child("StartChatResponse")?.namespaceURI == "urn:other")
        #expect(
            result.child("Success")?.text == "true"
                && result.child("OutputVariables")?.child("string")?.text == "ChatCreation=TRUE")
    }

    @Test("faults: not XML (400), not an envelope, unknown method, SOAPAction of another method, version mismatch (500)")
    func faults() throws {
        func fault(_ body: String, _ contentType: String = "text/xml", action: String? = nil) -> SOAPFault? {
            if case .failure(let fault) = SOAPCall.read(Array(body.utf8), contentType: contentType, soapAction: action) {
                return fault
            }
            return nil
        }
        #expect(fault("AuthPW=x")?.status == 400)
        #expect(fault("<a/>")?.code == .versionMismatch)
        let unknown = String(decoding: Self.envelope("DeleteEverything", []), as: UTF8.self)
        #expect(fault(unknown)?.reason.contains("DeleteEverything") == true)
        let authenticate = String(decoding: Self.envelope("Authenticate", []), as: UTF8.self)
        #expect(fault(authenticate, action: "http://tempuri.org/StartTicket")?.code == .client)
        #expect(fault(authenticate, "application/soap+xml")?.code == .versionMismatch)
        let response = SOAPResponse.fault(try #require(fault(unknown)))
        #expect(response.status == 500)
        let parsed = try XMLDocumentParser.parse(response.body)
        #expect(parsed.child("Body")?.child("Fault")?.child("faultcode")?.text == "soap:Client")
        let response12 = SOAPResponse.fault(SOAPFault(version: .soap12, code: .client, reason: "x < y"))
        let parsed12 = try XMLDocumentParser.parse(response12.body)
        #expect(parsed12.child("Body")?.child("Fault")?.child("Code")?.child("Value")?.text == "soap:Sender")
        #expect(parsed12.child("Body")?.child("Fault")?.child("Reason")?.child("Text")?.text == "x < y")
    }

    @Test("a SOAPAction names the method whatever its namespace part, but not a method with a longer name")
    func soapAction() {
        #expect(SOAPCall.action("http://tempuri.org/Authenticate", names: .authenticate))
        #expect(SOAPCall.action("urn:smartertrack#StartTicket", names: .startTicket))
        #expect(SOAPCall.action("StartChat", names: .startChat))
        #expect(!SOAPCall.action("http://tempuri.org/ReAuthenticate", names: .authenticate))
        #expect(!SOAPCall.action("http://tempuri.org/StartTicket", names: .startChat))
    }

    @Test("the WSDL is well-formed and names all seven operations in both bindings")
    func wsdl() throws {
        let document = try XMLDocumentParser.parse(
            WSDL.document(location: "https://crm.example/integrations/smartertrack/acme/provider.asmx?a=1&b=2"))
        #expect(document.localName == "definitions")
        let bindings = document.children("binding")
        #expect(bindings.count == 2)
        for binding in bindings {
            #expect(
                Set(binding.children("operation").compactMap { $0.attribute("name") })
                    == Set(ProviderMethod.allCases.map(\.rawValue)))
        }
        let ports = document.child("service")?.children("port") ?? []
        #expect(
            ports.compactMap { $0.children.first?.attribute("location") }
                == Array(repeating: "https://crm.example/integrations/smartertrack/acme/provider.asmx?a=1&b=2", count: 2))
    }

    @Test("every event type of the document's table has its name")
    func eventTypes() {
        #expect(EventTypes.names.count == 67)
        #expect(EventTypes.names[502000] == "Ticket Created" && EventTypes.names[512001] == "Agent Live Chat Status Changed")
    }
}
