import CRM
import JSON
import Testing

@testable import Listener

/// The contact points, addresses and other lists of a customer payload, and the welcome messages' templates.
@Suite("customer payload")
struct CustomerPayloadTests {
    static func reader(_ json: String) throws -> PayloadReader {
        PayloadReader(object: try #require(try JSONParser.parse(json).objectValue), path: "d", errors: FieldErrors())
    }

    @Test("emails: objects or strings, types checked, blanks skipped, the same address once, keys lower-cased")
    func emails() throws {
        let reader = try Self.reader(
            #"""
            {"emails": [{"type": "work", "value": " A@X.vn "}, "b@x.vn", {"value": ""}, {"value": "a@x.VN"}, {"type": "Fax", "value": "c@x.vn"}, {"value": "nope"}]}
            """#)
        let points = try #require(CustomerPayload.emails(reader))
        #expect(
            points == [
                ContactPoint(type: "Work", value: "A@X.vn", key: "a@x.vn"),
                ContactPoint(type: "Other", value: "b@x.vn", key: "b@x.vn"),
                ContactPoint(type: "Other", value: "c@x.vn", key: "c@x.vn"),
            ])
        #expect(reader.errors.list.map(\.field) == ["d.emails[4].type", "d.emails[5].value"])
    }

    @Test("phones: spellings of one number are one key; absent stays nil, [] clears")
    func phones() throws {
        let reader = try Self.reader(
            #"{"phones": [{"value": "0905 000-001"}, {"value": "(0905) 000.001"}, {"value": "+84 905 000 001"}, 905000002]}"#)
        let keys = try #require(CustomerPayload.phones(reader)).map(\.key)
        #expect(keys == ["0905000001", "+84905000001", "905000002"])
        #expect(reader.errors.isEmpty)
        #expect(CustomerPayload.phones(try Self.reader("{}")) == nil)
        #expect(CustomerPayload.phones(try Self.reader(#"{"phones": []}"#)) == [])
        let wrong = try Self.reader(#"{"phones": "0905000001"}"#)
        #expect(CustomerPayload.phones(wrong) == nil && wrong.errors.list.map(\.field) == ["d.phones"])
    }

    @Test("addresses keep their parts and a country as a code, a name or an object; websites and IM as lists")
    func lists() throws {
        let reader = try Self.reader(
            #"""
            {"addresses": [{"street": "58 Ton That Dam", "zip": 5100000, "country": "VN"}, {"type": "Home", "country": "Viet Nam"}, {}],
             "websites": [{"value": "htk-inc.com"}, "", "beeiq.co"], "im": [{"protocol": "skype", "value": "huy"}, {"protocol": "ICQ", "value": "x"}]}
            """#)
        #expect(
            CustomerPayload.addresses(reader)
                == #"[{"type":"Other","street":"58 Ton That Dam","zip":"5100000","country":{"code":"VN"}},{"type":"Home","country":{"name":"Viet Nam"}}]"#
        )
        #expect(CustomerPayload.websites(reader) == #"[{"value":"htk-inc.com"},{"value":"beeiq.co"}]"#)
        #expect(
            CustomerPayload.instantMessaging(reader) == #"[{"protocol":"Skype","value":"huy"},{"protocol":"Other","value":"x"}]"#)
        #expect(reader.errors.list.map(\.field) == ["d.im[1].protocol"])
    }

    @Test("welcome templates are filled; without an email there is no welcome email")
    func welcome() {
        var fields = CustomerFields()
        fields.name = "Huy"
        fields.phones = [ContactPoint(type: "Other", value: "0905 000 001", key: "0905000001")]
        let listener = ListenerURL(
            id: 1, orgID: 1, name: "L", welcomeEmailEnabled: true, welcomeEmailFrom: "a@b.co", welcomeEmailSubject: "Hi",
            welcomeEmailBody: "Hello {{name}}", welcomeSMSEnabled: true,
            welcomeSMSBody: "{{fullname}} is {{customerId}}, {{phone}}{{email}}")
        let messages = Welcome.messages(
            for: CustomerRef(id: 9, code: CustomerCode(series: .contact, number: 4), type: 0), fields: fields, listener: listener)
        #expect(messages.count == 1)
        #expect(messages.first?.channel == .sms && messages.first?.body == "Huy is PID-4, 0905000001")
        #expect(messages.first?.recipient == "0905000001" && messages.first?.customerID == 9)
    }
}
