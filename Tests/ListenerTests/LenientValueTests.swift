import CRM
import JSON
import Testing

@testable import Listener

@Suite("values as listener senders send them")
struct LenientValueTests {
    @Test(
        "calendar dates in every spelling of the document",
        arguments: [
            (JSONValue.string("Fri Jan 01 1993 00:00:00 GMT+0700 (ICT)"), "1993-01-01"),
            ("Fri Jan 02 1993 00:00:00 GMT+0700 (ICT)", "1993-01-02"),
            ("1993-01-01", "1993-01-01"),
            ("2019-07-08T00:00:00+07:00", "2019-07-08"),
            ("1993-01-01T23:30:00Z", "1993-01-01"),
            (.number(725_846_400_000), "1993-01-01"),
            ("725846400000", "1993-01-01"),
        ])
    func calendarDates(value: JSONValue, expected: String) {
        #expect(LenientValue.calendarDate(value)?.description == expected)
    }

    @Test(
        "impossible or unreadable dates are refused",
        arguments: [
            JSONValue.string("1993-02-30"), "yesterday", "Fri Foo 01 1993 00:00:00", "1993-13-01", "", .bool(true), "1993-01-01X",
        ])
    func badDates(value: JSONValue) {
        #expect(LenientValue.calendarDate(value) == nil)
    }

    @Test(
        "instants keep their offset",
        arguments: [
            (JSONValue.number(1_482_470_382_793), Int64(1_482_470_382_793)),
            ("2019-07-08T00:00:00+07:00", 1_562_518_800_000),
            ("2019-07-07T17:00:00Z", 1_562_518_800_000),
            ("2019-07-07T17:00:00.250Z", 1_562_518_800_250),
            ("Mon Jul 08 2019 00:00:00 GMT+0700 (ICT)", 1_562_518_800_000),
            ("2019-07-08", 1_562_544_000_000),
        ])
    func instants(value: JSONValue, expected: Int64) {
        #expect(LenientValue.instant(value)?.milliseconds == expected)
    }

    @Test("numbers as numbers or strings, within their range")
    func integers() {
        #expect(LenientValue.integer(1, allowed: 0...2) == 1)
        #expect(LenientValue.integer("2", allowed: 0...2) == 2)
        #expect(LenientValue.integer(" 0 ", allowed: 0...2) == 0)
        #expect(LenientValue.integer(3, allowed: 0...2) == nil)
        #expect(LenientValue.integer("male", allowed: 0...2) == nil)
        #expect(LenientValue.integer(1.5, allowed: 0...2) == nil)
    }

    @Test("countries as a code, a name, or {code, name}")
    func countries() {
        #expect(LenientValue.country("VN")! == ("VN", nil))
        #expect(LenientValue.country("Viet Nam")! == (nil, "Viet Nam"))
        #expect(LenientValue.country(["code": "vn", "name": "Viet Nam"])! == ("VN", "Viet Nam"))
        #expect(LenientValue.country(["other": 1]) == nil)
        #expect(LenientValue.country("") == nil)
    }

    @Test("tags as a comma string or an array; trimmed, deduplicated")
    func tags() {
        #expect(LenientValue.tags("webhook, vip,, Webhook ") == ["webhook", "vip"])
        #expect(LenientValue.tags(["a", "b", 3]) == ["a", "b"])
        #expect(LenientValue.tags(5) == [])
        #expect(LenientValue.choices("Dog|Cat| |Bird") == ["Dog", "Cat", "Bird"])
    }
}

@Suite("identities for matching and dedup")
struct IdentityTests {
    @Test(
        "phones normalise to one spelling",
        arguments: [
            ("0905 000 001", "84", "+84905000001"),
            ("+84 905-000-001", "84", "+84905000001"),
            ("0084905000001", nil, "+84905000001"),
            ("(090) 5000.001", nil, "0905000001"),
            ("01234567890", nil, "01234567890"),
            ("+61411112233", "84", "+61411112233"),
        ] as [(String, String?, String)])
    func phones(raw: String, country: String?, expected: String) {
        #expect(Identity.phone(raw, defaultCountryCode: country) == expected)
    }

    @Test("not phones", arguments: ["12345", "0905x00001", "", "+", "1234567890123456"])
    func notPhones(raw: String) {
        #expect(Identity.phone(raw) == nil)
    }

    @Test("emails compare case-insensitively; passports without spaces or case")
    func emailsAndPassports() {
        #expect(Identity.email(" Huy.Nguyen@HTKLabs.com ") == "huy.nguyen@htklabs.com")
        #expect(Identity.email("not an email") == nil)
        #expect(Identity.email("a@b") == nil)
        #expect(Identity.passport("b 1945-295865") == "B1945295865")
        #expect(Identity.passport("!!") == nil)
    }
}
