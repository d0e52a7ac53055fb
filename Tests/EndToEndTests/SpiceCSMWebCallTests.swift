import CRM
import CRMHubTesting
import Foundation
import HTTPServer
import JSON
import Testing
import XML

/// spicecsm-web-call-integrations.txt: form POSTs with intUser/intPass; `<users>`, `<userdata>` XML answers with
/// URL-encoded attribute values; userXML account updates; caseXML case updates, idempotent by response id.
@Suite("SpiceCSM web calls")
struct SpiceCSMWebCallTests {
    static let credentials = [("intUser", "spice"), ("intPass", "spice-integration-pass")]

    static func with(_ body: (HelpdeskFixture) async throws -> Void) async throws {
        try await HelpdeskFixture.with { fixture in
            try await fixture.configure("spicecsm", ["enabled": true, "username": "spice", "password": "spice-integration-pass"])
            try await body(fixture)
        }
    }

    func call(
        _ fixture: HelpdeskFixture, _ endpoint: String, _ pairs: [(String, String)], credentials: [(String, String)] = credentials
    )
        async throws -> (status: Int, xml: XMLElement, response: RawResponse)
    {
        let response = try await fixture.post("/integrations/spicecsm/\(fixture.slug)/\(endpoint)", credentials + pairs)
        return (response.status, HelpdeskFixture.xml(response), response)
    }

    /// John Doe of the document's samples, as a CRM contact.
    func johnDoe(_ fixture: HelpdeskFixture) async throws -> (id: Int64, code: String) {
        try await fixture.listener.addCustomField("contact", "Plan", type: "dropdown", options: ["Basic", "Gold"])
        return try await fixture.customer([
            "name": "John", "lastname": "Doe", "contactId": "ext-77", "emails": [["value": "johnd@xyz.net"]],
            "phones": [["type": "Work", "value": "(555) 555-5555"], ["type": "Mobile", "value": "(555) 555-5558"]],
            "addresses": [["street": "123 Fake St.", "city": "Anywhere", "state": "ZZ", "zip": "123456", "country": "US"]],
            "cusFields": [["name": "Plan", "value": "Gold"]],
        ])
    }

    func planFieldID(_ fixture: HelpdeskFixture) async throws -> Int64 {
        try await fixture.rows("SELECT id FROM custom_fields WHERE org_id = \(fixture.orgID) AND name = 'Plan'")[0].decode(0)
    }

