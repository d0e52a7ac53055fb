import CRM
import JSON
import Testing

@testable import Listener

/// The pure rules of add-note, add-deal, add-ticket and send-sms: customer codes against contactType, deal values,
/// the identifiers of a note or ticket, the phones of an SMS.
@Suite("listener action rules")
struct ListenerActionRulesTests {
    static func reader(_ object: JSONObject) -> PayloadReader {
        PayloadReader(object: object, path: "data[0].data", errors: FieldErrors())
    }

    @Test(
        "customerId must be a code of contactType's series",
        arguments: [
            ("PID-12", CustomerSeries.contact, "PID-12"),
            (" pid-3 ", .contact, "PID-3"),
            ("LID-345", .lead, "LID-345"),
            ("LID-345", .contact, "lead code"),
            ("PID-1", .lead, "contact code"),
            ("CID-1", .contact, "not a customer code"),
            ("1234", .contact, "not a customer code"),
            ("PID-0", .contact, "not a customer code"),
        ])
    func customerCodes(text: String, series: CustomerSeries, expected: String) {
        switch CustomerMatch.parseCode(text, series: series) {
        case .success(let code): #expect(code.description == expected)
        case .failure(let problem): #expect(problem.message.contains(expected), "\(problem.message)")
        }
    }

    @Test(
        "a deal value is a number or a numeric string with at most 15 digits before the point",
        arguments: [
            (JSONValue.number(50000), "50000"),
            (.number(12.5), "12.5"),
            (.number(-3), "-3"),
            (.string("1234.50"), "1234.50"),
            (.string(" +7 "), "7"),
            (.string(".5"), ".5"),
            (.string("000000000000000000012"), "000000000000000000012"),
            (.string("999999999999999"), "999999999999999"),
        ])
    func values(value: JSONValue, expected: String) {
        #expect(AddDeal.decimal(value) == expected)
    }

    @Test(
        "what is not a deal value",
        arguments: [
            JSONValue.string("12abc"), .string("1,000"), .string("1.2.3"), .string("-"), .string("."), .string("1e5"),
            .string("NaN"),
            .string("1234567890123456"), .number(1e15), .bool(true), .array([]),
        ])
    func notValues(value: JSONValue) {
        #expect(AddDeal.decimal(value) == nil)
    }

    @Test("a note or ticket names its customer by the singular email and phone of the document, or by the arrays")
    func identifiers() {
        let reader = Self.reader([
            "contactType": "Lead", "customerId": "LID-4", "contactId": "ext", "passport": "ab 12-3", "email": "A@B.co",
            "emails": [["value": "a@b.co"], "c@d.co"], "phone": "0905 000 001", "phones": [["value": "0905000002"]],
        ])
        let match = CustomerMatch.read(reader)
        #expect(reader.errors.isEmpty)
        #expect(match.series == .lead && match.code?.description == "LID-4")
        #expect(match.contactID == "ext" && match.passport == "AB123")
        #expect(match.emails == ["a@b.co", "c@d.co"] && match.phones == ["0905000001", "0905000002"])
        #expect(
            match.identityKeys == [
                .contactID("ext"), .passport("AB123"), .emails(["a@b.co", "c@d.co"]), .phones(["0905000001", "0905000002"]),
            ])
    }

    @Test("bad identifiers are named; no identifier is an empty match")
    func badIdentifiers() {
        let reader = Self.reader(["contactType": "vip", "email": "nope", "phone": "12", "passport": "#!"])
        let match = CustomerMatch.read(reader)
        #expect(
            reader.errors.list.map(\.field) == [
                "data[0].data.contactType", "data[0].data.passport", "data[0].data.email", "data[0].data.phone",
            ])
        #expect(match.isEmpty && match.series == .contact)
        #expect(CustomerMatch.read(Self.reader(["name": "Only a name"])).isEmpty)
    }

    @Test("send-sms phones: distinct normalised numbers in order; each bad one named")
    func phones() {
        let good = Self.reader(["phones": ["0905 000 001", "0905-000-001", ["value": "+84 905 000 002"], 905_000_003]])
        #expect(SendSMS.phones(good) == ["0905000001", "+84905000002", "905000003"])
        #expect(good.errors.isEmpty)
        let bad = Self.reader(["phones": ["12", true, ["type": "Work"]]])
        #expect(SendSMS.phones(bad).isEmpty)
        #expect(
            bad.errors.list.map(\.field) == ["data[0].data.phones[0]", "data[0].data.phones[1]", "data[0].data.phones[2].value"])
        for object: JSONObject in [[:], ["phones": []], ["phones": ""], ["phones": "0905000001"]] {
            let reader = Self.reader(object)
            #expect(SendSMS.phones(reader).isEmpty)
            #expect(reader.errors.list.map(\.field) == ["data[0].data.phones"], "\(object)")
        }
    }
}
