import CRM
import JSON
import Listener
import Testing

@testable import Admin

/// The admin API's field rules without a server: each bad field is named with its rule, and everything else passes.
@Suite("Admin validation")
struct AdminValidationTests {
    /// The fields named by a `CRMError.invalid`, or nil for another outcome.
    static func fields(_ body: () throws -> Void) -> [String]? {
        do {
            try body()
            return []
        } catch CRMError.invalid(let errors) {
            return errors.map(\.field)
        } catch {
            return nil
        }
    }

    @Test(
        "slugs: 2–63 lower-case letters, digits or '-', not starting with '-'",
        arguments: [
            ("ab", true), ("htk-labs", true), ("a1-", true), (String(repeating: "a", count: 63), true),
            ("a", false), ("-ab", false), ("Ab", false), ("a_b", false), ("a b", false), ("ấb", false),
            (String(repeating: "a", count: 64), false), ("", false),
        ])
    func slug(text: String, valid: Bool) {
        #expect(Validation.isSlug(text) == valid)
    }

    @Test(
        "time zones: UTC or an IANA name's shape",
        arguments: [
            ("UTC", true), ("Asia/Ho_Chi_Minh", true), ("America/Argentina/Buenos_Aires", true), ("Etc/GMT+7", true),
            ("utc", false), ("Asia", false), ("asia/Saigon", false), ("A/B/C/D", false), ("Asia//X", false),
            ("Asia/Ho Chi", false),
        ])
    func timeZone(text: String, valid: Bool) {
        #expect(Validation.isTimeZone(text) == valid)
    }

    @Test(
        "emails: one @, a dotted domain, no white space",
        arguments: [
            ("a@b.co", true), ("huy.nguyenviet@htklabs.com", true),
            ("a@b", false), ("@b.co", false), ("a@.co", false), ("a@b.co.", false), ("a b@c.co", false), ("a@b@c.co", false),
        ])
    func email(text: String, valid: Bool) {
        #expect(Validation.isEmail(text) == valid)
    }

    @Test("a field reader names every bad field once, with its prefix, and refuses unknown fields")
    func fieldReader() throws {
        var reader = FieldReader(["name": 5, "slug": "ok", "extra": true], prefix: "owner")
        reader.allowOnly(["name", "slug", "email"])
        _ = reader.string("name", required: true)
        _ = reader.string("email", required: true)
        #expect(reader.string("slug", pattern: Validation.isSlug, rule: "must be a slug") == "ok")
        #expect(Set(reader.errors.map(\.field)) == ["owner.extra", "owner.name", "owner.email"])
        #expect(Self.fields { try reader.finish() }?.count == 3)
    }

    @Test("a platform token needs a name and nothing else")
    func platformToken() throws {
        #expect(try AdminValidation.newPlatformToken(["name": "ci"]) == "ci")
        #expect(Self.fields { _ = try AdminValidation.newPlatformToken([:]) } == ["name"])
        #expect(Self.fields { _ = try AdminValidation.newPlatformToken(["name": "x", "scope": "all"]) } == ["scope"])
    }

    @Test(
        "a new listener: name required; allowlist entries, sender addresses and placeholders checked",
        arguments: [
            (#"{"name": "Web"}"#, []),
            (#"{}"#, ["name"]),
            (#"{"name": "Web", "ip_allowlist": ["10.0.0.0/33"]}"#, ["ip_allowlist[0]"]),
            (
                #"{"name": "Web", "welcome_email": {"from": "nobody", "subject": "Hi {{nmae}}"}}"#,
                ["welcome_email.from", "welcome_email.subject"]
            ),
            (#"{"name": "Web", "welcome_sms": {"body": "{{fullname}}", "extra": 1}}"#, ["welcome_sms.extra"]),
            (#"{"name": "Web", "welcome_sms": "on"}"#, ["welcome_sms"]),
            (#"{"name": "Web", "colour": "red"}"#, ["colour"]),
        ])
    func newListener(body: String, fields: [String]) throws {
        let object = try #require(try JSONParser.parse(Array(body.utf8)).objectValue)
        #expect(
            Set(Self.fields { _ = try ListenerURLsHandler.read(object, creating: true) } ?? ["(not CRMError.invalid)"])
                == Set(fields))
    }
}
