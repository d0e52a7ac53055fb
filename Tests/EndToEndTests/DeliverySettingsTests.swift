import CRM
import CRMHubTesting
import JSON
import Postgres
import Testing

@Suite("admin API: delivery settings")
struct DeliverySettingsTests {
    static let key = String(repeating: "5a", count: 32)

    @Test("SMTP settings: saved with the password encrypted, shown without it, kept when left out, removed by DELETE")
    func smtp() async throws {
        try await AdminFixture.with(configure: { $0.secretKey = Self.key }) { fixture in
            let slug = try await fixture.makeOrg("dlv")
            let path = "/admin/v1/orgs/\(slug)/delivery/smtp"
            #expect(try await fixture.call("GET", path).status == 404)
            let saved = try await fixture.call(
                "PUT", path,
                body: [
                    "host": "smtp.example.com", "username": "crm@htk.vn", "password": "app-pässword",
                    "from_address": "crm@htk.vn",
                    "from_name": "Công ty HTK",
                ])
            #expect(saved.status == 200, "\(saved.json)")
            #expect(saved.json["port"] == 587 && saved.json["security"] == "starttls" && saved.json["password_set"] == true)
            #expect(
                saved.json["password"] == nil && !String(decoding: saved.response.body, as: UTF8.self).contains("app-pässword"))
            let stored = try await fixture.server.database.platformQuery(
                """
                SELECT secret, config::text FROM delivery_settings d JOIN orgs o ON o.id = d.org_id WHERE o.slug = \(slug)
                """
            ).rows[0]
            let sealed = try stored.decode(0, as: [UInt8].self)
            #expect(sealed.count == 12 + "app-pässword".utf8.count + 16)
            #expect(!(try stored.decode(1, as: String.self)).contains("pässword"))

            let kept = try await fixture.call(
                "PUT", path,
                body: [
                    "host": "smtp2.example.com", "port": 2525, "security": "tls", "username": "crm@htk.vn",
                    "from_address": "crm@htk.vn",
                ])
            #expect(kept.status == 200 && kept.json["password_set"] == true && kept.json["host"] == "smtp2.example.com")
            let cleared = try await fixture.call(
                "PUT", path, body: ["host": "relay.local", "password": nil, "from_address": "crm@htk.vn"])
            #expect(cleared.status == 200 && cleared.json["password_set"] == false)
            #expect(try await fixture.call("DELETE", path).status == 204)
            #expect(try await fixture.call("DELETE", path).status == 404)
        }
    }

    @Test("bad settings are one 422 naming every field; a username needs a password")
    func validation() async throws {
        try await AdminFixture.with(configure: { $0.secretKey = Self.key }) { fixture in
            let slug = try await fixture.makeOrg("dlv")
            let smtp = try await fixture.call(
                "PUT", "/admin/v1/orgs/\(slug)/delivery/smtp",
                body: [
                    "port": 70000, "security": "ssl", "from_address": "not-an-address", "username": "u", "extra": 1,
                ])
            #expect(smtp.status == 422)
            let fields = Set((smtp.json["errors"]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue })
            #expect(fields == ["host", "port", "security", "from_address", "password", "extra"], "\(smtp.json)")
            let sms = try await fixture.call(
                "PUT", "/admin/v1/orgs/\(slug)/delivery/sms",
                body: [
                    "url": "http://sms.example/send", "body_template": "{phone}: {txt}", "auth": "basic", "username": "api",
                ])
            #expect(sms.status == 422)
            let problems = (sms.json["errors"]?.arrayValue ?? []).map {
                "\($0["field"]?.stringValue ?? ""): \($0["message"]?.stringValue ?? "")"
            }
            #expect(problems.contains { $0.hasPrefix("body_template:") && $0.contains("{txt}") }, "\(problems)")
            #expect(problems.contains { $0.hasPrefix("secret:") }, "\(problems)")
            #expect(try await fixture.call("GET", "/admin/v1/orgs/\(slug)/delivery/sms").status == 404)
        }
    }

    @Test("without CRMHUB_SECRET_KEY a secret is refused with 422 naming the field; settings without one are fine")
    func noKey() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg("dlv")
            let refused = try await fixture.call(
                "PUT", "/admin/v1/orgs/\(slug)/delivery/sms",
                body: [
                    "provider": "twilio", "account_sid": "AC123", "from": "+15005550006", "secret": "token",
                ])
            #expect(refused.status == 422)
            #expect(refused.json["errors"]?[0]?["field"] == "secret")
            #expect(refused.json["errors"]?[0]?["message"]?.stringValue?.contains("CRMHUB_SECRET_KEY") == true)
            let open = try await fixture.call(
                "PUT", "/admin/v1/orgs/\(slug)/delivery/sms",
                body: [
                    "url": "https://sms.example/send", "body_template": #"{"to":"{phone}","text":"{text}"}"#,
                ])
            #expect(open.status == 200 && open.json["secret_set"] == false && open.json["method"] == "POST", "\(open.json)")
        }
    }

    @Test("settings that stop using a secret (SMS auth none, SMTP without username) drop the stored one")
    func secretDroppedWhenUnused() async throws {
        try await AdminFixture.with(configure: { $0.secretKey = Self.key }) { fixture in
            let slug = try await fixture.makeOrg("dlv")
            let sms = "/admin/v1/orgs/\(slug)/delivery/sms"
            let twilio = try await fixture.call(
                "PUT", sms,
                body: [
                    "provider": "twilio", "account_sid": "AC123", "from": "+15005550006", "secret": "token",
                ])
            #expect(twilio.status == 200 && twilio.json["secret_set"] == true, "\(twilio.json)")
            let open = try await fixture.call(
                "PUT", sms,
                body: [
                    "url": "https://sms.example/send", "body_template": #"{"to":"{phone}","text":"{text}"}"#,
                ])
            #expect(open.status == 200 && open.json["secret_set"] == false, "\(open.json)")
            let smtp = "/admin/v1/orgs/\(slug)/delivery/smtp"
            let withLogin = try await fixture.call(
                "PUT", smtp,
                body: [
                    "host": "smtp.example.com", "username": "crm@htk.vn", "password": "app-password",
                    "from_address": "crm@htk.vn",
                ])
            #expect(withLogin.status == 200 && withLogin.json["password_set"] == true)
            let anonymous = try await fixture.call("PUT", smtp, body: ["host": "relay.local", "from_address": "crm@htk.vn"])
            #expect(anonymous.status == 200 && anonymous.json["password_set"] == false, "\(anonymous.json)")
            #expect(
                try await fixture.server.database.platformQuery(
                    """
                    SELECT count(*) FROM delivery_settings d JOIN orgs o ON o.id = d.org_id WHERE o.slug = \(slug) AND d.secret IS NOT NULL
                    """
                ).rows[0].decode(0, as: Int.self) == 0)
        }
    }

    @Test("a listener's welcome template with an unknown placeholder is 422 naming the field and the placeholder")
    func unknownPlaceholder() async throws {
        try await AdminFixture.with { fixture in
            let slug = try await fixture.makeOrg("dlv")
            let created = try await fixture.call(
                "POST", "/admin/v1/orgs/\(slug)/listeners",
                body: [
                    "name": "Website",
                    "welcome_email": [
                        "enabled": true, "from": "a@b.vn", "subject": "Hi {{firstname}}", "body": "Xin chào {{fullname}}",
                    ],
                    "welcome_sms": ["enabled": true, "body": "Mã {{code}}"],
                ])
            #expect(created.status == 422)
            let errors = (created.json["errors"]?.arrayValue ?? []).map {
                ($0["field"]?.stringValue ?? "", $0["message"]?.stringValue ?? "")
            }
            #expect(errors.map(\.0) == ["welcome_email.subject", "welcome_sms.body"], "\(created.json)")
            #expect(errors.first?.1.contains("{{firstname}}") == true && errors.last?.1.contains("{{code}}") == true)
        }
    }

    @Test("the customer's values are HTML-escaped in an HTML welcome body, not in its subject or in an SMS")
    func htmlEscaping() async throws {
        try await ListenerFixture.with(listener: [
            "welcome_email": [
                "enabled": true, "from": "hello@htklabs.com", "subject": "Chào {{name}}", "body": "<p>Xin chào {{fullname}}</p>",
            ],
            "welcome_sms": ["enabled": true, "body": "Chào {{name}}"],
        ]) { fixture in
            let result = try await fixture.send([
                (
                    "add-contact",
                    [
                        "name": "Tom & <Jerry>", "lastname": "O'Brien", "emails": [["value": "tom@x.vn"]],
                        "phones": [["value": "0905000003"]],
                    ]
                )
            ])
            #expect(result.status == 200, "\(result.json)")
            let rows = try await fixture.rows(
                "SELECT channel, subject, body FROM outbox WHERE org_id = \(fixture.orgID) ORDER BY id"
            )
            .map { try $0.decode((String, String?, String).self) }
            #expect(rows.count == 2)
            #expect(
                rows.first?.1 == "Chào Tom & <Jerry>" && rows.first?.2 == "<p>Xin chào Tom &amp; &lt;Jerry&gt; O&#39;Brien</p>")
            #expect(rows.last?.0 == "sms" && rows.last?.2 == "Chào Tom & <Jerry>")
        }
    }
}
