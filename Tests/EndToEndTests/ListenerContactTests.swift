import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing

@Suite("listener: add-contact and update-contact")
struct ListenerContactTests {
    @Test("the document's add-contact sample creates PID-1 with every field, the default tag and channel, and a history line")
    func addContactSample() async throws {
        try await ListenerFixture.with(listener: [
            "name": "Website", "default_tag": "webhook-default", "default_contact_channel": "Web Contact Form",
        ]) { fixture in
            let result = try await fixture.post(try ListenerFixture.sample("add-contact"))
            #expect(result.status == 200, "\(result.json)")
            #expect(result.json["status"] == "ok")
            let item = try #require(result.json["results"]?[0])
            #expect(item["outcome"] == "created")
            #expect(item["records"]?[0]?["customerId"] == "PID-1")
            #expect(item["records"]?[0]?["kind"] == "contact")
            let row = try #require(
                try await fixture.rows(
                    """
                    SELECT name, lastname, title, passport, gender, bg_info, date_of_birth::text, emails::text, phones::text,
                        addresses->0->'country'->>'code', websites->0->>'value', im->0->>'protocol', permit->>'status', tags, channel, type
                    FROM customers WHERE org_id = \(fixture.orgID) AND kind = 'contact'
                    """
                ).first)
            #expect(try row.decode(0, as: String.self) == "Huy")
            #expect(try row.decode(1, as: String?.self) == "Nguyen")
            #expect(try row.decode(2, as: String?.self) == "This is title")
            #expect(try row.decode(3, as: String?.self) == "1945295865")
            #expect(try row.decode(4, as: Int.self) == 1)
            #expect(try row.decode(5, as: String?.self) == "Thành viên AntBuddy")
            #expect(try row.decode(6, as: String?.self) == "1993-01-01")
            #expect(try row.decode(7, as: String.self) == #"[{"type": "Other", "value": "huy.nguyen@htklabs.com"}]"#)
            #expect(try row.decode(8, as: String.self) == #"[{"type": "Other", "value": "01234567890"}]"#)
            #expect(try row.decode(9, as: String?.self) == "VN")
            #expect(try row.decode(10, as: String?.self) == "htk-inc.com")
            #expect(try row.decode(11, as: String?.self) == "Facebook")
            #expect(try row.decode(12, as: String?.self) == "1")
            #expect(try row.decode(13, as: [String].self) == ["webhook-default"])
            #expect(try row.decode(14, as: String?.self) == "Web Contact Form")
            #expect(try row.decode(15, as: Int.self) == 0)
            let history = try await fixture.rows(
                """
                SELECT event, detail->>'listener', listener_request_id FROM customer_history WHERE org_id = \(fixture.orgID)
                """)
            #expect(history.count == 1)
            #expect(try history[0].decode(0, as: String.self) == "created")
            #expect(try history[0].decode(1, as: String?.self) == "Website")
            #expect(try history[0].decode(2, as: Int64?.self) == result.json["listenerRequestId"]?.intValue.map(Int64.init))
        }
    }

    @Test(
        "a duplicate by passport, email (any case) or phone (any spelling) creates nothing and adds a history line",
        arguments: [
            #"{"name": "Again", "passport": "1945-295 865"}"#,
            #"{"name": "Again", "emails": [{"value": "HUY.Nguyen@HTKLABS.com"}]}"#,
            #"{"name": "Again", "phones": [{"type": "Mobile", "value": "0123 456 7890"}]}"#,
        ])
    func duplicates(payload: String) async throws {
        try await ListenerFixture.with(listener: ["default_tag": "vip"]) { fixture in
            let first = try await fixture.post(try ListenerFixture.sample("add-contact"))
            #expect(first.status == 200)
            let again = try await fixture.send([("add-contact", try JSONParser.parse(payload))])
            #expect(again.status == 200, "\(again.json)")
            #expect(again.json["results"]?[0]?["outcome"] == "matched-existing")
            #expect(again.json["results"]?[0]?["records"]?[0]?["customerId"] == "PID-1")
            #expect(try await fixture.count("SELECT count(*) FROM customers WHERE org_id = \(fixture.orgID)") == 1)
            let events = try await fixture.rows(
                "SELECT event FROM customer_history WHERE org_id = \(fixture.orgID) ORDER BY id"
            ).map { try $0.decode(0, as: String.self) }
            #expect(events == ["created", "duplicate"])
            // The existing customer keeps its own data: no default tag added, name unchanged.
            let row = try await fixture.rows("SELECT name, tags FROM customers WHERE org_id = \(fixture.orgID)")[0]
            #expect(try row.decode(0, as: String.self) == "Huy")
            #expect(try row.decode(1, as: [String].self) == ["vip"])
        }
    }

    @Test("the payload's tag wins over the default tag; the payload's channel is ignored for the listener's")
    func tagAndChannel() async throws {
        try await ListenerFixture.with(listener: ["default_tag": "vip", "default_contact_channel": "Phone"]) { fixture in
            let result = try await fixture.send([
                ("add-contact", ["name": "A", "tag": "hot, from-web , hot", "channel": "Kite Chat"]),
                ("add-contact", ["name": "B"]),
            ])
            #expect(result.status == 200, "\(result.json)")
            let rows = try await fixture.rows("SELECT tags, channel FROM customers WHERE org_id = \(fixture.orgID) ORDER BY code")
            #expect(try rows[0].decode(0, as: [String].self) == ["hot", "from-web"])
            #expect(try rows[0].decode(1, as: String?.self) == "Phone")
            #expect(try rows[1].decode(0, as: [String].self) == ["vip"])
        }
    }

    @Test("companyContact is matched by name, then emails, then phones, else created; an account gets no company")
    func company() async throws {
        try await ListenerFixture.with { fixture in
            let result = try await fixture.send([
                ("add-contact", ["name": "A", "companyContact": ["name": "Google", "emails": [["value": "crm@google.com"]]]]),
                ("add-contact", ["name": "B", "companyContact": ["name": "GOOGLE "]]),
                ("add-contact", ["name": "C", "companyContact": ["name": "Alphabet", "emails": [["value": "CRM@google.com"]]]]),
                ("add-contact", ["name": "D", "companyContact": ["name": "Beeiq", "phones": [["value": "0906613999"]]]]),
                ("add-contact", ["name": "E", "type": 1, "companyContact": ["name": "Ignored"]]),
            ])
            #expect(result.status == 200, "\(result.json)")
            let records = (0..<5).map { result.json["results"]?[$0]?["records"] }
            #expect(records[0]?[1]?["customerId"] == "CID-1" && records[0]?[1]?["outcome"] == "created")
            #expect(records[1]?[1]?["customerId"] == "CID-1" && records[1]?[1]?["outcome"] == "matched-existing")
            #expect(records[2]?[1]?["customerId"] == "CID-1")
            #expect(records[3]?[1]?["customerId"] == "CID-2")
            #expect(records[4]?[0]?["kind"] == "account" && records[4]?[1] == nil)
            let links = try await fixture.rows(
                """
                SELECT c.name, co.code FROM customers c LEFT JOIN customers co ON co.org_id = c.org_id AND co.id = c.company_id
                WHERE c.org_id = \(fixture.orgID) AND c.kind = 'contact' ORDER BY c.code
                """
            ).map { (try $0.decode(0, as: String.self), try $0.decode(1, as: Int64?.self)) }
            #expect(links.map(\.1) == [1, 1, 1, 2, nil])
        }
    }

    @Test("welcome email and SMS are queued, rendered, only for new customers with an email or phone")
    func welcome() async throws {
        try await ListenerFixture.with(listener: [
            "welcome_email": [
                "enabled": true, "from": "hello@htklabs.com", "subject": "Welcome {{name}}",
                "body": "Xin chào {{fullname}}, mã {{customerId}}",
            ],
            "welcome_sms": ["enabled": true, "body": "Hi {{name}}"],
        ]) { fixture in
            let result = try await fixture.send([
                (
                    "add-contact",
                    ["name": "Huy", "lastname": "Nguyen", "emails": [["value": "huy@x.vn"]], "phones": [["value": "0905000001"]]]
                ),
                ("add-contact", ["name": "Only phone", "phones": [["value": "0905000002"]]]),
                ("add-contact", ["name": "Nothing"]),
                ("add-contact", ["name": "Again", "emails": [["value": "HUY@x.vn"]]]),
            ])
            #expect(result.status == 200, "\(result.json)")
            let rows = try await fixture.rows(
                """
                SELECT channel, reason, recipient, sender, subject, body, status FROM outbox WHERE org_id = \(fixture.orgID) ORDER BY id
                """
            ).map { try $0.decode((String, String, String, String?, String?, String, String).self) }
            #expect(rows.count == 3)
            #expect(rows[0].0 == "email" && rows[0].1 == "welcome-email" && rows[0].2 == "huy@x.vn" && rows[0].6 == "queued")
            #expect(
                rows[0].3 == "hello@htklabs.com" && rows[0].4 == "Welcome Huy" && rows[0].5 == "Xin chào Huy Nguyen, mã PID-1")
            #expect(rows[1].0 == "sms" && rows[1].2 == "0905000001" && rows[1].5 == "Hi Huy")
            #expect(rows[2].0 == "sms" && rows[2].2 == "0905000002")
        }
    }

    @Test(
        "update-contact sample: found by passport after its customerId matched nothing; only sent fields change; history lists them"
    )
    func updateContactSample() async throws {
        try await ListenerFixture.with { fixture in
            try await fixture.addGroup("Nhom test")
            try await fixture.addCustomField("contact", "Referred By")
            _ = try await fixture.post(try ListenerFixture.sample("add-contact"))
            let result = try await fixture.post(try ListenerFixture.sample("update-contact"))
            #expect(result.status == 200, "\(result.json)")
            let item = try #require(result.json["results"]?[0])
            #expect(item["outcome"] == "updated")
            #expect(item["records"]?[0]?["customerId"] == "PID-1")
            #expect(item["records"]?[1]?["kind"] == "company" && item["records"]?[1]?["outcome"] == "created")
            let row = try await fixture.rows(
                """
                SELECT lastname, date_of_birth::text, tags, permit->>'group', custom_fields->>'Referred By', company_id IS NOT NULL, title
                FROM customers WHERE org_id = \(fixture.orgID) AND kind = 'contact'
                """)[0]
            #expect(try row.decode(0, as: String?.self) == "Nguyen Viet")
            #expect(try row.decode(1, as: String?.self) == "1993-01-02")
            #expect(try row.decode(2, as: [String].self) == ["webhook"])
            #expect(try row.decode(3, as: String?.self) == "Nhom test")
            #expect(try row.decode(4, as: String?.self) == "Cong Nguyen")
            #expect(try row.decode(5, as: Bool.self))
            #expect(try row.decode(6, as: String?.self) == "This is title")
            let changed = try await fixture.rows(
                """
                SELECT detail->'fields' FROM customer_history WHERE org_id = \(fixture.orgID) AND event = 'updated'
                """)[0].decode(0, as: String.self)
            for field in ["lastname", "dateOfBirth", "tag", "permit", "cusFields", "company"] {
                #expect(changed.contains("\"\(field)\""))
            }
            #expect(!changed.contains("\"title\""))
        }
    }

    @Test(
        "update-contact: by customerId first; an identifier is required; no match, wrong series or a taken email is an error that writes nothing"
    )
    func updateRules() async throws {
        try await ListenerFixture.with { fixture in
            _ = try await fixture.send([
                ("add-contact", ["name": "A", "emails": [["value": "a@x.vn"]]]),
                ("add-contact", ["name": "B", "emails": [["value": "b@x.vn"]]]),
            ])
            let result = try await fixture.send([
                ("update-contact", ["customerId": "PID-2", "emails": [["value": "a@x.vn"]], "title": "Boss"]),
                ("update-contact", ["name": "A", "title": "x"]),
                ("update-contact", ["customerId": "PID-99"]),
                ("update-contact", ["customerId": "LID-1"]),
                ("update-contact", ["customerId": "pid-2", "title": "Chief", "emails": [["value": "b2@x.vn"]]]),
                ("update-contact", ["emails": [["value": "B2@x.vn"]], "gender": "female"]),
            ])
            #expect(result.status == 207, "\(result.json)")
            let outcomes = (0..<6).map { result.json["results"]?[$0]?["outcome"]?.stringValue }
            #expect(outcomes == ["error", "error", "error", "error", "updated", "updated"])
            #expect(result.json["results"]?[0]?["errors"]?[0]?["field"] == "data[0].data.emails")
            #expect(result.json["results"]?[0]?["errors"]?[0]?["message"]?.stringValue?.contains("PID-1") == true)
            #expect(result.json["results"]?[1]?["errors"]?[0]?["field"] == "data[1].data")
            #expect(result.json["results"]?[3]?["errors"]?[0]?["field"] == "data[3].data.customerId")
            let rows = try await fixture.rows(
                """
                SELECT title, emails->0->>'value', gender FROM customers WHERE org_id = \(fixture.orgID) ORDER BY code
                """
            ).map { try $0.decode((String?, String?, Int).self) }
            #expect(rows[0] == (nil, "a@x.vn", 2))
            #expect(rows[1] == ("Chief", "B2@x.vn", 1))
            // The identity moved with the email: the old one no longer finds B, the new one does.
            #expect(
                try await fixture.count(
                    """
                    SELECT count(*) FROM customer_identities WHERE org_id = \(fixture.orgID) AND kind = 'email' AND value = 'b@x.vn'
                    """) == 0)
        }
    }
}
