import CRMHubTesting
import JSON
import Testing

@Suite("admin API: catalogs")
struct AdminCatalogTests {
    @Test("a new org has the document's channels; names are unique per catalog, case-insensitive")
    func channels() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let channels = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/catalogs/channels")
            let names = channels.json["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(
                names == [
                    "Email", "Phone", "Web Contact Form", "Kite Call", "Kite Chat", "Kite Viber", "Kite Facebook",
                    "Kite Skype", "Contact Form",
                ])
            let duplicate = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/catalogs/channels", body: ["name": "email"])
            #expect(duplicate.status == 409)
        }
    }

    @Test(
        "every catalog: create, list in position order, rename, delete",
        arguments: [
            "tags", "deal-stages", "deal-categories", "deal-packages", "currencies", "slas",
        ])
    func lifecycle(catalog: String) async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let base = "/admin/v1/orgs/\(slug)/catalogs/\(catalog)"
            let second = try await fixture.call("POST", base, body: ["name": "B", "position": 2])
            _ = try await fixture.call("POST", base, body: ["name": "A", "position": 1])
            #expect(second.status == 201)
            let listed = try await fixture.call("GET", base)
            #expect(listed.json["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["A", "B"])
            let id = try #require(second.json["id"]?.stringValue)
            let renamed = try await fixture.call("PATCH", "\(base)/\(id)", body: ["name": "Bee"])
            #expect(renamed.json["name"]?.stringValue == "Bee")
            #expect(try await fixture.call("DELETE", "\(base)/\(id)").status == 204)
            #expect(try await fixture.call("DELETE", "\(base)/\(id)").status == 404)
            let invalid = try await fixture.call("POST", base, body: ["name": "", "position": -1])
            #expect(
                Set(invalid.json["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []) == ["name", "position"])
        }
    }

    @Test("an unknown catalog is 404 naming the known ones; another org's key sees nothing")
    func unknownAndIsolation() async throws {
        try await AdminFixture.with { fixture in
            let mine = try await fixture.makeOrg("mine")
            let theirs = try await fixture.makeOrg("theirs")
            let unknown = try await fixture.call("GET", "/admin/v1/orgs/\(mine)/catalogs/colours")
            #expect(unknown.status == 404 && unknown.json["detail"]?.stringValue?.contains("deal-stages") == true)
            let key = try await fixture.makeKey(theirs, scopes: ["admin"])
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(mine)/catalogs/tags", token: key).status == 404)
            #expect(
                try await fixture.call("POST", "/admin/v1/orgs/\(mine)/catalogs/tags", token: key, body: ["name": "x"]).status
                    == 404)
        }
    }
}
