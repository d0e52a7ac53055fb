import CRM
import Foundation
import JSON
import Testing

@testable import Listener

@Suite("the listener envelope, with the document's samples")
struct EnvelopeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) throws -> JSONValue {
        try JSONParser.parse(Array(try Data(contentsOf: fixtures.appendingPathComponent("\(name).json"))))
    }

    @Test(
        "every corrected sample parses into its action",
        arguments: [
            ("add-contact", ActionType.addContact), ("add-lead", .addLead), ("update-lead", .updateLead),
            ("update-contact", .updateContact), ("add-note-contact", .addNote), ("add-note-deal", .addNote),
            ("add-deal", .addDeal), ("add-ticket", .addTicket), ("send-sms", .sendSMS),
        ])
    func samples(name: String, action: ActionType) throws {
        let envelope = try Envelope.parse(try Self.fixture(name))
        #expect(envelope.items.count == 1)
        #expect(envelope.items[0].action == action && envelope.items[0].error == nil)
        #expect(envelope.senderUser.hasSuffix("@htklabs.com") || envelope.senderUser == "viethuy110@gmail.com")
    }

    @Test("the add-contact sample carries the values the document shows")
    func addContactSample() throws {
        let data = try Envelope.parse(try Self.fixture("add-contact")).items[0].data
        #expect(data["name"]?.stringValue == "Huy")
        #expect(LenientValue.calendarDate(data["dateOfBirth"]!)?.description == "1993-01-01")
        #expect(LenientValue.country(data["addresses"]?.arrayValue?.first?["country"] ?? .null)! == ("VN", nil))
        #expect(Identity.phone(data["phones"]?.arrayValue?.first?["value"]?.stringValue ?? "") == "01234567890")
    }

    @Test(
        "envelope problems refuse the whole request, naming the field",
        arguments: [
            (#"[1]"#, ""), (#"{"data": []}"#, "senderUser"), (#"{"senderUser": "nobody", "data": []}"#, "senderUser"),
            (#"{"senderUser": "a@b.co"}"#, "data"), (#"{"senderUser": "a@b.co", "data": {}}"#, "data"),
        ])
    func envelopeErrors(body: String, field: String) throws {
        do {
            _ = try Envelope.parse(try JSONParser.parse(body))
            Issue.record("accepted \(body)")
        } catch let error as EnvelopeError {
            #expect(error.field.field == field)
        }
    }

    @Test("a bad item is an error for that item only")
    func itemErrors() throws {
        let envelope = try Envelope.parse(
            try JSONParser.parse(
                #"""
                {"senderUser": " Huy.NguyenViet@HTKLabs.com ", "data": [
                  {"actionType": "add-contact", "data": {"name": "A"}},
                  {"actionType": "delete-everything", "data": {}},
                  {"actionType": "add-lead"},
                  "nonsense",
                  {"actionType": "ADD-TICKET", "data": {"body": "b"}}
                ]}
                """#))
        #expect(envelope.senderUser == "huy.nguyenviet@htklabs.com")
        #expect(envelope.items.map(\.action) == [.addContact, nil, nil, nil, .addTicket])
        #expect(envelope.items.compactMap(\.error?.field) == ["data[1].actionType", "data[2].data", "data[3]"])
        #expect(envelope.items[1].error?.message.contains("delete-everything") == true)
    }
}
