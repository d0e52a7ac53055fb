import CRM
import CRMHubTesting
import Foundation
import Helpdesk
import JSON
import Testing

/// sirportly-customer-data-sources.txt: a form POST of `type` and `data`, optional HTTP Basic; 200 with JSON, 404
/// with no data, 401 for wrong credentials.
@Suite("Sirportly Customer Data Source")
struct SirportlyDataSourceTests {
    func lookup(
        _ fixture: HelpdeskFixture, _ type: String, _ data: String, authorization: String? = nil, slug: String? = nil
    )
        async throws -> (status: Int, json: JSONValue, response: RawResponse)
    {
        let response = try await fixture.post(
            "/integrations/sirportly/\(slug ?? fixture.slug)", [("type", type), ("data", data)],
            headers: authorization.map { [("Authorization", $0)] } ?? [])
        return (response.status, (try? JSONParser.parse(response.body)) ?? .null, response)
    }

    @Test(
        "a customer found by email, phone, Facebook and Twitter answers every contact method, the record variables and custom data"
    )
    func found() async throws {
        try await HelpdeskFixture.with { fixture in
            try await fixture.configure("sirportly", ["enabled": true, "public": true])
            try await fixture.listener.addCustomField("contact", "Account Number")
            try await fixture.listener.addCatalog("deal-stages", "Proposal")
            let adam = try await fixture.customer([
                "name": "Adam", "lastname": "Cooke", "title": "CTO",
                "emails": [["value": "adam@atechmedia.com"], ["value": "adam@home.example"]],
                "phones": [["type": "Work", "value": "+44 20 7946 0000"]],
                "im": [["protocol": "Facebook", "value": "adam.cooke"], ["protocol": "Other", "value": "@adamcooke"]],
                "addresses": [["street": "1 High St", "city": "London", "country": "GB"]],
                "cusFields": [["name": "Account Number", "value": "123123123"]], "companyContact": ["name": "aTech Media"],
            ])
            let deal = try await fixture.listener.send([
                (
                    "add-deal",
                    [
                        "name": "Renewal", "stage": "Proposal", "dealWith": ["customerId": .string(adam.code)],
                    ]
                )
            ])
            #expect(deal.status == 200, "\(deal.json)")
            let ticket = try await fixture.listener.send([
                ("add-ticket", ["title": "Login fails", "body": "Help", "customerId": .string(adam.code)])
            ])
            #expect(ticket.status == 200, "\(ticket.json)")

            let byEmail = try await lookup(fixture, "email", "Adam@ATechMedia.com")
            #expect(byEmail.status == 200 && byEmail.response.header("Content-Type") == "application/json")
            let json = byEmail.json
            #expect(json["contact_methods"]?["email"] == ["Adam@ATechMedia.com", "adam@home.example"])
            #expect(
                json["contact_methods"]?["telephone"] == ["+44 20 7946 0000"]
                    && json["contact_methods"]?["facebook"] == ["adam.cooke"])
            #expect(json["first_name"] == "Adam" && json["last_name"] == "Cooke" && json["reference"] == .string(adam.code))
            #expect(json["company"] == "aTech Media" && json["timezone"] == "Asia/Ho_Chi_Minh")
            #expect(json["Account Number"] == "123123123" && json["Customer type"] == "Contact")
            #expect(json["Details"]?["Title"] == "CTO")
            #expect(json["Addresses"]?[0]?["City"] == "London")
            #expect(json["Open deals"] == [["Deal": "Renewal", "Stage": "Proposal"]])
            #expect(json["Recent tickets"]?[0]?["Subject"] == "Login fails" && json["Recent tickets"]?[0]?["Status"] == "open")

            let byPhone = try await lookup(fixture, "telephone", "+442079460000")
            #expect(byPhone.status == 200 && byPhone.json["reference"] == .string(adam.code))
            #expect(byPhone.json["contact_methods"]?["telephone"] == ["+442079460000"])
            let byFacebook = try await lookup(fixture, "facebook", "Adam.Cooke")
            #expect(byFacebook.status == 200 && byFacebook.json["contact_methods"]?["facebook"] == ["Adam.Cooke"])
            let byTwitter = try await lookup(fixture, "twitter", "adamcooke")
            #expect(byTwitter.status == 200 && byTwitter.json["reference"] == .string(adam.code))
            #expect(byTwitter.json["contact_methods"]?["twitter"] == ["adamcooke"])
        }
    }

    @Test("an unknown customer is 404 with no data; a missing type or data is 400; another org's customer is unknown")
    func notFound() async throws {
        try await HelpdeskFixture.with { fixture in
            try await fixture.configure("sirportly", ["enabled": true, "public": true])
            _ = try await fixture.customer(["name": "Known", "emails": [["value": "known@example.com"]]])
            for (type, data) in [
                ("email", "nobody@example.com"), ("email", "not-an-email"), ("twitter", "nobody"), ("telephone", "12"),
            ] {
                let answer = try await lookup(fixture, type, data)
                #expect(answer.status == 404 && answer.response.body.isEmpty, "\(type) \(data)")
            }
            let missing = try await fixture.post("/integrations/sirportly/\(fixture.slug)", [("type", "email")])
            #expect(missing.status == 400)
            let other = try await fixture.listener.admin.makeOrg("other")
            let configured = try await fixture.listener.admin.call(
                "PUT", "/admin/v1/orgs/\(other)/integrations/sirportly", body: ["enabled": true, "public": true])
            #expect(configured.status == 200)
            #expect(try await lookup(fixture, "email", "known@example.com", slug: other).status == 404)
            #expect(try await lookup(fixture, "email", "known@example.com").status == 200)
            #expect(try await lookup(fixture, "email", "known@example.com", slug: "no-such-org").status == 401)
        }
    }

    @Test("with HTTP Basic configured: none or wrong credentials are 401 with WWW-Authenticate, the right ones 200")
    func basic() async throws {
        try await HelpdeskFixture.with { fixture in
            try await fixture.configure("sirportly", ["enabled": true, "username": "sirportly", "password": "data-source-pass"])
            _ = try await fixture.customer(["name": "Known", "emails": [["value": "known@example.com"]]])
            let none = try await lookup(fixture, "email", "known@example.com")
            #expect(none.status == 401 && none.response.header("WWW-Authenticate")?.hasPrefix("Basic realm=") == true)
            let wrong = try await lookup(
                fixture, "email", "known@example.com", authorization: CIOPulseFixture.basic("sirportly", "wrong-pass"))
            #expect(wrong.status == 401)
            let wrongUser = try await lookup(
                fixture, "email", "known@example.com", authorization: CIOPulseFixture.basic("other", "data-source-pass"))
            #expect(wrongUser.status == 401)
            let right = CIOPulseFixture.basic("sirportly", "data-source-pass")
            #expect(try await lookup(fixture, "email", "known@example.com", authorization: right).status == 200)
            // A burst reuses the verification; a new password stops the old one at once.
            #expect(try await lookup(fixture, "email", "known@example.com", authorization: right).status == 200)
            try await fixture.configure("sirportly", ["enabled": true, "username": "sirportly", "password": "another-pass"])
            #expect(try await lookup(fixture, "email", "known@example.com", authorization: right).status == 401)
        }
    }

    @Test(
        "a data source never configured or disabled, or an address outside the allowlist, is 401 as an unknown org is; a suspended org 403"
    )
    func refused() async throws {
        try await HelpdeskFixture.with { fixture in
            _ = try await fixture.customer(["name": "Known", "emails": [["value": "known@example.com"]]])
            #expect(try await lookup(fixture, "email", "known@example.com").status == 401)  // never configured
            try await fixture.configure("sirportly", ["enabled": false])
            #expect(try await lookup(fixture, "email", "known@example.com").status == 401)
            try await fixture.configure("sirportly", ["enabled": true, "ip_allowlist": ["203.0.113.0/24"]])
            let outside = try await lookup(fixture, "email", "known@example.com")
            #expect(outside.status == 401 && !outside.response.text.contains("127.0.0.1"))
            try await fixture.configure("sirportly", ["enabled": true, "ip_allowlist": ["127.0.0.0/8"]])
            #expect(try await lookup(fixture, "email", "known@example.com").status == 200)
            _ = try await fixture.listener.admin.call("PATCH", "/admin/v1/orgs/\(fixture.slug)", body: ["status": "suspended"])
            #expect(try await lookup(fixture, "email", "known@example.com").status == 403)
        }
    }

    @Test("custom_data chooses the sections of custom data shown; unknown sections are named; only Sirportly has it")
    func customDataSections() async throws {
        try await HelpdeskFixture.with { fixture in
            try await fixture.listener.addCustomField("contact", "Account Number")
            _ = try await fixture.customer([
                "name": "Adam", "title": "CTO", "emails": [["value": "adam@atechmedia.com"]],
                "addresses": [["street": "1 High St", "city": "London"]],
                "cusFields": [["name": "Account Number", "value": "123123123"]],
            ])
            let base = "/admin/v1/orgs/\(fixture.slug)/integrations"
            let saved = try await fixture.listener.admin.call(
                "PUT", "\(base)/sirportly", body: ["enabled": true, "public": true, "custom_data": ["addresses", "details"]])
            #expect(saved.status == 200 && saved.json["custom_data"] == ["addresses", "details"])
            let json = try await lookup(fixture, "email", "adam@atechmedia.com").json
            #expect(json["Addresses"]?[0]?["City"] == "London" && json["Details"] == ["Title": "CTO"])
            #expect(json["Account Number"] == nil && json["Customer type"] == nil && json["first_name"] == "Adam")
            let none = try await fixture.listener.admin.call(
                "PUT", "\(base)/sirportly", body: ["enabled": true, "public": true, "custom_data": []])
            #expect(none.status == 200)
            let bare = try await lookup(fixture, "email", "adam@atechmedia.com").json
            #expect(bare.objectValue?.keys == ["contact_methods", "first_name", "reference", "timezone"])
            let all = try await fixture.listener.admin.call("PUT", "\(base)/sirportly", body: ["enabled": true, "public": true])
            #expect(all.json["custom_data"]?.arrayValue?.count == SirportlyCustomData.allCases.count)
            #expect(try await lookup(fixture, "email", "adam@atechmedia.com").json["Account Number"] == "123123123")
            let bad = try await fixture.listener.admin.call(
                "PUT", "\(base)/sirportly", body: ["enabled": true, "public": true, "custom_data": ["addresses", "pets"]])
            #expect(bad.status == 422 && bad.json["errors"]?[0]?["field"] == "custom_data[1]")
            let spice = try await fixture.listener.admin.call(
                "PUT", "\(base)/spicecsm", body: ["enabled": false, "custom_data": ["addresses"]])
            #expect(spice.status == 422)
        }
    }

    @Test("leads are found too; a contact with the same email comes first")
    func leads() async throws {
        try await HelpdeskFixture.with { fixture in
            try await fixture.configure("sirportly", ["enabled": true, "public": true])
            let lead = try await fixture.customer(lead: true, ["name": "Lena", "emails": [["value": "lena@example.com"]]])
            let onlyLead = try await lookup(fixture, "email", "lena@example.com")
            #expect(
                onlyLead.status == 200 && onlyLead.json["reference"] == .string(lead.code)
                    && onlyLead.json["Customer type"] == "Lead")
            let contact = try await fixture.customer([
                "name": "Lena", "lastname": "Contact", "emails": [["value": "lena@example.com"]],
            ])
            #expect(try await lookup(fixture, "email", "lena@example.com").json["reference"] == .string(contact.code))
        }
    }
}
