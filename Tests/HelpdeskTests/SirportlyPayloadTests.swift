import CRM
import JSON
import Testing

@testable import Helpdesk

@Suite("Sirportly data source answers (sirportly-customer-data-sources.txt)")
struct SirportlyPayloadTests {
    static let profile = CustomerProfile(
        id: 7, code: CustomerCode(series: .contact, number: 12), type: 1, name: "Adam", lastname: "Cooke", title: "CTO",
        emails: [.init(type: "Work", value: "adam@atechmedia.com"), .init(type: "Home", value: "adam@home.example")],
        phones: [.init(type: "Work", value: "+44 20 7946 0000")],
        im: [.init(type: "Facebook", value: "adam.cooke"), .init(type: "Other", value: "@adamcooke")],
        addresses: [
            ["type": "Work", "street": "1 High St", "city": "London", "country": ["code": "GB", "name": "United Kingdom"]]
        ],
        websites: ["atechmedia.com"], tags: ["vip"],
        customFields: ["Account Number": "123123123", "company": "Shadow", "Seats": 5, "Empty": ""],
        contactID: nil, company: "aTech Media", dateOfBirth: nil, createdAt: "2026-03-04T05:06:07.000Z")

    @Test("the record variables, every contact method, custom data in the three shapes")
    func document() {
        let deals = [CustomerActivity(id: 3, title: "Renewal", status: "Proposal", amount: "5000 GBP", date: "2026-12-01")]
        let tickets = [CustomerActivity(id: 9, title: "Login fails", status: "open", amount: nil, date: "2026-11-20")]
        let document = SirportlyPayload.document(
            Self.profile, searched: .init(type: "email", data: "Adam@ATechMedia.com"), timezone: "Europe/London", deals: deals,
            tickets: tickets)
        #expect(
            document["contact_methods"] == [
                "email": ["Adam@ATechMedia.com", "adam@home.example"], "telephone": ["+44 20 7946 0000"],
                "facebook": ["adam.cooke"],
                "other": ["@adamcooke"],
            ])
        #expect(document["first_name"] == "Adam" && document["last_name"] == "Cooke" && document["reference"] == "PID-12")
        #expect(document["company"] == "aTech Media" && document["timezone"] == "Europe/London")
        #expect(document["Account Number"] == "123123123" && document["Seats"] == "5" && document["Empty"] == nil)
        // A custom field named like a record variable does not replace it.
        #expect(document["CRM company"] == "Shadow")
        #expect(document["Customer type"] == "Account" && document["Customer since"] == "2026-03-04")
        #expect(document["Details"] == ["Title": "CTO", "Tags": "vip", "Websites": "atechmedia.com"])
        #expect(
            document["Addresses"] == [["Type": "Work", "Street": "1 High St", "City": "London", "Country": "United Kingdom"]])
        #expect(
            document["Open deals"] == [["Deal": "Renewal", "Stage": "Proposal", "Value": "5000 GBP", "Close date": "2026-12-01"]])
        #expect(
            document["Recent tickets"] == [["Ticket": "#9", "Subject": "Login fails", "Status": "open", "Opened": "2026-11-20"]])
    }

    @Test(
        "the searched method is always listed, under the searched type",
        arguments: [
            ("twitter", "@AdamCooke", "twitter", ["@AdamCooke"]), ("phone", "+442079460000", "phone", ["+442079460000"]),
            ("facebook", "Adam.Cooke", "facebook", ["Adam.Cooke"]),
        ])
    func searchedListed(type: String, data: String, key: String, values: [String]) {
        let methods = SirportlyPayload.contactMethods(Self.profile, searched: .init(type: type, data: data))
        #expect(methods[key] == .array(values.map(JSONValue.string)))
    }

    @Test("a contact method's type decides how it is looked up")
    func lookups() {
        #expect(SirportlyContactMethod(type: "email", data: " Adam@ATechMedia.com ") == .email("adam@atechmedia.com"))
        #expect(SirportlyContactMethod(type: "email", data: "adam") == SirportlyContactMethod.none)
        #expect(SirportlyContactMethod(type: "telephone", data: "+44 (20) 7946-0000") == .phone("+442079460000"))
        guard case .handles(let handles) = SirportlyContactMethod(type: "twitter", data: "@AdamCooke") else {
            Issue.record("twitter is an IM handle")
            return
        }
        #expect(
            handles.contains(.init(type: "Twitter", value: "@AdamCooke"))
                && handles.contains(.init(type: "Other", value: "adamcooke")))
        guard case .handles(let facebook) = SirportlyContactMethod(type: "facebook", data: "adam.cooke") else { return }
        #expect(facebook.first == .init(type: "Facebook", value: "adam.cooke"))
    }
}
