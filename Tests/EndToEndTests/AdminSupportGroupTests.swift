import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing

@Suite("admin API: CIOPulse support groups and contact system ids")
struct AdminSupportGroupTests {
    @Test("support groups: create, list, show, update (null clears), delete, all by system id")
    func lifecycle() async throws {
        try await CIOPulseFixture.with { fixture in
            try await fixture.addContact("LEAD", email: "lead@example.com")
            try await fixture.addContact("ALERT", email: "alert@example.com")
            let created = try await fixture.adminCall(
                "POST", "/support-groups",
                [
                    "system_id": "TEAM123", "name": "Service Desk", "code": "SDESK", "department_code": "SDEL",
                    "department_system_id": "TEAM789", "support_lead_system_id": "LEAD", "also_alert_6_system_id": "ALERT",
                ])
            #expect(created.status == 201, "\(created.json)")
            #expect(created.json["support_lead_email"] == "lead@example.com")
            #expect(
                created.json["also_alert_6_system_id"] == "ALERT" && created.json["also_alert_6_email"] == "alert@example.com")
            #expect(created.json["also_alert_1_system_id"] == .null)
            #expect(
                created.json["active"] == true && created.json["ccs_only"] == false && created.json["exclude_from_nps"] == false)

            let listed = try await fixture.adminCall("GET", "/support-groups")
            #expect(listed.json["items"]?.arrayValue?.count == 1 && listed.json["next_cursor"] == .null)
            #expect(try await fixture.adminCall("GET", "/support-groups/TEAM123").json["name"] == "Service Desk")

            let updated = try await fixture.adminCall(
                "PATCH", "/support-groups/TEAM123",
                [
                    "name": "Desk", "code": nil, "also_alert_6_system_id": nil, "also_alert_1_system_id": "ALERT",
                    "active": false,
                ])
            #expect(updated.status == 200, "\(updated.json)")
            #expect(updated.json["name"] == "Desk" && updated.json["code"] == .null && updated.json["department_code"] == "SDEL")
            #expect(updated.json["also_alert_6_system_id"] == .null && updated.json["also_alert_1_system_id"] == "ALERT")
            #expect(updated.json["support_lead_system_id"] == "LEAD" && updated.json["active"] == false)

