import CRM
import CRMHubTesting
import Foundation
import JSON
import Postgres
import Testing

/// The document's own samples (ciopulse-contacts-api.txt) as fixtures: the PHP cURL requests as cURL puts them on
/// the wire, and the support groups example body.
@Suite("CIOPulse document samples")
struct CIOPulseDocumentTests {
    static let portalCode = "ABC123"
    static let apiKey = "SMzYECYJYLpNw8PrfX8EtPO2tcP0XaKJvZ4FW5VL"
    /// `'Authorization: Basic '. base64_encode($portal_code .":". $api_key)`, computed independently.
    static let authorization = "Authorization: Basic QUJDMTIzOlNNellFQ1lKWUxwTnc4UHJmWDhFdFBPMnRjUDBYYUtKdlo0Rlc1Vkw="

    /// What PHP's cURL sends for a snippet: the request line, Host, cURL's default Accept, then the snippet's
    /// headers exactly as written (`Content-Type:application/json` has no space), then the payload.
    static func curl(_ method: String, _ path: String, port: Int, headers: [String], payload: String? = nil) -> String {
        var raw = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: */*\r\n"
        for header in headers { raw += header + "\r\n" }
        return raw + "\r\n" + (payload ?? "")
    }

    /// The org of the document's portal code, with the document's key installed as its key (the admin API only
    /// issues random keys). Portal codes are unique across orgs: only this suite uses ABC123.
    static func withDocumentPortal(_ body: (CIOPulseFixture) async throws -> Void) async throws {
        try await AdminFixture.with { admin in
            let fixture = try await CIOPulseFixture.make(admin: admin, portalCode: portalCode)
            try await admin.server.database.platformQuery(
                """
                INSERT INTO ciopulse_api_keys (org_id, secret_hash, last_four)
                VALUES (\(fixture.orgID), \(SecretToken.hash(apiKey)), \(String(apiKey.suffix(4))))
                """)
            try await body(
                CIOPulseFixture(admin: admin, slug: fixture.slug, orgID: fixture.orgID, portalCode: portalCode, apiKey: apiKey))
        }
    }

    @Test("the document's PHP cURL requests work byte for byte: authenticate, add, update, retrieve one and all, delete")
    func phpSnippets() async throws {
        try await Self.withDocumentPortal { fixture in
            let port = fixture.server.port
            #expect(Self.authorization == "Authorization: " + CIOPulseFixture.basic(Self.portalCode, Self.apiKey))

            // "Here's a snippet of PHP script using CURL to add a new Contact" (the address is obfuscated in the
            // published page; any valid one stands in for it).
            let payload = "{\n\"first_name\": \"Ajay\",\n\"last_name\": \"Patel\",\n\"email\": \"ajay.patel@example.com\"\n}"
            let add = Self.curl(
                "PUT", "/api/v5/contacts/80a45geb4faec211f6a144g18110c73d", port: port,
                headers: [
                    Self.authorization, "Content-Type:application/json", "Content-Length: \(payload.utf8.count)",
                ], payload: payload)
            let added = try await fixture.server.client().request(add)
            #expect(added.status == 201, "\(added.text)")
            #expect(added.header("Content-Type") == "application/json")

            // The first payload of the document, with the same headers.
            let tim =
                "{\n\"first_name\": \"Tim\",\n\"last_name\": \"Test\",\n\"job_title\": null,\n\"email\": \"tim.test@example.com\",\n\"mobile\": \"+61411112233\"\n}"
            let addTim = Self.curl(
                "PUT", "/api/v5/contacts/TIM-1", port: port,
                headers: [
                    Self.authorization, "Content-Type:application/json", "Content-Length: \(tim.utf8.count)",
                ], payload: tim)
            #expect(try await fixture.server.client().request(addTim).status == 201)

            // "this JSON payload would update the Contact's mobile number, remove the job title and leave the other
            // fields unchanged"
            let update = #"{"mobile": "+61444111222","job_title": null}"#
            let updated = try await fixture.server.client().request(
                Self.curl(
                    "PUT", "/api/v5/contacts/80a45geb4faec211f6a144g18110c73d", port: port,
                    headers: [
                        Self.authorization, "Content-Type:application/json", "Content-Length: \(update.utf8.count)",
                    ], payload: update))
            #expect(updated.status == 200)

            let one = try await fixture.server.client().request(
                Self.curl("GET", "/api/v5/contacts/80a45geb4faec211f6a144g18110c73d", port: port, headers: [Self.authorization]))
            #expect(one.status == 200)
            #expect(
                one.text
                    == #"{"contact":{"system_id":"80a45geb4faec211f6a144g18110c73d","first_name":"Ajay","last_name":"Patel","job_title":null,"email":"ajay.patel@example.com","mobile":"+61444111222"}}"#
            )

            let all = try await fixture.server.client().request(
                Self.curl("GET", "/api/v5/contacts", port: port, headers: [Self.authorization]))
            #expect(all.status == 200)
            let ids = ((try? JSONParser.parse(all.body))?["contacts"]?.arrayValue ?? []).compactMap {
                $0["contact"]?["system_id"]?.stringValue
            }
            #expect(ids == ["80a45geb4faec211f6a144g18110c73d", "TIM-1"])

            let deleted = try await fixture.server.client().request(
                Self.curl(
                    "DELETE", "/api/v5/contacts/80a45geb4faec211f6a144g18110c73d", port: port, headers: [Self.authorization]))
            #expect(deleted.status == 202)

            let wrong = try await fixture.server.client().request(
                Self.curl(
                    "GET", "/api/v5/contacts", port: port,
                    headers: [
                        "Authorization: Basic " + Data("ABC123:\(String(Self.apiKey.reversed()))".utf8).base64EncodedString()
                    ]))
            #expect(wrong.status == 401)
            #expect(wrong.text == #"{"message":"Invalid security credentials","status":401}"#)
        }
    }

    /// The document's example, with the three obfuscated addresses replaced and `"Also_Alert_1_System_ID":CONTACT456`
    /// quoted (the published example is not valid JSON there).
    static let supportGroupsExample = """
        {"support_groups":[
        {"support_group":{"Support_Group_System_ID":"TEAM123","Support_Group_Name":"Service Desk","Support_Group_Code":"SDESK","Department_Code":"SDEL","Department_System_ID":"TEAM789","Support_Lead_Email":"sam.lead@example.com","Support_Lead_System_ID":"CONTACT123","Also_Alert_1_Email":"alex.alert@example.com","Also_Alert_1_System_ID":"CONTACT456","Also_Alert_2_Email":null,"Also_Alert_2_System_ID":null,"Also_Alert_3_Email":null,"Also_Alert_3_System_ID":null,"Also_Alert_4_Email":null,"Also_Alert_4_System_ID":null,"Also_Alert_5_Email":null,"Also_Alert_5_System_ID":null,"Also_Alert_6_Email":null,"Also_Alert_6_System_ID":null,"Active":"Y","CCS_Only":"N","Exclude_From_NPS":"N"}},
        {"support_group":{"Support_Group_System_ID":"TEAM456","Support_Group_Name":"Complaints Department","Support_Group_Code":"CCS","Department_Code":"SDEL","Department_System_ID":"TEAM789","Support_Lead_Email":"alex.alert@example.com","Support_Lead_System_ID":"CONTACT456","Also_Alert_1_Email":null,"Also_Alert_1_System_ID":null,"Also_Alert_2_Email":null,"Also_Alert_2_System_ID":null,"Also_Alert_3_Email":null,"Also_Alert_3_System_ID":null,"Also_Alert_4_Email":null,"Also_Alert_4_System_ID":null,"Also_Alert_5_Email":null,"Also_Alert_5_System_ID":null,"Also_Alert_6_Email":null,"Also_Alert_6_System_ID":null,"Active":"Y","CCS_Only":"N","Exclude_From_NPS":"N"}},
        {"support_group":{"Support_Group_System_ID":"TEAM789","Support_Group_Name":"Service Delivery","Support_Group_Code":"SRVD","Department_Code":null,"Department_System_ID":null,"Support_Lead_Email":"dana.delivery@example.com","Support_Lead_System_ID":"CONTACT789","Also_Alert_1_Email":null,"Also_Alert_1_System_ID":null,"Also_Alert_2_Email":null,"Also_Alert_2_System_ID":null,"Also_Alert_3_Email":null,"Also_Alert_3_System_ID":null,"Also_Alert_4_Email":null,"Also_Alert_4_System_ID":null,"Also_Alert_5_Email":null,"Also_Alert_5_System_ID":null,"Also_Alert_6_Email":null,"Also_Alert_6_System_ID":null,"Active":"Y","CCS_Only":"N","Exclude_From_NPS":"N"}}
        ]}
        """

    @Test("GET /api/v5/support_groups answers the document's example shape, emails read from the referenced contacts")
    func supportGroups() async throws {
        try await CIOPulseFixture.with { fixture in
            try await fixture.addContact("CONTACT123", first: "Sam", email: "sam.lead@example.com")
            try await fixture.addContact("CONTACT456", first: "Alex", email: "old.alex@example.com")
            try await fixture.addContact("CONTACT789", first: "Dana", email: "dana.delivery@example.com")
            for group: JSONValue in [
                [
                    "system_id": "TEAM123", "name": "Service Desk", "code": "SDESK", "department_code": "SDEL",
                    "department_system_id": "TEAM789",
                    "support_lead_system_id": "CONTACT123", "also_alert_1_system_id": "CONTACT456",
                ],
                [
                    "system_id": "TEAM456", "name": "Complaints Department", "code": "CCS", "department_code": "SDEL",
                    "department_system_id": "TEAM789", "support_lead_system_id": "CONTACT456",
                ],
                ["system_id": "TEAM789", "name": "Service Delivery", "code": "SRVD", "support_lead_system_id": "CONTACT789"],
            ] {
                let created = try await fixture.adminCall("POST", "/support-groups", group)
                #expect(created.status == 201, "\(created.json)")
            }
            // The email comes from the contact as it is now.
            #expect(try await fixture.put("CONTACT456", #"{"email":"alex.alert@example.com"}"#).status == 200)
            let listed = try await fixture.call("GET", "/api/v5/support_groups")
            #expect(listed.status == 200)
            #expect(listed.response.header("Content-Type") == "application/json")
            #expect(listed.response.text == Self.supportGroupsExample.replacingOccurrences(of: "\n", with: ""))
            #expect(try JSONParser.parse(Self.supportGroupsExample) == JSONParser.parse(listed.response.body))

            // Flags are "Y"/"N"; a group naming nobody shows nulls.
            let flagged = try await fixture.adminCall(
                "PATCH", "/support-groups/TEAM789",
                [
                    "active": false, "ccs_only": true, "exclude_from_nps": true, "support_lead_system_id": nil,
                ])
            #expect(flagged.status == 200, "\(flagged.json)")
            let after = try await fixture.call("GET", "/api/v5/support_groups")
            let team789 = try #require(after.json["support_groups"]?[2]?["support_group"])
            #expect(team789["Active"] == "N" && team789["CCS_Only"] == "Y" && team789["Exclude_From_NPS"] == "Y")
            #expect(team789["Support_Lead_Email"] == .null && team789["Support_Lead_System_ID"] == .null)

            // Another portal sees none of them.
            let other = try await CIOPulseFixture.make(admin: fixture.admin)
            #expect(try await other.call("GET", "/api/v5/support_groups").response.text == #"{"support_groups":[]}"#)
        }
    }
}
