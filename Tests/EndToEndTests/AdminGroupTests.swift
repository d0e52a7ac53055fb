import CRMHubTesting
import JSON
import Testing

@Suite("admin API: groups")
struct AdminGroupTests {
    @Test("groups hold users of the org; unknown members and duplicate names are refused")
    func lifecycle() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg()
            let users = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/users")
            let owner = try #require(users.json["items"]?.arrayValue?.first?["id"]?.stringValue)
            let other = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/users", body: ["email": "b@group.co"])
            let second = try #require(other.json["id"]?.stringValue)
            let created = try await fixture.call(
                "POST", "/admin/v1/orgs/\(slug)/groups",
                body: [
                    "name": "Phong Kinh Doanh", "members": [.string(owner), .string(second)],
                ])
            #expect(created.status == 201, "\(created.json)")
            #expect(Set(created.json["members"]?.arrayValue?.compactMap(\.stringValue) ?? []) == [owner, second])
            let id = try #require(created.json["id"]?.stringValue)
            let duplicate = try await fixture.call("POST", "/admin/v1/orgs/\(slug)/groups", body: ["name": "phong kinh doanh"])
            #expect(duplicate.status == 409)
            let unknown = try await fixture.call(
                "POST", "/admin/v1/orgs/\(slug)/groups", body: ["name": "X", "members": ["999999"]])
            #expect(unknown.status == 422 && unknown.json["errors"]?.arrayValue?.first?["field"]?.stringValue == "members")
            let replaced = try await fixture.call(
                "PATCH", "/admin/v1/orgs/\(slug)/groups/\(id)", body: ["members": [.string(second)]])
            #expect(replaced.json["members"] == [.string(second)])
            // Deleting a user removes it from its groups.
            #expect(try await fixture.call("DELETE", "/admin/v1/orgs/\(slug)/users/\(second)").status == 204)
            let after = try await fixture.call("GET", "/admin/v1/orgs/\(slug)/groups/\(id)")
            #expect(after.json["members"] == [])
            #expect(try await fixture.call("DELETE", "/admin/v1/orgs/\(slug)/groups/\(id)").status == 204)
        }
    }

    @Test("a user of another org cannot be made a member")
    func crossOrgMember() async throws {
        try await AdminFixture.with { fixture in
            let mine = try await fixture.makeOrg("mine")
            let theirs = try await fixture.makeOrg("theirs")
            let theirUsers = try await fixture.call("GET", "/admin/v1/orgs/\(theirs)/users")
            let stranger = try #require(theirUsers.json["items"]?.arrayValue?.first?["id"]?.stringValue)
            let result = try await fixture.call(
                "POST", "/admin/v1/orgs/\(mine)/groups", body: ["name": "G", "members": [.string(stranger)]])
            #expect(result.status == 422)
        }
    }
}
