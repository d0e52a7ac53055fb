import CRMHubTesting
import HTTPServer
import JSON
import Testing

/// CIOPulse and SpiceCSM answer in their vendors' documented formats, so a write that found an existing record
/// says how in headers rather than in the body (issue 24, point 1).
@Suite("explained matches: CIOPulse and SpiceCSM headers")
struct MatchHeaderTests {
    @Test(
        "a CIOPulse PUT that updates (or finds unchanged) an existing contact names its system id in CRMHub-Matched-By/-Value; a create does not"
    )
    func ciopulse() async throws {
        try await CIOPulseFixture.with { fixture in
            let created = try await fixture.put("S1", #"{"first_name":"A","last_name":"B","email":"a@example.com"}"#)
            #expect(created.status == 201)
            #expect(created.response.header("CRMHub-Matched-By") == nil)
            let updated = try await fixture.put("S1", #"{"first_name":"Anna"}"#)
            #expect(updated.status == 200, "\(updated.json)")
            #expect(
                updated.response.header("CRMHub-Matched-By") == "systemId"
                    && updated.response.header("CRMHub-Matched-Value") == "S1")
            #expect(
                updated.json["contact"]?["first_name"] == "Anna" && updated.json["contact"]?["matchedBy"] == nil
                    && updated.json["matchedBy"] == nil, "the documented body is unchanged: \(updated.json)")
            let same = try await fixture.put("S1", #"{"first_name":"Anna"}"#)
            #expect(same.status == 200 && same.response.header("CRMHub-Matched-By") == "systemId")
        }
    }

    @Test("a SpiceCSM account update names the customer code its userkey matched in CRMHub-Matched-By/-Value")
    func spicecsm() async throws {
        try await HelpdeskFixture.with { fixture in
            try await fixture.configure("spicecsm", ["enabled": true, "username": "spice", "password": "spice-integration-pass"])
            let made = try await fixture.customer(["name": "John", "emails": [["value": "johnd@xyz.net"]]])
            let userXML =
                #"<userdata><user userkey="\#(made.code)"/><contacts><contact firstname="Johnny"/></contacts></userdata>"#
            let response = try await fixture.post(
                "/integrations/spicecsm/\(fixture.slug)/update-account",
                SpiceCSMWebCallTests.credentials + [("userXML", userXML)])
            #expect(response.status == 200, "\(response.text)")
            #expect(response.header("CRMHub-Matched-By") == "customerId" && response.header("CRMHub-Matched-Value") == made.code)
        }
    }
}
