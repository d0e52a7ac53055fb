import CRM
import JSON
import SmarterTrack
import Testing

@Suite("SmarterTrack rules")
struct SmarterTrackRulesTests {
    static let document: JSONValue = [
        "statuses": ["suspended": ["tickets": false, "chats": false, "message": "Your account is suspended."]],
        "unknown_customer": ["chats": false],
        "custom_fields": [
            [
                "name": "Type of Issue", "departments": ["Support Department"], "location": "pre",
                "list_options": ["Web site issues"],
            ],
            ["name": "Account", "location": "REGULAR"],
            ["name": "Everywhere"],
        ],
    ]

    @Test("a status's permission; unlisted statuses may do everything; no customer gets unknown_customer")
    func permissions() throws {
        let rules = try SmarterTrackRules.parse(Self.document).get()
        #expect(
            rules.permission(status: "suspended").tickets == false
                && rules.permission(status: "suspended").message == "Your account is suspended.")
        #expect(rules.permission(status: "active").tickets && rules.permission(status: "active").chats)
        #expect(rules.permission(status: nil).tickets && !rules.permission(status: nil).chats)
    }

    @Test(
        "overrides match the department without case and the step (PRE / REGULAR; none = both)",
        arguments: [
            ("support department", "PRE", ["Type of Issue", "Everywhere"]),
            ("Support Department", "REGULAR", ["Account", "Everywhere"]),
            ("Sales", "PRE", ["Everywhere"]), ("Sales", "regular", ["Account", "Everywhere"]),
        ])
    func overrides(department: String, location: String, expected: [String]) throws {
        let rules = try SmarterTrackRules.parse(Self.document).get()
        #expect(rules.fieldOverrides(department: department, location: location).map(\.name) == expected)
    }

    @Test("the document round-trips through its JSON form")
    func roundTrip() throws {
        let rules = try SmarterTrackRules.parse(Self.document).get()
        #expect(try SmarterTrackRules.parse(rules.json).get() == rules)
    }
}
