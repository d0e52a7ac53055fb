import CRM
import HTTPServer
import Testing

@testable import CIOPulse

@Suite("CIOPulse PUT payloads (ciopulse-contacts-api.txt, \"Adding or Updating Contacts\")")
struct ContactPayloadTests {
    static func parse(_ text: String) -> Result<CIOPulseContact.Changes, CIOPulseError> { ContactPayload.parse(Array(text.utf8)) }

    @Test("the document's payload sets every field it names; job_title null means 'no value'")
    func documentPayload() throws {
        let changes = try Self.parse(
            """
            {
            "first_name": "Tim",
            "last_name": "Test",
            "job_title": null,
            "email": "tim.test@example.com",
            "mobile": "+61411112233"
            }
            """
        ).get()
        #expect(
            changes
                == CIOPulseContact.Changes(
                    firstName: "Tim", lastName: "Test", jobTitle: .some(nil), email: "tim.test@example.com",
                    mobile: "+61411112233"))
    }

    @Test("an omitted field is left alone, null clears, a value sets: {\"mobile\": \"+61444111222\",\"job_title\": null}")
    func updatePayload() throws {
        let changes = try Self.parse(#"{"mobile": "+61444111222","job_title": null}"#).get()
        #expect(changes.mobile == .some("+61444111222"))
        #expect(changes.jobTitle == .some(nil))
        #expect(changes.firstName == nil && changes.lastName == nil && changes.email == nil)
        let before = CIOPulseContact(
            systemID: "S", firstName: "Tim", lastName: "Test", jobTitle: "Agent", email: "t@example.com", mobile: "+61411112233")
        let after = before.applying(changes)
        #expect(
            after
                == CIOPulseContact(
                    systemID: "S", firstName: "Tim", lastName: "Test", jobTitle: nil, email: "t@example.com",
                    mobile: "+61444111222"))
        #expect(before.changedFields(changes) == ["job_title", "mobile"])
    }

    @Test("JSON escapes are ordinary JSON: backslash and \\u00e9")
    func escapes() throws {
        let changes = try Self.parse(#"{"first_name": "Ren\u00e9e", "job_title": "Ops \\ Support"}"#).get()
        #expect(changes.firstName == .some("Renée"))
        #expect(changes.jobTitle == .some(#"Ops \ Support"#))
    }

    @Test(
        "400 with a message naming the problem",
        arguments: [
            (#"{"first_name": "Tim", "nickname": "T"}"#, "Unknown field 'nickname'"),
            (#"{"first_name": null}"#, "first_name is mandatory and cannot be null"),
            (#"{"last_name": ""}"#, "last_name cannot be empty"),
            (#"{"email": null}"#, "email is mandatory and cannot be null"),
            (#"{"email": "not-an-address"}"#, "email is not a valid email address"),
            (#"{"first_name": 5}"#, "first_name must be a string or null, not number"),
            (#"{"mobile": "0411112233"}"#, "mobile must start with \"+\""),
            (#"{"job_title": "a\u0000b"}"#, "job_title cannot contain the NUL character"),
            (#"{"job_title": NULL}"#, "The JSON payload is malformed"),
            (#"{"first_name": 'Tim'}"#, "The JSON payload is malformed"),
            (#"{"first_name": "Tim",}"#, "The JSON payload is malformed"),
            (#"[{"first_name": "Tim"}, {"first_name": "Ann"}]"#, "may only contain information for a single Contact"),
            (#"{"first_name": "Tim"}{"first_name": "Ann"}"#, "may only contain information for a single Contact"),
            (#"{"first_name": "Tim"},{"first_name": "Ann"}"#, "may only contain information for a single Contact"),
            (#""Tim""#, "must be a JSON object"),
            ("", "The JSON payload is missing"),
        ])
    func problems(body: String, message: String) {
        guard case .failure(let error) = Self.parse(body) else {
            Issue.record("\(body) was accepted")
            return
        }
        #expect(error.status == 400)
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test("every problem of a payload is named in one message")
    func severalProblems() {
        guard case .failure(let error) = Self.parse(#"{"first_name": null, "email": "x", "extra": 1}"#) else {
            Issue.record("accepted")
            return
        }
        #expect(error.message.contains("Unknown field 'extra'"))
        #expect(error.message.contains("first_name is mandatory"))
        #expect(error.message.contains("email is not a valid"))
    }

    @Test("a new contact needs first_name, last_name and email, each named when missing")
    func mandatoryOnCreate() throws {
        #expect(
            ContactPayload.missingForCreate(try Self.parse(#"{"first_name":"A","last_name":"B","email":"a@b.co"}"#).get()) == nil)
        let missing = ContactPayload.missingForCreate(try Self.parse(#"{"last_name":"B","mobile":"+61411112233"}"#).get())
        #expect(
            missing
                == CIOPulseError(
                    400, "first_name is mandatory when adding a new Contact; email is mandatory when adding a new Contact"))
    }

    @Test(
        "valid email addresses",
        arguments: [
            "tim@example.com", "Tim.Test+cio@Example.COM", "a@b.co", "o'brien@example.ie", "jos\u{E9}@exampl\u{E9}.fr",
            "x_y-z@sub.example.co.uk",
        ])
    func validEmails(address: String) { #expect(EmailAddress.isValid(address)) }

    @Test(
        "invalid email addresses",
        arguments: [
            "", "tim", "tim@", "@example.com", "tim@example", "tim@@example.com", "ti m@example.com", "tim@exa mple.com",
            ".tim@example.com", "tim.@example.com", "ti..m@example.com", "tim@-example.com", "tim@example-.com",
            "tim@example..com", "tim@1.2", "tim@example.com ", "a@b@c.com", #"ti\m@example.com"#, "tim@[127.0.0.1]",
        ])
    func invalidEmails(address: String) { #expect(!EmailAddress.isValid(address)) }
}

@Suite("CIOPulse mobile numbers: \"+\", a country code, the number without its leading zero")
struct MobileNumberTests {
    @Test(
        "accepted",
        arguments: [
            "+61411112233", "+61444111222", "+14155550123", "+447911123456", "+84905000001", "+33612345678",
            "+6591234567", "+420601123456",
        ])
    func accepted(number: String) { #expect(CallingCode.isInternationalNumber(number)) }

    @Test(
        "refused",
        arguments: [
            "0411112233", "61411112233", "+610411112233", "+440791112345", "+61 411 112 233", "+61-411-112-233",
            "+(61)411112233", "+61411112233x", "++61411112233", "+", "+61", "+6141", "+0411112233", "+1234567890123456",
            "+280123456789", "\u{FF0B}61411112233",
        ])
    func refused(number: String) { #expect(!CallingCode.isInternationalNumber(number)) }

    @Test(
        "country codes are found by the longest assigned prefix",
        arguments: [
            ("61411112233", "61"), ("14155550123", "1"), ("2250701234567", "225"), ("79161234567", "7"), ("420601123456", "420"),
        ])
    func codes(digits: String, code: String) { #expect(CallingCode.prefix(of: Substring(digits)) == Substring(code)) }
}

@Suite("CIOPulse HTTP Basic credentials (RFC 7617)")
struct BasicCredentialsTests {
    @Test("the document's portal code and key")
    func documentCredentials() {
        // base64_encode('ABC123' . ':' . 'SMzYECYJYLpNw8PrfX8EtPO2tcP0XaKJvZ4FW5VL')
        let header = "Basic QUJDMTIzOlNNellFQ1lKWUxwTnc4UHJmWDhFdFBPMnRjUDBYYUtKdlo0Rlc1Vkw="
        #expect(
            BasicCredentials(authorization: header)
                == BasicCredentials(user: "ABC123", password: "SMzYECYJYLpNw8PrfX8EtPO2tcP0XaKJvZ4FW5VL"))
        #expect(
            BasicCredentials(authorization: "basic  QUJDMTIzOlNNellFQ1lKWUxwTnc4UHJmWDhFdFBPMnRjUDBYYUtKdlo0Rlc1Vkw")?.user
                == "ABC123")
    }

    @Test(
        "not Basic credentials",
        arguments: [
            "", "Basic", "Basic ", "Bearer QUJDMTIzOng=", "Basic QUJDMTIz", "Basic QUJD*TIzOng=", "Basic Q",
            "Basic QUJDMTIzOng===",
            "BasicQUJDMTIzOng=", "Basic /w==",
        ])
    func refused(header: String) { #expect(BasicCredentials(authorization: header) == nil) }

    @Test("an IP allowlist refuses addresses outside it with 403; an empty one lets everyone in; a suspended org is 423")
    func access() {
        let open = CIOPulseStore.Opened(orgID: 1, ipAllowlist: [], orgStatus: .active, contact: nil)
        #expect(CIOPulseAccess.refusal(open, client: IPAddress("198.51.100.7")) == nil)
        let listed = CIOPulseStore.Opened(orgID: 1, ipAllowlist: ["203.0.113.0/24"], orgStatus: .active, contact: nil)
        #expect(CIOPulseAccess.refusal(listed, client: IPAddress("203.0.113.9")) == nil)
        #expect(CIOPulseAccess.refusal(listed, client: IPAddress("198.51.100.7"))?.status == 403)
        #expect(CIOPulseAccess.refusal(listed, client: nil)?.status == 403)
        let suspended = CIOPulseStore.Opened(orgID: 1, ipAllowlist: [], orgStatus: .suspended, contact: nil)
        #expect(CIOPulseAccess.refusal(suspended, client: IPAddress("198.51.100.7"))?.status == 423)
    }

    @Test("errors are {\"message\": …, \"status\": …} as the document shows")
    func errorBody() {
        #expect(
            String(decoding: CIOPulseError.unauthorized.body, as: UTF8.self)
                == #"{"message":"Invalid security credentials","status":401}"#)
        let failed = CIOPulseError.transactionFailed(requestID: "req-1").response
        #expect(failed.status == 500)
        #expect(String(decoding: failed.body, as: UTF8.self).contains("req-1"))
        #expect(failed.headers["Content-Type"] == "application/json")
    }
}
