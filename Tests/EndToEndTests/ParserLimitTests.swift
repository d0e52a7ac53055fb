import CRMHubTesting
import Foundation
import JSON
import Testing
import XML

/// The parsers' limits (10,000 keys per JSON object, 1,024 attributes per XML element) reach clients as the
/// syntax errors they are, in each route's own error shape.
@Suite("parser limits through the real server")
struct ParserLimitTests {
    /// `{"senderUser": …, "data": [], "k0": 0, …}` with `keys` extra keys.
    static func envelope(keys: Int) -> String {
        #"{"senderUser": "huy.nguyenviet@htklabs.com", "data": [], "#
            + (0..<keys).map { "\"k\($0)\": 0" }.joined(separator: ", ") + "}"
    }

    static let keyLimit = "more than 10000 keys in one object (the limit)"

    @Test("a listener body with an object of 10,001 keys is 400 naming the limit; 9,998 keys are accepted")
    func listener() async throws {
        try await ListenerFixture.with { fixture in
            let refused = try await fixture.post(Self.envelope(keys: JSONParser.maxKeys - 1))
            #expect(refused.status == 400, "\(refused.json)")
            #expect(refused.response.header("Content-Type") == "application/problem+json")
            #expect(
                refused.json["detail"]?.stringValue?.hasPrefix("the body is not JSON: \(Self.keyLimit) at line 1") == true,
                "\(refused.json)")
            let accepted = try await fixture.post(Self.envelope(keys: JSONParser.maxKeys - 2))
            #expect(accepted.status == 200, "\(accepted.json)")
        }
    }

    /// CIOPulse's 64 KiB body cannot hold 10,001 distinct keys (each takes at least 7 bytes), so only the admin
    /// API and the listener can reach the limit.
    @Test("an admin body with an object of 10,001 keys is a 400 problem naming the limit")
    func admin() async throws {
        try await AdminFixture.with { fixture in
            let keys = "{" + (0...JSONParser.maxKeys).map { "\"k\($0)\": 0" }.joined(separator: ", ") + "}"
            let refused = try await fixture.call("POST", "/admin/v1/orgs", raw: keys)
            #expect(refused.status == 400, "\(refused.json)")
            #expect(refused.response.header("Content-Type") == "application/problem+json")
            #expect(
                refused.json["detail"]?.stringValue?.hasPrefix("body is not valid JSON: \(Self.keyLimit) at line 1") == true,
                "\(refused.json)")
            // NUL characters are still named by their path (found in one linear walk).
            let nul = try await fixture.call(
                "POST", "/admin/v1/orgs",
                raw: #"{"slug": "a", "owner": {"email": "a\u0000b"}, "x": [1, {"y\u0000": ["\u0000"]}]}"#)
            #expect(nul.status == 422, "\(nul.json)")
            let fields = nul.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue }
            #expect(fields == ["owner.email", "x[1].y\u{0}", "x[1].y\u{0}[0]"], "\(nul.json)")
        }
    }

    @Test("a SOAP call with an element of 1,025 attributes is a 400 SOAP fault naming the limit")
    func smarterTrack() async throws {
        try await SmarterTrackFixture.with { fixture in
            let attributes = (0...XMLDocumentParser.maxAttributes).map { "a\($0)=\"v\"" }.joined(separator: " ")
            let body = SmarterTrackFixture.envelope("GetUserInfo", ["AuthPW=\(SmarterTrackFixture.authPW)"])
                .replacingOccurrences(of: "<inputs>", with: "<inputs \(attributes)>")
            let answer = try await fixture.post(
                body,
                headers: [
                    ("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"http://tempuri.org/GetUserInfo\""),
                ])
            #expect(answer.status == 400)
            let reason = answer.fault?.child("faultstring")?.text ?? ""
            #expect(reason.contains("more than 1024 attributes in <inputs> (the limit)"), "\(answer.response.text)")
        }
    }

    @Test("a SpiceCSM userXML with an element of 1,025 attributes is the documented malformed-xml 400 naming the limit")
    func spiceCSM() async throws {
        try await HelpdeskFixture.with { fixture in
            try await fixture.configure("spicecsm", ["enabled": true, "username": "spice", "password": "spice-integration-pass"])
            let attributes = (0...XMLDocumentParser.maxAttributes).map { "a\($0)=\"v\"" }.joined(separator: " ")
            let response = try await fixture.post(
                "/integrations/spicecsm/\(fixture.slug)/update-account",
                [
                    ("intUser", "spice"), ("intPass", "spice-integration-pass"),
                    ("userXML", "<userdata><user \(attributes)/></userdata>"),
                ])
            let xml = HelpdeskFixture.xml(response)
            #expect(response.status == 400 && xml.attribute("code") == "malformed-xml", "\(response.text)")
            #expect(xml.text.contains("more than 1024 attributes in <user> (the limit)"), "\(response.text)")
        }
    }
}