            let renamed = try await fixture.adminCall("PATCH", "/support-groups/TEAM123", ["system_id": "TEAM-A"])
            #expect(renamed.json["system_id"] == "TEAM-A")
            #expect(try await fixture.adminCall("GET", "/support-groups/TEAM123").status == 404)
            #expect(try await fixture.adminCall("DELETE", "/support-groups/TEAM-A").status == 204)
            #expect(try await fixture.adminCall("DELETE", "/support-groups/TEAM-A").status == 404)
            // Its contacts can be deleted now.
            #expect(try await fixture.delete("LEAD").status == 202)
            let audit = try await fixture.adminCall("GET", "/audit")
            let actions = audit.json["items"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
            #expect(
                actions.contains("support_group.create") && actions.contains("support_group.update")
                    && actions.contains("support_group.delete"))
        }
    }

    @Test("a contact system id that no contact has is a 422 naming the field; so are missing and unknown fields")
    func validation() async throws {
        try await CIOPulseFixture.with { fixture in
            try await fixture.addContact("LEAD", email: "lead@example.com")
            let unknown = try await fixture.adminCall(
                "POST", "/support-groups",
                [
                    "system_id": "T1", "name": "Team", "support_lead_system_id": "NOBODY", "also_alert_3_system_id": "NOONE",
                    "also_alert_4_system_id": "LEAD",
                ])
            #expect(unknown.status == 422)
            let fields = Set(unknown.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? [])
            #expect(fields == ["support_lead_system_id", "also_alert_3_system_id"])
            #expect(unknown.response.text.contains("NOBODY"))
            let missing = try await fixture.adminCall("POST", "/support-groups", ["code": "X", "colour": "red", "active": "yes"])
            #expect(
                Set(missing.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []) == [
                    "system_id", "name", "colour", "active",
                ])
            #expect(try await fixture.adminCall("POST", "/support-groups", ["system_id": "T1", "name": "Team"]).status == 201)
            let nulls = try await fixture.adminCall(
                "PATCH", "/support-groups/T1", ["name": nil, "also_alert_2_system_id": "NOBODY"])
            #expect(Set(nulls.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []) == ["name"])
            let alsoUnknown = try await fixture.adminCall("PATCH", "/support-groups/T1", ["also_alert_2_system_id": "NOBODY"])
            #expect(alsoUnknown.status == 422 && alsoUnknown.json["errors"]?[0]?["field"] == "also_alert_2_system_id")
            #expect(try await fixture.adminCall("PATCH", "/support-groups/NOPE", ["name": "X"]).status == 404)
            #expect(try await fixture.count("SELECT count(*) FROM support_groups WHERE org_id = \(fixture.orgID)") == 1)
        }
    }

    @Test("a support group system id is unique in the org: 409 on create and on rename; another org may reuse it")
    func uniqueSystemID() async throws {
        try await CIOPulseFixture.with { fixture in
            #expect(try await fixture.adminCall("POST", "/support-groups", ["system_id": "T1", "name": "One"]).status == 201)
            #expect(try await fixture.adminCall("POST", "/support-groups", ["system_id": "T2", "name": "Two"]).status == 201)
            let taken = try await fixture.adminCall("POST", "/support-groups", ["system_id": "T1", "name": "Again"])
            #expect(taken.status == 409 && taken.json["errors"]?[0]?["field"] == "system_id")
            #expect(try await fixture.adminCall("PATCH", "/support-groups/T2", ["system_id": "T1"]).status == 409)
            let other = try await CIOPulseFixture.make(admin: fixture.admin)
            #expect(try await other.adminCall("POST", "/support-groups", ["system_id": "T1", "name": "Theirs"]).status == 201)
            // A group cannot name another org's contact: the system id is looked up in its own org only.
            try await fixture.addContact("MINE", email: "mine@example.com")
            let foreign = try await other.adminCall("PATCH", "/support-groups/T1", ["support_lead_system_id": "MINE"])
            #expect(foreign.status == 422)
        }
    }

    @Test("a contact a listener created gets a system id and is then a CIOPulse contact; taken ids are 409")
    func listenerContactSystemID() async throws {
        try await ListenerFixture.with { listener in
            let fixture = try await CIOPulseFixture.make(admin: listener.admin, slug: listener.slug)
            let sent = try await listener.send([
                (
                    "add-contact",
                    [
                        "name": "Huy", "lastname": "Nguyen", "emails": [["value": "huy.nguyen@htklabs.com"]],
                        "phones": [["value": "+84905000001"]],
                    ]
                )
            ])
            #expect(sent.status == 200, "\(sent.json)")
            let code = try #require(sent.json["results"]?[0]?["records"]?[0]?["customerId"]?.stringValue)
            // Not a CIOPulse contact yet, and its email already counts as "another Contact".
            #expect(try await fixture.call("GET", "/api/v5/contacts").response.text == #"{"contacts":[]}"#)
            CIOPulseFixture.expectError(
                try await fixture.put("AGENT-7", #"{"first_name":"H","last_name":"N","email":"HUY.NGUYEN@htklabs.com"}"#), 422)

            let assigned = try await fixture.adminCall("PUT", "/contacts/\(code)/system-id", ["system_id": "AGENT-7"])
            #expect(assigned.status == 200, "\(assigned.json)")
            #expect(assigned.json == ["customer_code": .string(code), "system_id": "AGENT-7"])
            #expect(
                try await fixture.get("AGENT-7").json["contact"] == [
                    "system_id": "AGENT-7", "first_name": "Huy", "last_name": "Nguyen", "job_title": nil,
                    "email": "huy.nguyen@htklabs.com",
                    "mobile": "+84905000001",
                ])
            // CIOPulse updates reach the same customer, and its history has both sources.
            #expect(try await fixture.put("AGENT-7", #"{"job_title":"Agent"}"#).status == 200)
            let sources = try await fixture.rows(
                """
                SELECT event || ':' || coalesce(detail->>'source', 'listener') FROM customer_history
                WHERE org_id = \(fixture.orgID) ORDER BY id
                """
            ).map { try $0.decode(0, as: String.self) }
            #expect(sources == ["created:listener", "updated:admin", "updated:ciopulse"])

            // Idempotent for the same id; 409 for an id another contact has; 404 for what is not a contact.
            #expect(try await fixture.adminCall("PUT", "/contacts/\(code)/system-id", ["system_id": "AGENT-7"]).status == 200)
            try await fixture.addContact("AGENT-8", email: "other@example.com")
            let taken = try await fixture.adminCall("PUT", "/contacts/\(code)/system-id", ["system_id": "AGENT-8"])
            #expect(taken.status == 409 && taken.json["errors"]?[0]?["field"] == "system_id")
            #expect(try await fixture.adminCall("PUT", "/contacts/PID-999999/system-id", ["system_id": "X"]).status == 404)
            #expect(try await fixture.adminCall("PUT", "/contacts/LID-1/system-id", ["system_id": "X"]).status == 404)
            let invalid = try await fixture.adminCall(
                "PUT", "/contacts/\(code)/system-id", ["system_id": .string(String(repeating: "x", count: 201))])
            #expect(invalid.status == 422 && invalid.json["errors"]?[0]?["field"] == "system_id", "\(invalid.json)")
            let empty = try await fixture.adminCall("PUT", "/contacts/\(code)/system-id", ["system_id": ""])
            #expect(empty.status == 422 && empty.json["errors"]?[0]?["field"] == "system_id", "\(empty.json)")
            #expect(try await fixture.get("AGENT-7").status == 200)
            #expect(try await fixture.adminCall("PUT", "/contacts/\(code)/system-id", ["system_id": nil]).status == 422)
        }
    }
}