    @Test("search: each variable alone finds John Doe, all together too; no match is <users> with no children")
    func search() async throws {
        try await Self.with { fixture in
            let john = try await johnDoe(fixture)
            _ = try await fixture.customer(["name": "Johanna", "lastname": "Other", "emails": [["value": "jo@other.net"]]])
            let plan = try await planFieldID(fixture)
            let variables: [(String, String)] = [
                ("Userkey", john.code), ("FirstName", "john"), ("LastName", "Doe"), ("AddressOne", "123 fake st."),
                ("City", "Anywhere"),
                ("Region", "ZZ"), ("PostalCode", "123456"), ("Country", "US"), ("PrimaryPhone", "555-555-5555"),
                ("Modile", "555 555 5558"),
                ("PrimaryEmail", "JohnD@xyz.net"), ("Status", "Active"), ("AccountID", "ext-77"), ("CustFields", "\(plan)\\gold"),
                ("Password", "ignored"),
            ]
            // Status alone matches every active account and Password is not a criterion: both are tried with others below.
            for variable in variables where variable.0 != "Status" && variable.0 != "Password" {
                let found = try await call(fixture, "search", [variable])
                #expect(found.status == 200 && found.response.header("Content-Type") == "text/xml; charset=utf-8")
                #expect(
                    found.xml.localName == "users"
                        && found.xml.children("user").map { $0.attribute("userkey") } == [Self.encoded(john.code)], "\(variable)")
            }
            let all = try await call(fixture, "search", variables)
            let user = try #require(all.xml.children("user").first)
            #expect(user.attribute("status") == "Active" && user.attribute("name") == "John%20Doe")
            #expect(user.attribute("email") == "johnd%40xyz%2Enet" && user.attribute("phone") == "%28555%29%20555%2D5555")
            #expect(try await call(fixture, "search", [("FirstName", "Jo")]).xml.children("user").count == 2)
            #expect(try await call(fixture, "search", [("Status", "active")]).xml.children("user").count == 2)
            #expect(try await call(fixture, "search", [("Password", "anything")]).xml.children("user").isEmpty)
            for miss in [
                ("FirstName", "Nobody"), ("Userkey", "jdoe"), ("PrimaryEmail", "nobody@xyz.net"),
                ("CustFields", "\(plan)\\Basic"),
                ("CustFields", "999999\\x"), ("Status", "Closed"), ("AddressTwo", "Suite 4"),
            ] {
                let none = try await call(fixture, "search", [("LastName", "Doe"), miss])
                #expect(
                    none.status == 200 && none.xml.localName == "users" && none.xml.children.isEmpty,
                    "\(miss) \(none.response.text)")
            }
            let bad = try await call(fixture, "search", [("CustFields", "Plan=Gold")])
            #expect(bad.status == 400 && bad.xml.localName == "error" && bad.xml.attribute("code") == "invalid-variable")
        }
    }

    @Test("load: <userdata> with <user>, <contacts> and <fielddata>, values encoded as the document shows")
    func load() async throws {
        try await Self.with { fixture in
            let john = try await johnDoe(fixture)
            let plan = try await planFieldID(fixture)
            let loaded = try await call(fixture, "load", [("Userkey", john.code.lowercased())])
            #expect(loaded.status == 200 && loaded.xml.localName == "userdata")
            let user = try #require(loaded.xml.child("user"))
            #expect(user.attribute("userkey") == SpiceCSMWebCallTests.encoded(john.code) && user.attribute("password") == "")
            #expect(user.attribute("status") == "Active" && user.attribute("account") == "ext%2D77")
            let contact = try #require(loaded.xml.child("contacts")?.children("contact").first)
            let expected = [
                "firstname": "John", "lastname": "Doe", "aone": "123%20Fake%20St%2E", "atwo": "", "city": "Anywhere",
                "region": "ZZ", "pc": "123456",
                "country": "US", "pphone": "%28555%29%20555%2D5555", "sphone": "", "pemail": "johnd%40xyz%2Enet", "semail": "",
                "mobile": "%28555%29%20555%2D5558", "fax": "",
            ]
            for (name, value) in expected { #expect(contact.attribute(name) == value, "\(name)") }
            let field = try #require(loaded.xml.child("fielddata")?.children("field").first)
            #expect(field.attribute("id") == String(plan) && field.attribute("value") == "Gold")
            let unknown = try await call(fixture, "load", [("Userkey", "PID-999999")])
            #expect(
                unknown.status == 404 && unknown.xml.localName == "error" && unknown.xml.attribute("code") == "unknown-userkey")
            let missing = try await call(fixture, "load", [])
            #expect(missing.status == 400 && missing.xml.attribute("code") == "missing-variable")
        }
    }

    static func encoded(_ text: String) -> String { text.replacingOccurrences(of: "-", with: "%2D") }

    @Test("account update: the userXML's present attributes change the customer, with a history line; errors name the value")
    func updateAccount() async throws {
        try await Self.with { fixture in
            let john = try await johnDoe(fixture)
            let plan = try await planFieldID(fixture)
            let userXML = """
                <?xml version="1.0" encoding="UTF-8"?> <userdata>
                  <user userkey="\(Self.encoded(john.code))" password="" status="Active" account="" />
                  <contacts>
                     <contact firstname="Johnny" lastname="Doe" atwo="Suite%204" city="Springfield" sphone="%28555%29%20555%2D5556" semail="jd%40home%2Enet" mobile="" />
                  </contacts>
                  <fielddata><field id="\(plan)" value="basic" /></fielddata>
                </userdata>
                """
            let updated = try await call(fixture, "update-account", [("userXML", userXML)])
            #expect(updated.status == 200 && updated.xml.localName == "userdata", "\(updated.response.text)")
            let contact = try #require(updated.xml.child("contacts")?.children("contact").first)
            #expect(contact.attribute("firstname") == "Johnny" && contact.attribute("aone") == "123%20Fake%20St%2E")
            #expect(
                contact.attribute("atwo") == "Suite%204" && contact.attribute("city") == "Springfield"
                    && contact.attribute("mobile") == "")
            #expect(contact.attribute("sphone") == "%28555%29%20555%2D5556" && contact.attribute("semail") == "jd%40home%2Enet")
            #expect(updated.xml.child("fielddata")?.children("field").first?.attribute("value") == "Basic")
            let history = try await fixture.rows(
                """
                SELECT detail::text FROM customer_history WHERE org_id = \(fixture.orgID) AND customer_id = \(john.id) AND event = 'updated'
                """)
            #expect(history.count == 1)
            let detail = try JSONParser.parse(try history[0].decode(0, as: String.self))
            #expect(
                detail["source"] == "spicecsm"
                    && Set(detail["fields"]?.arrayValue?.compactMap(\.stringValue) ?? []) == [
                        "name", "addresses", "phones", "emails", "cusFields",
                    ])
            // The new second email now finds him.
            #expect(try await call(fixture, "search", [("SecondaryEmail", "jd@home.net")]).xml.children("user").count == 1)
            // The same document again changes nothing and writes no second line.
            #expect(try await call(fixture, "update-account", [("userXML", userXML)]).status == 200)
            #expect(
                try await fixture.count(
                    "SELECT count(*) FROM customer_history WHERE org_id = \(fixture.orgID) AND customer_id = \(john.id) AND event = 'updated'"
                ) == 1)

            let invalid = try await call(
                fixture, "update-account",
                [
                    (
                        "userXML",
                        "<userdata><user userkey=\"\(john.code)\"/><contacts><contact pemail=\"nope\"/></contacts></userdata>"
                    )
                ])
            #expect(
                invalid.status == 422 && invalid.xml.attribute("code") == "invalid-value" && invalid.xml.text.contains("pemail"))
            let unknown = try await call(
                fixture, "update-account", [("userXML", "<userdata><user userkey=\"jdoe\"/></userdata>")])
            #expect(unknown.status == 404 && unknown.xml.attribute("code") == "unknown-userkey")
            let malformed = try await call(fixture, "update-account", [("userXML", "<userdata><user userkey=\"x\"></userdata>")])
            #expect(malformed.status == 400 && malformed.xml.attribute("code") == "malformed-xml")
            let other = try await fixture.customer(["name": "Other", "emails": [["value": "other@xyz.net"]]])
            let taken = try await call(
                fixture, "update-account",
                [
                    (
                        "userXML",
                        "<userdata><user userkey=\"\(other.code)\"/><contacts><contact pemail=\"johnd%40xyz%2Enet\"/></contacts></userdata>"
                    )
                ])
            #expect(taken.status == 409 && taken.xml.attribute("code") == "conflict")
        }
    }

    static let contactAttributes = [
        "firstname", "lastname", "aone", "atwo", "city", "region", "pc", "country", "pphone", "sphone", "pemail", "semail",
        "mobile", "fax",
    ]

    /// The `<contact>` of a load, attribute by attribute (values as sent: encoded).
    func loadContact(_ fixture: HelpdeskFixture, _ code: String) async throws -> [String: String] {
        let loaded = try await call(fixture, "load", [("Userkey", code)])
        let contact = try #require(loaded.xml.child("contacts")?.children("contact").first, "\(loaded.response.text)")
        return Dictionary(uniqueKeysWithValues: Self.contactAttributes.map { ($0, contact.attribute($0) ?? "<absent>") })
    }

    @Test(
        "update-account writes each attribute into the slot it names, and \"\" clears only that slot, whatever the customer had")
    func slots() async throws {
        try await Self.with { fixture in
            var serial = 0
            // Customers as listeners create them: only a mobile, nothing but a name, two untyped phones and emails, a home phone.
            let starts: [(String, (Int) -> JSONValue)] = [
                (
                    "only a mobile",
                    { n in ["name": "Mobile", "phones": [["type": "Mobile", "value": .string("0906 100 \(100 + n)")]]] }
                ),
                ("only a name", { _ in ["name": "Bare"] }),
                (
                    "untyped phones and emails",
                    { n in
                        [
                            "name": "Plain",
                            "phones": [["value": .string("0907 200 \(100 + n)")], ["value": .string("0907 300 \(100 + n)")]],
                            "emails": [["value": .string("a\(n)@plain.vn")], ["value": .string("b\(n)@plain.vn")]],
                        ]
                    }
                ),
                (
                    "only a home phone and a home email",
                    { n in
                        [
                            "name": "Home", "phones": [["type": "Home", "value": .string("0908 400 \(100 + n)")]],
                            "emails": [["type": "Home", "value": .string("h\(n)@home.vn")]],
                        ]
                    }
                ),
            ]
            for (label, data) in starts {
                for attribute in Self.contactAttributes {
                    serial += 1
                    let customer = try await fixture.customer(data(serial))
                    let before = try await loadContact(fixture, customer.code)
                    let value: String =
                        switch attribute {
                        case "pphone", "sphone", "mobile", "fax": "0905%20333%20\(400 + serial)"
                        case "pemail", "semail": "slot\(serial)%40spice%2Evn"
                        case "country": "VN"
                        default: "Value\(serial)"
                        }
                    let written = try await call(
                        fixture, "update-account",
                        [
                            (
                                "userXML",
                                "<userdata><user userkey=\"\(customer.code)\"/><contacts><contact \(attribute)=\"\(value)\"/></contacts></userdata>"
                            )
                        ])
                    #expect(written.status == 200, "\(label) \(attribute): \(written.response.text)")
                    var expected = before
                    expected[attribute] = value
                    #expect(try await loadContact(fixture, customer.code) == expected, "\(label): \(attribute) written")
                    guard attribute != "firstname" else { continue }  // a required value: "" leaves it
                    let cleared = try await call(
                        fixture, "update-account",
                        [
                            (
                                "userXML",
                                "<userdata><user userkey=\"\(customer.code)\"/><contacts><contact \(attribute)=\"\"/></contacts></userdata>"
                            )
                        ])
                    #expect(cleared.status == 200, "\(label) \(attribute): \(cleared.response.text)")
                    expected[attribute] = ""
                    #expect(try await loadContact(fixture, customer.code) == expected, "\(label): \(attribute) cleared")
                }
            }
            // The case, and what a search shows for a customer whose only phone is a mobile.
            let mobileOnly = try await fixture.customer(["name": "Lan", "phones": [["type": "Mobile", "value": "0905 111 222"]]])
            let found = try await call(fixture, "search", [("FirstName", "Lan")])
            #expect(found.xml.children("user").first?.attribute("phone") == "0905%20111%20222")
            _ = try await call(
                fixture, "update-account",
                [
                    (
                        "userXML",
                        "<userdata><user userkey=\"\(mobileOnly.code)\"/><contacts><contact sphone=\"0905%20333%20444\"/></contacts></userdata>"
                    )
                ])
            let after = try await loadContact(fixture, mobileOnly.code)
            #expect(after["pphone"] == "" && after["sphone"] == "0905%20333%20444" && after["mobile"] == "0905%20111%20222")
            #expect(
                try await call(fixture, "search", [("FirstName", "Lan")]).xml.children("user").first?.attribute("phone")
                    == "0905%20333%20444")
        }
    }

    @Test("case update: the sample's response becomes a ticket and a note on the customer, once per response id")
    func updateCase() async throws {
        try await Self.with { fixture in
            let john = try await johnDoe(fixture)
            let sample = try String(
                contentsOfFile: Repository.root + "/Tests/HelpdeskTests/Fixtures/spicecsm-case.xml", encoding: .utf8)
            let first = try await call(fixture, "update-case", [("Userkey", john.code), ("caseXML", sample)])
            #expect(
                first.status == 200 && first.xml.localName == "result" && first.xml.attribute("recorded") == "1",
                "\(first.response.text)")
            let tickets = try await fixture.rows(
                """
                SELECT title, status, custom_fields::text, customer_id, external_id FROM tickets WHERE org_id = \(fixture.orgID) AND source = 'spicecsm'
                """)
            #expect(tickets.count == 1)
            #expect(
                try tickets[0].decode(0, as: String.self) == "SpiceCSM case 6344: Browsing"
                    && tickets[0].decode(1, as: String.self) == "open")
            #expect(try tickets[0].decode(3, as: Int64.self) == john.id && tickets[0].decode(4, as: String.self) == "6344")
            let notes = try await fixture.rows(
                "SELECT body FROM notes WHERE org_id = \(fixture.orgID) AND customer_id = \(john.id) AND external_id = '7906'")
            #expect(notes.count == 1)
            let noteBody = try notes[0].decode(0, as: String.self)
            #expect(noteBody.contains("Journal: 13:28:41 - adding a second ticket for case dump testing"))

            let again = try await call(fixture, "update-case", [("Userkey", john.code), ("caseXML", sample)])
            #expect(again.xml.attribute("recorded") == "0" && again.xml.attribute("duplicates") == "1")
            #expect(
                try await fixture.count("SELECT count(*) FROM notes WHERE org_id = \(fixture.orgID) AND source = 'spicecsm'") == 1
            )

            let closing = """
                <tickets><ticket cid="6344" id="7907" tier="2" status="Closed" issue="Browsing" agent="Roe, Jane" journal="fixed" /></tickets>
                """
            #expect(
                try await call(fixture, "update-case", [("Userkey", john.code), ("caseXML", closing)]).xml.attribute("recorded")
                    == "1")
            let ticket = try await fixture.rows(
                "SELECT status, custom_fields->>'Tier' FROM tickets WHERE org_id = \(fixture.orgID) AND source = 'spicecsm'")
            #expect(ticket.count == 1)
            let (status, tier) = try ticket[0].decode((String, String).self)
            #expect(status == "closed" && tier == "2")
            let events = try await fixture.rows(
                """
                SELECT event FROM customer_history WHERE org_id = \(fixture.orgID) AND customer_id = \(john.id) AND detail->>'source' = 'spicecsm' ORDER BY id
                """
            ).map { try $0.decode(0, as: String.self) }
            #expect(events == ["ticket", "note", "note"])

            let malformed = try await call(
                fixture, "update-case",
                [("Userkey", john.code), ("caseXML", "<tickets><ticket cid=\u{201D}6344\u{201D} /></tickets>")])
            #expect(malformed.status == 400 && malformed.xml.attribute("code") == "malformed-xml")
            let noIDs = try await call(
                fixture, "update-case", [("Userkey", john.code), ("caseXML", "<tickets><ticket tier=\"1\"/></tickets>")])
            #expect(noIDs.status == 400 && noIDs.xml.attribute("code") == "malformed-xml")
            let unknown = try await call(fixture, "update-case", [("Userkey", "PID-999999"), ("caseXML", sample)])
            #expect(unknown.status == 404 && unknown.xml.attribute("code") == "unknown-userkey")
        }
    }

    @Test("every call works with multipart/form-data; other bodies are 415 or 400 saying why, never a credentials error")
    func multipartBodies() async throws {
        try await Self.with { fixture in
            let john = try await johnDoe(fixture)
            func call(_ endpoint: String, _ pairs: [(String, String)]) async throws -> (status: Int, xml: XMLElement) {
                let response = try await fixture.postMultipart(
                    "/integrations/spicecsm/\(fixture.slug)/\(endpoint)", Self.credentials + pairs)
                return (response.status, HelpdeskFixture.xml(response))
            }
            let search = try await call("search", [("PrimaryEmail", "johnd@xyz.net")])
            #expect(
                search.status == 200 && search.xml.children("user").map { $0.attribute("userkey") } == [Self.encoded(john.code)])
            let load = try await call("load", [("Userkey", john.code)])
            #expect(load.status == 200 && load.xml.child("contacts")?.children("contact").first?.attribute("firstname") == "John")
            let userXML = "<userdata><user userkey=\"\(john.code)\"/><contacts><contact city=\"Hue\"/></contacts></userdata>"
            let update = try await call("update-account", [("userXML", userXML)])
            #expect(update.status == 200 && update.xml.child("contacts")?.children("contact").first?.attribute("city") == "Hue")
            let sample = try String(
                contentsOfFile: Repository.root + "/Tests/HelpdeskTests/Fixtures/spicecsm-case.xml", encoding: .utf8)
            let caseUpdate = try await call("update-case", [("Userkey", john.code), ("caseXML", sample)])
            #expect(caseUpdate.status == 200 && caseUpdate.xml.attribute("recorded") == "1")
            // Wrong credentials in a multipart body are still 401.
            let wrong = try await fixture.postMultipart(
                "/integrations/spicecsm/\(fixture.slug)/load",
                [("intUser", "spice"), ("intPass", "wrong"), ("Userkey", john.code)])
            #expect(wrong.status == 401)

            let path = "/integrations/spicecsm/\(fixture.slug)/load"
            let form = HelpdeskFixture.form(Self.credentials + [("Userkey", john.code)])
            let json = try await fixture.server.request(
                "POST", path, headers: [("Content-Type", "application/json")], body: "{\"intUser\":\"spice\"}")
            #expect(json.status == 415 && HelpdeskFixture.xml(json).attribute("code") == "unsupported-media-type")
            #expect(HelpdeskFixture.xml(json).text.contains("multipart/form-data"))
            let noBoundary = try await fixture.server.request(
                "POST", path, headers: [("Content-Type", "multipart/form-data")], body: form)
            #expect(noBoundary.status == 400 && HelpdeskFixture.xml(noBoundary).attribute("code") == "malformed-body")
            #expect(HelpdeskFixture.xml(noBoundary).text.contains("boundary"))
            let truncated = try await fixture.server.request(
                "POST", path, headers: [("Content-Type", "multipart/form-data; boundary=b")],
                body: "--b\r\nContent-Disposition: form-data; name=\"intUser\"\r\n\r\nspice\r\n")
            #expect(truncated.status == 400 && HelpdeskFixture.xml(truncated).attribute("code") == "malformed-body")
            // The Sirportly data source reads its form the same way.
            try await fixture.configure("sirportly", ["enabled": true, "public": true])
            let sirportly = try await fixture.postMultipart(
                "/integrations/sirportly/\(fixture.slug)", [("type", "email"), ("data", "johnd@xyz.net")])
            #expect(sirportly.status == 200 && sirportly.text.contains("\"reference\":\"\(john.code)\""), "\(sirportly.text)")
            let sirportlyJSON = try await fixture.server.request(
                "POST", "/integrations/sirportly/\(fixture.slug)", headers: [("Content-Type", "application/json")], body: "{}")
            #expect(sirportlyJSON.status == 415)
        }
    }

    @Test(
        "wrong or missing intUser/intPass, a disabled integration, an address outside the allowlist and an unknown org: one 401")
    func refused() async throws {
        try await Self.with { fixture in
            let john = try await johnDoe(fixture)
            for credentials in [
                [("intUser", "spice"), ("intPass", "wrong-password")],
                [("intUser", "other"), ("intPass", "spice-integration-pass")], [],
            ] {
                for endpoint in ["search", "load", "update-account", "update-case"] {
                    let refused = try await call(fixture, endpoint, [("Userkey", john.code)], credentials: credentials)
                    #expect(
                        refused.status == 401 && refused.xml.localName == "error"
                            && refused.xml.attribute("code") == "authentication-failed")
                }
            }
            #expect(try await call(fixture, "load", [("Userkey", john.code)]).status == 200)
            try await fixture.configure("spicecsm", ["enabled": true, "username": "spice", "ip_allowlist": ["203.0.113.0/24"]])
            let outside = try await call(fixture, "load", [("Userkey", john.code)])
            #expect(outside.status == 401 && outside.xml.attribute("code") == "authentication-failed")
            try await fixture.configure("spicecsm", ["enabled": false, "username": "spice"])
            #expect(try await call(fixture, "load", [("Userkey", john.code)]).xml.attribute("code") == "authentication-failed")
            let response = try await fixture.post(
                "/integrations/spicecsm/no-such-org/load", Self.credentials + [("Userkey", john.code)])
            #expect(response.status == 401 && HelpdeskFixture.xml(response).attribute("code") == "authentication-failed")
        }
    }

    @Test("behind a trusted proxy the allowlist checks the X-Forwarded-For client")
    func trustedProxy() async throws {
        try await HelpdeskFixture.with(configure: { $0.trustedProxies = [CIDR("127.0.0.1/32")!] }) { fixture in
            try await fixture.configure(
                "spicecsm",
                [
                    "enabled": true, "username": "spice", "password": "spice-integration-pass",
                    "ip_allowlist": ["203.0.113.0/24"],
                ])
            let path = "/integrations/spicecsm/\(fixture.slug)/search"
            let direct = try await fixture.post(path, Self.credentials + [("FirstName", "x")])
            #expect(direct.status == 401 && !HelpdeskFixture.xml(direct).text.contains("127.0.0.1"))
            let outside = try await fixture.post(
                path, Self.credentials + [("FirstName", "x")], headers: [("X-Forwarded-For", "198.51.100.1")])
            #expect(outside.status == 401)
            let inside = try await fixture.post(
                path, Self.credentials + [("FirstName", "x")], headers: [("X-Forwarded-For", "203.0.113.9")])
            #expect(inside.status == 200 && HelpdeskFixture.xml(inside).localName == "users")
        }
    }
}
