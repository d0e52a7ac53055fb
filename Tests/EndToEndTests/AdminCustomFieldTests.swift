import CRMHubTesting
import JSON
import Testing

@Suite("admin API: custom fields")
struct AdminCustomFieldTests {
    @Test("definitions per entity with types and options, as the listener document's samples use them")
    func lifecycle() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let base = "/admin/v1/orgs/\(slug)/custom-fields"
            let animals = try await fixture.call(
                "POST", base,
                body: [
                    "entity": "contact", "name": "What animal do you like?", "type": "checkbox", "options": ["Dog", "Cat"],
                ])
            #expect(animals.status == 201, "\(animals.json)")
            let date = try await fixture.call(
                "POST", base, body: ["entity": "contact", "name": "Ngày bạn nhập học?", "type": "date"])
            #expect(date.status == 201)
            let sameNameOtherEntity = try await fixture.call(
                "POST", base, body: ["entity": "deal", "name": "Ngày bạn nhập học?", "type": "date"])
            #expect(sameNameOtherEntity.status == 201)
            let duplicate = try await fixture.call(
                "POST", base, body: ["entity": "contact", "name": "what animal do you like?", "type": "text"])
            #expect(duplicate.status == 409)
            let contacts = try await fixture.call("GET", base + "?entity=contact")
            #expect(contacts.json["items"]?.arrayValue?.count == 2)
            let id = try #require(animals.json["id"]?.stringValue)
            let updated = try await fixture.call(
                "PATCH", "\(base)/\(id)", body: ["options": ["Dog", "Cat", "Bird"], "required": true])
            #expect(updated.json["options"] == ["Dog", "Cat", "Bird"] && updated.json["required"]?.boolValue == true)
            #expect(try await fixture.call("DELETE", "\(base)/\(id)").status == 204)
        }
    }

    @Test(
        "validation names every field",
        arguments: [
            (#"{"entity": "contact", "name": "x", "type": "dropdown"}"#, ["options"]),
            (#"{"entity": "contact", "name": "x", "type": "text", "options": ["a"]}"#, ["options"]),
            (#"{"entity": "person", "name": "", "type": "colour"}"#, ["entity", "name", "type"]),
            (
                #"{"entity": "deal", "name": "x", "type": "checkbox", "options": ["a|b", "c", "c"]}"#,
                ["options[0]", "options[2]"]
            ),
        ])
    func validation(body: String, fields: [String]) async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let result = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/custom-fields", raw: body)
            #expect(result.status == 422)
            #expect(
                Set(result.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []) == Set(fields),
                "\(result.json)")
        }
    }
}
