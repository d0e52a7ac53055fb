import Testing

@testable import CRM

/// The normalised forms that duplicates are found by (crm-listener-webhook.txt: passport, phones, emails): two
/// spellings of one identity must give one key, and a value that is not an identity none.
@Suite("Identity normalisation")
struct IdentityTests {
    @Test(
        "emails: trimmed and lower-cased; not an address is nil",
        arguments: [
            (" Huy.Nguyen@HTKLabs.com ", "huy.nguyen@htklabs.com"),
            ("a@b.co", "a@b.co"),
            ("\tLUYT@example.ORG\r\n", "luyt@example.org"),
            ("a@b", nil), ("@b.com", nil), ("a@.com", nil), ("a@b.com.", nil), ("a@@b.com", nil),
            ("a b@c.com", nil), ("a@b.com,c@d.com", nil), ("a@b.com;", nil), ("", nil), ("not an email", nil),
        ] as [(String, String?)])
    func email(raw: String, expected: String?) {
        #expect(Identity.email(raw) == expected)
    }

    @Test(
        "phones: separators dropped, 00 read as +, a national number gets the default country code",
        arguments: [
            ("+84 905 000 001", nil, "+84905000001"),
            ("0084 905-000-001", nil, "+84905000001"),
            ("(0905) 000.001", "84", "+84905000001"),
            ("0905/000/001", nil, "0905000001"),
            ("905 000 001", "84", "905000001"),
            ("123456", nil, "123456"),
            ("+123456789012345", nil, "+123456789012345"),
        ] as [(String, String?, String)])
    func phone(raw: String, country: String?, expected: String) {
        #expect(Identity.phone(raw, defaultCountryCode: country) == expected)
    }

    @Test(
        "not phones: fewer than 6 or more than 15 digits, letters, other signs",
        arguments: [
            "12345", "+1234567890123456", "0905 ABC 001", "0905#000001", "", "+", "ext. 12345678",
        ])
    func notPhone(raw: String) {
        #expect(Identity.phone(raw, defaultCountryCode: "84") == nil)
    }

    @Test(
        "passports: spaces and hyphens dropped, upper-cased; other signs or nothing left is nil",
        arguments: [
            ("b 1945-295865", "B1945295865"), ("C-123 456", "C123456"), ("!!", nil), (" - ", nil),
            ("AB/12", nil), (String(repeating: "A", count: 64), String(repeating: "A", count: 64)),
            (String(repeating: "A", count: 65), nil),
        ] as [(String, String?)])
    func passport(raw: String, expected: String?) {
        #expect(Identity.passport(raw) == expected)
    }

    @Test("the key functions name the value that is not an identity")
    func problems() throws {
        #expect(try Identity.emailKey("A@B.com").get() == "a@b.com")
        #expect(throws: Identity.Problem.self) { try Identity.phoneKey("12").get() }
        switch Identity.passportKey("x/y") {
        case .success(let key): Issue.record("accepted \(key)")
        case .failure(let problem): #expect(problem.message == "'x/y' is not a passport number (letters and digits)")
        }
    }
}
