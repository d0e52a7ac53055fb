import JSON
import Testing
import XML

@testable import CRM
@testable import Helpdesk

@Suite("SpiceCSM caseXML, userXML and search variables (spicecsm-web-call-integrations.txt)")
struct SpiceCSMDocumentTests {
    @Test("the Case Update sample: one response of case 6344 with every documented attribute")
    func caseSample() throws {
        let responses = try CaseResponse.parse(try XMLDocumentParser.parse(HelpdeskSamples.text("spicecsm-case.xml")))
        #expect(responses.count == 1)
        let response = try #require(responses.first)
        #expect(response.caseID == "6344" && response.responseID == "7906")
        #expect(
            response.value("agent") == "Doe, John" && response.value("date") == "1/27/06 1:27:51 PM"
                && response.value("sid") == "2")
        #expect(response.ticketStatus == "open")
        #expect(response.ticketTitle == "SpiceCSM case 6344: Browsing")
        #expect(
            response.noteBody == """
                SpiceCSM case 6344, response 7906 (tier 1, In Progress, by Doe, John, on 1/27/06 1:27:51 PM)

                Journal: 13:28:41 - adding a second ticket for case dump testing
                """)
        let fields = try JSONParser.parse(response.ticketFieldsJSON)
        #expect(
            fields["SpiceCSM case"] == "6344" && fields["Tier"] == "1" && fields["Status ID"] == "2"
                && fields["Assigned agent"] == nil)
    }

    @Test("the sample as printed (curly quotes, // comments) is not XML")
    func printedSample() {
        let printed =
            "<?xml version=\"1.0\" ?>\n<tickets>\n<ticket cid=\u{201D}6344\u{201D} //the SpiceCSM parent case ID\nid=\"7906\" /> </tickets>"
        #expect(throws: XMLSyntaxError.self) { try XMLDocumentParser.parse(printed) }
    }

    @Test(
        "a ticket without its case or response id, or another root, is malformed",
        arguments: [
            "<tickets><ticket id=\"1\"/></tickets>", "<tickets><ticket cid=\"1\" id=\"\"/></tickets>", "<users/>",
        ])
    func malformedCase(text: String) throws {
        #expect(throws: SpiceCSMError.self) { try CaseResponse.parse(try XMLDocumentParser.parse(text)) }
    }

    @Test(
        "case status text becomes the CRM ticket status",
        arguments: [
            ("In Progress", "open"), ("Closed", "closed"), ("Resolved", "solved"), ("Pending Customer", "pending"), ("", "open"),
        ])
    func statuses(status: String, expected: String) {
        #expect(CaseResponse(caseID: "1", responseID: "2", attributes: ["status": status]).ticketStatus == expected)
    }

    @Test("every search variable, with the document's spellings SecondayPhone and Modile; Password is not used")
    func searchVariables() throws {
        let variables = try SearchVariables([
            ("intUser", "spice"), ("intPass", "x"), ("Userkey", "pid-12"), ("FirstName", "John"), ("LastName", "Doe"),
            ("AddressOne", "123 Fake St."), ("AddressTwo", "Suite 4"), ("City", "Anywhere"), ("Region", "ZZ"),
            ("PostalCode", "123456"),
            ("Country", "US"), ("PrimaryPhone", "(555) 555-5555"), ("SecondayPhone", "555 555 5556"),
            ("PrimaryEmail", "JohnD@xyz.net"),
            ("SecondaryEmail", "j@xyz.net"), ("Fax", "555-555-5557"), ("Modile", "555.555.5558"), ("Password", "secret"),
            ("Status", "Active"), ("AccountID", "ext-9"), ("CustFields", "1\\Anything, 7\\Gold"),
        ])
        var expected = CustomerSearch()
        expected.code = CustomerCode(series: .contact, number: 12)
        (expected.firstName, expected.lastName, expected.street, expected.street2) = ("John", "Doe", "123 Fake St.", "Suite 4")
        (expected.city, expected.region, expected.postalCode, expected.country) = ("Anywhere", "ZZ", "123456", "US")
        expected.phones = ["5555555555", "5555555556", "5555555557", "5555555558"]
        expected.emails = ["johnd@xyz.net", "j@xyz.net"]
        (expected.status, expected.contactID) = ("Active", "ext-9")
        #expect(variables.search == expected)
        #expect(variables.customFieldIDs.map(\.id) == [1, 7] && variables.customFieldIDs.map(\.value) == ["Anything", "Gold"])
    }

    @Test("only variables with data are used; a Userkey that is not a customer code or a bad email matches nothing")
    func absentAndImpossible() throws {
        #expect(try SearchVariables([("FirstName", ""), ("intUser", "u")]).search.isEmpty)
        #expect(try SearchVariables([("Userkey", "jdoe")]).search.impossible)
        #expect(try SearchVariables([("Userkey", "CID-1")]).search.impossible)
        #expect(try SearchVariables([("Userkey", "LID-3")]).search.code == CustomerCode(series: .lead, number: 3))
        #expect(try SearchVariables([("PrimaryEmail", "not-an-email")]).search.impossible)
        #expect(try SearchVariables([("Mobile", "555 555 5558")]).search.phones == ["5555555558"])
        #expect(throws: SpiceCSMError.self) { try SearchVariables([("CustFields", "Anything")]) }
        #expect(throws: SpiceCSMError.self) { try SearchVariables([("CustFields", "x\\Anything")]) }
    }

    @Test("the load sample read as an account update: URL-encoded values decoded, only present attributes applied")
    func accountUpdate() throws {
        let update = try AccountUpdate(try XMLDocumentParser.parse(HelpdeskSamples.text("spicecsm-load.xml")))
        #expect(update.userkey == "johnd" && update.account == "")
        let profile = CustomerProfile(
            id: 1, code: CustomerCode(series: .contact, number: 1), type: 0, name: "Jon", lastname: nil, title: nil,
            emails: [.init(type: "Work", value: "old@xyz.net"), .init(type: "Home", value: "second@xyz.net")],
            phones: [.init(type: "Mobile", value: "0905 000 001")], im: [], addresses: [], websites: [], tags: [],
            customFields: JSONObject(), contactID: nil, company: nil, dateOfBirth: nil, createdAt: "2026-01-01T00:00:00.000Z")
        let definition = CustomFieldStore.Definition(
            id: 1, entity: .contact, name: "Plan", type: .text, options: [], required: false)
        let fields = try update.fields(for: profile, definitions: [definition])
        #expect(fields.name == "John" && fields.lastname == "Doe" && fields.contactID == nil)
        #expect(fields.emails?.map { $0.value } == ["johnd@xyz.net"])
        // mobile="" removes the mobile; pphone and sphone are the same number, kept once.
        #expect(fields.phones?.map { $0.value } == ["(555) 555-5555"])
        let address = try JSONParser.parse(try #require(fields.addressesJSON))
        #expect(address == [["type": "Other", "street": "123 Fake St.", "city": "Anywhere", "state": "ZZ", "zip": "123456"]])
        #expect(try JSONParser.parse(try #require(fields.customFieldsJSON)) == ["Plan": "Anything"])
    }

    @Test("an account sent back as loaded changes nothing")
    func roundTrip() throws {
        let profile = CustomerProfile(
            id: 1, code: CustomerCode(series: .contact, number: 4), type: 0, name: "Huy", lastname: nil, title: nil,
            emails: [
                .init(type: "Home", value: "a@x.net"), .init(type: "Work", value: "b@x.net"),
                .init(type: "Other", value: "c@x.net"),
            ],
            phones: [
                .init(type: "Mobile", value: "0905 000 001"), .init(type: "Work", value: "(555) 555-5555"),
                .init(type: "Fax", value: "555 555 5557"),
            ],
            im: [],
            addresses: [["type": "Work", "street": "1 Main St", "city": "Hue", "country": ["code": "VN", "name": "Viet Nam"]]],
            websites: [], tags: [], customFields: ["Plan": "Gold"], contactID: "ext-1", company: nil, dateOfBirth: nil,
            createdAt: "")
        let definition = CustomFieldStore.Definition(
            id: 3, entity: .contact, name: "Plan", type: .text, options: [], required: false)
        let loaded = SpiceCSMXML.userdata(profile, fields: [(3, "Gold")])
        let fields = try AccountUpdate(try XMLDocumentParser.parse(loaded)).fields(for: profile, definitions: [definition])
        #expect(fields.name == "Huy" && fields.lastname == nil && fields.phones == nil && fields.emails == nil)
        #expect(fields.contactID == "ext-1")
        #expect(try JSONParser.parse(try #require(fields.addressesJSON)) == .array(profile.addresses.map(JSONValue.object)))
        #expect(try JSONParser.parse(try #require(fields.customFieldsJSON)) == ["Plan": "Gold"])
    }

    @Test("an unknown field id and a bad email are named in one error")
    func accountUpdateErrors() throws {
        let update = try AccountUpdate(
            try XMLDocumentParser.parse(
                """
                <userdata><user userkey="PID-1"/><contacts><contact pemail="nope"/></contacts><fielddata><field id="99" value="x"/></fielddata></userdata>
                """))
        let profile = CustomerProfile(
            id: 1, code: CustomerCode(series: .contact, number: 1), type: 0, name: "A", lastname: nil, title: nil, emails: [],
            phones: [],
            im: [], addresses: [], websites: [], tags: [], customFields: JSONObject(), contactID: nil, company: nil,
            dateOfBirth: nil,
            createdAt: "")
        do {
            _ = try update.fields(for: profile, definitions: [])
            Issue.record("expected an error")
        } catch {
            #expect(error.status == 422 && error.message.contains("pemail") && error.message.contains("field id '99'"))
        }
        #expect(throws: SpiceCSMError.self) { try AccountUpdate(try XMLDocumentParser.parse("<userdata><user/></userdata>")) }
    }
}
