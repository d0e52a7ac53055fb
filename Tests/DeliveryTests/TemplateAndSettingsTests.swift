import CRM
import HTTPClient
import JSON
import NetworkClient
import Testing

@testable import Delivery

@Suite("templates, SMS requests and delivery settings")
struct TemplateAndSettingsTests {
    @Test("welcome placeholders render; unknown ones are found; JSON braces are not placeholders")
    func placeholders() {
        let welcome = MessageTemplate("Xin chào {{fullname}} ({{customerId}}) {{nmae}} {{ x }}", syntax: .doubleBraces)
        #expect(welcome.placeholders == ["fullname", "customerId", "nmae"])
        #expect(welcome.unknownPlaceholders(known: MessageTemplate.welcomeFields) == ["nmae"])
        #expect(
            welcome.render { $0 == "fullname" ? "Nguyễn An" : $0 == "customerId" ? "7" : nil }
                == "Xin chào Nguyễn An (7)  {{ x }}")
        let json = MessageTemplate(#"{"to":"{phone}","text":"{text}","n":{"a":1}}"#, syntax: .singleBraces)
        #expect(json.placeholders == ["phone", "text"])
    }

    @Test("values in an HTML body are escaped; a plain body is not HTML")
    func html() {
        #expect(MessageTemplate.isHTML("<p>Hello {{name}}</p>") && MessageTemplate.isHTML("\n  <!DOCTYPE html><html></html>"))
        #expect(!MessageTemplate.isHTML("Price < 5 and > 3") && !MessageTemplate.isHTML("Hi <b>Ann</b>"))
        let rendered = MessageTemplate("<p>{{name}}</p>", syntax: .doubleBraces).render(escape: MessageTemplate.escapeHTML) { _ in
            "<script>\"Tom & 'Jerry'\""
        }
        #expect(rendered == "<p>&lt;script&gt;&quot;Tom &amp; &#39;Jerry&#39;&quot;</p>")
    }

    @Test("an SMS body is JSON-escaped for JSON and form-encoded for forms")
    func smsBodies() throws {
        let json = try SMSSettings.parse([
            "url": "http://127.0.0.1:9/sms", "body_template": #"{"to":"{phone}","text":"{text}","ref":"{message_id}"}"#,
        ]).get()
        let sender = SMSSender(settings: json, secret: nil, client: HTTPClient(tls: try ClientTLSFixture.make()))
        let body = sender.render(phone: "84901234567", text: "Chào \"An\"\nhẹn gặp", key: "outbox-1-2")
        #expect(try JSONParser.parse(body) == ["to": "84901234567", "text": "Chào \"An\"\nhẹn gặp", "ref": "outbox-1-2"])
        let twilio = try SMSSettings.parse(["provider": "twilio", "account_sid": "AC1", "from": "+15005550006"]).get()
        let form = SMSSender(settings: twilio, secret: "t", client: HTTPClient(tls: try ClientTLSFixture.make()))
        #expect(
            form.render(phone: "+84901234567", text: "Chào An & co", key: "k")
                == "To=%2B84901234567&From=%2B15005550006&Body=Ch%C3%A0o+An+%26+co")
        #expect(twilio.endpoint == "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json")
    }

    @Test("provider message ids come from sid, id or message_id")
    func providerIDs() {
        #expect(SMSSender.messageID(Array(#"{"sid":"SM123","status":"queued"}"#.utf8)) == "SM123")
        #expect(SMSSender.messageID(Array(#"{"id":42}"#.utf8)) == "42")
        #expect(SMSSender.messageID(Array("OK".utf8)) == nil)
        #expect(EmailSender.queueID("2.0.0 Ok: queued as 4B2C1A") == "4B2C1A")
        #expect(EmailSender.queueID("OK") == nil)
    }

    @Test("bad settings name every field")
    func validation() {
        guard
            case .failure(.invalid(let smtp)) = SMTPSettings.parse([
                "port": 0, "security": "ssl", "from_address": "nope", "hots": "x",
            ])
        else {
            Issue.record("accepted")
            return
        }
        #expect(Set(smtp.map(\.field)) == ["hots", "host", "port", "security", "from_address"])
        guard
            case .failure(.invalid(let sms)) = SMSSettings.parse([
                "url": "ftp://x", "body_template": "{phone} {msg}", "auth": "header",
            ])
        else {
            Issue.record("accepted")
            return
        }
        #expect(Set(sms.map(\.field)) == ["url", "body_template", "auth_header"])
        #expect(sms.contains { $0.message.contains("{msg}") })
        guard
            case .failure(.invalid(let clear)) = SMTPSettings.parse(
                ["host": "relay", "security": "none", "username": "u", "from_address": "a@b.vn"])
        else {
            Issue.record("accepted a password in clear")
            return
        }
        #expect(clear.map(\.field) == ["security"])
        let ok = try? SMTPSettings.parse(["host": "smtp.example.com", "security": "tls", "from_address": "a@b.vn"]).get()
        #expect(ok?.port == 465)
    }

    @Test("URLs split into host, port and target; user info and other schemes are refused")
    func urls() {
        let url = HTTPURL("https://api.twilio.com/2010-04-01/Accounts?x=1#frag")
        #expect(
            url?.host == "api.twilio.com" && url?.port == 443 && url?.target == "/2010-04-01/Accounts?x=1" && url?.isTLS == true)
        #expect(HTTPURL("http://[::1]:8080")?.authority == "[::1]:8080")
        #expect(HTTPURL("http://user:pw@host/") == nil && HTTPURL("ftp://host/") == nil && HTTPURL("http://:80/") == nil)
    }

    @Test("secrets open only with the same key and context; tampering is detected")
    func secretBox() throws {
        let box = try SecretBox(keyText: String(repeating: "ab", count: 32))
        let sealed = try box.seal("mật khẩu", context: "delivery:1:email")
        #expect(try box.open(sealed, context: "delivery:1:email") == "mật khẩu")
        #expect(throws: SecretBox.Failure.self) { try box.open(sealed, context: "delivery:2:email") }
        var altered = sealed
        altered[14] ^= 1
        #expect(throws: SecretBox.Failure.self) { try box.open(altered, context: "delivery:1:email") }
        let other = try SecretBox(keyText: String(repeating: "cd", count: 32))
        #expect(throws: SecretBox.Failure.self) { try other.open(sealed, context: "delivery:1:email") }
        #expect(throws: SecretBox.Failure.self) { try SecretBox(keyText: "short") }
    }
}

enum ClientTLSFixture {
    static func make() throws -> ClientTLS { try ClientTLS() }
}
