import Testing

@testable import HTTPServer

/// POST variables in either encoding (RFC 7578 multipart/form-data, WHATWG urlencoded), and the errors for what
/// is neither.
@Suite("Form bodies")
struct FormBodyTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let contentType: String?
        let body: String
        let expect: Result<[String], FormBody.Problem>
        var testDescription: String { name }
    }

    static let multipart = "multipart/form-data; boundary=XyZ"

    static let cases: [Case] = [
        Case(
            name: "urlencoded", contentType: "application/x-www-form-urlencoded", body: "a=1&b=two+words&c=%C3%A9",
            expect: .success(["a=1", "b=two words", "c=é"])),
        Case(name: "no Content-Type is urlencoded", contentType: nil, body: "a=1", expect: .success(["a=1"])),
        Case(
            name: "urlencoded with a charset", contentType: "Application/X-WWW-Form-Urlencoded; charset=UTF-8", body: "a=1",
            expect: .success(["a=1"])),
        Case(
            name: "multipart: two fields, a file part, an empty value", contentType: multipart,
            body: "--XyZ\r\nContent-Disposition: form-data; name=\"intUser\"\r\n\r\nspice\r\n"
                + "--XyZ\r\nContent-Disposition: form-data; name=\"caseXML\"; filename=\"case.xml\"\r\nContent-Type: text/xml\r\n\r\n<a>\r\n</a>\r\n"
                + "--XyZ\r\ncontent-disposition: form-data; name=empty\r\n\r\n\r\n--XyZ--\r\n",
            expect: .success(["intUser=spice", "caseXML=<a>\r\n</a>", "empty="])),
        Case(
            name: "multipart: quoted boundary, preamble, padding after the boundary, UTF-8",
            contentType: "multipart/form-data; boundary=\"a;b\"",
            body: "ignored preamble\r\n--a;b  \r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nNguyễn\r\n--a;b--",
            expect: .success(["n=Nguyễn"])),
        Case(
            name: "multipart without a boundary", contentType: "multipart/form-data", body: "",
            expect: .failure(.malformed("the Content-Type has no boundary parameter (1 to 70 characters)"))),
        Case(
            name: "multipart without the closing boundary", contentType: multipart,
            body: "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1",
            expect: .failure(.malformed("the body ends before the closing boundary '--XyZ--'"))),
        Case(
            name: "multipart part without a name", contentType: multipart,
            body: "--XyZ\r\nContent-Disposition: attachment\r\n\r\n1\r\n--XyZ--",
            expect: .failure(.malformed("a part's Content-Disposition is not form-data with a name"))),
        Case(
            name: "multipart part without header fields", contentType: multipart, body: "--XyZ\r\n\r\n1\r\n--XyZ--",
            expect: .failure(.malformed("a part has no Content-Disposition header field"))),
        Case(
            name: "multipart body with another boundary", contentType: multipart, body: "--other\r\n\r\n--other--",
            expect: .failure(.malformed("no part starts with the boundary 'XyZ'"))),
        Case(
            name: "JSON is not a form", contentType: "application/json", body: "{}",
            expect: .failure(.unsupportedMediaType("application/json"))),
        Case(
            name: "text/xml is not a form", contentType: "text/xml; charset=utf-8", body: "<a/>",
            expect: .failure(.unsupportedMediaType("text/xml"))),
    ]

    @Test("form bodies by Content-Type", arguments: cases)
    func decode(_ test: Case) {
        let result = Result { () throws(FormBody.Problem) in
            try FormBody.fields(contentType: test.contentType, body: Array(test.body.utf8)).map { "\($0.name)=\($0.value)" }
        }
        #expect(result == test.expect)
    }

    @Test("the messages say what is accepted and what is wrong, with 415 or 400")
    func messages() {
        let unsupported = FormBody.Problem.unsupportedMediaType("application/json")
        #expect(unsupported.status == 415 && unsupported.message.contains("multipart/form-data"))
        #expect(FormBody.Problem.malformed("x").status == 400)
    }
}
