import CRM
import Testing

@Suite("how a match is reported")
struct MatchReasonTests {
    @Test(
        "a passport shows only its last characters; other values show as compared",
        arguments: [
            (MatchReason(.passport, "1945295865"), "*******865"),
            (MatchReason(.passport, "B12345"), "****45"),
            (MatchReason(.passport, "B1234"), "****4"),
            (MatchReason(.passport, "AB"), "**"),
            (MatchReason(.email, "huy@htklabs.com"), "huy@htklabs.com"),
            (MatchReason(.phone, "+84905123456"), "+84905123456"),
        ])
    func shown(_ reason: MatchReason, _ expected: String) {
        #expect(reason.shownValue == expected)
        #expect(reason.headers.map(\.1) == [reason.kind.rawValue, expected])
    }

    @Test("identity rows' kinds are named as the listener document names them")
    func kinds() {
        #expect(
            ["contact_id", "passport", "email", "phone", "name"].map { MatchReason.kind(ofIdentity: $0).rawValue }
                == ["contactId", "passport", "email", "phone", "name"])
    }
}
